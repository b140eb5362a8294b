"""How the sets in this folder were split, once, into a development and a sealed part.

    python eval/sets/split.py questions seeds shape /work/drafts/seeds_a.jsonl /work/drafts/seeds_b.jsonl
    python eval/sets/split.py claims verify corpus /work/drafts/verify_seeds.jsonl /work/drafts/verify_bbc.jsonl

Within each stratum (a question's shape; a claim's corpus) the items are ordered by a salted
sha256 of their id and dealt alternately to dev and sealed. A claim moves with its family (a
faithful claim and its one-fact corruptions), so no sealed claim has a twin in dev.
Run once on 2026-11-30; kept to show how, not to be re-run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

SALT = "split-2026-11-30"


def _key(text: str) -> str:
    return hashlib.sha256((SALT + text).encode()).hexdigest()


def split(rows: list[dict], stratum: str, family: str | None) -> tuple[list[dict], list[dict]]:
    groups: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        fam = (r.get(family) or r["id"]) if family else r["id"]
        groups[str(r.get(stratum) or "")][fam].append(r)
    dev: list[dict] = []
    sealed: list[dict] = []
    for name in sorted(groups):
        for i, fam in enumerate(sorted(groups[name], key=_key)):
            (dev if i % 2 == 0 else sealed).extend(groups[name][fam])
    return sorted(dev, key=lambda r: r["id"]), sorted(sealed, key=lambda r: r["id"])


def main(kind: str, name: str, stratum: str, *inputs: str) -> None:
    rows = [json.loads(line) for p in inputs for line in Path(p).read_text().splitlines() if line.strip()]
    assert len({r["id"] for r in rows}) == len(rows), "duplicate ids"
    dev, sealed = split(rows, stratum, "twin" if kind == "claims" else None)
    here = Path(__file__).parent
    for part, items in (("dev", dev), ("sealed", sealed)):
        (here / f"{name}_{part}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items))
    print(name, len(dev), len(sealed))


if __name__ == "__main__":
    main(*sys.argv[1:])
