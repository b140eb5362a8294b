"""``python -m rag bench``: ingestion and query speed at corpus scale, side by side with a
plain llama-index pipeline (the peer) and with the hardware floors, plus retrieval quality
with and without the corpus as distractors.

    python -m rag bench                       # the full BBC corpus (~10k chunks, 15-30 min on 2 cores)
    python -m rag bench --quick               # a smoke run (60 articles, 1-2 minutes)
    python -m rag bench --articles 500 --sizes 100,250 --report /tmp/bench

The index grows in steps (seeds only, then seeds + each size): each step is ingested
incrementally in a fresh process, then timed. Writes bench.json, bench.md and bench.png
to --report. Default settings are benchmarked; RAG_* variables are ignored.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..embed import MiniLMEmbedder
from ..engine import Engine
from ..settings import Settings
from .corpus import EvalQuestion, article_order, link_view, load_questions, quality
from .measure import (
    cold_start,
    embed_floor,
    index_size_mb,
    pct,
    query_path,
    run_worker,
    search_floor,
    stored_chunks,
    wordpieces,
)
from .peer import embedded_texts, peer_nodes
from .report import summarise, write_report

QUICK_ARTICLES = 60
QUICK_SIZES = ""  # seeds, then seeds + 60 articles
ASK_SAMPLE = 60  # every question is retrieved (quality needs it); this many are also answered


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpora/bbc"),
                        help="folder of category folders of articles (default ../shared/corpora/bbc)")
    parser.add_argument("--seeds", type=Path, default=Path("seeds"), help="seed articles (default seeds)")
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--bbc-questions", type=Path, default=Path("eval/bbc_questions.jsonl"))
    parser.add_argument("--articles", type=int, help="corpus articles to use (default all)")
    parser.add_argument("--sizes", help="smaller corpus sizes to step through, e.g. 250,1000")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_ARTICLES} articles in one step, one cold start at the end")
    parser.add_argument("--cold-runs", type=int, help="cold starts at full size (default 3; quick 1)")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the questions per timing")
    parser.add_argument("--ask-sample", type=int,
                        help=f"questions whose full answer is timed (default {ASK_SAMPLE}; quick 10)")
    parser.add_argument("--no-peer", action="store_true", help="skip the llama-index peer")
    parser.add_argument("--report", type=Path, default=Path("bench/reports/latest"),
                        help="where to write bench.json, bench.md, bench.png")
    parser.add_argument("--work", type=Path, help="folder for the benchmark indexes (default: a temp dir)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    articles = args.articles or (QUICK_ARTICLES if args.quick else None)
    sizes_arg = args.sizes if args.sizes is not None else (QUICK_SIZES if args.quick else "250,1000")
    cold_runs = args.cold_runs or (1 if args.quick else 3)
    ask_sample = args.ask_sample or (10 if args.quick else ASK_SAMPLE)
    seed_qs, bbc_qs = load_questions(args.questions), load_questions(args.bbc_questions)
    order = article_order(args.corpus, [s for q in bbc_qs for s in sorted(q.gold)])
    n = min(articles or len(order), len(order))
    sizes = [0] + sorted({int(s) for s in sizes_arg.split(",") if s.strip() and 0 < int(s) < n}) + [n]
    work = args.work or Path(tempfile.mkdtemp(prefix="rag-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        result = benchmark(args.corpus.resolve(), args.seeds.resolve(), order, sizes, seed_qs, bbc_qs,
                           work, peer=not args.no_peer, cold_runs=cold_runs, cold_each=not args.quick,
                           repeat=args.repeat,
                           ask_sample=ask_sample)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    result["meta"].update(command=" ".join(["python -m rag bench", *sys.argv[2:]]),
                          total_s=round(time.perf_counter() - t0, 1))
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / "bench.json").write_text(json.dumps(result, indent=1) + "\n")  # raw, in case of a bug below
    paths = write_report(summarise(result), args.report)
    print(paths["md"].read_text())
    print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    return 0


def _log(line: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def benchmark(corpus: Path, seeds: Path, order: list[str], sizes: list[int],
              seed_qs: list[EvalQuestion], bbc_qs: list[EvalQuestion], work: Path, *,
              peer: bool, cold_runs: int, cold_each: bool, repeat: int, ask_sample: int
              ) -> dict[str, Any]:
    """Grow both indexes through ``sizes`` corpus articles (plus the seeds), timing each step."""
    view, ours_dir, peer_dir = work / "corpus", work / "ours", work / "peer"
    settings = Settings.from_env({}, index_dir=ours_dir, mode="extractive")
    embedder = MiniLMEmbedder()
    questions = seed_qs + bbc_qs
    # Answer timings on an even spread of seed and BBC questions.
    ask_qs = questions[:: max(1, len(questions) // ask_sample)][:ask_sample]
    probe = next(q.question for q in seed_qs if q.answerable)
    roots = [str(view), str(corpus), str(seeds)]
    steps: list[dict[str, Any]] = []
    seen: set[str] = set()
    engine: Engine | None = None
    peer_files: list[str] = []
    for size in sizes:
        added = link_view(view, corpus, order[:size])
        paths = [str(seeds)] + ([str(view)] if size else [])
        _log(f"step {size} articles: ingesting {len(added) or 'the seeds'} ...")
        ingest, wall = run_worker("ingest", {"paths": paths, "index": str(ours_dir)})
        step: dict[str, Any] = {"articles": size, "ours": {"ingest": {**ingest, "wall_s": wall}}}
        # One engine for the whole run, as a long-lived app would hold: it picks up each
        # ingest (a newly published index version) with refresh(), which is timed.
        t_open = time.perf_counter()
        if engine is None:
            engine = Engine.open(settings, embedder=embedder)
        else:
            engine.refresh()
        step["ours"]["open_or_refresh_s"] = time.perf_counter() - t_open
        # Statements extracted and compared across articles (the disagreements), on first use after
        # each ingest: all articles at the first step, then only the pairs with a new one.
        t_found = time.perf_counter()
        step["ours"]["disagreements"] = len(engine.disagreements())
        step["ours"]["disagreements_s"] = time.perf_counter() - t_found
        step["documents"] = len(engine.manifest)
        ids, vectors, texts = stored_chunks(engine)
        step["chunks"] = len(texts)
        # The embedding floor on this step's new chunks, right after ours embedded them, so both
        # see the same load from anything else running on the machine.
        new = [t for i, t in zip(ids, texts) if i not in seen]
        seen.update(ids)
        _log(f"step {size}: embedding floor on {len(new)} new chunks ...")
        step["floor_embed"] = embed_floor(new, embedder)
        _log(f"step {size}: {step['documents']} documents, {len(texts)} chunks; timing queries ...")
        timed = query_path(engine, questions, ask_qs, repeat)
        present = set(order[:size]) | {p.name for p in seeds.iterdir()}
        runs = cold_runs if size == sizes[-1] else int(cold_each)
        cold = [cold_start(["-m", "rag", "ask", probe, "--index", str(ours_dir), "--mode", "extractive",
                            "--json"]) for _ in range(runs)]
        step["ours"].update(
            search=pct(timed["search_ms"]), ask=pct(timed["ask_ms"]), cold_s=_median(cold),
            index_mb=index_size_mb(ours_dir),
            seeds=quality(timed["sources"], seed_qs), bbc=quality(timed["sources"], bbc_qs, present))
        floor = search_floor(vectors, embedder, questions, repeat)
        step["floor"] = {"query_embed": pct(floor["embed_ms"]), "numpy": pct(floor["numpy_ms"]),
                         "retrieve": pct(floor["retrieve_ms"])}
        if peer:
            files = [str(seeds / p.name) for p in sorted(seeds.iterdir()) if p.is_file()] if not size else \
                [str(a) for a in added]
            _log(f"step {size}: peer ingesting {len(files)} files ...")
            got, wall = run_worker("peer", {"index": str(peer_dir), "files": files, "roots": roots,
                                            "questions": [{"id": q.id, "question": q.question}
                                                          for q in questions], "repeat": repeat})
            peer_cold = [cold_start(["-c", _PEER_COLD, str(peer_dir), probe]) for _ in range(runs)]
            peer_files += files
            step["peer"] = {"ingest": {k: got[k] for k in ("seconds", "cpu_s", "documents", "chunks",
                                                           "peak_rss_mb")} | {"wall_s": wall},
                            "retrieve": pct(got["retrieve_ms"]), "cold_s": _median(peer_cold),
                            "seeds": quality(got["sources"], seed_qs),
                            "bbc": quality(got["sources"], bbc_qs, present)}
        step["load_avg"] = [round(x, 2) for x in os.getloadavg()]
        steps.append(step)
    paths = [str(seeds), str(view)] if sizes[-1] else [str(seeds)]
    _log("re-ingesting the unchanged corpus ...")
    again, wall = run_worker("ingest", {"paths": paths, "index": str(ours_dir)})
    result = {"meta": _meta(corpus, sizes, repeat, cold_runs), "steps": steps,
              "reingest": {**again, "wall_s": wall}}
    if peer_files:  # what the peer's embedder was given, and how much of it it could read
        result["peer_text"] = wordpieces(embedded_texts(peer_nodes([Path(f) for f in peer_files])))
    return result


# The peer's cold start: a fresh process that opens the persisted index and retrieves once.
_PEER_COLD = ("import sys; from pathlib import Path; from rag.bench.peer import open_peer, "
              "peer_retriever; print(len(peer_retriever(open_peer(Path(sys.argv[1]))).retrieve(sys.argv[2])))")


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _meta(corpus: Path, sizes: list[int], repeat: int, cold_runs: int) -> dict[str, Any]:
    import platform

    return {"date": time.strftime("%Y-%m-%d %H:%M"), "corpus": str(corpus), "sizes": sizes,
            "repeat": repeat, "cold_runs": cold_runs, "cpus": os.cpu_count(),
            "machine": f"{platform.machine()} {platform.system()}", "python": platform.python_version(),
            "load_avg_start": [round(x, 2) for x in os.getloadavg()]}
