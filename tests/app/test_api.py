"""The HTTP API (rag/app/api.py, guard.py, openai_chat.py, schema.py) on real uvicorn servers on
127.0.0.1, over the real seed index, driven by the real ``openai`` client (streamed and not) and
httpx; and ``python -m rag serve`` itself as a process (chat UI at /, the API beside it).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from conftest import ROOT, SEEDS
from crashkit import copy_index
from rag import Answer, Citation, Engine, Settings, Verification
from rag.app.schema import contract_model
from rag.app.serve import check_exposure, create_app
from rag.errors import ConfigError

QUESTION = "How many joint activities does the Serbia-Hungary plan include?"
KEY = "test-key-0123456789abcdef"


@contextmanager
def server(app: Any) -> Iterator[str]:
    """``app`` on real uvicorn, on a free port of 127.0.0.1, in a thread; yields the base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started and time.monotonic() < end:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def base(engine: Engine, seed_settings: Settings) -> Iterator[str]:
    """The API (no UI) over the session's seed engine, no keys (loopback)."""
    with server(create_app(seed_settings, ui=False, engine=engine)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0, timeout=60)


def _check_annotations(content: str, message: Any, engine: Engine, base: str) -> list[dict[str, Any]]:
    """Every annotation covers a [n] marker and its URL serves the article at the exact quote."""
    extra = message if isinstance(message, dict) else message.model_dump()
    citations = {c["n"]: c for c in extra["citations"]}
    annotations = extra["annotations"]
    assert annotations and citations
    for a in annotations:
        assert a["type"] == "url_citation"
        u = a["url_citation"]
        n = int(re.fullmatch(r"\[(\d+)\]", content[u["start_index"]:u["end_index"]]).group(1))  # type: ignore[union-attr]
        cite = citations[n]
        assert u["title"] == cite["title"]
        assert engine.article_text(cite["source"])[cite["start"]:cite["end"]] == cite["quote"]
        served = httpx.get(u["url"], timeout=30).json()
        assert served["quote"]["text"] == cite["quote"] and served["article"]["source"] == cite["source"]
        assert u["url"].startswith(base)
    return annotations


# -- OpenAI's format, through the real openai client ---------------------------------------------
def test_openai_client_gets_a_cited_answer_with_annotations(client: openai.OpenAI, engine: Engine,
                                                            base: str) -> None:
    out = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}])
    message = out.choices[0].message
    assert out.model == "extractive" and out.choices[0].finish_reason == "stop"
    assert "79" in (message.content or "") and "[1]" in (message.content or "")
    _check_annotations(message.content or "", message, engine, base)
    assert [m.id for m in client.models.list()] == ["extractive", "auto"]


def test_streamed_answer_is_the_same_text_then_annotations(client: openai.OpenAI, engine: Engine,
                                                           base: str) -> None:
    stream = client.chat.completions.create(model="extractive", stream=True,
                                            messages=[{"role": "user", "content": QUESTION}])
    deltas, last = [], None
    for chunk in stream:
        choice = chunk.choices[0]
        if choice.delta.content:
            deltas.append(choice.delta.content)
        last = choice
    assert len(deltas) >= 3, "the answer should arrive in pieces"
    content = "".join(deltas)
    whole = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}])
    assert content == whole.choices[0].message.content
    assert last is not None and last.finish_reason == "stop"
    _check_annotations(content, last.delta.model_dump(), engine, base)


def test_a_follow_up_uses_the_earlier_turns(client: openai.OpenAI, engine: Engine) -> None:
    """Earlier turns of ``messages`` are the chat history: the follow-up is answered as the library's
    own chat session answers it, and not as the same words asked alone."""
    first, follow_up = "What did Albania, Croatia and Kosovo sign in Tirana?", "When was it signed?"
    answer = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": first}])
    history = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": first},
               {"role": "assistant", "content": answer.choices[0].message.content},
               {"role": "user", "content": follow_up}]
    followed = client.chat.completions.create(model="extractive", messages=history)  # type: ignore[arg-type]
    alone = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": follow_up}])
    chat = engine.chat()
    chat.ask(first, mode="extractive")
    expected = chat.ask(follow_up, mode="extractive")
    assert expected.rewritten_question  # the library rewrote it with the history ...
    assert followed.choices[0].message.content == expected.text  # ... and so did the API
    assert followed.choices[0].message.content != alone.choices[0].message.content


def test_errors_arrive_as_openai_error_objects(client: openai.OpenAI, base: str) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert missing.value.code == "model_not_found" and "GET /v1/models" in missing.value.message
    with pytest.raises(openai.BadRequestError) as empty:
        client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": "  "}])
    assert "type a question" in empty.value.message
    with pytest.raises(openai.BadRequestError) as last:
        client.chat.completions.create(model="extractive", messages=[{"role": "assistant", "content": "Hi"}])
    assert "last message" in last.value.message
    with httpx.Client(base_url=base, timeout=30) as http:
        for method, path, body in (("POST", "/v1/ask", {"questoin": "x"}), ("POST", "/v1/ask", "not json"),
                                   ("GET", "/v1/nothing", None), ("GET", "/v1/articles/nope.txt", None),
                                   ("GET", "/v1/articles/000_4766fbbc71fac3cc.txt?start=5&end=2", None),
                                   ("POST", "/v1/verify", {"text": "x [1]"})):
            r = http.request(method, path, json=body) if isinstance(body, dict) else \
                http.request(method, path, content=body or b"", headers={"content-type": "application/json"})
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
            error = r.json()["error"]
            assert error["message"] and error["type"] and "Traceback" not in r.text, r.text


# -- the JSON contract as REST ---------------------------------------------------------------
def test_ask_is_exactly_the_cli_contract(base: str, engine: Engine) -> None:
    out = httpx.post(f"{base}/v1/ask", json={"question": QUESTION, "k": 4}, timeout=60).json()
    expected = engine.ask(QUESTION, k=4).to_dict()
    assert {k: v for k, v in out.items() if k != "timings_ms"} == \
        {k: v for k, v in expected.items() if k != "timings_ms"}
    contract_model(Answer).model_validate(out)
    flt = httpx.post(f"{base}/v1/ask", json={"question": "Where was the memorandum signed?",
                                             "sources": ["004_619fccd1600e42c9.txt"]}, timeout=60).json()
    assert {p["source"] for p in flt["passages"]} == {"004_619fccd1600e42c9.txt"}


def test_the_schema_is_the_records_types(base: str) -> None:
    """One definition of the fields: the OpenAPI schema's are the dataclasses', and to_dict's keys."""
    schema = httpx.get(f"{base}/openapi.json", timeout=30).json()["components"]["schemas"]
    assert set(schema["Citation"]["properties"]) == {f.name for f in fields(Citation)}
    full = Answer("q", "t [1]", (Citation(1, "s", "t", None, 0, 1, "x"),), (), False, "llm", {"total": 1.0},
                  notice="n", verification=Verification(1, 1, 0), rewritten_question="r")
    assert set(contract_model(Answer).model_fields) == set(full.to_dict())
    contract_model(Answer).model_validate(full.to_dict())
    assert "Answer" in schema and "passages" in schema["Answer"]["properties"]
    assert httpx.get(f"{base}/docs", timeout=30).status_code == 200


def test_search_verify_and_articles(base: str, engine: Engine) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        passages = http.post("/v1/search", json={"question": "Bondarenko", "k": 3}).json()["passages"]
        assert len(passages) == 3 and all(
            engine.article_text(p["source"])[p["start"]:p["end"]] == p["text"] for p in passages)
        listed = http.get("/v1/articles").json()["articles"]
        assert sorted(a["source"] for a in listed) == sorted(p.name for p in SEEDS.glob("*.txt"))
        source = "000_4766fbbc71fac3cc.txt"
        text = (SEEDS / source).read_text(encoding="utf-8")
        start = text.index("79 joint activities")
        one = http.get(f"/v1/articles/{source}", params={"start": start, "end": start + 19}).json()
        assert one["text"] == engine.article_text(source) and one["quote"]["text"] == "79 joint activities"
        claim = "The agreement outlines 79 joint activities. [1] The plan includes 81 tanks. [1]"
        by_question = http.post("/v1/verify", json={"text": claim, "question": QUESTION}).json()
        assert by_question["verification"] == {"checked": 2, "supported": 1, "dropped": 1, "removed": [
            {"text": "The plan includes 81 tanks.", "reason": by_question["checks"][1]["reason"]}]}
        assert "81" in by_question["checks"][1]["reason"]
        cite = by_question["citations"][0]
        assert engine.article_text(cite["source"])[cite["start"]:cite["end"]] == cite["quote"]
        span = {"source": source, "start": max(0, start - 200), "end": start + 200}
        by_span = http.post("/v1/verify", json={"text": claim, "passages": [span]}).json()
        assert by_span["verification"]["supported"] == 1 and by_span["citations"][0]["source"] == source


def test_answers_run_at_once_and_metrics_count_them(base: str) -> None:
    questions = ["Who is Kosovo's defence minister?", "How did Russia react to the alliance?",
                 "Which countries signed the trilateral memorandum?", QUESTION] * 2
    with ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(lambda q: httpx.post(f"{base}/v1/ask", json={"question": q}, timeout=120), questions))
    assert [r.status_code for r in outs] == [200] * 8
    metrics = httpx.get(f"{base}/metrics", timeout=30).text
    assert re.search(r'rag_requests_total\{route="/v1/ask",method="POST",status="200"\} \d+', metrics)
    assert 'rag_request_seconds_bucket{route="/v1/ask",mode="extractive",le="+Inf"}' in metrics
    assert re.search(r"^rag_index_articles 5$", metrics, re.M) and "rag_index_chunks" in metrics
    assert 'rag_request_errors_total{route="/v1/ask"' in metrics or "rag_request_errors_total" in metrics
    assert httpx.get(f"{base}/healthz", timeout=30).json() == {"status": "ok", "articles": 5}


# -- safety: keys, rate limit, body limits, uploads --------------------------------------------
def test_keys_rate_limit_and_body_limit(engine: Engine, seed_settings: Settings) -> None:
    settings = seed_settings.replace(api_keys=f"{KEY},another-key-0123456789", api_rate_per_min=3,
                                     api_max_body_kb=1)
    with server(create_app(settings, ui=False, engine=engine)) as url:
        bare = httpx.get(f"{url}/v1/models")
        assert bare.status_code == 401 and bare.json()["error"]["code"] == "invalid_api_key"
        wrong = openai.OpenAI(base_url=f"{url}/v1", api_key="wrong-key-0123456789abc", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as denied:
            wrong.models.list()
        assert "RAG_API_KEYS" in denied.value.message
        assert httpx.get(f"{url}/metrics").status_code == 401
        assert httpx.get(f"{url}/healthz").status_code == 200  # for load balancers: no data in it
        good = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
        assert good.models.list().data
        big = {"question": "x" * 2000, "k": 3, "sources": ["y" * 100] * 10}
        r = httpx.post(f"{url}/v1/ask", json=big, headers={"authorization": f"Bearer {KEY}"})
        assert r.status_code == 413 and "RAG_API_MAX_BODY_KB" in r.json()["error"]["message"]
        with pytest.raises(openai.RateLimitError) as limited:  # 3 a minute: the 2 above, then 1 or 2 more
            for _ in range(3):
                good.models.list()
        assert "retry in" in limited.value.message
        other = openai.OpenAI(base_url=f"{url}/v1", api_key="another-key-0123456789", max_retries=0)
        assert other.models.list().data  # the limit is per key


def test_exposure_needs_keys_and_a_login(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path, ui_host="0.0.0.0")
    with pytest.raises(ConfigError, match="RAG_API_KEYS"):
        check_exposure(settings, ui=False)
    with pytest.raises(ConfigError, match="RAG_UI_AUTH"):
        check_exposure(settings.replace(api_keys=KEY), ui=True)
    check_exposure(settings.replace(api_keys=KEY, ui_auth="ann:secret"), ui=True)
    check_exposure(settings.replace(ui_host="::1"), ui=True)
    with pytest.raises(ConfigError, match="at least 16"):
        settings.replace(api_keys="short")
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "rag", "serve", "--host", "0.0.0.0", "--port", "9"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and "RAG_API_KEYS" in out.stderr


def test_upload_then_ask_about_it(seed_settings: Settings, embedder: Any, tmp_path: Path) -> None:
    settings = seed_settings.replace(index_dir=copy_index(seed_settings.index_dir, tmp_path / "index"),
                                     max_upload_mb=0.01)
    engine = Engine.open(settings, embedder=embedder)
    article = ("Zorblat Treaty\n\nThe Zorblat treaty on river fishing was signed in Quellmoor on 3 May 2025 "
               "by the ministers Ana Petrovna and Ivo Kral. It limits catches to 40 tonnes a year.\n")
    with server(create_app(settings, ui=False, engine=engine)) as url, httpx.Client(base_url=url, timeout=120) as http:
        r = http.post("/v1/articles", files=[("files", ("zorblat.txt", article.encode())),
                                             ("files", ("tool.exe", b"MZ")),
                                             ("files", ("big.txt", b"a " * 8000))])
        body = r.json()
        assert r.status_code == 200, body
        assert body["stored"] == ["zorblat.txt"] and len(body["rejected"]) == 2
        assert body["report"]["added"] == 1
        out = http.post("/v1/ask", json={"question": "Where was the Zorblat treaty signed?"}).json()
        assert "Quellmoor" in out["answer"] and out["citations"][0]["source"].endswith("zorblat.txt")
        huge = http.post("/v1/articles", files=[("files", (f"a{i}.txt", b"x" * 10_000)) for i in range(30)])
        assert huge.status_code == 413 and huge.json()["error"]["code"] == "request_too_large"


# -- python -m rag serve: the chat UI at /, the API beside it ----------------------------------
def test_serve_command_mounts_the_ui_and_the_api(seed_settings: Settings, tmp_path: Path) -> None:
    index = copy_index(seed_settings.index_dir, tmp_path / "index")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--index", str(index), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        end = time.monotonic() + 180
        while "Serving on" not in log.read_text() and time.monotonic() < end:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.3)
        url = f"http://127.0.0.1:{port}"
        assert f"Serving on {url}/" in log.read_text()
        page = httpx.get(f"{url}/", timeout=60)
        assert page.status_code == 200 and "gradio" in page.text.lower()
        answer = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0).chat.completions.create(
            model="extractive", messages=[{"role": "user", "content": QUESTION}])
        assert "79" in (answer.choices[0].message.content or "")
        from gradio_client import Client

        ui = Client(f"{url}/", verbose=False, analytics_enabled=False)
        assert "79" in ui.predict(QUESTION, api_name="/ask")["answer"]
    finally:
        proc.terminate()
        proc.wait(30)
