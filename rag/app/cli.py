"""``python -m rag``: a thin command line over the library.

    python -m rag ingest seeds [--index DIR]
    python -m rag ask "How many joint activities does the plan include?" [--json]
    python -m rag ask --json --batch questions.jsonl
    python -m rag list
    python -m rag verify --question "How many activities?" --answer answer.txt   # or --answer - (stdin)
    python -m rag serve [--host H] [--port N] [--workers N]     # HTTP API + chat UI
    python -m rag mcp                                           # MCP tools over stdio
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import Engine, Filter, PassageRef, RagError, Settings, Verified, ingest, verify_answer
from ..records import Answer
from ..settings import MODES

Command = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, Command] = {}
# Commands that live in their own module, with configure(parser) and run(args, settings). Only
# the one asked for is imported: evaluation, benchmark and load test pull in matplotlib and
# gradio_client, ~2 s that `ask` should not pay.
PLUGINS: dict[str, tuple[str, str]] = {
    "eval": ("rag.evaluation.run", "evaluate answers, citations and retrieval on a question set; write a report"),
    "bench": ("rag.bench.run", "benchmark ingestion and queries at scale against llama-index and the floors"),
    "load": ("rag.bench.loadtest", "load-test the chat app or the API with concurrent clients: latency, memory, "
             "throughput against the engine's"),
    "serve": ("rag.app.serve", "serve the HTTP API (OpenAI-compatible, REST) with the chat UI at /"),
    "mcp": ("rag.app.mcp", "serve the archive as MCP tools over stdio (search, ask, verify, list_articles)"),
    "conflicts": ("rag.app.conflicts_cli", "list where the indexed articles disagree, grouped by subject"),
    "timeline": ("rag.app.timeline_cli", "list the dated events across the indexed articles, in order"),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(next((a for a in argv if not a.startswith("-")), None))
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env(
            index_dir=args.index, chroma_url=getattr(args, "chroma_url", None),
            top_k=getattr(args, "k", None), mode=getattr(args, "mode", None),
            retrieval=getattr(args, "retrieval", None),
            chunk_tokens=getattr(args, "chunk_tokens", None),
            chunk_overlap=getattr(args, "chunk_overlap", None),
        )
        return COMMANDS[args.command](args, settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; ``command`` names the plugin command to configure fully."""
    parser = argparse.ArgumentParser(prog="python -m rag", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, help="index folder (default .rag, or RAG_INDEX_DIR)")
    common.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("ingest", parents=[common], help="add or update articles in the index")
    p.add_argument("paths", nargs="+", type=Path, help="folders or files (.txt .md .html .pdf)")
    p.add_argument("--chunk-tokens", type=int, help=f"chunk size in tokens (default {Settings.chunk_tokens})")
    p.add_argument("--chunk-overlap", type=int, help=f"overlap in tokens (default {Settings.chunk_overlap})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    p.add_argument("question", nargs="?", help="the question (or use --batch)")
    p.add_argument("--json", action="store_true", help="print the JSON contract")
    p.add_argument("--batch", type=Path, help='JSONL file of {"id": ..., "question": ...}')
    p.add_argument("--mode", choices=MODES,
                   help="answer mode (auto: llm when one is configured, else extractive)")
    p.add_argument("--stream", action="store_true",
                   help="show the LLM's draft on stderr as it is written, then the verified answer")
    p.add_argument("-k", type=int, help=f"passages to retrieve (default {Settings.top_k})")
    p.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], help="retrieval method")
    p.add_argument("--source", action="append", default=[], help="only this article (repeatable)")
    p.add_argument("--since", help="only articles dated on or after YYYY-MM-DD")
    p.add_argument("--until", help="only articles dated on or before YYYY-MM-DD")

    sub.add_parser("list", parents=[common], help="list the indexed articles")

    p = sub.add_parser("verify", parents=[common], help="check each sentence of an answer against the articles; "
                       "exit 1 when a sentence is not supported")
    p.add_argument("--answer", required=True, help="the answer text: a file, or - for stdin; [n] markers cite "
                   "the n-th passage")
    p.add_argument("--question", help="the question it answers (its passages are retrieved as ask retrieves them)")
    p.add_argument("--passage", action="append", default=[], metavar="SOURCE:START-END",
                   help="a passage the answer cites, in [n] order (repeatable; instead of --question)")
    p.add_argument("-k", type=int, help=f"passages to retrieve with --question (default {Settings.top_k})")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON (as POST /v1/verify)")
    for name, (module_name, help_text) in PLUGINS.items():
        p = sub.add_parser(name, parents=[common], help=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.configure(p)
            COMMANDS[name] = module.run
    return parser


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn
    return register


@command("ingest")
def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    report = ingest(args.paths, settings, progress=not args.no_progress and sys.stderr.isatty())
    print(report.summary())
    if report.documents:  # compare the new articles with the others now, not during the first question
        t0 = time.perf_counter()
        found = Engine.open(settings).disagreements()
        print(f"{len(found)} disagreements between the articles ({time.perf_counter() - t0:.1f} s; "
              "list them: python -m rag conflicts)")
    return 0


@command("ask")
def _ask(args: argparse.Namespace, settings: Settings) -> int:
    if not args.question and not args.batch:
        print("error: give a question, or --batch FILE.jsonl", file=sys.stderr)
        return 2
    flt = Filter(tuple(args.source), args.since, args.until)
    engine = Engine.open(settings)
    if args.batch:
        return _ask_batch(engine, args.batch, flt)
    if args.stream and not args.json:
        answer = _stream(engine, args.question, flt)
    else:
        answer = engine.ask(args.question, filter=flt or None)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(render(answer))
    return 0


def _stream(engine: Engine, question: str, flt: Filter) -> Answer:
    """Print draft tokens to stderr as they come; return the final (verified) answer."""
    answer = None
    for event in engine.stream(question, filter=flt or None):
        if isinstance(event, str):
            print(event, end="", file=sys.stderr, flush=True)
        else:
            answer = event
    print(file=sys.stderr)
    assert answer is not None
    return answer


def _ask_batch(engine: Engine, path: Path, flt: Filter) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"Cannot read {path}: {exc}; give a UTF-8 JSONL file.") from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        out: dict[str, Any]
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or "question" not in item:
                raise ValueError('expected {"id": ..., "question": ...}')
        except ValueError as exc:
            out = {"id": None, "line": lineno, "error": f"line {lineno}: {exc}"}
        else:
            try:
                out = {"id": item.get("id"), **engine.ask(str(item["question"]), filter=flt or None).to_dict()}
            except RagError as exc:
                out = {"id": item.get("id"), "question": item["question"], "error": str(exc)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


@command("verify")
def _verify(args: argparse.Namespace, settings: Settings) -> int:
    if (args.question is None) == (not args.passage):
        print("error: give --question (to retrieve the passages) or --passage SOURCE:START-END, not both",
              file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if args.answer == "-" else Path(args.answer).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"Cannot read the answer {args.answer}: {exc}; give a UTF-8 text file, or - for stdin.") from None
    refs = tuple(_passage_ref(p) for p in args.passage) if args.passage else None
    verified = verify_answer(Engine.open(settings), text, passages=refs, question=args.question, k=args.k)
    if args.json:
        print(json.dumps({**asdict(verified), "verification": asdict(verified.verification)}, ensure_ascii=False))
    else:
        print(render_verified(verified))
    return 0 if all(c.supported for c in verified.checks) else 1


def _passage_ref(spec: str) -> PassageRef:
    source, _, span = spec.rpartition(":")
    start, _, end = span.partition("-")
    if not source or not start.isdigit() or not end.isdigit():
        raise RagError(f"Cannot read the passage {spec!r}: write SOURCE:START-END, e.g. 000_4766fbbc71fac3cc.txt:0-400 "
                       "(character offsets, as in a citation).")
    return PassageRef(source, int(start), int(end))


def render_verified(verified: Verified) -> str:
    """Each sentence with its verdict: the exact quote that supports it, or why it was dropped."""
    by_span = {(c.source, c.start, c.end): c for c in verified.citations}
    lines = []
    for check in verified.checks:
        lines.append(f"{'✓' if check.supported else '✗'} {check.claim.text}")
        if not check.supported:
            lines.append(f"    not supported: {check.reason}")
        cited = [by_span[k] for k in by_span if any(k[1:] == q[1:] for q in check.quotes)]
        for c in cited:
            lines.append(f"    [{c.n}] {c.source} chars {c.start}-{c.end}: “{c.quote}”")
    v = verified.verification
    lines.append(f"\n{v.supported} of {v.checked} sentences supported; {v.dropped} not.")
    return "\n".join(lines)


@command("list")
def _list(args: argparse.Namespace, settings: Settings) -> int:
    for a in Engine.open(settings).articles():
        print(f"{a.source}\t{a.date or '-'}\t{a.chunks} chunks\t{a.title}")
    return 0


def render(answer: Answer) -> str:
    """Human-readable answer: text, then the cited quotes (or the nearest passages)."""
    lines = [answer.text, ""]
    if answer.notice:
        lines.insert(0, f"({answer.notice})")
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.source} ({c.title}{', ' + c.date if c.date else ''}) "
                     f"chars {c.start}-{c.end}:\n    “{c.quote}”")
    for d in answer.disagreements:
        sides = "; ".join(f"[{c.n}] {c.source}: {value}" for c, value in zip(d.sides, d.values, strict=True))
        lines.append(f"Disagreement ({'update' if d.update else d.kind}) on {d.subject}: {sides}")
    if answer.abstained:
        for p in answer.passages[:3]:
            lines.append(f"- {p.source} (score {p.score:.3f}) chars {p.start}-{p.end}: "
                         f"{p.text[:200]}{'...' if len(p.text) > 200 else ''}")
    return "\n".join(lines).rstrip()
