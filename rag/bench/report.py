"""Benchmark report: totals, ratios and target verdicts from the raw steps, written as
JSON, a markdown table and a latency-versus-corpus-size chart.

>>> _ratio(3.0, 2.0), _ratio(1.0, 0.0)
(1.5, None)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGET_RETRIEVE_MS, TARGET_ANSWER_MS, TARGET_COLD_S = 50.0, 150.0, 6.0


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _ingest_totals(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Sum the ingestion runs of every step (each adds that step's new articles)."""
    if not runs:
        return None
    seconds = sum(r["seconds"] for r in runs)
    cpu = sum(r["cpu_s"] for r in runs)
    docs = sum(r.get("documents", r.get("added", 0) + r.get("updated", 0)) for r in runs)
    chunks = sum(r["chunks"] for r in runs)
    out = {"documents": docs, "chunks": chunks, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2),
           "docs_per_s": round(docs / seconds, 3) if seconds else 0.0,
           "chunks_per_s": round(chunks / seconds, 3) if seconds else 0.0,
           "chunks_per_cpu_s": round(chunks / cpu, 3) if cpu else 0.0}
    if all("peak_rss_mb" in r for r in runs):
        out["peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in runs), 1)
    if all("wordpieces" in r for r in runs):
        total = sum(r["wordpieces"] for r in runs)
        out["wordpieces_read"] = sum(r["wordpieces_read"] for r in runs)
        out["read_share"] = round(out["wordpieces_read"] / total, 4) if total else 1.0
    return out


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Add ``totals``, ``ratios`` and ``targets`` (all at the largest size) to a raw result."""
    steps = result["steps"]
    first, last = steps[0], steps[-1]
    floor = _ingest_totals([s["floor_embed"] for s in steps]) or {}
    ours = _ingest_totals([s["ours"]["ingest"] for s in steps]) or {}
    # The floor embeds exactly our chunk texts.
    ours["read_share"], ours["wordpieces_read"] = floor["read_share"], floor["wordpieces_read"]
    peer = _ingest_totals([s["peer"]["ingest"] for s in steps if "peer" in s])
    if peer and "peer_text" in result:
        text = result["peer_text"]
        peer["wordpieces_read"] = text["wordpieces_read"]
        peer["read_share"] = round(text["wordpieces_read"] / text["wordpieces"], 4) if text["wordpieces"] else 1.0
    found_s = sum(s["ours"].get("disagreements_s", 0.0) for s in steps)
    ours["disagreements_s"] = found_s
    result["totals"] = {"ours": ours, "peer": peer, "floor": floor}
    o, f, p = last["ours"], last["floor"], last.get("peer")
    result["ratios"] = {
        "ingest_chunks_per_s_ours_floor": _ratio(ours["chunks_per_s"], floor["chunks_per_s"]),
        "ingest_docs_per_s_ours_peer": _ratio(ours["docs_per_s"], peer["docs_per_s"]) if peer else None,
        "ingest_chunks_per_s_ours_peer": _ratio(ours["chunks_per_s"], peer["chunks_per_s"]) if peer else None,
        "ingest_chunks_per_cpu_s_ours_floor": _ratio(ours["chunks_per_cpu_s"], floor["chunks_per_cpu_s"]),
        "retrieve_p50_ours_floor": _ratio(o["search"]["p50"], f["retrieve"]["p50"]),
        "retrieve_p95_ours_floor": _ratio(o["search"]["p95"], f["retrieve"]["p95"]),
        "retrieve_p95_ours_peer": _ratio(o["search"]["p95"], p["retrieve"]["p95"]) if p else None,
        "cold_ours_peer": _ratio(o["cold_s"], p["cold_s"]) if p else None,
        "ingest_with_disagreements": _ratio(ours["seconds"] + found_s, ours["seconds"]),
    }
    drop = first["ours"]["seeds"]["hit_at_k"] - o["seeds"]["hit_at_k"]
    r = result["ratios"]
    checks: list[tuple[str, Any, str, bool]] = [
        ("ingestion >= 0.85x embedding floor (chunks/s)", r["ingest_chunks_per_s_ours_floor"], ">= 0.85",
         (r["ingest_chunks_per_s_ours_floor"] or 0) >= 0.85),
        ("warm retrieval p95 <= 1.5x floor (query embedding + numpy)", r["retrieve_p95_ours_floor"], "<= 1.5",
         (r["retrieve_p95_ours_floor"] or 99) <= 1.5),
        ("warm retrieval p95 < 50 ms", o["search"]["p95"], "< 50", o["search"]["p95"] < TARGET_RETRIEVE_MS),
        ("extractive answer p95 < 150 ms", o["ask"]["p95"], "< 150", o["ask"]["p95"] < TARGET_ANSWER_MS),
        ("cold start to first answer < 6 s", round(o["cold_s"], 2), "< 6", o["cold_s"] < TARGET_COLD_S),
        ("peak RSS during ingestion < 1.5 GB (MB)", ours["peak_rss_mb"], "< 1536", ours["peak_rss_mb"] < 1536),
        ("unchanged re-ingest < 10 s (wall, incl. start-up)", round(result["reingest"]["wall_s"], 2), "< 10",
         result["reingest"]["wall_s"] < 10 and result["reingest"]["added"] == 0),
        ("seed hit@5 drop with distractors <= 0.03", round(drop, 4), "<= 0.03", drop <= 0.03),
        ("ingestion with the disagreements found <= 1.5x ingestion alone", r["ingest_with_disagreements"], "<= 1.5",
         (r["ingest_with_disagreements"] or 0) <= 1.5),
    ]
    if peer:
        checks.insert(1, ("ingestion faster than llama-index (documents/s, ours/peer)",
                          r["ingest_docs_per_s_ours_peer"], "> 1", (r["ingest_docs_per_s_ours_peer"] or 0) > 1))
    result["targets"] = [{"target": t, "measured": v, "limit": lim, "met": ok} for t, v, lim, ok in checks]
    return result


def _f(x: Any, digits: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def markdown(result: dict[str, Any]) -> str:
    """The report as markdown: headline table, targets, then every corpus size."""
    t, r, last, m = result["totals"], result["ratios"], result["steps"][-1], result["meta"]
    o, f, p = last["ours"], last["floor"], last.get("peer")
    op, pp = t["ours"], t["peer"] or {}
    rows = [
        ("ingestion, documents/s", op["docs_per_s"], pp.get("docs_per_s"), None, r["ingest_docs_per_s_ours_peer"], None),
        ("ingestion, chunks/s", op["chunks_per_s"], pp.get("chunks_per_s"), t["floor"]["chunks_per_s"],
         r["ingest_chunks_per_s_ours_peer"], r["ingest_chunks_per_s_ours_floor"]),
        ("ingestion, chunks per CPU-second (less sensitive to other load)", op["chunks_per_cpu_s"],
         pp.get("chunks_per_cpu_s"), t["floor"]["chunks_per_cpu_s"],
         _ratio(op["chunks_per_cpu_s"], pp.get("chunks_per_cpu_s")), r["ingest_chunks_per_cpu_s_ours_floor"]),
        ("ingestion, seconds (sum over steps)", op["seconds"], pp.get("seconds"), t["floor"]["seconds"],
         None, None),
        ("chunks embedded", op["chunks"], pp.get("chunks"), t["floor"]["chunks"], None, None),
        ("share of embedded wordpieces the model reads", op["read_share"], pp.get("read_share"),
         t["floor"]["read_share"], None, None),
        ("wordpieces the model reads (the embedding work)", op["wordpieces_read"], pp.get("wordpieces_read"),
         t["floor"]["wordpieces_read"], _ratio(op["wordpieces_read"], pp.get("wordpieces_read")), None),
        ("peak RSS during ingestion, MB", op["peak_rss_mb"], pp.get("peak_rss_mb"), None,
         _ratio(op["peak_rss_mb"], pp.get("peak_rss_mb")), None),
        ("warm retrieval p50, ms", o["search"]["p50"], p and p["retrieve"]["p50"], f["retrieve"]["p50"],
         _ratio(o["search"]["p50"], p and p["retrieve"]["p50"]), r["retrieve_p50_ours_floor"]),
        ("warm retrieval p95, ms", o["search"]["p95"], p and p["retrieve"]["p95"], f["retrieve"]["p95"],
         r["retrieve_p95_ours_peer"], r["retrieve_p95_ours_floor"]),
        ("extractive answer p50 / p95, ms", f"{o['ask']['p50']:.1f} / {o['ask']['p95']:.1f}", None, None, None, None),
        ("cold start, s (ours: to first answer; peer: to first retrieval)", o["cold_s"], p and p["cold_s"], None,
         r["cold_ours_peer"], None),
        ("disagreements: statements extracted and compared, s (all steps / last step; found)",
         f"{t['ours']['disagreements_s']:.1f} / {o.get('disagreements_s', 0):.1f}; {o.get('disagreements', 0)}",
         None, None, None, None),
        ("unchanged re-ingest, s (wall / in-process)",
         f"{result['reingest']['wall_s']:.1f} / {result['reingest']['seconds']:.1f}", None, None, None, None),
        ("seed hit@5 without / with distractors", f"{result['steps'][0]['ours']['seeds']['hit_at_k']:.3f} / "
         f"{o['seeds']['hit_at_k']:.3f}", p and f"{result['steps'][0]['peer']['seeds']['hit_at_k']:.3f} / "
         f"{p['seeds']['hit_at_k']:.3f}", None, None, None),
        (f"BBC questions hit@5 / MRR@5 (n={o['bbc']['n']})", f"{o['bbc']['hit_at_k']:.3f} / {o['bbc']['mrr']:.3f}",
         p and f"{p['bbc']['hit_at_k']:.3f} / {p['bbc']['mrr']:.3f}", None, None, None),
    ]
    out = [f"## Benchmark: {last['documents']:,} documents, {last['chunks']:,} chunks", "",
           f"{m['date']}, {m['cpus']} CPUs ({m['machine']}, Python {m['python']}), load average at start "
           f"{m['load_avg_start']}; `{m.get('command', 'python -m rag bench')}` ({m.get('total_s', 0):.0f} s). "
           "Floors: the embedding model alone on our chunks; query embedding + exact numpy cosine top-5 "
           f"(query embedding alone p50/p95 {f['query_embed']['p50']:.1f}/{f['query_embed']['p95']:.1f} ms, "
           f"numpy search alone {f['numpy']['p50']:.2f}/{f['numpy']['p95']:.2f} ms).", "",
           "| metric | ours | llama-index peer | floor | ours / peer | ours / floor |",
           "|---|---:|---:|---:|---:|---:|"]
    out += [f"| {name} | {_f(a, 3 if isinstance(a, float) and a < 1 else 1)} | "
            f"{_f(b, 3 if isinstance(b, float) and b < 1 else 1)} | {_f(c)} | {_f(d, 2)} | {_f(e, 2)} |"
            for name, a, b, c, d, e in rows]
    out += ["", "| target | measured | limit | met |", "|---|---:|---:|:---:|"]
    out += [f"| {x['target']} | {_f(x['measured'], 3)} | {x['limit']} | {'yes' if x['met'] else '**no**'} |"
            for x in result["targets"]]
    out += ["", "| corpus articles | documents | chunks | ours retrieval p50 / p95 ms | ours answer p95 ms "
            "| floor p95 ms | peer retrieval p95 ms | cold start s (ours / peer) | seed hit@5 | BBC hit@5 (n) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in result["steps"]:
        so, sp = s["ours"], s.get("peer")
        out.append(f"| {s['articles']:,} | {s['documents']:,} | {s['chunks']:,} | {so['search']['p50']:.1f} / "
                   f"{so['search']['p95']:.1f} | {so['ask']['p95']:.1f} | {s['floor']['retrieve']['p95']:.1f} | "
                   f"{_f(sp and sp['retrieve']['p95'])} | {_f(so['cold_s'], 2)} / {_f(sp and sp['cold_s'], 2)} | "
                   f"{so['seeds']['hit_at_k']:.3f} | {so['bbc']['hit_at_k']:.3f} ({so['bbc']['n']}) |")
    return "\n".join(out) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    """Latency (p95) and cold start against corpus size, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    steps = result["steps"]
    x = [s["documents"] for s in steps]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = [("ours: answer (extractive) p95", [s["ours"]["ask"]["p95"] for s in steps], "o-"),
              ("ours: retrieval p95", [s["ours"]["search"]["p95"] for s in steps], "s-"),
              ("ours: retrieval p50", [s["ours"]["search"]["p50"] for s in steps], "s--"),
              ("floor: query embedding + numpy p95", [s["floor"]["retrieve"]["p95"] for s in steps], "^:")]
    if all("peer" in s for s in steps):
        series.append(("llama-index peer: retrieval p95", [s["peer"]["retrieve"]["p95"] for s in steps], "d-"))
    for label, y, style in series:
        left.plot(x, y, style, label=label)
    for limit, label in ((TARGET_RETRIEVE_MS, "target: retrieval p95"), (TARGET_ANSWER_MS, "target: answer p95")):
        left.axhline(limit, color="grey", linestyle="--", linewidth=0.8)
        left.annotate(f"{label} {limit:g} ms", (x[0], limit), fontsize=7, color="grey",
                      textcoords="offset points", xytext=(2, 2))
    left.set(xscale="log", yscale="log", xlabel="documents in the index", ylabel="ms (log scale)",
             title="warm query latency")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    for side, style, label in (("ours", "o-", "ours: process start to first answer"),
                               ("peer", "d-", "peer: process start to first retrieval")):
        points = [(s["documents"], s[side]["cold_s"]) for s in steps if s.get(side, {}).get("cold_s")]
        if points:
            right.plot(*zip(*points), style, label=label)
    right.axhline(TARGET_COLD_S, color="grey", linestyle="--", linewidth=0.8)
    right.annotate(f"target {TARGET_COLD_S:g} s", (x[0], TARGET_COLD_S), fontsize=7, color="grey",
                   textcoords="offset points", xytext=(2, 2))
    right.set(xscale="log", xlabel="documents in the index", ylabel="s", title="cold start")
    right.set_ylim(bottom=0, top=max([*right.get_ylim(), 1.0]) * 1.15)
    for ax in (left, right):  # plain numbers at the measured sizes, not powers of ten
        ax.set_xticks(x)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    right.legend(fontsize=8)
    right.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(result: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Write bench.json, bench.md and bench.png into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "bench.json", "md": folder / "bench.md", "png": folder / "bench.png"}
    paths["json"].write_text(json.dumps(result, indent=1) + "\n")
    paths["md"].write_text(markdown(result))
    plot(result, paths["png"])
    return paths
