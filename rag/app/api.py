"""The HTTP API over one shared engine: OpenAI's chat completions, the JSON contract as REST.

    POST /v1/chat/completions   OpenAI format, streamed (SSE) or not; ``model`` names the answer mode
    GET  /v1/models             the answer modes, as models
    POST /v1/ask                exactly ``python -m rag ask --json``
    POST /v1/search             the passages retrieval ranks best
    POST /v1/verify             check a text's sentences against the passages it cites
    GET  /v1/articles           the indexed articles;  GET /v1/articles/{source}?start=&end=  one, with a quote
    POST /v1/articles           upload .txt/.md/.html files (the chat app's formats and limits)
    GET  /healthz, GET /metrics (Prometheus), GET /docs (OpenAPI, from rag/records.py's types)

Answers are computed in worker threads, at most ``settings.api_concurrency`` at once: the engine
needs no lock to answer (onnxruntime sessions and Chroma's client are safe to share), and a
bounded number keeps one burst from starving the rest. Errors are OpenAI-style error objects.

>>> app = build_api(engine, settings)   # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, create_model
from starlette.exceptions import HTTPException

from .. import Engine, Filter, PassageRef, Verified, verify_answer
from ..errors import BadQuestion, IndexLocked, IndexMissing, RagError
from ..records import Answer, ArticleInfo, IngestReport, Passage, Verification
from ..settings import MODES, Settings
from . import openai_chat
from .guard import UPLOAD_FILES, Guard, Metrics, body_limits, error_body, too_large
from .schema import contract_model, request_model
from .upload import safe_name, store_uploads, uploads_dir

log = logging.getLogger("rag.api")
T = TypeVar("T")


@dataclass(frozen=True)
class AskRequest:
    """A question with the options of ``python -m rag ask``."""

    question: str
    mode: str | None = None  # extractive, llm or auto (default: RAG_MODE)
    k: int | None = None  # passages to retrieve (default: RAG_TOP_K)
    sources: tuple[str, ...] = ()  # only these articles
    since: str | None = None  # only articles dated on or after YYYY-MM-DD
    until: str | None = None  # ... on or before


@dataclass(frozen=True)
class SearchRequest:
    """A query for retrieval alone."""

    question: str
    k: int | None = None
    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class VerifyRequest:
    """A text with ``[n]`` markers, and either the passages they number or a question to retrieve them."""

    text: str
    passages: tuple[PassageRef, ...] | None = None  # [n] is the n-th of these spans
    question: str | None = None  # or: retrieve the passages for this question ([n]: the n-th found)
    k: int | None = None


class ChatRequest(BaseModel):
    """OpenAI's chat-completions request; options this answerer has no use for are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[dict[str, Any]]
    stream: bool = False


if TYPE_CHECKING:  # the models have the dataclasses' fields (that is how they are built)
    Ask = AskRequest
    Search = SearchRequest
    VerifyBody = VerifyRequest
else:
    Ask = request_model(AskRequest)
    Search = request_model(SearchRequest)
    VerifyBody = request_model(VerifyRequest)
VerifyResult = create_model("VerifyResult", __base__=contract_model(Verified),
                            verification=(contract_model(Verification), ...))
Upload = create_model("UploadResult", stored=(list[str], ...), rejected=(list[str], ...),
                      report=(contract_model(IngestReport) | None, None))  # type: ignore[arg-type]
Article = create_model("ArticleText", article=(contract_model(ArticleInfo), ...), text=(str, ...),
                       quote=(dict[str, Any] | None, None))


def build_api(engine: Engine, settings: Settings) -> FastAPI:
    """The FastAPI app (mount the chat UI on it with ``gr.mount_gradio_app``)."""
    json_limit, upload_limit = body_limits(settings)
    app = FastAPI(title="Grounded news QA", version="1",
                  description="Answers from news articles; every sentence cites an exact quote. "
                              "Errors are OpenAI-style error objects.")
    metrics = Metrics()
    limiter = anyio.CapacityLimiter(settings.api_concurrency)
    ingest_lock = threading.Lock()

    async def work(request: Request, fn: Callable[[], T]) -> T:
        result = await anyio.to_thread.run_sync(fn, limiter=limiter)
        if isinstance(result, Answer):
            request.state.mode = result.mode
        return result

    def flt(body: Any) -> Filter | None:
        return Filter(tuple(body.sources), body.since, body.until) or None

    @app.post("/v1/chat/completions", tags=["OpenAI"], max_body_size=json_limit, responses={200: {"description": (
        "A chat.completion (or, with stream, chat.completion.chunk events). The message's `annotations` "
        "are url_citations of each [n] marker; its `citations` are the JSON contract's citation objects.")}})
    async def chat_completions(body: ChatRequest, request: Request) -> Any:
        mode = _mode(body.model, settings)
        question, history = openai_chat.conversation(body.messages)
        answer = await work(request, lambda: engine.ask(question, mode=mode, history=history))
        base = str(request.base_url)
        if not body.stream:
            return openai_chat.completion(answer, base)

        async def events() -> AsyncIterator[str]:
            for chunk in openai_chat.chunks(answer, base):
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"
        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

    @app.get("/v1/models", tags=["OpenAI"])
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "rag"}
                                           for m in _models(settings)]}

    @app.post("/v1/ask", tags=["rag"], max_body_size=json_limit, responses={200: {"model": contract_model(Answer)}})
    async def ask(body: Ask, request: Request) -> JSONResponse:
        answer = await work(request, lambda: engine.ask(body.question, k=body.k, filter=flt(body), mode=body.mode))
        return JSONResponse(answer.to_dict())

    @app.post("/v1/search", tags=["rag"], max_body_size=json_limit, responses={200: {"model": list[contract_model(Passage)]}})  # type: ignore[misc]
    async def search(body: Search, request: Request) -> JSONResponse:
        found = await work(request, lambda: engine.search(body.question, k=body.k, filter=flt(body)))
        return JSONResponse({"passages": [p.to_dict() for p in found]})

    @app.post("/v1/verify", tags=["rag"], max_body_size=json_limit, response_model=VerifyResult)
    async def verify(body: VerifyBody, request: Request) -> dict[str, Any]:
        refs = None if body.passages is None else tuple(PassageRef(p.source, p.start, p.end) for p in body.passages)
        verified = await work(request, lambda: verify_answer(engine, body.text, passages=refs,
                                                             question=body.question, k=body.k))
        return {**asdict(verified), "verification": asdict(verified.verification)}

    @app.get("/v1/articles", tags=["rag"], responses={200: {"model": list[contract_model(ArticleInfo)]}})  # type: ignore[misc]
    async def articles() -> JSONResponse:
        return JSONResponse({"articles": [asdict(a) for a in engine.articles()]})

    @app.get("/v1/articles/{source:path}", tags=["rag"], response_model=Article)
    async def article(source: str, start: int | None = None, end: int | None = None) -> dict[str, Any]:
        text = engine.article_text(source)
        info = next(a for a in engine.articles() if a.source == source)
        quote = None
        if start is not None or end is not None:
            if start is None or end is None or not 0 <= start < end <= len(text):
                raise BadQuestion(f"Give start and end with 0 <= start < end <= {len(text)} (the article's length).")
            quote = {"start": start, "end": end, "text": text[start:end]}
        return {"article": asdict(info), "text": text, "quote": quote}

    @app.post("/v1/articles", tags=["rag"], response_model=Upload, max_body_size=upload_limit)
    async def upload(request: Request, files: list[UploadFile] = File(...)) -> dict[str, Any]:  # noqa: B008
        if len(files) > UPLOAD_FILES:
            raise BadQuestion(f"{len(files)} files in one upload: send at most {UPLOAD_FILES} at a time.")

        def store_and_ingest() -> dict[str, Any]:
            with tempfile.TemporaryDirectory() as tmp:
                paths = []
                for i, f in enumerate(files):
                    folder = Path(tmp) / str(i)
                    folder.mkdir()
                    path = folder / safe_name(f.filename or "article")
                    path.write_bytes(f.file.read())
                    paths.append(path)
                stored, rejected = store_uploads(paths, settings)
            report = None
            if stored:
                if not ingest_lock.acquire(blocking=False):
                    raise IndexLocked("Another upload is being indexed; try again in a few seconds.")
                try:
                    report = engine.ingest([uploads_dir(settings)], log=lambda _: None)
                finally:
                    ingest_lock.release()
            return {"stored": [p.name for p in stored], "rejected": rejected,
                    "report": asdict(report) if report else None}
        return await anyio.to_thread.run_sync(store_and_ingest)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "articles": len(engine.manifest)}

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    async def prometheus() -> PlainTextResponse:
        manifest = engine.manifest
        gauges = {"rag_index_articles": ("Articles in the index.", float(len(manifest))),
                  "rag_index_chunks": ("Chunks in the index.", float(sum(r.n_chunks for r in manifest.values()))),
                  "rag_answer_slots": ("Answers computed at once, at most.", float(settings.api_concurrency))}
        return PlainTextResponse(metrics.render(gauges), media_type="text/plain; version=0.0.4")

    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(rest: str) -> None:  # the chat UI, mounted at /, would answer with its own page
        raise HTTPException(404)

    _error_handlers(app)
    app.add_middleware(Guard, settings=settings, metrics=metrics)  # type: ignore[arg-type]
    app.state.engine, app.state.metrics, app.state.settings = engine, metrics, settings
    return app


def _models(settings: Settings) -> list[str]:
    """The answer modes on offer: ``llm`` (and ``auto``'s choice of it) only with an LLM configured."""
    return [m for m in ("extractive", "auto", "llm") if m != "llm" or settings.llm_configured]


def _mode(model: str, settings: Settings) -> str:
    if model not in MODES:
        raise _ModelNotFound(f"The model {model!r} does not exist here: use one of "
                             f"{', '.join(_models(settings))} (GET /v1/models). The model names the answer mode.")
    return model


class _ModelNotFound(RagError):
    pass


_STATUS = ((_ModelNotFound, 404, "model_not_found"), (IndexMissing, 404, "not_found"),
           (IndexLocked, 409, "index_locked"), (BadQuestion, 400, "bad_question"), (RagError, 400, "invalid_request"))


def _error_handlers(app: FastAPI) -> None:
    def respond(request: Request, status: int, body: dict[str, Any]) -> JSONResponse:
        request.state.error = body["error"]["code"] or body["error"]["type"]
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> JSONResponse:
        status, code = next((s, c) for cls, s, c in _STATUS if isinstance(exc, cls))
        return respond(request, status, error_body(str(exc), code=code))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "body"
        return respond(request, 400, error_body(f"{where}: {first.get('msg', 'invalid')}. See /docs for the "
                                                "request's fields.", param=where, code="invalid_request"))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 413:
            limit = body_limits_for(request)
            return respond(request, 413, too_large(request.url.path, limit))
        kind = "not_found" if exc.status_code == 404 else "invalid_request"
        message = {404: f"No such route: {request.method} {request.url.path}; see /docs.",
                   405: f"{request.method} is not allowed on {request.url.path}; see /docs."}.get(
                       exc.status_code, str(exc.detail))
        return respond(request, exc.status_code, error_body(message, code=kind))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("error answering %s %s", request.method, request.url.path)
        return respond(request, 500, error_body("The server failed to answer; the error is in its log.",
                                                "server_error", "internal_error"))

    def body_limits_for(request: Request) -> int:
        json_limit, upload_limit = body_limits(request.app.state.settings)
        return upload_limit if request.url.path == "/v1/articles" else json_limit

