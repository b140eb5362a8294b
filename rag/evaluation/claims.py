"""The claim checker on labelled claims (``eval/sets/verify_{dev,sealed}.jsonl``): each claim is
checked, as an answer sentence citing one passage, against the retrieved passage that holds its
evidence (as ``engine.verify`` checks an LLM answer).

    python -m rag eval --claims               # keep rate, catch rate per kind, F1, ms per claim

>>> score([{"label": "supported", "kind": "paraphrase", "kept": True},
...        {"label": "unsupported", "kind": "date", "kept": False}])["f1"]
1.0
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from .. import ArticleInfo, Engine, Passage
from ..errors import IndexMissing
from ..text import sentence_spans
from .metrics import fmt

WINDOW = 2  # sentences on each side of the evidence when no retrieved passage holds it


def cited_passage(engine: Engine, row: Mapping[str, Any],
                  articles: Mapping[str, ArticleInfo] | None = None) -> Passage | None:
    """The passage a model answering ``row['question']`` would cite for this claim: the retrieved
    passage of the claim's source that holds its first evidence quote, else the sentences around
    the quote in the article (as a passage of the same size would hold them)."""
    try:
        text = engine.article_text(row["source"])
    except IndexMissing:
        return None
    at = text.find(row["evidence"][0])
    if at < 0:
        return None
    end = at + len(row["evidence"][0])
    for p in engine.search(row["question"]):
        if p.source == row["source"] and p.start <= at and end <= p.end:
            return p
    spans = sentence_spans(text)
    first = next((i for i, (s, e) in enumerate(spans) if e > at), 0)
    last = next((i for i, (s, e) in enumerate(spans) if e >= end), len(spans) - 1)
    s, e = spans[max(0, first - WINDOW)][0], spans[min(len(spans) - 1, last + WINDOW)][1]
    info = (articles if articles is not None else {a.source: a for a in engine.articles()}).get(row["source"])
    return Passage(row["source"], info.title if info else "", info.date if info else None, s, e, text[s:e], 0.0)


def check(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per claim: kept (the checker let it through), why not, and the time it took
    (``engine.verify``: MiniLM, the corpus's initialisms, the article's text)."""
    out = []
    articles = {a.source: a for a in engine.articles()}  # listed once, not per claim
    for row in rows:
        passage = cited_passage(engine, row, articles)
        rec: dict[str, Any] = {"id": row["id"], "label": row["label"], "kind": row["kind"]}
        if passage is None:
            rec.update(kept=None, reason="evidence not found in the index")
        else:
            t = time.perf_counter()
            got = engine.verify(f"{row['claim']} [1]", [passage])
            rec["ms"] = round((time.perf_counter() - t) * 1000, 2)
            rec["kept"] = bool(got.checks) and all(c.supported for c in got.checks)
            rec["reason"] = "; ".join(c.reason for c in got.checks if not c.supported)
        out.append(rec)
    return out


def score(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Keep rate (supported claims kept), catch rate overall and per kind (unsupported claims
    dropped), F1 with "unsupported" as the positive class."""
    done = [r for r in records if r.get("kept") is not None]
    good = [r for r in done if r["label"] == "supported"]
    bad = [r for r in done if r["label"] == "unsupported"]
    caught = sum(not r["kept"] for r in bad)
    false_alarms = sum(not r["kept"] for r in good)
    precision = caught / (caught + false_alarms) if caught + false_alarms else None
    recall = caught / len(bad) if bad else None
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else 0.0
    kinds = sorted({r["kind"] for r in bad})
    ms = sorted(r["ms"] for r in done if "ms" in r)
    return {
        "claims": len(records), "checked": len(done),
        "keep_rate": sum(r["kept"] for r in good) / len(good) if good else None,
        "catch_rate": recall, "f1": f1,
        "catch_by_kind": {k: sum(not r["kept"] for r in bad if r["kind"] == k)
                          / sum(r["kind"] == k for r in bad) for k in kinds},
        "n_by_kind": {k: sum(r["kind"] == k for r in bad) for k in kinds},
        "keep_by_kind": {k: sum(r["kept"] for r in good if r["kind"] == k) / sum(r["kind"] == k for r in good)
                         for k in sorted({r["kind"] for r in good})},
        "ms_p50": ms[len(ms) // 2] if ms else None,
    }


def markdown(scores: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The parts side by side: keep rate, catch rate, F1, then the catch rate per kind."""
    parts = list(scores)
    out = ["| | " + " | ".join(parts) + " |", "|---|" + "---|" * len(parts)]
    for key, label in (("keep_rate", "faithful claims kept"), ("catch_rate", "corruptions caught"),
                       ("f1", "F1 (unsupported = positive)"), ("ms_p50", "ms per claim, p50")):
        out.append(f"| {label} | " + " | ".join(fmt(scores[p].get(key)) for p in parts) + " |")
    kinds = sorted({k for p in parts for k in scores[p]["catch_by_kind"]})
    for k in kinds:
        out.append(f"| caught: {k} | " + " | ".join(
            f"{fmt(scores[p]['catch_by_kind'].get(k))} ({scores[p]['n_by_kind'].get(k, 0)})" for p in parts) + " |")
    for k in sorted({k for p in parts for k in scores[p]["keep_by_kind"]}):
        out.append(f"| kept: {k} | " + " | ".join(fmt(scores[p]["keep_by_kind"].get(k)) for p in parts) + " |")
    return out
