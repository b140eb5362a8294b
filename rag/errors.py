"""The project's exceptions. Each message says what to do next."""

from __future__ import annotations


class RagError(Exception):
    """Base class: a problem the user can fix; the CLI and UI show the message only."""


class IndexMissing(RagError):
    """There is no index (or it is empty) where we looked."""


class EmptyCorpus(RagError):
    """Ingestion found no usable article."""


class BadQuestion(RagError):
    """The question cannot be asked as it is (empty, too long, control characters)."""


class IndexLocked(RagError):
    """Another process is writing to the index."""


class EmbedderMismatch(RagError):
    """The index was built with another embedding model."""


class ConfigError(RagError):
    """A setting is invalid or incomplete."""
