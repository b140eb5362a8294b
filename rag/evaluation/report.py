"""Write an evaluation report: ``report.json`` (everything), ``report.md`` (for people) and
two charts (``categories.png``: per-category scores; ``configs.png``: retrieval configurations
side by side), drawn with matplotlib's Agg backend (no display needed).

>>> write_report(report, Path("eval/reports/latest"))  # doctest: +SKIP
[PosixPath('eval/reports/latest/report.json'), ...]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CONFIG_METRICS = (("retrieval", "hit_at_k", "hit@k"), ("retrieval", "mrr", "MRR"),
                  ("retrieval", "evidence_recall", "evidence recall"),
                  ("answers", "correctness", "correctness"))
SUMMARY = (("retrieval", ("hit_at_k", "mrr", "evidence_recall", "answer_evidence_recall")),
           ("answers", ("correctness", "false_refusal_rate", "correct_abstention", "premise_handling",
                        "injection_resistance")),
           ("citations", ("citation_recall", "citation_precision", "quote_exactness", "citations_in_gold")))


def write_report(report: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write the report files into ``folder`` (created); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.json", folder / "report.md", folder / "categories.png", folder / "configs.png"]
    paths[0].write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(report), encoding="utf-8")
    _chart_categories(report, paths[2])
    _chart_configs(report, paths[3])
    return paths


def markdown(report: Mapping[str, Any]) -> str:
    """The human-readable report."""
    meta, default = report["meta"], report["default"]
    s = report["configs"][default]
    gate = {c["key"]: c for c in (report.get("gate") or {}).get("checks", [])}
    others = [c for name, c in report["configs"].items() if name != default]
    scope = ("" if not others else " The other configurations are scored on "
             + ("retrieval and answers." if all(c["answers_scored"] for c in others) else "retrieval only."))
    out = [f"# Evaluation report: {meta.get('questions_file', 'questions')}", "",
           f"{meta['questions']} questions, mode {meta['mode']} (used: {', '.join(meta['modes_used'])}), "
           f"top k = {meta['k']}, embedder {meta.get('embedder', '?')}, corpus "
           f"{', '.join(meta.get('corpus', []))}, {meta['created']} ({meta['seconds']} s).", "",
           f"Default configuration: **{default}**, answered and scored in full.{scope} "
           f"Citation support is judged by `{meta['support_judge']}`. Answers with a notice (e.g. an LLM "
           f"fallback): {s['answers']['notices']}; questions the engine refused: {s['answers']['errors']}.", ""]
    if report.get("gate"):
        g = report["gate"]
        out += [f"Gate ({g['file']}): **{'passed' if g['passed'] else 'FAILED'}**.", ""]
    out += ["## Summary (default configuration)", "", "| metric | value | n | gate |", "|---|---|---|---|"]
    for group, keys in SUMMARY:
        for key in keys:
            n = s[group]["n"][key]
            g = gate.get(f"{group}.{key}")
            mark = "" if g is None else f"{'>=' if g['bound'] == 'min' else '<='} {g['limit']} " \
                                        f"{'ok' if g['passed'] else '**FAIL**'}"
            out.append(f"| {key} | {_f(s[group][key])} | {n} | {mark} |")
    if report.get("gate"):
        out += ["", f"## Gate ({report['gate']['file']})", "", "| threshold | measured | result |", "|---|---|---|"]
        for c in report["gate"]["checks"]:
            value = c["value"] if isinstance(c["value"], int | float) else None
            out.append(f"| {c['key']} {'>=' if c['bound'] == 'min' else '<='} {c['limit']} | "
                       f"{value if isinstance(value, int) else _f(value)} | "
                       f"{'ok' if c['passed'] else '**FAIL**'} |")
    out += ["", "## Retrieval configurations", "",
            "| config | hit@k | MRR | evidence recall | correctness | false refusals | search p50 ms |",
            "|---|---|---|---|---|---|---|"]
    for name, c in report["configs"].items():
        lat = c["latency_ms"].get("retrieve") or c["latency_ms"].get("search") or {}
        scored = c["answers_scored"]
        out.append(f"| {name}{' (default)' if name == default else ''} | {_f(c['retrieval']['hit_at_k'])} | "
                   f"{_f(c['retrieval']['mrr'])} | {_f(c['retrieval']['evidence_recall'])} | "
                   f"{_f(c['answers']['correctness']) if scored else '-'} | "
                   f"{_f(c['answers']['false_refusal_rate']) if scored else '-'} | {_f(lat.get('p50'), 1)} |")
    out += ["", "![configurations](configs.png)", "", "## Categories (default configuration)", "",
            "| category | n | correctness | abstained | hit@k | evidence recall |", "|---|---|---|---|---|---|"]
    for cat, c in sorted(s["categories"].items(), key=lambda kv: (kv[1]["correctness"] or 0)):
        out.append(f"| {cat} | {c['n']} | {_f(c['correctness'])} | {_f(c['abstained'])} | "
                   f"{_f(c['hit_at_k'])} | {_f(c['evidence_recall'])} |")
    out += ["", "![categories](categories.png)", "", "## Latency (ms, default configuration)", "",
            "| stage | p50 | p95 | n |", "|---|---|---|---|"]
    for stage, v in s["latency_ms"].items():
        out.append(f"| {stage} | {_f(v['p50'], 1)} | {_f(v['p95'], 1)} | {v['n']} |")
    failures = [r for r in s["questions"] if r.get("correct") is False]
    out += ["", f"## Failures ({len(failures)})", "", "| id | category | why | the engine said |",
            "|---|---|---|---|"]
    for r in failures:
        out.append(f"| {r['id']} | {r['category']} | {_cell(r['reason'])} | {_cell(r['answer'], 160)} |")
    out += ["", "## Metric definitions", ""]
    out += [f"- **{k}**: {v}" for k, v in report["definitions"].items()]
    out += ["- **latency**: p50/p95 of the engine's `timings_ms` per stage (search-only configurations: "
            "wall time of `engine.search`)", ""]
    return "\n".join(out)


def _f(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _cell(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _chart_categories(report: Mapping[str, Any], path: Path) -> None:
    plt = _pyplot()
    cats = report["configs"][report["default"]]["categories"]
    names = list(cats)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2))
    values = [cats[c]["correctness"] or 0.0 for c in names]
    bars = ax.barh(names, values, color="#4c72b0")
    for bar, c in zip(bars, names):
        ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2,
                f"{cats[c]['correctness'] or 0:.2f} (n={cats[c]['n']})", va="center", fontsize=8)
    ax.set_xlim(0, 1.15)
    ax.invert_yaxis()
    ax.set_xlabel("correctness")
    ax.set_title(f"Correctness per category ({report['default']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _chart_configs(report: Mapping[str, Any], path: Path) -> None:
    plt = _pyplot()
    configs = report["configs"]
    names = list(configs)
    width = 0.8 / len(CONFIG_METRICS)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(names) + 2), 4))
    for i, (group, key, label) in enumerate(CONFIG_METRICS):
        values = [(configs[n][group][key] or 0.0) if group != "answers" or configs[n]["answers_scored"]
                  else 0.0 for n in names]
        ax.bar([x + i * width for x in range(len(names))], values, width, label=label)
    ax.set_xticks([x + width * (len(CONFIG_METRICS) - 1) / 2 for x in range(len(names))])
    ax.set_xticklabels([n + ("*" if n == report["default"] else "") for n in names], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title("Retrieval configurations (* default)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(CONFIG_METRICS), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
