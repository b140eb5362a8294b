"""The project's own frozen types. Library objects never cross a module boundary.

Data flows one way: ``Article`` (a decoded file) -> ``Chunk`` (a span of it) ->
``Passage`` (a retrieved chunk with scores) -> ``Answer`` (text with ``Citation``s).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# An answer's citation marker "[n]" (n = ``Citation.n``), after the sentence it supports:
# written by the composer and the verifier, read by the UI and the metrics. LLM drafts are
# parsed more leniently ("[passage 1, 2]") in rag/answer/verify.py and rewritten to this form.
MARKER = re.compile(r"\[(\d{1,3})\]")
# Field metadata read by ``to_dict`` readers that derive schemas (rag/app/schema.py): "json" renames a
# field in the JSON contract (None: left out); "omitted_when_empty": absent from it when empty.
OMITTED = {"omitted_when_empty": True}


@dataclass(frozen=True)
class Article:
    """One decoded source file. ``text`` is what every character span refers to."""

    source: str  # path relative to the ingested folder, e.g. "business/001.txt"
    root: str  # absolute path of the folder (or file) that was ingested
    text: str
    title: str
    date: str | None  # ISO yyyy-mm-dd when the text states one
    byline: str | None
    sha256: str  # of the raw bytes
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned span ``article.text[start:end]``."""

    source: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article, as listed to users."""

    source: str
    title: str
    date: str | None
    byline: str | None
    chunks: int
    doc_id: str


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, with the scores that ranked it."""

    source: str
    title: str
    date: str | None
    start: int
    end: int
    text: str
    score: float  # fused score used for the final rank
    dense: float | None = None  # cosine similarity, when the dense side found it
    bm25: float | None = None  # BM25 score, when the keyword side found it
    chunk_id: str = field(default="", metadata={"json": None})  # internal: not in the JSON contract

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract's passage object."""
        return {
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 6),
            "dense": None if self.dense is None else round(self.dense, 6),
            "bm25": None if self.bm25 is None else round(self.bm25, 6),
            "text": self.text,
        }


@dataclass(frozen=True)
class PassageRef:
    """A span of an indexed article, named by the caller (e.g. the passages a draft cites)."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Citation:
    """An exact quote: ``quote == article_text[start:end]``."""

    n: int
    source: str
    title: str
    date: str | None
    start: int
    end: int
    quote: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Disagreement:
    """Articles that state different values about one subject: each side an exact quote.

    ``kind``: number, date, name, name_spelling, polarity, membership or event; ``values[i]`` is
    what ``sides[i]`` states (normalised: "03-18", "not member of nato"); ``update``: the sides
    have different dates, so the later one may update the earlier one rather than contradict it."""

    kind: str
    subject: str
    sides: tuple[Citation, ...]
    values: tuple[str, ...]
    update: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "sides": [c.to_dict() for c in self.sides],
                "values": list(self.values), "update": self.update}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Disagreement:
        return cls(d["kind"], d["subject"], tuple(Citation(**c) for c in d["sides"]), tuple(d["values"]),
                   d["update"])


@dataclass(frozen=True)
class Event:
    """A dated event of the timeline: the sentence that states it (``citation``), the date phrase it
    uses (``when``: "18 March", "last week", "published" for the article's own date line) and how that
    was resolved (``resolved``: "stated", or relative to the article's date)."""

    date: str  # ISO, as precise as stated: "2025-03-18", "2025-03", "2023" (a week: its Monday)
    precision: str  # day | week | month | year
    when: str
    resolved: str
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in asdict(self).items() if k != "citation"}, "citation": self.citation.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(d["date"], d["precision"], d["when"], d["resolved"], Citation(**d["citation"]))


@dataclass(frozen=True)
class Removed:
    """A sentence of a generated answer the verifier did not show as cited fact, and why."""

    text: str
    reason: str


@dataclass(frozen=True)
class Verification:
    """What the sentence-level verifier did to a generated answer."""

    checked: int
    supported: int
    dropped: int
    removed: tuple[Removed, ...] = ()  # the dropped sentences, each with the reason

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "removed": [asdict(r) for r in self.removed]}


@dataclass(frozen=True)
class Answer:
    """The result of one question. ``text`` carries ``[n]`` markers for ``citations``."""

    question: str
    text: str = field(metadata={"json": "answer"})
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    abstained: bool
    mode: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = field(default=None, metadata=OMITTED)  # e.g. "LLM unreachable; showing ..."
    verification: Verification | None = field(default=None, metadata=OMITTED)  # LLM mode only
    rewritten_question: str | None = field(default=None, metadata=OMITTED)  # follow-ups, with chat history
    short_answer: str | None = None  # the name, date or number that answers, when there is one
    disagreements: tuple[Disagreement, ...] = ()  # where another article contradicts a cited sentence

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable contract printed by ``python -m rag ask --json``."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "short_answer": self.short_answer,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.notice:
            out["notice"] = self.notice
        if self.verification is not None:
            out["verification"] = self.verification.to_dict()
        if self.rewritten_question:
            out["rewritten_question"] = self.rewritten_question
        return out


@dataclass(frozen=True)
class Skipped:
    """A file ingestion did not use, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What one ingestion run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_added: int = 0
    skipped: tuple[Skipped, ...] = ()
    seconds: float = 0.0

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.documents} documents ({self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed), "
            f"{self.chunks_added} chunks embedded, {len(self.skipped)} skipped, "
            f"{self.seconds:.1f} s"
        )
