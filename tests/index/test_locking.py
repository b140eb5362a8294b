"""One writer, many readers, as separate real processes on one index folder.

A real ingest (``tests/ingest_child.py``) is held part-way, holding the writer lock with
two checkpoints published. Meanwhile a second writer (``python -m rag ingest``) must fail
at once naming the first one's pid, ``python -m rag ask`` must answer, and a reader process
(``tests/reader_child.py``, dense retrieval only) must keep answering; once the ingest
finishes, the reader's next question must see the new articles through its own client.
That a SIGKILLed writer leaves no stale lock is shown by tests/test_crash.py (every kill
there is followed by an ingest that takes the lock). Timings go to out/reliability/locking.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import RELIABILITY, ROOT, SEEDS
from crashkit import Corpus, child, child_env, copy_index, wait_for_line
from rag import IndexLocked, Settings, ingest

QUESTION = "How many joint activities does the plan include?"


class _Lines:
    """Collects a child's JSON lines in a thread."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.items: list[dict] = []  # type: ignore[type-arg]
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{"):
                self.items.append(json.loads(line))

    def wait(self, pred, timeout: float = 180) -> dict:  # type: ignore[no-untyped-def, type-arg]
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for item in list(self.items):
                if pred(item):
                    return item
            time.sleep(0.1)
        raise AssertionError(f"no such line in {timeout} s; last: {self.items[-3:]}")


def test_one_writer_many_readers_across_processes(seed_settings: Settings, tmp_path: Path) -> None:
    index = copy_index(seed_settings.index_dir, tmp_path / "index")
    corpus = Corpus(tmp_path / "corpus", seed=3)
    corpus.add(8)
    probe, stop = corpus.files()[-1], tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, str(ROOT / "tests" / "reader_child.py"), str(index),
                               str(probe), str(stop)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, env=child_env())
    lines = _Lines(reader)
    writer = child(index, corpus.root, args=("--batch-chunks", "4", "--checkpoint-s", "0",
                                             "--pause-at", "put_docs:3"), stdin=subprocess.PIPE)
    try:
        lines.wait(lambda item: True)
        wait_for_line(writer, "paused")  # mid-ingest, lock held, two batches published

        t0 = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "rag", "ingest", str(SEEDS), "--index", str(index)],
                                capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=120)
        second_s = time.monotonic() - t0
        assert second.returncode == 2
        assert "Another process is writing" in second.stderr and f"pid {writer.pid}" in second.stderr

        t0 = time.monotonic()
        with pytest.raises(IndexLocked, match=f"pid {writer.pid}"):
            ingest([SEEDS], Settings.from_env({}, index_dir=index), log=lambda _: None)
        in_process_s = time.monotonic() - t0

        asked = subprocess.run([sys.executable, "-m", "rag", "ask", QUESTION, "--index", str(index), "--json"],
                               capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=180)
        assert asked.returncode == 0, asked.stderr[-2000:]
        assert json.loads(asked.stdout)["citations"]
        assert writer.poll() is None  # all of the above happened during the ingest

        during = len(lines.items)
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-2000:]
        finished = time.time()

        after = lines.wait(lambda item: item["t"] > finished)
        assert after.get("seen") is True and after["articles"] == 5 + 8, after
        assert [item for item in lines.items if "error" in item] == []
        assert all(item["cited"] for item in lines.items)
    finally:
        stop.touch()
        if writer.poll() is None:
            writer.kill()
            writer.wait(30)
        try:
            reader.wait(120)
        except subprocess.TimeoutExpired:
            reader.kill()
            reader.wait(30)
    assert reader.returncode == 0, reader.stderr.read()[-2000:] if reader.stderr else ""
    report = {"second_writer_process_s": round(second_s, 2), "second_writer_in_process_s": round(in_process_s, 4),
              "reader_answers_during_ingest": during, "reader_answers_total": len(lines.items),
              "reader_p50_s": sorted(i["s"] for i in lines.items)[len(lines.items) // 2]}
    RELIABILITY.mkdir(parents=True, exist_ok=True)
    (RELIABILITY / "locking.json").write_text(json.dumps(report, indent=2) + "\n")
