"""Thumbs up/down on answers, appended to a local JSONL file (one object per line).

>>> from rag.records import Answer
>>> store = FeedbackStore(Path("/tmp/doctest-feedback.jsonl"))  # doctest: +SKIP
>>> store.record(Answer("q", "a", (), (), False, "extractive"), "up")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from ..records import Answer
from ..settings import Settings


def feedback_path(settings: Settings) -> Path:
    """Where feedback goes: ``settings.feedback_path``, else ``<index_dir>/feedback.jsonl``."""
    return settings.feedback_path or settings.index_dir / "feedback.jsonl"


class FeedbackStore:
    """Appends one JSON line per rating; safe to share between the app's worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, answer: Answer, rating: str, **extra: Any) -> dict[str, Any]:
        """Store ``rating`` ("up" or "down") with the question, the answer and its citations."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        item = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "rating": rating,
            "question": answer.question,
            "answer": answer.text,
            "abstained": answer.abstained,
            "mode": answer.mode,
            "citations": [c.to_dict() for c in answer.citations],
            **extra,
        }
        line = json.dumps(item, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return item

    def read(self) -> list[dict[str, Any]]:
        """Every stored rating, oldest first (a missing file means none)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
