"""``python -m rag conflicts``: every disagreement between the indexed articles, grouped by subject.

    python -m rag conflicts [--json] [--index DIR]

``--json`` prints ``{"disagreements": [{"kind", "subject", "update", "sides": [{"source", "title",
"date", "start", "end", "quote", "value"}]}]}``; each side's quote is ``article_text(source)[start:end]``.
"""

from __future__ import annotations

import argparse
import json
from itertools import groupby

from .. import Engine, Settings
from ..answer.conflicts import ArticleText, Disagreement, find


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the disagreements as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = Engine.open(settings)
    texts = {r.source: engine.article_text(r.source) for r in engine.articles()}
    articles = [ArticleText(a.source, a.title, a.date, texts[a.source]) for a in engine.articles()]
    found = find(articles)
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
            for s in d.sides:
                lines.append(f"    {s.source} ({s.title}{', ' + s.date if s.date else ''}) chars {s.start}-{s.end}"
                             f" [{s.value}]:\n      “{s.quote}”")
    lines.append(f"\n{len(found)} disagreements.")
    return "\n".join(lines)
