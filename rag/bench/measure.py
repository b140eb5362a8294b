"""Benchmark measurements: worker processes, cold starts, our query path and the floors.

>>> pct([1.0, 2.0, 3.0, 4.0])
{'p50': 2.5, 'p95': 3.85}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import MiniLMEmbedder, wordpiece_lengths
from ..engine import Engine
from ..errors import RagError
from ..evaluation.metrics import percentile
from ..index.chunk import embed_text
from ..index.store import open_store
from .corpus import EvalQuestion

WARMUP = 3


def pct(ms: list[float]) -> dict[str, float]:
    """p50 and p95 of a list of timings (0 when empty)."""
    return {"p50": round(percentile(ms, 50) or 0.0, 3), "p95": round(percentile(ms, 95) or 0.0, 3)}


def child_env() -> dict[str, str]:
    """The environment for child processes: ours, minus RAG_* settings that would change them."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}


def run_worker(task: str, payload: dict[str, Any], timeout: float = 7200) -> tuple[dict[str, Any], float]:
    """Run ``python -m rag.bench.worker TASK`` and return (its JSON result, wall seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rag.bench.worker", task], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=timeout, env=child_env())
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RagError(f"benchmark worker {task!r} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1]), wall


def cold_start(argv: list[str]) -> float:
    """Seconds from spawning ``python ARGV`` to having its complete output."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=600,
                          env=child_env())
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RagError(f"cold start of {' '.join(argv[:3])} failed (exit {proc.returncode}):\n"
                       f"{proc.stderr[-3000:]}")
    return seconds


def query_path(engine: Engine, questions: list[EvalQuestion], ask_questions: list[EvalQuestion],
               repeat: int = 1, k: int = 5) -> dict[str, Any]:
    """Warm ``engine.search`` timings and top-k sources over ``questions``, then warm
    ``engine.ask`` timings over ``ask_questions``."""
    for q in questions[:WARMUP]:
        engine.ask(q.question)
    search_ms: list[float] = []
    ask_ms: list[float] = []
    sources: dict[str, list[str]] = {}
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            passages = engine.search(q.question, k=k)
            search_ms.append((time.perf_counter() - t0) * 1000)
            sources[q.id] = [p.source for p in passages]
        for q in ask_questions:
            t0 = time.perf_counter()
            engine.ask(q.question, k=k)
            ask_ms.append((time.perf_counter() - t0) * 1000)
    return {"search_ms": search_ms, "ask_ms": ask_ms, "sources": sources}


def cpu_s() -> float:
    """CPU seconds this process has used so far (all threads, user + system)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stored_chunks(engine: Engine) -> tuple[list[str], np.ndarray, list[str]]:
    """Ids and vectors of every stored chunk, and the texts that were embedded for them."""
    store = open_store(engine.settings, MiniLMEmbedder.name, create=False)
    ids: list[str] = []
    vectors: list[np.ndarray] = []
    texts: list[str] = []
    try:
        total, page = store.chunks.count(), 2000
        for offset in range(0, total, page):
            got = store.chunks.get(include=["embeddings", "documents", "metadatas"], limit=page,
                                   offset=offset)
            ids += got["ids"]
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
            texts += [embed_text(str((m or {}).get("title", "")), d or "")
                      for d, m in zip(got["documents"] or [], got["metadatas"] or [])]
    finally:
        store.close()
    matrix = np.vstack(vectors) if vectors else np.zeros((0, MiniLMEmbedder.dim), dtype=np.float32)
    return ids, matrix, texts


def search_floor(vectors: np.ndarray, embedder: MiniLMEmbedder, questions: list[EvalQuestion],
                 repeat: int = 1, k: int = 5) -> dict[str, list[float]]:
    """Query embedding alone, exact numpy cosine top-k alone, and their per-question sum (ms).

    Each is timed in its own loop: interleaved, onnxruntime's and BLAS's worker threads
    (both spin-wait after a call) slow each other down on a small machine, which would
    inflate the floor.
    """
    for q in questions[:WARMUP]:
        embedder.embed([q.question])
    embed_ms: list[float] = []
    numpy_ms: list[float] = []
    for _ in range(repeat):
        qvecs = []
        for q in questions:
            t0 = time.perf_counter()
            qvecs.append(embedder.embed([q.question])[0])
            embed_ms.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.2)  # let the embedding threads go idle
        for vec in qvecs:
            t0 = time.perf_counter()
            sims = vectors @ vec  # stored vectors are L2-normalised: dot product = cosine
            top = np.argpartition(-sims, min(k, len(sims) - 1))[:k]
            top = top[np.argsort(-sims[top])]
            numpy_ms.append((time.perf_counter() - t0) * 1000)
    return {"embed_ms": embed_ms, "numpy_ms": numpy_ms,
            "retrieve_ms": [a + b for a, b in zip(embed_ms, numpy_ms)]}


def wordpieces(texts: list[str]) -> dict[str, int]:
    """Wordpieces in ``texts`` for MiniLM's tokenizer, and how many the model reads (its
    window is 256; the rest is silently dropped)."""
    lengths = wordpiece_lengths(texts)
    return {"wordpieces": sum(lengths),
            "wordpieces_read": sum(min(n, MiniLMEmbedder.max_tokens) for n in lengths)}


def embed_floor(texts: list[str], embedder: MiniLMEmbedder) -> dict[str, float]:
    """The embedding model alone on ``texts``: seconds, CPU seconds, wordpieces sent and read."""
    c0, t0 = cpu_s(), time.perf_counter()
    embedder.embed(texts)
    seconds, cpu = time.perf_counter() - t0, cpu_s() - c0
    return {"seconds": seconds, "cpu_s": cpu, "chunks": len(texts), **wordpieces(texts)}


def index_size_mb(path: Path) -> float:
    """Disk size of an index folder."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6
