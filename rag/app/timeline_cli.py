"""``python -m rag timeline``: dated events across the indexed articles, in order, each with the
exact sentence that states it and how its date was resolved (stated, or relative to the article's date).

    python -m rag timeline [--entity NAME] [--json] [--index DIR]

``--json`` prints ``{"events": [{"date", "precision", "when", "resolved", "citation": {n, source,
title, date, start, end, quote}}]}``; each quote is ``article_text(source)[start:end]``.
"""

from __future__ import annotations

import argparse
import json

from .. import Engine, Settings
from ..records import Event


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entity", help="only events whose sentence names this (e.g. 'Hungary')")
    parser.add_argument("--json", action="store_true", help="print the events as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    events = Engine.open(settings).timeline(entity=args.entity)
    if args.json:
        print(json.dumps({"events": [e.to_dict() for e in events]}, ensure_ascii=False))
    else:
        print(render(events))
    return 0


def render(events: list[Event]) -> str:
    """One line per event: its date, the phrase and how it was resolved, then the quote."""
    if not events:
        return "No dated events found."
    lines = []
    for e in events:
        c = e.citation
        lines.append(f"{e.date:<10}  “{e.when}” ({e.resolved})\n    {c.source} chars {c.start}-{c.end}: {c.quote}")
    lines.append(f"\n{len(events)} events.")
    return "\n".join(lines)
