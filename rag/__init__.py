"""Grounded question answering over news articles, with exact-span citations.

>>> import rag
>>> engine = rag.open_index()                       # doctest: +SKIP
>>> answer = engine.ask("Who signed the Serbia-Hungary plan?")  # doctest: +SKIP
>>> print(answer.text, answer.citations[0].quote)   # doctest: +SKIP
"""

from collections.abc import Sequence
from typing import Any

from ._offline import prepare as _prepare

_prepare()

from .answer.retrieve import Filter  # noqa: E402
from .answer.verify import Check, Verified  # noqa: E402
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
from .records import (  # noqa: E402
    Answer,
    ArticleInfo,
    Citation,
    IngestReport,
    Passage,
    PassageRef,  # noqa: E402
    Skipped,
    Verification,
)
from .settings import Settings  # noqa: E402


def open_index(settings: Settings | None = None, **overrides: Any) -> Engine:
    """Open the index (settings from the environment, then ``overrides``) for questions."""
    return Engine.open(settings or Settings.from_env(None, **overrides))


def verify_answer(engine: Engine, text: str, *, passages: Sequence[PassageRef] | None = None,
                  question: str | None = None, k: int | None = None) -> Verified:
    """Check each sentence of ``text`` against the passages its ``[n]`` markers cite.

    The passages are spans of indexed articles (``passages``, read from the index, so a quote
    can only be the article's own words) or, with ``question``, what retrieval finds for it.
    Today's checker is ``rag/answer/verify.py``; a stronger one replaces it behind this function.

    >>> v = verify_answer(engine, "The plan has 79 activities. [1]", question="How many activities?")  # doctest: +SKIP
    >>> v.verification.supported, v.citations[0].quote                  # doctest: +SKIP
    """
    if (passages is None) == (question is None):
        raise BadQuestion("Give either the passages the text cites or the question it answers, not both.")
    found = engine.search(question, k=k) if question is not None else engine.passages(passages or ())
    return engine.verify(text, found)


__all__ = [
    "Answer", "ArticleInfo", "BadQuestion", "ChatSession", "Check", "Citation", "ConfigError",
    "EmbedderMismatch", "EmptyCorpus", "Engine", "Filter", "IndexLocked", "IndexMissing",
    "IngestReport", "Passage", "PassageRef", "RagError", "Settings", "Skipped", "Verification",
    "Verified", "ingest", "open_index", "verify_answer",
]
