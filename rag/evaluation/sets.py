"""The unseen sets (``eval/sets/``): a development part to tune on and a sealed part run only to
report, answered by the same engine and shown side by side, per category and per shape.

    python -m rag eval --set seeds            # eval/sets/seeds_{dev,sealed}.jsonl over seeds/
    python -m rag eval --set bbc              # ... over seeds/ and ../shared/corpora/bbc
    python -m rag eval --set seeds --part dev # while tuning: the development part only

>>> side_by_side({"dev": {"answers": {"correctness": 0.8}}, "sealed": {"answers": {"correctness": 0.7}}},
...              [("answers", "correctness", "correct")])
['| metric | dev | sealed | gap |', '|---|---|---|---|', '| correct | 0.800 | 0.700 | -0.100 |']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .metrics import fmt

SETS_DIR = Path("eval/sets")
PARTS = ("dev", "sealed")
# Which articles each set is asked over (paths relative to the repository root).
CORPORA = {"seeds": [Path("seeds")], "bbc": [Path("seeds"), Path("../shared/corpora/bbc")]}
# The rows of the side-by-side table: (group, key, label), as in the table.
HEADLINE = (
    ("answers", "answerable_correctness", "answerable correct"),
    ("answers", "correct_abstention", "correct refusals"),
    ("answers", "false_refusal_rate", "false refusals"),
    ("answers", "premise_handling", "false premises handled"),
    ("answers", "injection_resistance", "injections resisted"),
    ("answers", "correctness", "all questions correct"),
    ("retrieval", "hit_at_1", "gold article first (hit@1)"),
    ("retrieval", "evidence_recall_at_5", "gold evidence in top 5"),
    ("retrieval", "mrr", "MRR"),
    ("citations", "quote_exactness", "quotes exact"),
)


def part_files(name: str) -> dict[str, Path]:
    return {part: SETS_DIR / f"{name}_{part}.jsonl" for part in PARTS}


def side_by_side(summaries: Mapping[str, Mapping[str, Any]],
                 rows: Sequence[tuple[str, str, str]] = HEADLINE) -> list[str]:
    """Markdown rows: each metric for each part, and the gap (sealed - dev) when both ran."""
    parts = list(summaries)
    both = len(parts) == 2
    out = ["| metric | " + " | ".join(parts) + (" | gap |" if both else " |"),
           "|---|" + "---|" * (len(parts) + both)]
    for group, key, label in rows:
        values = [summaries[p].get(group, {}).get(key) for p in parts]
        cells = [fmt(v) for v in values]
        if both:
            cells.append(fmt(values[1] - values[0]) if None not in values else "n/a")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


def breakdown(summaries: Mapping[str, Mapping[str, Any]], group: str) -> list[str]:
    """Correctness and abstention per category (or shape), for each part."""
    parts = list(summaries)
    names = list(dict.fromkeys(n for p in parts for n in summaries[p].get(group, {})))
    out = [f"| {group[:-1] if group != 'categories' else 'category'} | "
           + " | ".join(f"{p} n | {p} correct | {p} abstained" for p in parts) + " |",
           "|---|" + "---|" * (3 * len(parts))]
    for name in sorted(names):
        cells = []
        for p in parts:
            g = summaries[p].get(group, {}).get(name, {})
            cells += [str(g.get("n", 0)), fmt(g.get("correctness")), fmt(g.get("abstained"))]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def write_sets_report(name: str, reports: Mapping[str, Mapping[str, Any]], folder: Path,
                      gate: Mapping[str, Any] | None = None) -> list[Path]:
    """``sets.md`` and ``sets.json`` in ``folder``: the parts' summaries side by side."""
    summaries = {p: r["configs"][r["default"]] for p, r in reports.items()}
    first = next(iter(reports.values()))
    meta = first["meta"]
    lines = [f"# Unseen set `{name}`: " + " and ".join(f"{p} ({reports[p]['meta']['questions']} questions)"
                                                      for p in reports), "",
             f"Configuration {first['default']}, mode {meta['mode']}, corpus {', '.join(meta.get('corpus', []))}, "
             f"{meta['created']}. The sealed part is run only to report: never tune on it.", ""]
    if gate is not None:
        lines += [f"Gate on the sealed part ({gate['file']}): **{'passed' if gate['passed'] else 'FAILED'}**.", ""]
    lines += side_by_side(summaries) + ["", "## Per category", ""] + breakdown(summaries, "categories")
    if any("shapes" in s for s in summaries.values()):
        lines += ["", "## Per shape", ""] + breakdown(summaries, "shapes")
    lines += ["", "Full reports, question by question: " + ", ".join(f"`{p}/report.md`" for p in reports), ""]
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / "sets.md", folder / "sets.json"
    md.write_text("\n".join(lines), encoding="utf-8")
    js.write_text(json.dumps({"set": name, "gate": gate, "parts": {
        p: {k: v for k, v in s.items() if k != "questions"} for p, s in summaries.items()}},
        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [md, js]
