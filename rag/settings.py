"""One frozen settings object: defaults, then environment, then explicit overrides.

This is the only module that reads ``os.environ``. Everything else receives a
``Settings`` argument.

>>> s = Settings.from_env({"RAG_INDEX_DIR": "/tmp/idx"}, top_k=3)
>>> (str(s.index_dir), s.top_k)
('/tmp/idx', 3)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from .errors import ConfigError

Mode = Literal["auto", "extractive", "llm"]
MODES: tuple[str, ...] = get_args(Mode)  # what a user may ask for
ANSWER_MODES: tuple[str, ...] = ("extractive", "llm")  # what answers; "auto" resolves to one of them
Retrieval = Literal["hybrid", "dense", "bm25"]
RETRIEVALS: tuple[str, ...] = get_args(Retrieval)

DEFAULT_INDEX_DIR = Path(".rag")


@dataclass(frozen=True)
class Settings:
    """Every knob of the engine. Build it with :meth:`from_env`."""

    index_dir: Path = DEFAULT_INDEX_DIR
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 -> Chroma client/server mode
    collection: str = "articles"
    embedder: str = "minilm"  # "minilm" (offline, packaged) or "openai"
    openai_embed_model: str = "text-embedding-3-small"
    chunk_tokens: int = 160  # a chunk + its title fit MiniLM's 256-wordpiece window (rag/index/chunk.py)
    chunk_overlap: int = 32  # 20%: a sentence cut at a chunk edge is whole in one of the two
    top_k: int = 6  # passages per question (eval/README.md: compared on the seed questions)
    retrieval: Retrieval = "hybrid"
    mode: Mode = "auto"
    max_question_chars: int = 2000
    max_file_mb: float = 20.0
    # LLM (OpenAI or any OpenAI-compatible server, or a local GGUF served by llama.cpp)
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    gguf_path: Path | None = None
    llm_timeout_s: float = 30.0
    llm_max_tokens: int = 300
    # Chat UI (python app.py)
    ui_host: str = "127.0.0.1"  # 0.0.0.0 exposes the app to the network: set ui_auth too
    ui_port: int = 7860
    ui_auth: str | None = None  # "user:password" turns on Gradio's login page
    max_upload_mb: float = 5.0  # per uploaded article
    feedback_path: Path | None = None  # thumbs up/down JSONL; default: <index_dir>/feedback.jsonl
    # HTTP API (python -m rag serve): same host and port as the chat app, which it mounts at /
    api_keys: str | None = None  # "key1,key2": bearer tokens; required when binding beyond loopback
    api_rate_per_min: int = 600  # requests per minute per key (a token bucket; bursts up to this many)
    api_max_body_kb: int = 256  # JSON request bodies (a chat history of ~100 turns); uploads: max_upload_mb
    api_concurrency: int = 4  # answers computed at once per process (README, API: 2 to 4 equal on 2 cores)
    embed_threads: int = 0  # onnxruntime threads per model run; 0: all cores. rag serve uses 1 (see README)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, overridden by ``RAG_*`` (and ``OPENAI_*``) variables, then by ``overrides``.

        ``overrides`` whose value is ``None`` are ignored, so CLI flags can be passed through.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = "RAG_" + f.name.upper()
            if key in env and env[key] != "":
                values[f.name] = env[key]
        for key, name in (
            ("OPENAI_API_KEY", "openai_api_key"),
            ("OPENAI_BASE_URL", "openai_base_url"),
        ):
            if name not in values and env.get(key):
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls()._with(values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return self._with({k: v for k, v in changes.items() if v is not None})

    def _with(self, values: Mapping[str, Any]) -> Settings:
        types = {f.name: f.type for f in fields(self)}
        converted: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in types:
                raise ConfigError(f"Unknown setting {name!r}.")
            converted[name] = _convert(name, str(types[name]), raw)
        result = replace(self, **converted)
        result._validate()
        return result

    def _validate(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"RAG_MODE={self.mode!r}: use {_either(MODES)}.")
        if self.retrieval not in RETRIEVALS:
            raise ConfigError(f"RAG_RETRIEVAL={self.retrieval!r}: use {_either(RETRIEVALS)}.")
        if not 20 <= self.chunk_tokens <= 2000:
            raise ConfigError("RAG_CHUNK_TOKENS must be between 20 and 2000.")
        if not 0 <= self.chunk_overlap < self.chunk_tokens:
            raise ConfigError("RAG_CHUNK_OVERLAP must be >= 0 and smaller than RAG_CHUNK_TOKENS.")
        if not 1 <= self.top_k <= 50:
            raise ConfigError("RAG_TOP_K must be between 1 and 50.")
        if not 1 <= self.ui_port <= 65535:
            raise ConfigError("RAG_UI_PORT must be between 1 and 65535.")
        if self.ui_auth is not None and not all(self.ui_auth.partition(":")[::2]):
            raise ConfigError('RAG_UI_AUTH must look like "user:password".')
        if not 0 < self.max_upload_mb <= self.max_file_mb:
            raise ConfigError("RAG_MAX_UPLOAD_MB must be > 0 and at most RAG_MAX_FILE_MB.")
        if self.api_keys is not None and any(len(k) < 16 for k in self.api_key_list):
            raise ConfigError("RAG_API_KEYS: give comma-separated keys of at least 16 characters each "
                              "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))').")
        if self.embed_threads < 0:
            raise ConfigError("RAG_EMBED_THREADS must be 0 (all cores) or more.")
        if self.api_rate_per_min < 1 or self.api_max_body_kb < 1 or self.api_concurrency < 1:
            raise ConfigError("RAG_API_RATE_PER_MIN, RAG_API_MAX_BODY_KB and RAG_API_CONCURRENCY must be at least 1.")

    @property
    def api_key_list(self) -> tuple[str, ...]:
        """The API's bearer tokens (``RAG_API_KEYS``, comma-separated); empty when none are set."""
        return tuple(k.strip() for k in (self.api_keys or "").split(",") if k.strip())

    @property
    def llm_configured(self) -> bool:
        """True when some LLM endpoint (OpenAI, a base URL, or a GGUF file) is configured."""
        return bool(self.openai_api_key or self.openai_base_url or self.gguf_path)


def _either(names: tuple[str, ...]) -> str:
    """'auto, extractive or llm'"""
    return ", ".join(names[:-1]) + " or " + names[-1]


def _convert(name: str, type_name: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        return Path(raw) if "Path" in type_name and raw is not None else raw
    try:
        if "Path" in type_name:
            return Path(raw).expanduser()
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError:
        kind = {"int": "an integer", "float": "a number"}.get(type_name, type_name)
        raise ConfigError(f"RAG_{name.upper()} expects {kind}, got {raw!r}.") from None
    return raw
