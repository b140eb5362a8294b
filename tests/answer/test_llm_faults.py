"""A misbehaving OpenAI-compatible server on 127.0.0.1: every failure of the LLM endpoint ends,
within the time budget, in the extractive answer with its citations and a one-line notice.

The server is hand-made on purpose (fault injection); the rest is real: the seed index, the
embedder, the engine, the openai client. The pytest-timeout marks are hang guards, not speed goals.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rag import Answer, Engine, Settings
from rag.answer.llm import MAX_ATTEMPTS
from rag.app.cli import main

QUESTION = "How many joint activities does the Serbia-Hungary plan for 2025 include?"
BUDGET_S = 15.0  # generous: the machine running the tests may be busy


class FaultServer(ThreadingHTTPServer):
    """Serves chat completions according to ``script``: one behaviour per request, the last repeats."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[str] = ["ok"]
        self.reply = "NOT IN THE ARTICLES"
        self.retry_after = "1"
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_behaviour(self) -> str:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # /v1/models: not implemented, as on many small servers
        self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(body)
        behaviour = self.server.next_behaviour()
        if behaviour == "ok":
            self._sse([_chunk(word + " ") for word in self.server.reply.split(" ")] + [_chunk("", "stop")])
        elif behaviour == "hang":
            time.sleep(BUDGET_S * 4)
        elif behaviour == "429":
            self._json(429, {"error": {"message": "slow down"}}, {"Retry-After": self.server.retry_after})
        elif behaviour == "500":
            self._json(500, {"error": {"message": "boom"}})
        elif behaviour == "cut":  # two tokens, then the connection drops mid-body
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for token in ("The agreement ", "outlines "):
                data = f"data: {json.dumps(_chunk(token))}\n\n".encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif behaviour == "ends_early":  # a clean end of body, but no finish_reason and no [DONE]
            self._sse([_chunk("The agreement ")], done=False)
        elif behaviour == "malformed":
            self._raw_sse(b'data: {"choices": [{"delta": {"content": "The agr\n\n')
        elif behaviour == "bad_shape":
            self._raw_sse(b'data: {"id": "x", "choices": "not a list"}\n\n')
        else:
            raise AssertionError(behaviour)

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                           **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, chunks: list[dict[str, Any]], done: bool = True) -> None:
        body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + ("data: [DONE]\n\n" if done else "")
        self._raw_sse(body.encode())

    def _raw_sse(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _chunk(content: str, finish: str | None = None) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": {"content": content} if content else {},
                         "finish_reason": finish}]}


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(fault_server: FaultServer) -> FaultServer:
    fault_server.script, fault_server.requests = ["ok"], []
    fault_server.retry_after = "1"
    return fault_server


@pytest.fixture(scope="module")
def llm_engine(seed_settings: Settings, embedder: Any, fault_server: FaultServer) -> Engine:
    settings = seed_settings.replace(openai_base_url=fault_server.url, llm_timeout_s=BUDGET_S, mode="llm")
    return Engine.open(settings, embedder=embedder)


def _events(engine: Engine, question: str = QUESTION) -> tuple[list[str], Answer]:
    events = list(engine.stream(question))
    assert events and isinstance(events[-1], Answer)
    assert all(isinstance(e, str) for e in events[:-1])
    return [e for e in events[:-1] if isinstance(e, str)], events[-1]


def _assert_extractive_fallback(engine: Engine, answer: Answer, *words: str) -> None:
    assert answer.mode == "extractive"
    assert answer.notice and "\n" not in answer.notice
    assert "showing the extractive answer" in answer.notice
    for word in words:
        assert word in answer.notice
    assert answer.citations, "the fallback is the extractive answer, with its citations"
    for c in answer.citations:
        assert engine.article_text(c.source)[c.start:c.end] == c.quote
    json.dumps(answer.to_dict())


def _reply_citing_79(engine: Engine) -> str:
    """A true sentence, cited with the number its passage gets in the prompt."""
    passages = engine.search(QUESTION)
    n = next(i for i, p in enumerate(passages, start=1) if "79 joint activities" in p.text)
    return f"The agreement outlines 79 joint activities [{n}]."


@pytest.mark.timeout(60)
def test_a_working_endpoint_gives_a_verified_llm_answer(llm_engine: Engine, server: FaultServer) -> None:
    server.reply = _reply_citing_79(llm_engine)
    tokens, answer = _events(llm_engine)
    assert "".join(tokens).strip() == server.reply
    assert answer.mode == "llm" and not answer.abstained and answer.notice is None
    assert answer.verification is not None and answer.verification.supported == 1
    assert "79" in answer.citations[0].quote
    assert answer.to_dict()["verification"] == {"checked": 1, "supported": 1, "dropped": 0, "removed": []}
    sent = server.requests[0]
    assert sent["stream"] is True and sent["messages"][0]["role"] == "system"


@pytest.mark.timeout(60)
def test_a_model_that_finds_no_answer_abstains_with_the_nearest_passages(llm_engine: Engine,
                                                                         server: FaultServer) -> None:
    server.reply = "NOT IN THE ARTICLES"
    _, answer = _events(llm_engine)
    assert answer.abstained and answer.mode == "llm" and not answer.citations
    assert answer.passages and answer.to_dict()["abstained"] is True


@pytest.mark.timeout(60)
def test_the_model_is_not_asked_when_the_evidence_check_abstains(llm_engine: Engine,
                                                                  server: FaultServer) -> None:
    _, answer = _events(llm_engine, "give me a recipe for hungarian goulash")
    assert answer.abstained and not server.requests
    assert answer.notice and "not asked" in answer.notice


@pytest.mark.timeout(60)
def test_429_with_retry_after_is_retried_within_the_budget(llm_engine: Engine, server: FaultServer) -> None:
    server.reply = _reply_citing_79(llm_engine)
    server.script = ["429", "ok"]
    _, answer = _events(llm_engine)
    assert len(server.requests) == 2
    assert answer.mode == "llm" and answer.verification and answer.verification.supported == 1


@pytest.mark.timeout(60)
def test_429_asking_to_wait_past_the_budget_falls_back_at_once(llm_engine: Engine, server: FaultServer) -> None:
    server.script, server.retry_after = ["429"], "120"
    _, answer = _events(llm_engine)
    assert len(server.requests) == 1, "no retry when Retry-After exceeds the time budget"
    _assert_extractive_fallback(llm_engine, answer, "429")


@pytest.mark.timeout(60)
def test_500s_are_retried_a_bounded_number_of_times(llm_engine: Engine, server: FaultServer) -> None:
    server.script = ["500"]
    _, answer = _events(llm_engine)
    assert 1 <= len(server.requests) <= MAX_ATTEMPTS
    _assert_extractive_fallback(llm_engine, answer, "HTTP 500")


@pytest.mark.timeout(60)
def test_a_hanging_server_is_abandoned_at_the_deadline(llm_engine: Engine, server: FaultServer) -> None:
    server.script = ["hang"]
    _, answer = _events(llm_engine)
    _assert_extractive_fallback(llm_engine, answer, "in time")


@pytest.mark.timeout(60)
def test_a_stream_cut_mid_way_falls_back(llm_engine: Engine, server: FaultServer) -> None:
    server.script = ["cut"]
    tokens, answer = _events(llm_engine)
    assert "".join(tokens) in ("", "The agreement ", "The agreement outlines ")  # the draft, held back
    _assert_extractive_fallback(llm_engine, answer, "cut off")


@pytest.mark.timeout(60)
def test_a_stream_ending_without_finish_falls_back(llm_engine: Engine, server: FaultServer) -> None:
    server.script = ["ends_early"]
    _, answer = _events(llm_engine)
    _assert_extractive_fallback(llm_engine, answer, "cut off")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("behaviour", ["malformed", "bad_shape"])
def test_malformed_chunks_fall_back(llm_engine: Engine, server: FaultServer, behaviour: str) -> None:
    server.script = [behaviour]
    _, answer = _events(llm_engine)
    _assert_extractive_fallback(llm_engine, answer, "malformed")


@pytest.mark.timeout(60)
def test_a_refused_connection_falls_back(seed_settings: Settings, embedder: Any) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = seed_settings.replace(openai_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout_s=BUDGET_S)
    engine = Engine.open(settings, embedder=embedder)
    answer = engine.ask(QUESTION, mode="llm")
    _assert_extractive_fallback(engine, answer, "could not connect")


@pytest.mark.timeout(60)
def test_a_chat_follow_up_survives_a_failing_endpoint(llm_engine: Engine, server: FaultServer) -> None:
    server.script = ["500"]
    chat = llm_engine.chat()
    first = chat.ask("Who signed the defence memorandum in Tirana?")
    second = chat.ask("When was it signed?")
    assert first.notice and second.notice
    assert second.rewritten_question and "Tirana" in second.rewritten_question  # the offline rewrite
    assert second.question == "When was it signed?"
    assert [q for q, _ in chat] == ["Who signed the defence memorandum in Tirana?", "When was it signed?"]


@pytest.mark.timeout(90)
def test_cli_prints_the_fallback_with_a_notice(seed_settings: Settings, fault_server: FaultServer,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fault_server.script = ["500"]
    monkeypatch.setenv("RAG_OPENAI_BASE_URL", fault_server.url)
    monkeypatch.setenv("RAG_LLM_TIMEOUT_S", str(BUDGET_S))
    rc = main(["ask", QUESTION, "--index", str(seed_settings.index_dir), "--mode", "llm", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["mode"] == "extractive" and "HTTP 500" in out["notice"] and out["citations"]


@pytest.mark.timeout(90)
def test_cli_stream_shows_the_draft_on_stderr_and_the_verified_answer_on_stdout(
        llm_engine: Engine, seed_settings: Settings, server: FaultServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    server.reply = _reply_citing_79(llm_engine) + " It was signed by Milos Vucevic [1]."
    monkeypatch.setenv("RAG_OPENAI_BASE_URL", server.url)
    rc = main(["ask", QUESTION, "--index", str(seed_settings.index_dir), "--mode", "llm", "--stream"])
    captured = capsys.readouterr()
    assert rc == 0
    assert "Milos Vucevic" in captured.err, "the draft streams as written"
    assert "Vucevic" not in captured.out and "79 joint activities. [1]" in captured.out
    assert "1 of 2 generated sentences" in captured.out
