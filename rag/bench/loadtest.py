"""``python -m rag load``: concurrent chat clients against the running app or API, and a report.

    python -m rag load --url http://127.0.0.1:7860/ --pid 1234 --clients 25 --questions 20
    python -m rag load --start --index .rag --clients 25 --questions 40   # starts app.py itself
    python -m rag load --target api --start --index .rag --clients 25 --questions 40 [--workers 2]

Each client is its own ``gradio_client`` session and asks its questions one after the other,
as a chat: the history the app sent back goes with the next question. The endpoint is found
with ``view_api``: the chat endpoint (one taking ``message`` and ``history``) when the app has
one, else one taking ``question``. With ``--target api`` each client is an HTTP client of
``POST /v1/chat/completions`` (``python -m rag serve``), sending its earlier turns as ``messages``.
Reported: errors, latency p50/p95/max, throughput, and the server's resident memory (psutil, its
worker processes included) after a warm-up question and at the end, sampled while it runs; and,
measured in the same run just before the load, the engine's own single-process throughput (the
same questions asked one after the other in this process) and the ratio of the two. Written to
``REPORT/report.json`` and ``REPORT/report.md``.

>>> report = load_test("http://127.0.0.1:7860/", clients=2, questions=2)  # doctest: +SKIP
>>> report.errors, report.p95_s  # doctest: +SKIP
(0, 1.8)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, IndexMissing
from ..evaluation.metrics import percentile
from ..settings import Settings

QUESTIONS = (
    "How many joint activities does the plan include?",
    "Who signed the defence declaration in Tirana?",
    "When was the joint declaration on defence cooperation signed?",
    "What did Serbia say about the military alliance of Albania, Croatia and Kosovo?",
    "Which countries signed the trilateral memorandum?",
    "What does the Serbia-Hungary plan include?",
    "Who is Kosovo's defence minister?",
    "How did Russia react to the alliance?",
    "What is the capital of Australia?",
    "Why did Serbia and Hungary strengthen their military cooperation?",
)
APP = Path(__file__).resolve().parents[2] / "app.py"  # the checkout's app.py (python app.py)


@dataclass
class LoadReport:
    """What one load test measured."""

    url: str
    endpoint: str
    clients: int
    questions_per_client: int
    asked: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    p50_s: float = 0.0
    p95_s: float = 0.0
    max_s: float = 0.0
    wall_s: float = 0.0
    questions_per_s: float = 0.0
    rss_start_mb: float | None = None  # after each client's first (warm-up) question
    rss_end_mb: float | None = None
    rss_max_mb: float | None = None
    rss_samples_mb: list[float] = field(default_factory=list)
    engine_questions_per_s: float | None = None  # the engine alone, one question after another, this run
    engine_p50_ms: float | None = None
    throughput_ratio: float | None = None  # questions_per_s / engine_questions_per_s

    def summary(self) -> str:
        rss = ("" if self.rss_start_mb is None else
               f"; server RSS {self.rss_start_mb:.0f} -> {self.rss_end_mb:.0f} MB (max {self.rss_max_mb:.0f})")
        engine = ("" if self.engine_questions_per_s is None else
                  f"; engine alone {self.engine_questions_per_s:.2f} questions/s (p50 {self.engine_p50_ms:.0f} ms), "
                  f"ratio {self.throughput_ratio:.2f}x")
        return (f"{self.asked} questions from {self.clients} clients via {self.endpoint}: {self.errors} errors, "
                f"p50 {self.p50_s:.2f} s, p95 {self.p95_s:.2f} s, max {self.max_s:.2f} s, "
                f"{self.questions_per_s:.2f} questions/s{rss}{engine}")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=["ui", "api"], default="ui",
                        help="the chat UI's gradio endpoint (default) or the API's /v1/chat/completions")
    parser.add_argument("--url", help="the running app, e.g. http://127.0.0.1:7860/")
    parser.add_argument("--start", action="store_true",
                        help="start the server on a free port for the test (app.py; with --target api: rag serve)")
    parser.add_argument("--workers", type=int, default=1, help="with --start --target api: serve's --workers")
    parser.add_argument("--engine-questions", type=int, default=100,
                        help="questions the engine answers alone first, for the throughput ratio (0: skip)")
    parser.add_argument("--pid", type=int, help="the app's process id, to report its memory")
    parser.add_argument("--clients", type=int, default=25, help="concurrent chat clients (default 25)")
    parser.add_argument("--questions", type=int, default=20, help="questions per client (default 20)")
    parser.add_argument("--pool", type=Path, help="the questions asked, one JSONL object with a 'question' (or a "
                        "line of text) each, e.g. eval/sets/seeds_dev.jsonl: distinct questions, unlike the default "
                        f"{len(QUESTIONS)} asked over and over, which the answerer's caches then hold")
    parser.add_argument("--auth", help="USER:PASSWORD when the app asks for a login")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a request is an error")
    parser.add_argument("--report", type=Path, default=Path("out/reliability/load"),
                        help="folder for report.json and report.md")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.url and not args.start:
        raise ConfigError("give --url of the running app (and --pid for its memory), or --start")
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    pool = read_pool(args.pool) if args.pool else QUESTIONS
    engine = None
    if args.engine_questions:
        try:
            engine = engine_throughput(settings, args.engine_questions, pool)
        except IndexMissing:  # a server elsewhere: its throughput alone is still worth reporting
            print(f"note: no index at {settings.index_dir}; the engine's own throughput is not measured "
                  "(give --index, or --engine-questions 0)", file=sys.stderr)
    options: dict[str, Any] = {"auth": auth, "timeout_s": args.timeout, "target": args.target, "pool": pool,
                               "api_key": settings.api_key_list[0] if settings.api_key_list else None}
    if args.start:
        command = ["-m", "rag", "serve", "--workers", str(args.workers)] if args.target == "api" else None
        with running_app(settings.index_dir, command=command) as (url, pid):
            report = load_test(url, args.clients, args.questions, pid=pid, **options)
    else:
        report = load_test(args.url, args.clients, args.questions, pid=args.pid, **options)
    if engine:
        report.engine_questions_per_s, report.engine_p50_ms = engine
        report.throughput_ratio = round(report.questions_per_s / engine[0], 3)
    write_report(report, args.report)
    print(report.summary())
    return 0 if report.errors == 0 else 1


def read_pool(path: Path) -> tuple[str, ...]:
    """The questions of a file: JSONL objects with a "question", or lines of text."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise ConfigError(f"Cannot read --pool {path}: {exc}") from None
    out = []
    for n, line in enumerate(lines, start=1):
        try:
            out.append(str(json.loads(line)["question"]) if line.startswith("{") else line)
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ConfigError(f"--pool {path}, line {n}: not a JSON object with a 'question'; give one per "
                              "line, or plain lines of text") from None
    if not out:
        raise ConfigError(f"--pool {path} holds no questions: give a JSONL file with a 'question' per line")
    return tuple(out)


def engine_throughput(settings: Settings, n: int, pool: tuple[str, ...] = QUESTIONS) -> tuple[float, float]:
    """The engine alone in this process: (questions/s, p50 ms) over ``n`` questions, one at a time
    (warmed up on the pool's last few, so a pool of distinct questions is not answered in advance)."""
    from .. import Engine

    engine = Engine.open(settings)
    for q in pool[-5:]:  # warm-up: vector segment, models
        engine.ask(q)
    times = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        engine.ask(pool[i % len(pool)])
        times.append(time.perf_counter() - t)
    rate = n / (time.perf_counter() - t0)
    return round(rate, 3), round((percentile(sorted(times), 50) or 0.0) * 1000, 1)


def load_test(url: str, clients: int, questions: int, *, pid: int | None = None,
              auth: tuple[str, str] | None = None, pool: tuple[str, ...] = QUESTIONS,
              timeout_s: float = 300.0, target: str = "ui", api_key: str | None = None) -> LoadReport:
    """``clients`` sessions asking ``questions`` each, at once; latencies, errors and memory.

    ``timeout_s``: how long one request may take before it counts as an error (httpx's
    default of 5 s is shorter than a queued question on a busy 2-core machine).
    ``target``: "ui" (gradio_client sessions) or "api" (``/v1/chat/completions``, with ``api_key``).
    """
    import httpx

    if clients < 1 or questions < 1:
        raise ConfigError("--clients and --questions must be at least 1")
    if target == "api":
        sessions: list[Any] = [_ApiChat(url, api_key, timeout_s) for _ in range(clients)]
        endpoint, chat = "/v1/chat/completions", True
    else:
        from gradio_client import Client

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # gradio_client would otherwise phone home
        sessions = [Client(url, auth=auth, verbose=False, analytics_enabled=False,
                           httpx_kwargs={"timeout": httpx.Timeout(timeout_s)}) for _ in range(clients)]
        endpoint, chat = _endpoint(sessions[0])
    report = LoadReport(url, endpoint, clients, questions)
    latencies: list[float] = []
    lock = threading.Lock()
    warmed = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        history: list[Any] = []
        for j in range(questions):
            question = pool[(j * clients + i) % len(pool)]  # every client-turn its own, while the pool lasts
            t0 = time.perf_counter()
            try:
                if target == "api":
                    sessions[i].ask(question)
                    history = []
                else:
                    out = sessions[i].predict(question, history, api_name=endpoint) if chat else \
                        sessions[i].predict(question, api_name=endpoint)
                    history = _check(out, chat)
                error = None
            except Exception as exc:  # any failure counts: that is what is measured
                error = f"{type(exc).__name__}: {str(exc)[:200]}"
            with lock:
                report.asked += 1
                latencies.append(time.perf_counter() - t0)
                if error:
                    report.errors += 1
                    if len(report.error_samples) < 10:
                        report.error_samples.append(error)
            if j == 0:
                with suppress(threading.BrokenBarrierError):
                    warmed.wait(timeout=900)

    memory = _Memory(pid)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool_:
        futures = [pool_.submit(client, i) for i in range(clients)]
        with suppress(threading.BrokenBarrierError):
            warmed.wait(timeout=900)  # every client has had its first answer: the memory record starts
        memory.start()
        for f in futures:
            f.result()
    report.wall_s = time.perf_counter() - t0
    memory.stop()
    for session in sessions:
        if isinstance(session, _ApiChat):
            session.close()
    latencies.sort()
    report.p50_s = round(percentile(latencies, 50) or 0.0, 3)
    report.p95_s = round(percentile(latencies, 95) or 0.0, 3)
    report.max_s = round(latencies[-1], 3) if latencies else 0.0
    report.questions_per_s = round(report.asked / report.wall_s, 3) if report.wall_s else 0.0
    report.wall_s = round(report.wall_s, 1)
    if memory.samples:
        report.rss_start_mb, report.rss_end_mb = memory.samples[0], memory.samples[-1]
        report.rss_max_mb, report.rss_samples_mb = max(memory.samples), memory.samples
    return report


def write_report(report: LoadReport, folder: Path) -> list[Path]:
    """``report.json`` (everything) and ``report.md`` (the figures) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = asdict(report)
    (folder / "report.json").write_text(json.dumps(data, indent=2) + "\n")
    rows = [f"| {k} | {v} |" for k, v in data.items() if k not in ("rss_samples_mb", "error_samples")]
    md = ["# Load test", "", report.summary(), "", "| figure | value |", "|---|---|", *rows, ""]
    if report.error_samples:
        md += ["## Errors (first ten)", "", *[f"- {e}" for e in report.error_samples], ""]
    (folder / "report.md").write_text("\n".join(md))
    return [folder / "report.json", folder / "report.md"]


class _ApiChat:
    """One API client: a chat whose earlier turns go with each question as ``messages``."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        import httpx

        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)
        self.messages: list[dict[str, str]] = []

    def ask(self, question: str) -> None:
        messages = [*self.messages, {"role": "user", "content": question}]
        r = self._http.post("/v1/chat/completions", json={"model": "extractive", "messages": messages})
        if r.status_code != 200:
            raise ValueError(f"HTTP {r.status_code}: {r.text[:200]}")
        content = r.json()["choices"][0]["message"]["content"]
        if not content:
            raise ValueError(f"no answer in the reply: {r.text[:200]}")
        self.messages = [*messages, {"role": "assistant", "content": content}]

    def close(self) -> None:
        self._http.close()


@contextmanager
def running_app(index: Path, *, env: dict[str, str] | None = None, timeout: float = 300,
                command: list[str] | None = None) -> Iterator[tuple[str, int]]:
    """``python app.py --index INDEX`` (or ``python COMMAND --index INDEX``, e.g. ``-m rag serve``) on a
    free port: yields (url, pid); stopped afterwards."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = index.parent / f"app-{port}.log"
    index.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, *(command or [str(APP)]), "--index", str(index), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=full_env, cwd=APP.parent)
    try:
        url = _wait_for_url(proc, log, timeout)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _wait_for_url(proc: subprocess.Popen[bytes], log: Path, timeout: float) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = re.search(r"(?:Open|Serving on) (http://[^\s,]+?)/? (?:in your browser|\()", log.read_text(errors="replace"))
        if m:
            return m.group(1) + "/"
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise ConfigError(f"app.py did not start; its log: {log}\n{log.read_text(errors='replace')[-2000:]}")


def _endpoint(client: Any) -> tuple[str, bool]:
    """The chat endpoint (message + history) if there is one, else a question endpoint."""
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    names = {name: [p["parameter_name"] for p in ep["parameters"]] for name, ep in api.items()}
    for name, params in names.items():
        if params[:2] == ["message", "history"]:
            return name, True
    for name, params in names.items():
        if params[:1] in (["question"], ["message"]):
            return name, False
    raise ConfigError(f"no chat or question endpoint among {sorted(names)}")


def _check(out: Any, chat: bool) -> list[Any]:
    """The history to send next; raises when the reply holds no answer."""
    if chat:
        history = next((o for o in (out if isinstance(out, (list, tuple)) else [out])
                        if isinstance(o, list)), None)
        if not history or history[-1].get("role") != "assistant" or not history[-1].get("content"):
            raise ValueError(f"no answer in the chat reply: {str(out)[:200]}")
        return history
    if not (isinstance(out, dict) and out.get("answer")):
        raise ValueError(f"no answer in the reply: {str(out)[:200]}")
    return []


class _Memory:
    """Samples a process's resident memory (MB) every second in a thread."""

    def __init__(self, pid: int | None, every_s: float = 1.0) -> None:
        self.samples: list[float] = []
        self._pid, self._every = pid, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        if self._pid:
            self._sample()
            self._thread.start()

    def stop(self) -> None:
        if self._pid and self._thread.is_alive():
            self._stop.set()
            self._thread.join()
            self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._sample()

    def _sample(self) -> None:
        import psutil

        with suppress(psutil.Error):  # the server and its worker processes (rag serve --workers N)
            proc = psutil.Process(self._pid)
            rss = proc.memory_info().rss
            for child in proc.children(recursive=True):
                with suppress(psutil.Error):
                    rss += child.memory_info().rss
            self.samples.append(round(rss / 2**20, 1))
