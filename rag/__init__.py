"""Grounded question answering over news articles, with exact-span citations.

>>> import rag
>>> engine = rag.open_index()                       # doctest: +SKIP
>>> answer = engine.ask("Who signed the Serbia-Hungary plan?")  # doctest: +SKIP
>>> print(answer.text, answer.citations[0].quote)   # doctest: +SKIP
"""

from typing import Any

from ._offline import prepare as _prepare

_prepare()

from .answer.retrieve import Filter  # noqa: E402
from .engine import ChatSession, Engine  # noqa: E402
from .errors import (  # noqa: E402
    BadQuestion,
    ConfigError,
    EmbedderMismatch,
    EmptyCorpus,
    IndexLocked,
    IndexMissing,
    RagError,
)
from .index.ingest import ingest  # noqa: E402
from .records import Answer, ArticleInfo, Citation, IngestReport, Passage, Skipped, Verification  # noqa: E402
from .settings import Settings  # noqa: E402


def open_index(settings: Settings | None = None, **overrides: Any) -> Engine:
    """Open the index (settings from the environment, then ``overrides``) for questions."""
    return Engine.open(settings or Settings.from_env(None, **overrides))


__all__ = [
    "Answer", "ArticleInfo", "BadQuestion", "ChatSession", "Citation", "ConfigError",
    "EmbedderMismatch", "EmptyCorpus", "Engine", "Filter", "IndexLocked", "IndexMissing",
    "IngestReport", "Passage", "RagError", "Settings", "Skipped", "Verification", "ingest",
    "open_index",
]
