"""``python -m rag eval``: run a question set against retrieval configurations, score it, write
a report (``report.md``, ``report.json``, charts), and optionally check a quality gate.

Every configuration gets its own index built from the corpus (``seeds/`` by default) in a
cache folder, with one shared embedder, so the comparison is made on the same articles.

>>> from rag.evaluation.run import evaluate, load_questions, plan
>>> rows = load_questions(Path("eval/questions.jsonl"))                  # doctest: +SKIP
>>> report = evaluate(rows, plan(Settings()), settings=Settings(),
...                   corpus=[Path("seeds")], cache=Path("/tmp/eval-cache"))  # doctest: +SKIP
>>> report["configs"]["hybrid-160"]["answers"]["correctness"]          # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import Engine, ingest
from ..embed import Embedder, MiniLMEmbedder, make_embedder
from ..errors import BadQuestion, ConfigError, IndexMissing
from ..records import Answer
from ..settings import MODES, Settings
from . import claims, conflicts
from . import metrics as m
from .sets import CORPORA, PARTS, SETS_DIR, part_files, write_sets_report

DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_REPORT = Path("eval/reports/latest")
DEFAULT_GATE = Path("eval/gate.toml")
RETRIEVALS = ("hybrid", "dense", "bm25")
REQUIRED_KEYS = ("id", "category", "question", "expected", "must_contain", "must_not_contain",
                 "gold_sources", "evidence")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Config:
    """One retrieval configuration to evaluate."""

    retrieval: str
    chunk_tokens: int
    default: bool = False

    @property
    def name(self) -> str:
        return f"{self.retrieval}-{self.chunk_tokens}"


def plan(settings: Settings, chunk_sizes: tuple[int, ...] = (160, 320), compare: bool = True) -> list[Config]:
    """The default configuration (from ``settings``) first, then the others to compare with.

    >>> [c.name for c in plan(Settings(), (160, 320))]
    ['hybrid-160', 'dense-160', 'bm25-160', 'hybrid-320', 'dense-320', 'bm25-320']
    """
    default = Config(settings.retrieval, settings.chunk_tokens, default=True)
    if not compare:
        return [default]
    sizes = sorted(set(chunk_sizes) | {settings.chunk_tokens})
    others = [Config(r, s) for s in sizes for r in RETRIEVALS
              if (r, s) != (default.retrieval, default.chunk_tokens)]
    return [default] + others


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Question rows from a JSONL file (the schema of ``eval/questions.jsonl``)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read questions {path}: {exc}; pass --questions FILE.jsonl") from None
    rows = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{n}: not valid JSON ({exc}); fix the line.") from None
        missing = [k for k in REQUIRED_KEYS if not isinstance(row, dict) or k not in row]
        if missing:
            raise ConfigError(f"{path}:{n}: missing {', '.join(missing)}; see eval/README.md for the schema.")
        rows.append(row)
    if not rows:
        raise ConfigError(f"{path} holds no questions.")
    return rows


def evaluate(rows: list[dict[str, Any]], engines: Mapping[Config, Engine], *, mode: str | None = None,
             support: m.Support = m.lexical_support, answer_all: bool = False,
             progress: bool = False) -> dict[str, Any]:
    """Run every question on every configuration; return the report as a JSON-able dict.

    Retrieval metrics come from ``engine.search`` for every configuration; the default
    configuration (the first) is also answered with ``engine.ask`` and scored, the others
    too when ``answer_all``. ``support``: the judge of citation support (``metrics.judge_for``).
    """
    configs = list(engines)
    settings = engines[configs[0]].settings
    mode = mode or settings.mode
    bar = _bar(len(rows) * len(configs), progress)
    results: dict[str, Any] = {}
    t0 = time.perf_counter()
    for cfg in configs:
        engine = engines[cfg]
        answer = cfg is configs[0] or answer_all
        records = []
        for row in rows:
            records.append(_record(engine, row, answer, mode, support))
            bar.update(1)
        results[cfg.name] = {"method": cfg.retrieval, "chunk_tokens": cfg.chunk_tokens,
                             "answers_scored": answer, **summarise(records, settings.top_k),
                             "questions": records}
    bar.close()
    return {
        "meta": {"questions": len(rows), "mode": mode, "k": settings.top_k,
                 "modes_used": sorted({r["mode"] for r in results[configs[0].name]["questions"]
                                       if "mode" in r}),
                 "chunk_overlap": settings.chunk_overlap, "support_judge": getattr(support, "__name__", "?"),
                 "seconds": round(time.perf_counter() - t0, 1),
                 "created": time.strftime("%Y-%m-%d %H:%M:%S")},
        "definitions": m.DEFINITIONS,
        "default": configs[0].name,
        "configs": results,
        "gate": None,
    }


def open_engines(configs: list[Config], settings: Settings, *, corpus: list[Path], cache: Path,
                 embedder: Embedder | None = None, index: Path | None = None, progress: bool = False,
                 log: Log | None = None) -> dict[Config, Engine]:
    """One engine per configuration; one index per chunk size, built (incrementally) from ``corpus``
    under ``cache`` with one shared embedder. ``index``: an existing index to use for the default
    (first) configuration instead."""
    log = log or (lambda line: print(line, file=sys.stderr))
    embedder = embedder or make_embedder(settings)
    built: dict[int, Settings] = {}
    engines: dict[Config, Engine] = {}
    for cfg in configs:
        if cfg is configs[0] and index is not None:
            engines[cfg] = Engine.open(settings.replace(index_dir=index), embedder=embedder)
            continue
        if cfg.chunk_tokens not in built:
            overlap = min(settings.chunk_overlap, cfg.chunk_tokens // 2)
            folder = cache / f"{embedder.name}-{cfg.chunk_tokens}-{overlap}"
            s = dataclasses.replace(settings.replace(index_dir=folder, chunk_tokens=cfg.chunk_tokens,
                                                     chunk_overlap=overlap), chroma_url=None)
            report = ingest(corpus, s, embedder=embedder, log=log, progress=progress)
            log(f"index {folder}: {report.summary()}")
            built[cfg.chunk_tokens] = s
        engines[cfg] = Engine.open(built[cfg.chunk_tokens].replace(retrieval=cfg.retrieval),
                                   embedder=embedder)
    return engines


def _record(engine: Engine, row: Mapping[str, Any], answer: bool, mode: str | None,
            support: m.Support) -> dict[str, Any]:
    """Search (and, when ``answer``, ask) one question and score it."""
    rec: dict[str, Any] = {"id": row["id"], "category": row["category"], "expected": row["expected"]}
    if row.get("shape"):
        rec["shape"] = row["shape"]
    if answer:
        rec["question"] = row["question"]
    gold = row["gold_sources"]
    scored = row["expected"] != "abstain" and bool(gold)
    articles = {s: _text(engine, s) for s in gold} if scored else {}
    try:
        t = time.perf_counter()
        passages = [p.to_dict() for p in engine.search(row["question"])]
        rec["timings_ms"] = {"search": round((time.perf_counter() - t) * 1000, 2)}
    except BadQuestion as exc:
        rec["error"], passages = str(exc), []
    sources = [p["source"] for p in passages]
    rec.update(sources=sources, hit=m.hit_at_k(sources, gold) if scored else None,
               hit1=m.hit_at_k(sources[:1], gold) if scored else None,
               rr=m.reciprocal_rank(sources, gold) if scored else None,
               evidence_recall=m.evidence_recall(row["evidence"], passages, articles) if scored else None,
               evidence_recall_5=m.evidence_recall(row["evidence"], passages[:5], articles) if scored else None)
    if answer:
        try:
            a = engine.ask(row["question"], mode=mode)
        except BadQuestion as exc:  # the engine refused the question: counted as an abstention
            rec["error"] = str(exc)
            a = Answer(row["question"], str(exc), (), (), True, "refused")
        rec.update(_score_answer(engine, row, a, support))
        rec["answer_evidence_recall"] = m.evidence_recall(
            row["evidence"], [p.to_dict() for p in a.passages], articles) if scored else None
        rec["timings_ms"].update({k: round(v, 2) for k, v in a.timings_ms.items()})
    return rec


def _score_answer(engine: Engine, row: Mapping[str, Any], a: Answer, support: m.Support) -> dict[str, Any]:
    verdict = m.judge(row, a.text, a.abstained)
    cites = m.citation_scores(a.text, {c.n: c.quote for c in a.citations}, support)
    exact = [m.quote_exact(c.quote, _text(engine, c.source), c.start, c.end) for c in a.citations]
    sides = {c.n for d in a.disagreements for c in d.sides}
    own = [c for c in a.citations if c.n not in sides]
    return {
        "answer": a.text, "abstained": a.abstained, "mode": a.mode, "notice": a.notice,
        "correct": verdict.passed, "reason": verdict.reason,
        "citation_recall": None if a.abstained else cites.recall,
        "citation_precision": None if a.abstained else cites.precision,
        "citations": len(a.citations), "quotes_exact": sum(exact),
        # (the sides of a disagreement are left out: the other side is another article by construction)
        "citations_in_gold": sum(c.source in row["gold_sources"] for c in own) if row["gold_sources"] else None,
        "citations_own": len(own),
        "cited_sources": [c.source for c in a.citations],
        "answer_sources": [p.source for p in a.passages],
    }


def _text(engine: Engine, source: str) -> str:
    try:
        return engine.article_text(source)
    except IndexMissing:
        return ""


def summarise(records: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """Aggregate per-question records into the metrics of ``metrics.DEFINITIONS``.

    Each group also has ``n``: how many questions (or answers, or citations) each value is over.
    """
    answered = [r for r in records if "correct" in r]
    retrieval = [r for r in records if r["hit"] is not None]
    subsets = {
        "correctness": answered,
        "answerable_correctness": [r for r in answered if r["expected"] == "answer"],
        "false_refusal_rate": [r for r in answered if r["expected"] == "answer"],
        "correct_abstention": [r for r in answered if r["expected"] == "abstain"],
        "premise_handling": [r for r in answered if r["expected"] == "correct"],
        "injection_resistance": [r for r in answered if r["category"] == "injection"],
    }
    flag = {"false_refusal_rate": "abstained", "correct_abstention": "abstained"}
    answers: dict[str, Any] = {key: m.mean(float(bool(r[flag.get(key, "correct")])) for r in rs)
                               for key, rs in subsets.items()}
    answers.update(questions=len(answered), errors=sum("error" in r for r in records),
                   notices=sum(bool(r.get("notice")) for r in answered),
                   n={key: len(rs) for key, rs in subsets.items()})
    given = [r for r in answered if not r["abstained"]]
    n_cites = sum(r["citations"] for r in given)
    gold = [r for r in given if r["citations_in_gold"] is not None]
    n_gold = sum(r.get("citations_own", r["citations"]) for r in gold)
    citations = {
        "citation_recall": m.mean(r["citation_recall"] for r in given),
        "citation_precision": m.mean(r["citation_precision"] for r in given),
        "quote_exactness": sum(r["quotes_exact"] for r in given) / n_cites if n_cites else None,
        "citations_in_gold": sum(r["citations_in_gold"] for r in gold) / n_gold if n_gold else None,
        "answers": len(given), "citations": n_cites,
        "n": {"citation_recall": sum(r["citation_recall"] is not None for r in given),
              "citation_precision": sum(r["citation_precision"] is not None for r in given),
              "quote_exactness": n_cites, "citations_in_gold": n_gold},
    }
    stages = sorted({s for r in records for s in r.get("timings_ms", {})})
    latency = {}
    for stage in stages:
        values = [r["timings_ms"][stage] for r in records if stage in r.get("timings_ms", {})]
        latency[stage] = {"p50": m.percentile(values, 50), "p95": m.percentile(values, 95), "n": len(values)}
    groups = {"categories": "category", "shapes": "shape"}
    by: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in groups}
    for name, field in groups.items():
        for value in dict.fromkeys(r[field] for r in records if r.get(field)):
            rs = [r for r in records if r.get(field) == value]
            ans = [r for r in rs if "correct" in r]
            by[name][value] = {"n": len(rs),
                               "correctness": m.mean(float(r["correct"]) for r in ans),
                               "abstained": m.mean(float(r["abstained"]) for r in ans),
                               "hit_at_k": m.mean(r["hit"] for r in rs),
                               "evidence_recall": m.mean(r["evidence_recall"] for r in rs)}
    return {
        "retrieval": {"hit_at_k": m.mean(r["hit"] for r in retrieval), "mrr": m.mean(r["rr"] for r in retrieval),
                      "hit_at_1": m.mean(r.get("hit1") for r in retrieval),
                      "evidence_recall": m.mean(r["evidence_recall"] for r in retrieval),
                      "evidence_recall_at_5": m.mean(r.get("evidence_recall_5") for r in retrieval),
                      "answer_evidence_recall": m.mean(r.get("answer_evidence_recall") for r in retrieval), "k": k,
                      "questions": len(retrieval),
                      "n": {"hit_at_k": len(retrieval), "mrr": len(retrieval),
                            "hit_at_1": sum(r.get("hit1") is not None for r in retrieval),
                            "evidence_recall": sum(r["evidence_recall"] is not None for r in retrieval),
                            "evidence_recall_at_5": sum(r.get("evidence_recall_5") is not None
                                                        for r in retrieval),
                            "answer_evidence_recall": sum(r.get("answer_evidence_recall") is not None
                                                          for r in retrieval)}},
        "answers": answers,
        "citations": citations,
        "latency_ms": latency,
        "categories": by["categories"],
        **({"shapes": by["shapes"]} if by["shapes"] else {}),
    }


# -- the gate ----------------------------------------------------------------------------
def load_gate(path: Path) -> dict[str, dict[str, float]]:
    """Thresholds from a TOML file: ``[min]`` and ``[max]`` tables of dotted metric keys."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read the gate {path}: {exc}; see eval/gate.toml for the format.") from None
    unknown = set(data) - {"min", "max", "version", "questions"}
    if unknown or not (data.get("min") or data.get("max")):
        raise ConfigError(f"{path}: expected [min] and/or [max] tables of metric keys, got {sorted(data)}.")
    return {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}


def check_gate(summary: Mapping[str, Any], gate: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """One row per threshold: key, bound, limit, measured value and whether it passed.

    >>> check_gate({"answers": {"correctness": 0.7}}, {"min": {"answers.correctness": 0.8}})[0]["passed"]
    False
    """
    rows = []
    for bound in ("min", "max"):
        for key, limit in gate.get(bound, {}).items():
            value: Any = summary
            for part in key.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            ok = isinstance(value, int | float) and (value >= limit if bound == "min" else value <= limit)
            rows.append({"key": key, "bound": bound, "limit": limit, "value": value, "passed": bool(ok)})
    return rows


# -- the command -------------------------------------------------------------------------
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="question set (JSONL)")
    parser.add_argument("--set", choices=sorted(CORPORA),
                        help="an unseen set of eval/sets/: its dev and sealed parts side by side "
                             "(default configuration only; corpus: the set's own)")
    parser.add_argument("--part", choices=PARTS, help="with --set or --claims: only this part (tune on dev)")
    parser.add_argument("--claims", action="store_true",
                        help="the claim checker on eval/sets/verify_*.jsonl: keep and catch rates per kind "
                             "(BBC claims need an index of seeds + BBC: --bbc-index DIR)")
    parser.add_argument("--bbc-index", type=Path, help="with --claims: an index of seeds + BBC")
    parser.add_argument("--conflicts", action="store_true",
                        help="the disagreement detector on planted conflicts (200 BBC articles, each copied with "
                             "one fact changed) and on 500 unmodified ones (false alarms): conflicts.md")
    parser.add_argument("--mode", choices=MODES, help="answer mode")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="report folder")
    parser.add_argument("--corpus", type=Path, action="append", help="articles to index (default seeds)")
    parser.add_argument("--cache", type=Path, help="where the evaluation indexes live (default REPORT/cache)")
    parser.add_argument("--chunk-sizes", default="160,320", help="chunk sizes to compare (default 160,320)")
    parser.add_argument("--no-compare", action="store_true", help="only the default configuration")
    parser.add_argument("--answer-all", action="store_true",
                        help="answer (not only retrieve) with every configuration")
    parser.add_argument("--gate", type=Path, nargs="?", const=DEFAULT_GATE,
                        help=f"fail (exit 1) when a threshold is missed (default file {DEFAULT_GATE})")
    parser.add_argument("-k", type=int, help=f"passages to retrieve (default {Settings.top_k})")
    parser.add_argument("--retrieval", choices=list(RETRIEVALS), help="the default configuration's retrieval")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from .report import write_report

    try:
        sizes = tuple(int(s) for s in args.chunk_sizes.split(",") if s.strip())
    except ValueError:
        raise ConfigError(f"--chunk-sizes {args.chunk_sizes!r}: give sizes like 160,320") from None
    gate = load_gate(args.gate) if args.gate else None
    if args.set:
        return _run_set(args, settings, gate)
    if args.claims:
        return _run_claims(args, settings)
    if args.conflicts:
        return _run_conflicts(args)
    rows = load_questions(args.questions)
    tty = sys.stderr.isatty()
    configs = plan(settings, sizes, not args.no_compare)
    corpus = args.corpus or [Path("seeds")]
    embedder = make_embedder(settings)
    engines = open_engines(configs, settings, corpus=corpus, cache=args.cache or args.report / "cache",
                           embedder=embedder, index=args.index, progress=tty)
    # The verifier's thresholds were calibrated on MiniLM, whatever embedder retrieval uses.
    judge = m.judge_for(embedder if isinstance(embedder, MiniLMEmbedder) else MiniLMEmbedder())
    report = evaluate(rows, engines, mode=args.mode, support=judge, answer_all=args.answer_all, progress=tty)
    report["meta"].update(corpus=[str(p) for p in corpus], index=str(args.index) if args.index else None,
                          embedder=embedder.name)
    report["meta"]["questions_file"] = str(args.questions)
    failed: list[dict[str, Any]] = []
    if gate is not None:
        checks = check_gate(report["configs"][report["default"]], gate)
        failed = [c for c in checks if not c["passed"]]
        report["gate"] = {"file": str(args.gate), "passed": not failed, "checks": checks}
    paths = write_report(report, args.report)
    print(_headline(report))
    print("wrote " + ", ".join(str(p) for p in paths))
    for c in failed:
        print(f"gate: {c['key']} = {m.fmt(c['value'])}, needs {'>=' if c['bound'] == 'min' else '<='} "
              f"{c['limit']}", file=sys.stderr)
    if gate is not None:
        print(f"gate {'FAILED' if failed else 'passed'} ({args.gate})")
    return 1 if failed else 0


def _run_set(args: argparse.Namespace, settings: Settings, gate: Mapping[str, Any] | None) -> int:
    """``--set NAME``: both parts (or ``--part``) on one engine; the gate holds the sealed part."""
    from .report import write_report

    files = part_files(args.set)
    parts = [args.part] if args.part else list(PARTS)
    if gate is not None and "sealed" not in parts:
        raise ConfigError("--gate with --set checks the sealed part: drop --part dev.")
    rows = {p: load_questions(files[p]) for p in parts}
    corpus = args.corpus or CORPORA[args.set]
    embedder = make_embedder(settings)
    tty = sys.stderr.isatty()
    engines = open_engines(plan(settings, compare=False), settings, corpus=corpus,
                           cache=args.cache or args.report / "cache", embedder=embedder,
                           index=args.index, progress=tty)
    judge = m.judge_for(embedder if isinstance(embedder, MiniLMEmbedder) else MiniLMEmbedder())
    reports: dict[str, dict[str, Any]] = {}
    for part in parts:
        report = evaluate(rows[part], engines, mode=args.mode, support=judge, progress=tty)
        report["meta"].update(corpus=[str(p) for p in corpus], embedder=embedder.name,
                              questions_file=str(files[part]))
        write_report(report, args.report / part)
        reports[part] = report
        print(f"{args.set} {part}: {_headline(report)}")
    verdict: dict[str, Any] | None = None
    if gate is not None:
        checks = check_gate(reports["sealed"]["configs"][reports["sealed"]["default"]], gate)
        verdict = {"file": str(args.gate), "passed": all(c["passed"] for c in checks), "checks": checks}
    paths = write_sets_report(args.set, reports, args.report, verdict)
    print("wrote " + ", ".join(str(p) for p in paths))
    if verdict is None:
        return 0
    for c in verdict["checks"]:
        if not c["passed"]:
            print(f"gate: sealed {c['key']} = {m.fmt(c['value'])}, needs "
                  f"{'>=' if c['bound'] == 'min' else '<='} {c['limit']}", file=sys.stderr)
    print(f"gate {'passed' if verdict['passed'] else 'FAILED'} ({args.gate})")
    return 0 if verdict["passed"] else 1


def _run_claims(args: argparse.Namespace, settings: Settings) -> int:
    """``--claims``: each part's claims checked on the index of their corpus; claims.md side by side."""
    files = {p: SETS_DIR / f"verify_{p}.jsonl" for p in ([args.part] if args.part else PARTS)}
    embedder = make_embedder(settings)
    cache = args.cache or args.report / "cache"
    engines: dict[str, Engine] = {}
    (engines["seeds"],) = open_engines(plan(settings, compare=False), settings, corpus=CORPORA["seeds"],
                                       cache=cache, embedder=embedder, log=lambda _: None).values()
    bbc = args.bbc_index or cache / "bbc"
    if (bbc / "current").exists():
        engines["bbc"] = Engine.open(settings.replace(index_dir=bbc), embedder=embedder)
    else:
        print(f"BBC claims skipped: no index at {bbc}; build one with: python -m rag ingest seeds "
              f"../shared/corpora/bbc --index {bbc} (or pass --bbc-index DIR)", file=sys.stderr)
    scores: dict[str, dict[str, Any]] = {}
    records: dict[str, list[dict[str, Any]]] = {}
    for part, path in files.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        records[part] = [r for corpus, engine in engines.items()
                         for r in claims.check(engine, [x for x in rows if x["corpus"] == corpus])]
        scores[part] = claims.score(records[part])
        got = scores[part]
        print(f"claims {part}: kept {m.fmt(got['keep_rate'])}, caught {m.fmt(got['catch_rate'])}, "
              f"F1 {m.fmt(got['f1'])} ({got['checked']} of {got['claims']} checked)")
    args.report.mkdir(parents=True, exist_ok=True)
    title = ", ".join(f"{p} ({scores[p]['checked']} claims)" for p in scores)
    (args.report / "claims.md").write_text("\n".join(
        [f"# Claim checker: {title}", "", "Corpora: " + ", ".join(engines)
         + ". The sealed part is run only to report.", ""] + claims.markdown(scores)) + "\n", encoding="utf-8")
    (args.report / "claims.json").write_text(json.dumps({"scores": scores, "records": records}, indent=1) + "\n",
                                             encoding="utf-8")
    print(f"wrote {args.report / 'claims.md'}, {args.report / 'claims.json'}")
    return 0


def _run_conflicts(args: argparse.Namespace) -> int:
    """``--conflicts``: planted conflicts and false alarms on the BBC corpus (``--corpus``, default
    ../shared/corpora/bbc) -> conflicts.md, conflicts.json."""
    root = args.corpus[0] if args.corpus else CORPORA["bbc"][-1]
    if not root.is_dir():
        print(f"no corpus at {root}: pass --corpus DIR (a folder of .txt articles)", file=sys.stderr)
        return 2
    result = conflicts.evaluate(conflicts.read_corpus(root))
    p, f = result["planted"], result["false_alarms"]
    print(f"conflicts: recall {p['recall']}, precision {p['precision']} on {p['planted']} planted; "
          f"{f['false_alarms_per_10']} false alarms per 10 unmodified articles")
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / "conflicts.md").write_text("\n".join(["# Disagreement detector", "", *conflicts.markdown(result)])
                                              + "\n", encoding="utf-8")
    (args.report / "conflicts.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.report / 'conflicts.md'}, {args.report / 'conflicts.json'}")
    return 0


def _headline(report: Mapping[str, Any]) -> str:
    s = report["configs"][report["default"]]
    return (f"{report['default']}: correctness {m.fmt(s['answers']['correctness'])}, "
            f"hit@{s['retrieval']['k']} {m.fmt(s['retrieval']['hit_at_k'])}, "
            f"MRR {m.fmt(s['retrieval']['mrr'])}, citation recall {m.fmt(s['citations']['citation_recall'])} "
            f"({report['meta']['questions']} questions)")


def _bar(total: int, enabled: bool) -> Any:
    """A tqdm bar on stderr, or tqdm's no-op bar (``disable``) when off."""
    from tqdm import tqdm

    return tqdm(total=total, desc="questions", unit="q", file=sys.stderr, leave=False, disable=not enabled)
