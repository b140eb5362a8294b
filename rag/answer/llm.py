"""Chat models: one small protocol, an OpenAI(-compatible) client, and a local llama.cpp server.

:func:`make_chat_model` is the one place the endpoint is chosen, most specific first:

- ``RAG_GGUF_PATH``: llama.cpp's OpenAI-compatible server, started in this process on
  127.0.0.1 by ``xllamacpp`` (fully offline);
- ``OPENAI_BASE_URL`` / ``RAG_OPENAI_BASE_URL``: any OpenAI-compatible server (Ollama, vLLM,
  LM Studio, llama.cpp's ``llama-server``);
- ``OPENAI_API_KEY``: OpenAI itself, model ``Settings.llm_model`` (``RAG_LLM_MODEL``).

Every call is bounded by a deadline: the HTTP work runs in a worker thread and the caller
waits on a queue, so a server that hangs, trickles bytes or keeps a socket open cannot hold
the caller past the deadline. Failures become :class:`LLMUnavailable` with a one-line reason.

The ``openai`` client is used directly rather than llama-index's ``OpenAILike``: we need the
HTTP status and ``Retry-After`` of each attempt to spend one time budget, and we parse and
verify the text ourselves, so llama-index's wrappers (and their own retry loops) add nothing.

>>> from rag.settings import Settings
>>> chat = make_chat_model(Settings(openai_base_url="http://127.0.0.1:8080/v1", llm_model="m"))
>>> chat.label
'the LLM server at http://127.0.0.1:8080/v1'
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from ..errors import ConfigError
from ..settings import Settings

Message = dict[str, str]

NOT_CONFIGURED = (
    "--mode llm needs a language model: set OPENAI_API_KEY (OpenAI), OPENAI_BASE_URL or "
    "RAG_OPENAI_BASE_URL (an OpenAI-compatible server such as Ollama or vLLM), or RAG_GGUF_PATH "
    "(a local .gguf file); or use --mode extractive."
)
MAX_ATTEMPTS = 3  # per call; retries only happen before the first token arrives
CONNECT_RETRIES = 1  # a refused connection rarely heals within seconds: try once more, then give up


class LLMUnavailable(Exception):
    """The endpoint failed or ran out of time; ``str(exc)`` is a one-line reason for users."""


class ChatModel(Protocol):
    """Streams the reply to a chat conversation, token by token."""

    label: str  # for messages: "OpenAI (gpt-4o-mini)", "the LLM server at http://..."

    def stream(self, messages: Sequence[Message], *, max_tokens: int, deadline: float) -> Iterator[str]:
        """Reply tokens; raises ``LLMUnavailable`` on failure or once ``time.monotonic() > deadline``."""
        ...


class OpenAIChat:
    """Chat completions from OpenAI or any server that speaks its API, streamed and bounded."""

    def __init__(self, *, model: str, base_url: str | None = None, api_key: str | None = None,
                 label: str | None = None, pick_served_model: bool = False) -> None:
        from openai import OpenAI

        # max_retries=0: retries are ours, so that all of them fit in one deadline.
        self._client = OpenAI(api_key=api_key or "not-needed", base_url=base_url, max_retries=0)
        self.model = model
        self.label = label or (f"the LLM server at {base_url}" if base_url else f"OpenAI ({model})")
        self._pick = pick_served_model  # a compatible server may not know Settings.llm_model's name

    def stream(self, messages: Sequence[Message], *, max_tokens: int, deadline: float) -> Iterator[str]:
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancel = threading.Event()
        worker = threading.Thread(target=self._pump, args=(list(messages), max_tokens, deadline, events, cancel),
                                  name="llm-stream", daemon=True)
        worker.start()
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LLMUnavailable(f"{self.label} did not finish in time")
                try:
                    kind, value = events.get(timeout=remaining)
                except queue.Empty:
                    continue
                if kind == "token":
                    yield value
                elif kind == "done":
                    return
                else:
                    raise LLMUnavailable(value)
        finally:
            cancel.set()  # the worker stops at its next chunk; its socket times out by itself

    # -- the worker thread ------------------------------------------------------------------
    def _pump(self, messages: list[Message], max_tokens: int, deadline: float,
              events: queue.Queue[tuple[str, Any]], cancel: threading.Event) -> None:
        try:
            self._attempts(messages, max_tokens, deadline, events, cancel)
        except Exception as exc:  # the thread must always report, or the caller waits to the deadline
            events.put(("error", f"{self.label} failed ({type(exc).__name__})"))

    def _attempts(self, messages: list[Message], max_tokens: int, deadline: float,
                  events: queue.Queue[tuple[str, Any]], cancel: threading.Event) -> None:
        import httpx
        import openai

        if self._pick:
            self._pick_model(deadline)
        connect_failures = 0
        for attempt in range(MAX_ATTEMPTS):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or cancel.is_set():
                events.put(("error", f"{self.label} did not finish in time"))
                return
            sent_any = False
            try:
                stream = self._client.chat.completions.create(
                    model=self.model, messages=cast(Any, messages), max_tokens=max_tokens,
                    temperature=0.0, seed=7, stream=True,
                    timeout=httpx.Timeout(remaining, connect=min(remaining, 5.0)),
                )
                finished = False
                with stream:
                    for chunk in stream:
                        if cancel.is_set():
                            return
                        text, finish = _parse_chunk(chunk)
                        if text:
                            sent_any = True
                            events.put(("token", text))
                        finished = finished or finish
                if not finished:
                    events.put(("error", f"the reply from {self.label} was cut off"))
                    return
                events.put(("done", None))
                return
            except (_Malformed, json.JSONDecodeError, UnicodeDecodeError):
                events.put(("error", f"{self.label} sent a malformed reply"))
                return
            except openai.APITimeoutError:
                events.put(("error", f"{self.label} did not answer in time"))
                return
            except openai.APIConnectionError:
                connect_failures += 1
                reason = f"could not connect to {self.label}"
                delay = 0.5 if connect_failures <= CONNECT_RETRIES and not sent_any else None
            except openai.RateLimitError as exc:
                retry_after = _retry_after(exc.response)
                reason = f"{self.label} is rate-limiting requests (HTTP 429" + (
                    f", retry after {retry_after:g} s)" if retry_after is not None else ")")
                delay = retry_after if retry_after is not None else 1.0 * 2**attempt
            except openai.APIStatusError as exc:
                reason = _status_reason(self, exc.status_code)
                delay = 1.0 * 2**attempt if exc.status_code >= 500 and not sent_any else None
            except openai.APIError:  # an error event inside the stream
                events.put(("error", f"{self.label} reported an error mid-answer"))
                return
            except httpx.HTTPError:  # the connection dropped while the body streamed
                events.put(("error", f"the reply from {self.label} was cut off"))
                return
            if delay is None or attempt == MAX_ATTEMPTS - 1 or time.monotonic() + delay >= deadline:
                events.put(("error", reason))
                return
            if cancel.wait(delay):
                return

    def _pick_model(self, deadline: float) -> None:
        """Use the server's first model when it does not serve the configured one (vLLM, llama.cpp)."""
        self._pick = False
        try:
            timeout = max(0.1, min(3.0, deadline - time.monotonic()))
            served = [m.id for m in self._client.models.list(timeout=timeout).data]
        except Exception:  # listing is optional: many servers do not implement it
            return
        if served and self.model not in served:
            self.model = served[0]


class _Malformed(Exception):
    """A chunk that is valid JSON but not a chat-completion chunk."""


def _parse_chunk(chunk: Any) -> tuple[str, bool]:
    """(text, finished) of one streamed chunk; raises ``_Malformed`` for shapes we cannot read."""
    choices = getattr(chunk, "choices", None)
    if choices is None or not isinstance(choices, list):
        raise _Malformed
    if not choices:  # e.g. a final usage-only chunk
        return "", False
    choice = choices[0]
    delta = getattr(choice, "delta", None)
    content = getattr(delta, "content", None) if delta is not None else None
    if content is not None and not isinstance(content, str):
        raise _Malformed
    return content or "", bool(getattr(choice, "finish_reason", None))


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", {}) or {}
    for key, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(str(headers.get(key))) * scale)
        except (TypeError, ValueError):
            continue
    return None


def _status_reason(chat: OpenAIChat, status: int) -> str:
    if status == 401:
        return f"{chat.label} rejected the API key (HTTP 401): check OPENAI_API_KEY"
    if status == 404:
        return f"{chat.label} does not serve the model {chat.model!r} (HTTP 404): set RAG_LLM_MODEL"
    return f"{chat.label} answered HTTP {status}"


class LocalServer:
    """llama.cpp's OpenAI-compatible server running inside this process on 127.0.0.1.

    One server per GGUF file per process (:meth:`shared`); it stops when the process exits.
    A random API key keeps other local users off it.
    """

    _shared: dict[Path, LocalServer] = {}
    _lock = threading.Lock()

    def __init__(self, path: Path, *, threads: int | None = None, n_ctx: int = 4096) -> None:
        # llama.cpp's OpenMP threads spin while they wait for each other; on a machine whose cores
        # are busy with other work that made generation 10-20x slower (measured on 2 shared
        # cores). Passive waiting costs little when the cores are free. Read when libgomp loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import xllamacpp
        except ImportError:
            raise ConfigError("RAG_GGUF_PATH needs the xllamacpp package: pip install xllamacpp") from None
        if not path.is_file():
            raise ConfigError(f"RAG_GGUF_PATH={path}: no such file; point it at a .gguf model file.")
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        threads = threads or max(1, min(4, os.cpu_count() or 1))
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.verbosity = -1  # llama.cpp logs every request to stderr otherwise
        params.ui = False
        params.offline = True
        params.port = 0  # any free port
        self.api_key = secrets.token_urlsafe(16)
        params.api_keys = [self.api_key]
        self.path, self.threads, self.n_ctx = path, threads, n_ctx
        try:
            self._server: Any = xllamacpp.Server(params)
        except Exception as exc:
            raise ConfigError(f"llama.cpp could not load {path} ({exc}); is it a GGUF chat model?") from None
        self.url = str(self._server.listening_address).rstrip("/") + "/v1"
        self._wait_healthy(30.0)

    @classmethod
    def shared(cls, path: Path, *, threads: int | None = None, n_ctx: int = 4096) -> LocalServer:
        """The running server for ``path``, started on first use (later arguments are ignored)."""
        key = Path(path).resolve()
        with cls._lock:
            server = cls._shared.get(key)
            if server is None:
                server = cls._shared[key] = cls(key, threads=threads, n_ctx=n_ctx)
            return server

    def _wait_healthy(self, seconds: float) -> None:
        base = self.url.removesuffix("/v1")
        end = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > end:
                raise ConfigError(f"llama.cpp's server for {self.path} did not become ready.")
            time.sleep(0.1)

    def chat(self) -> OpenAIChat:
        """A client for this server."""
        return OpenAIChat(model=self.path.name, base_url=self.url, api_key=self.api_key,
                          label=f"the local llama.cpp server ({self.path.name})")


def make_chat_model(settings: Settings) -> OpenAIChat:
    """The chat model the settings configure, or ``ConfigError`` naming what to set."""
    if settings.gguf_path:
        return LocalServer.shared(Path(settings.gguf_path)).chat()
    if settings.openai_base_url:
        return OpenAIChat(model=settings.llm_model, base_url=settings.openai_base_url.rstrip("/"),
                          api_key=settings.openai_api_key, pick_served_model=True)
    if settings.openai_api_key:
        return OpenAIChat(model=settings.llm_model, api_key=settings.openai_api_key)
    raise ConfigError(NOT_CONFIGURED)
