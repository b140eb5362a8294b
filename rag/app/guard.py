"""What stands in front of the API: bearer keys, a per-key rate limit, body size limits, metrics.

One ASGI middleware checks keys and rates for the API's paths (``/v1/...``, ``/metrics``) and
records every API request's route, status, latency and answer mode; body limits are FastAPI's
own (``max_body_size``, sizes from :func:`body_limits`). The chat UI mounted at ``/`` has its
own login and upload limit (Gradio's).
Refusals are OpenAI-style error objects (``{"error": {"message", "type", "param", "code"}}``).

>>> bucket = TokenBucket(per_minute=2)
>>> bucket.take("k", now=0.0), bucket.take("k", now=0.0), bucket.take("k", now=0.0)
(0.0, 0.0, 30.0)
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..settings import Settings
from .upload import upload_limit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GUARDED = ("/v1/", "/metrics")  # the API's paths; /healthz and /docs answer anyone
UPLOAD_FILES = 10  # files in one upload request, at most (the body limit is this x the per-file limit)
BUCKETS_S = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # latency histogram bounds


def body_limits(settings: Settings) -> tuple[int, int]:
    """(JSON request bodies, upload requests) in bytes."""
    return settings.api_max_body_kb * 1024, UPLOAD_FILES * upload_limit(settings) + 64 * 1024


def error_body(message: str, kind: str = "invalid_request_error", code: str | None = None,
               param: str | None = None) -> dict[str, Any]:
    """OpenAI's error object, with the project's message."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


class TokenBucket:
    """``per_minute`` requests a minute per key, in bursts of up to ``per_minute``."""

    def __init__(self, per_minute: int) -> None:
        self.capacity, self.rate = float(per_minute), per_minute / 60.0
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0.0 when a request may go now, else the seconds until one may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class Metrics:
    """Counters and latency histograms, written in Prometheus' text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.errors: dict[tuple[str, str], int] = defaultdict(int)
        self.latency: dict[tuple[str, str], list[float]] = {}  # (route, mode) -> bucket counts + sum

    def record(self, route: str, method: str, status: int, seconds: float, mode: str, error: str | None) -> None:
        with self._lock:
            self.requests[(route, method, status)] += 1
            if error:
                self.errors[(route, error)] += 1
            counts = self.latency.setdefault((route, mode), [0.0] * (len(BUCKETS_S) + 2))
            for i, bound in enumerate(BUCKETS_S):
                if seconds <= bound:
                    counts[i] += 1
            counts[-2] += 1  # +Inf (= count)
            counts[-1] += seconds

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        """The exposition text; ``gauges``: name -> (help, value), e.g. the index size."""
        out = ["# HELP rag_requests_total HTTP requests answered, by route, method and status.",
               "# TYPE rag_requests_total counter"]
        with self._lock:
            for (route, method, status), n in sorted(self.requests.items()):
                out.append(f'rag_requests_total{{route="{route}",method="{method}",status="{status}"}} {n}')
            out += ["# HELP rag_request_errors_total Requests that ended in an error, by route and type.",
                    "# TYPE rag_request_errors_total counter"]
            for (route, kind), n in sorted(self.errors.items()):
                out.append(f'rag_request_errors_total{{route="{route}",type="{kind}"}} {n}')
            out += ["# HELP rag_request_seconds Time to answer a request, by route and answer mode.",
                    "# TYPE rag_request_seconds histogram"]
            for (route, mode), counts in sorted(self.latency.items()):
                labels = f'route="{route}",mode="{mode}"'
                for bound, count in zip(BUCKETS_S, counts):
                    out.append(f'rag_request_seconds_bucket{{{labels},le="{bound}"}} {int(count)}')
                out.append(f'rag_request_seconds_bucket{{{labels},le="+Inf"}} {int(counts[-2])}')
                out.append(f"rag_request_seconds_count{{{labels}}} {int(counts[-2])}")
                out.append(f"rag_request_seconds_sum{{{labels}}} {counts[-1]:.6f}")
        for name, (help_text, value) in gauges.items():
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(out) + "\n"


class Guard:
    """ASGI middleware: key check and rate limit for the API; metrics for it and /healthz."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app, self.settings, self.metrics = app, settings, metrics
        self.keys = settings.api_key_list
        self.bucket = TokenBucket(settings.api_rate_per_min)
        self.limits = body_limits(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path.startswith(GUARDED) or path == "/healthz"):
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        state: dict[str, Any] = {"status": 500}
        scope.setdefault("state", {})

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                if message["status"] == 413 and not _is_json(message):  # Starlette's plain "Content Too Large"
                    state["replaced"] = True
                    scope["state"]["error"] = "request_too_large"
                    await _respond(send, 413, too_large(path, self.limits[path == "/v1/articles"]), [])
                    return
            if state.get("replaced"):
                return
            await send(message)

        refusal = self._refuse(scope) if path.startswith(GUARDED) else None
        if refusal is not None:
            status, body, headers = refusal
            await _respond(send_wrapped, status, body, headers)
        else:
            await self.app(scope, receive, send_wrapped)
        status = state["status"]
        error = scope["state"].get("error") or (f"http_{status}" if status >= 400 else None)
        self.metrics.record(_route(scope), scope.get("method", ""), status, time.perf_counter() - t0,
                            scope["state"].get("mode", "-"), error)

    def _refuse(self, scope: Scope) -> tuple[int, dict[str, Any], list[tuple[bytes, bytes]]] | None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        key = ""
        if self.keys:
            auth = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, key = auth.partition(" ")
            key = key.strip()
            if scheme.lower() != "bearer" or not any(hmac.compare_digest(key.encode(), k.encode())
                                                     for k in self.keys):
                scope["state"]["error"] = "invalid_api_key"
                return 401, error_body("Missing or wrong API key: send the header 'Authorization: Bearer KEY' "
                                       "with one of the keys in RAG_API_KEYS.", code="invalid_api_key"), \
                    [(b"www-authenticate", b"Bearer")]
            wait = self.bucket.take(key)
            if wait > 0:
                scope["state"]["error"] = "rate_limit_exceeded"
                return 429, error_body(f"Rate limit of {self.settings.api_rate_per_min} requests a minute "
                                       f"for this key reached; retry in {wait:.1f} s.", "rate_limit_error",
                                       "rate_limit_exceeded"), [(b"retry-after", str(int(wait) + 1).encode())]
        return None


def too_large(path: str, limit: int) -> dict[str, Any]:
    """The 413 error object for a body over ``limit`` bytes."""
    what, hint = (("upload", f"{UPLOAD_FILES} files of RAG_MAX_UPLOAD_MB at most") if path == "/v1/articles"
                  else ("request body", "RAG_API_MAX_BODY_KB"))
    return error_body(f"The {what} is over the {limit / 1024:.0f} KB limit ({hint}); send less.",
                      code="request_too_large")


async def _respond(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": data})


def _is_json(message: Message) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"application/json") for k, v in message["headers"])


def _route(scope: Scope) -> str:
    """The route's template (``/v1/articles/{source}``), not the path: labels stay few."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template:
        return str(template).replace(":path}", "}")
    return "unmatched"
