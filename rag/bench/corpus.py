"""Benchmark data: which corpus articles to use at each size, the evaluation questions,
and the retrieval-quality metrics (hit@k, MRR).

A corpus of size N is a folder of symbolic links to N articles of the real corpus, so
that ``source`` paths stay the corpus's own ("business/001.txt") and growing the folder
lets incremental ingestion add only the new articles. The corpus itself is never copied.

>>> hit_and_rank(["a.txt", "b.txt"], {"b.txt"})
(True, 2)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

SUFFIXES = (".txt",)


@dataclass(frozen=True)
class EvalQuestion:
    """A question with the articles that answer it (empty for abstention questions)."""

    id: str
    question: str
    gold: frozenset[str]
    answerable: bool


def load_questions(path: Path) -> list[EvalQuestion]:
    """Questions from an eval JSONL file (keys id, question, expected, gold_sources)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"Cannot read {path} ({exc.strerror}); pass the questions file explicitly.") from None
    out = []
    for line in lines:
        if line.strip():
            item = json.loads(line)
            gold = frozenset(item.get("gold_sources") or ())
            answerable = item.get("expected", "answer") != "abstain" and bool(gold)
            out.append(EvalQuestion(str(item["id"]), str(item["question"]), gold, answerable))
    return out


def article_order(corpus: Path, first: list[str]) -> list[str]:
    """Every article of ``corpus`` (relative paths), ``first`` ones leading, the rest taken
    round-robin across the category folders so any prefix covers every category."""
    if not corpus.is_dir():
        raise ConfigError(f"No corpus at {corpus}; pass --corpus PATH (e.g. ../shared/corpora/bbc).")
    groups: list[list[str]] = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        groups.append([p.relative_to(corpus).as_posix() for p in files])
    if not any(groups):
        raise ConfigError(f"{corpus} holds no category folders of .txt articles.")
    everything = {s for g in groups for s in g}
    order = [s for s in dict.fromkeys(first) if s in everything]
    taken = set(order)
    longest = max(len(g) for g in groups)
    for i in range(longest):
        for g in groups:
            if i < len(g) and g[i] not in taken:
                order.append(g[i])
                taken.add(g[i])
    return order


def link_view(view: Path, corpus: Path, sources: list[str]) -> list[Path]:
    """Make ``view`` hold links to exactly ``sources``; returns the links it added."""
    added = []
    wanted = set(sources)
    if view.is_dir():
        for link in view.rglob("*"):
            if link.is_symlink() and link.relative_to(view).as_posix() not in wanted:
                link.unlink()
    for source in sources:
        link = view / source
        if not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to((corpus / source).resolve())
            added.append(link)
    return added


def hit_and_rank(ranked_sources: list[str], gold: frozenset[str] | set[str]) -> tuple[bool, int | None]:
    """Whether a gold source is among ``ranked_sources``, and the 1-based rank of the first."""
    for rank, source in enumerate(ranked_sources, start=1):
        if source in gold:
            return True, rank
    return False, None


def quality(results: dict[str, list[str]], questions: list[EvalQuestion],
            present: set[str] | None = None) -> dict[str, float | int]:
    """hit@k and MRR@k over the answerable questions (whose gold is in ``present``, if given).

    ``results`` maps a question id to the sources of its top-k passages, best first.
    """
    hits = 0
    rr = 0.0
    n = 0
    for q in questions:
        if not q.answerable or q.id not in results:
            continue
        gold = q.gold if present is None else q.gold & present
        if not gold:
            continue
        n += 1
        hit, rank = hit_and_rank(results[q.id], gold)
        hits += hit
        rr += 1.0 / rank if rank else 0.0
    return {"n": n, "hit_at_k": hits / n if n else 0.0, "mrr": rr / n if n else 0.0}
