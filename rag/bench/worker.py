"""Benchmark work that must run in its own process, so that its peak memory and start-up
are its own: ``python -m rag.bench.worker TASK`` reads a JSON payload on stdin and prints one JSON object.

Tasks: ``ingest`` (this project's ingestion) and ``peer`` (build or grow the plain
llama-index index, then time its retriever).
Timed spans exclude the interpreter start and the embedding model's load, for both sides;
cold starts are timed by the caller from spawn to output.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

WARMUP = 3


def cpu_s() -> float:
    """CPU seconds this process has used so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB.

    Linux's ``ru_maxrss`` survives ``execve``: a child spawned by a big parent reports the
    parent's peak. ``VmHWM`` belongs to the address space, which exec replaces.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ingest_task(payload: dict[str, Any]) -> dict[str, Any]:
    from .. import Settings, ingest
    from ..embed import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    settings = Settings.from_env({}, index_dir=payload["index"])
    c0, t0 = cpu_s(), time.perf_counter()
    report = ingest([Path(p) for p in payload["paths"]], settings, embedder=embedder, log=lambda _: None)
    seconds, cpu = time.perf_counter() - t0, cpu_s() - c0
    return {"seconds": seconds, "cpu_s": cpu, "added": report.added, "updated": report.updated,
            "unchanged": report.unchanged, "removed": report.removed,
            "chunks": report.chunks_added, "skipped": len(report.skipped), "peak_rss_mb": peak_rss_mb()}


def peer_task(payload: dict[str, Any]) -> dict[str, Any]:
    from .peer import (
        MiniLMEmbedding,
        build_peer,
        peer_count,
        peer_retriever,
        source_of,
    )

    index_dir = Path(payload["index"])
    files = [Path(f) for f in payload["files"]]
    embed_model = MiniLMEmbedding()
    before = peer_count(index_dir)
    c0, t0 = cpu_s(), time.perf_counter()
    index = build_peer(index_dir, files, embed_model)
    seconds, cpu = time.perf_counter() - t0, cpu_s() - c0
    rss = peak_rss_mb()
    chunks = peer_count(index_dir) - before

    retriever = peer_retriever(index, int(payload.get("k", 5)))
    roots = [Path(r) for r in payload["roots"]]
    questions: list[dict[str, str]] = payload["questions"]
    for q in questions[:WARMUP]:
        retriever.retrieve(q["question"])
    ms: list[float] = []
    sources: dict[str, list[str]] = {}
    for _ in range(int(payload.get("repeat", 1))):
        for q in questions:
            t = time.perf_counter()
            nodes = retriever.retrieve(q["question"])
            ms.append((time.perf_counter() - t) * 1000)
            sources[q["id"]] = [source_of(n.node, roots) for n in nodes]
    return {"seconds": seconds, "cpu_s": cpu, "documents": len(files), "chunks": chunks, "peak_rss_mb": rss,
            "retrieve_ms": ms, "sources": sources}


TASKS = {"ingest": ingest_task, "peer": peer_task}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in TASKS:
        print(f"usage: python -m rag.bench.worker {{{','.join(TASKS)}}} < payload.json", file=sys.stderr)
        return 2
    result = TASKS[argv[0]](json.load(sys.stdin))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
