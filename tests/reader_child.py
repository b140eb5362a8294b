"""A reader in its own process, for the locking test: an ``Engine`` that keeps answering.

    python tests/reader_child.py INDEX PROBE_FILE STOP_FILE

Until STOP_FILE exists, asks a seed question and searches (dense retrieval only, so only
vectors this process can see count) for the text of PROBE_FILE; prints one JSON line per
round: start time, whether the answer cited something, whether the probe article came
first, the number of articles, and any error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

QUESTION = "How many joint activities does the plan include?"


def main() -> int:
    from rag import Engine, RagError, Settings

    index, probe, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    engine = Engine.open(Settings.from_env({}, index_dir=index, retrieval="dense"))
    probe_text = probe.read_text(encoding="utf-8")[:600]
    while not stop.exists():
        t0 = time.time()
        line: dict[str, object] = {"t": t0}
        try:
            answer = engine.ask(QUESTION)
            found = engine.search(probe_text)
            line.update(cited=bool(answer.citations), seen=found[0].source == probe.name,
                        articles=len(engine.articles()))
        except (RagError, Exception) as exc:  # reported, not raised: the test counts errors
            line["error"] = f"{type(exc).__name__}: {exc}"
        line["s"] = round(time.time() - t0, 3)
        print(json.dumps(line), flush=True)
        time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
