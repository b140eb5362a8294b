"""Planted conflicts: copy articles, change one stated fact in each copy, and score what
``python -m rag conflicts`` finds against what was changed.

``plant`` picks, with a seeded random generator and generic rules (never a hand-picked
article or sentence), one of four changes per copy: a number (a digit run scaled), a date (a
weekday, month or year replaced), a name (a person's surname swapped for another surname of
the corpus) or a polarity ("is" -> "is not", or a "not" removed). ``score`` counts a planted
change as found when a reported disagreement has the original and its copy as its two sides and
the copy's side covers the change; precision is the share of reports on the planted corpus that
are such hits; false alarms are reports per 10 unmodified articles.

    python -m rag.evaluation.conflicts plant /work/shared/corpora/bbc --n 200 --seed 2 --out /tmp/conf-2b
    python -m rag ingest /tmp/conf-2b/articles --index /tmp/conf-2b/index
    python -m rag conflicts --json --index /tmp/conf-2b/index > /tmp/conf-2b/found.json
    python -m rag.evaluation.conflicts score /tmp/conf-2b/found.json /tmp/conf-2b/truth.json
    # false alarms: the same with --unmodified --n 500 --seed 3 (no copies, no truth)

``python -m rag eval --conflicts`` does all of it in one step, in memory (``evaluate``).

Seeds: 1 was used to set the detector's numbers, 3 (300 articles) to check its false alarms; 2 is
the reported one, scored once the detector was fixed.

>>> import random
>>> _new_number("1,200", random.Random(0)) != "1,200"
True
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..answer.nlp import pipeline

KINDS = ("number", "date", "name", "polarity")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")
_DAY_OR_MONTH = re.compile(r"\b(" + "|".join(_WEEKDAYS + _MONTHS) + r")\b")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w,]*\d)")
_AUX = re.compile(r"\b(is|was|are|were|has|have|had|will|would|can|could|should|did|does)\s+(?!not\b|n't)(?=[a-z])")
_NOT = re.compile(r"\b(is|was|are|were|has|have|had|will|would|can|could|should|did|does)( not)\b")


@dataclass(frozen=True)
class Planted:
    """One change: ``copy`` is ``original`` with ``before`` replaced by ``after`` at ``start``."""

    original: str
    copy: str
    kind: str
    start: int  # in the copy's text
    end: int
    before: str
    after: str


def _body_start(text: str) -> int:
    """Where the body begins: after the first line (the title), which ingestion reads as metadata."""
    nl = text.find("\n")
    return 0 if nl < 0 else nl + 1


def _new_number(written: str, rng: random.Random) -> str:
    """A different value in the same format: "1,200" -> "1,500", "7" -> "9", "2.5" -> "3.1"."""
    value = float(written.replace(",", ""))
    decimals = len(written.split(".")[1]) if "." in written else 0
    for _ in range(20):
        factor = rng.choice((0.5, 0.6, 0.75, 1.25, 1.5, 2.0, 3.0))
        new = round(value * factor, decimals) if value >= 10 else value + rng.choice((-3, -2, -1, 1, 2, 3))
        if new > 0 and new != value:
            break
    else:
        new = value + 1
    out = f"{new:,.{decimals}f}" if "," in written else f"{new:.{decimals}f}"
    return out


def _candidates(text: str, kind: str, surnames: Sequence[str], doc: Any) -> list[tuple[int, int, str]]:
    """(start, end, ...) spans of ``text`` a change of ``kind`` may replace (the body only)."""
    body = _body_start(text)
    out: list[tuple[int, int, str]] = []
    if kind == "number":
        years = {m.span() for m in _YEAR.finditer(text)}
        out = [(m.start(), m.end(), m.group()) for m in _NUMBER.finditer(text, body) if m.span() not in years]
    elif kind == "date":
        out = [(m.start(), m.end(), m.group()) for m in _DAY_OR_MONTH.finditer(text, body)]
        out += [(m.start(), m.end(), m.group()) for m in _YEAR.finditer(text, body)]
    elif kind == "name":
        for ent in doc.ents:
            if ent.label_ == "PERSON" and len(ent) >= 2 and ent.start_char >= body and ent[-1].text[:1].isupper():
                last = ent[-1]
                out.append((last.idx, last.idx + len(last.text), last.text))
        out = [c for c in out if any(s != c[2] for s in surnames)]  # another surname to put in its place
    elif kind == "polarity":
        out = [(m.end(1), m.end(1), "") for m in _AUX.finditer(text, body)]
        out += [(m.start(2), m.end(2), m.group(2)) for m in _NOT.finditer(text, body)]
    return out


def _replacement(kind: str, before: str, rng: random.Random, surnames: Sequence[str]) -> str:
    if kind == "number":
        return _new_number(before, rng)
    if kind == "date":
        if _YEAR.fullmatch(before):
            return str(int(before) + rng.choice((-3, -2, -1, 1, 2, 3)))
        pool = _WEEKDAYS if before in _WEEKDAYS else _MONTHS
        return rng.choice([w for w in pool if w != before])
    if kind == "name":
        return rng.choice([s for s in surnames if s != before])
    return " not" if not before else ""  # polarity: add a "not" after an auxiliary, or drop one


def plant(articles: Sequence[tuple[str, str]], n: int, seed: int) -> tuple[list[tuple[str, str]], list[Planted]]:
    """Copies of ``n`` articles drawn from ``articles`` ((name, text) pairs), each with one
    change, and what was changed. The copy of ``name`` is named ``copy_<name>``."""
    rng = random.Random(seed)
    chosen = rng.sample(list(articles), n)
    docs = list(pipeline().pipe([text for _, text in chosen], batch_size=16))
    surnames = sorted({e[-1].text for d in docs for e in d.ents if e.label_ == "PERSON" and len(e) >= 2
                       and e[-1].text.isalpha() and e[-1].text[:1].isupper()})
    copies: list[tuple[str, str]] = []
    truth: list[Planted] = []
    for (name, text), doc in zip(chosen, docs, strict=True):
        kinds = [k for k in KINDS if _candidates(text, k, surnames, doc)]
        if not kinds:
            continue
        kind = rng.choice(kinds)
        start, end, before = rng.choice(_candidates(text, kind, surnames, doc))
        after = _replacement(kind, before, rng, surnames)
        copy = f"copy_{name}"
        copies.append((copy, text[:start] + after + text[end:]))
        truth.append(Planted(name, copy, kind, start, start + len(after), before, after))
    return copies, truth


def score(found: Sequence[dict[str, Any]], truth: Sequence[Planted], *, articles: int = 0) -> dict[str, Any]:
    """Recall and precision of ``found`` (``conflicts --json`` disagreements) on the planted
    changes; with ``truth`` empty, false alarms per 10 of ``articles`` unmodified articles."""
    if not truth:
        return {"reports": len(found), "articles": articles,
                "false_alarms_per_10": round(10 * len(found) / max(articles, 1), 3)}
    hit_truth: set[int] = set()
    hits = 0
    by_pair = {frozenset((t.original, t.copy)): i for i, t in enumerate(truth)}
    for d in found:
        sources = frozenset(s["source"] for s in d["sides"])
        i = by_pair.get(sources)
        if i is None:
            continue
        t = truth[i]
        side = next(s for s in d["sides"] if s["source"] == t.copy)
        if side["start"] <= t.end and t.start <= side["end"]:
            hits += 1
            hit_truth.add(i)
    per_kind = {k: [sum(1 for i in hit_truth if truth[i].kind == k), sum(1 for t in truth if t.kind == k)]
                for k in KINDS}
    return {"planted": len(truth), "reports": len(found), "recall": round(len(hit_truth) / len(truth), 3),
            "precision": round(hits / len(found), 3) if found else None,
            "found_per_kind": {k: f"{a}/{b}" for k, (a, b) in per_kind.items()},
            "missed": [asdict(truth[i]) for i in range(len(truth)) if i not in hit_truth]}


def evaluate(corpus: Sequence[tuple[str, str]], *, n: int = 200, seed: int = 2, unmodified: int = 500,
             unmodified_seed: int = 5) -> dict[str, Any]:
    """Plant ``n`` changed copies (``seed``), run the detector on the originals and copies (as ``python
    -m rag conflicts`` does on an index of them) and score it; then count its reports on
    ``unmodified`` other articles drawn with ``unmodified_seed`` (false alarms). In memory: the
    detector reads article texts, not the index."""
    from ..answer.conflicts import ArticleText, find

    def texts(pairs: Sequence[tuple[str, str]]) -> list[ArticleText]:
        return [ArticleText(name, next((line.strip() for line in text.splitlines() if line.strip()), name), None, text)
                for name, text in pairs]

    copies, truth = plant(corpus, min(n, len(corpus)), seed)
    originals = {t.original for t in truth}
    pairs = [a for a in corpus if a[0] in originals] + copies
    planted = score([d.to_dict() for d in find(texts(pairs))], truth, articles=len(pairs))
    rest = [a for a in corpus if a[0] not in originals]
    clean = random.Random(unmodified_seed).sample(rest, min(unmodified, len(rest)))
    found = find(texts(clean))
    alarms = score([d.to_dict() for d in found], [], articles=len(clean))
    alarms["reports_by_kind"] = {k: sum(1 for d in found if d.kind == k) for k in sorted({d.kind for d in found})}
    return {"n": n, "seed": seed, "unmodified_seed": unmodified_seed, "planted": planted, "false_alarms": alarms,
            "reports": [d.to_dict() for d in found]}


def markdown(result: dict[str, Any]) -> list[str]:
    """The planted-conflict figures as report lines."""
    p, f = result["planted"], result["false_alarms"]
    kinds = ", ".join(f"{k} {v}" for k, v in p["found_per_kind"].items())
    return [f"Planted: {p['planted']} BBC articles copied with one change each (seed {result['seed']}); "
            f"unmodified: {f['articles']} other articles (seed {result['unmodified_seed']}).", "",
            "| recall | precision | found per kind | false alarms per 10 unmodified articles |",
            "|---|---|---|---|",
            f"| {p['recall']} | {p['precision']} | {kinds} | {f['false_alarms_per_10']} ({f['reports']} reports: "
            + ", ".join(f"{k} {v}" for k, v in f["reports_by_kind"].items()) + ") |"]


def read_corpus(root: Path) -> list[tuple[str, str]]:
    """(category_file, text) of every .txt under ``root``, sorted (BBC files are Windows-1252)."""
    out = []
    for path in sorted(root.rglob("*.txt")):
        if path.name.upper() == "README.TXT":
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        out.append((f"{path.parent.name}_{path.name}", text))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.evaluation.conflicts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("plant", help="write originals and changed copies to OUT/articles, truth to OUT/truth.json")
    p.add_argument("corpus", type=Path)
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--unmodified", action="store_true", help="write n unmodified articles only (false alarms)")
    p = sub.add_parser("score", help="score found.json against truth.json")
    p.add_argument("found", type=Path)
    p.add_argument("truth", type=Path)
    args = parser.parse_args(argv)
    if args.step == "plant":
        corpus = read_corpus(args.corpus)
        folder = args.out / "articles"
        folder.mkdir(parents=True, exist_ok=True)
        copies: list[tuple[str, str]] = []
        truth: list[Planted] = []
        if args.unmodified:
            chosen = random.Random(args.seed).sample(corpus, args.n)
        else:
            copies, truth = plant(corpus, args.n, args.seed)
            originals = {t.original for t in truth}
            chosen = [a for a in corpus if a[0] in originals]
        for name, text in chosen + copies:
            (folder / name).write_text(text, encoding="utf-8")
        (args.out / "truth.json").write_text(json.dumps({"articles": len(chosen) + len(copies),
                                                         "planted": [asdict(t) for t in truth]}, indent=1))
        print(f"{len(chosen)} articles and {len(copies)} changed copies in {folder}")
        return 0
    found = json.loads(args.found.read_text())["disagreements"]
    spec = json.loads(args.truth.read_text())
    truth = [Planted(**t) for t in spec["planted"]]
    print(json.dumps(score(found, truth, articles=spec["articles"]), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
