"""``python -m rag conflicts``: every disagreement between the indexed articles, grouped by subject.

    python -m rag conflicts [--json] [--index DIR]

``--json`` prints ``{"disagreements": [{"kind", "subject", "sides": [citation, citation], "values",
"update"}]}`` (a citation: ``n``, ``source``, ``title``, ``date``, ``start``, ``end``, ``quote``, the
quote being ``article_text(source)[start:end]``; ``values[i]`` is what side i states).
"""

from __future__ import annotations

import argparse
import json
from itertools import groupby

from .. import Engine, Settings
from ..records import Disagreement


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the disagreements as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    found = Engine.open(settings).disagreements()
    if args.json:
        print(json.dumps({"disagreements": [d.to_dict() for d in found]}, ensure_ascii=False))
    else:
        print(render(found))
    return 0


def render(found: list[Disagreement]) -> str:
    """Disagreements grouped by subject, each with both quotes."""
    if not found:
        return "No disagreements found."
    lines = []
    for _, group in groupby(found, key=lambda d: d.subject.lower()):
        items = list(group)
        lines.append(f"== {items[0].subject}")
        for d in items:
            label = f"{d.kind} (update: {d.sides[0].date} -> {d.sides[1].date})" if d.update else d.kind
            lines.append(f"  {label}")
            for s, value in zip(d.sides, d.values, strict=True):
                lines.append(f"    {s.source} ({s.title}{', ' + s.date if s.date else ''}) chars {s.start}-{s.end}"
                             f" [{value}]:\n      “{s.quote}”")
    lines.append(f"\n{len(found)} disagreements.")
    return "\n".join(lines)
