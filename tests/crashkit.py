"""Helpers for the crash, locking and hostile-input tests: generated corpora, the index's
records as sets, the records a clean build must have, and child processes.

A chunk record is ``(source, start, end, sha)``; a manifest record is a ``DocRecord``.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import ROOT
from rag import Settings
from rag.embed import MiniLMEmbedder
from rag.index.chunk import chunk_article
from rag.index.files import discover, load
from rag.index.ingest import chunking_signature
from rag.index.store import DocRecord, doc_id_for, open_store
from rag.records import Article

CHILD = ROOT / "tests" / "ingest_child.py"
ChunkRecord = tuple[str, int, int, str]

_SYLLABLES = ["bra", "vo", "ka", "len", "dri", "mo", "sta", "zil", "pe", "ru", "tan", "go", "vi", "shar", "ne"]
_PLACES = ["Skopje", "Tirana", "Zagreb", "Sarajevo", "Podgorica", "Ljubljana", "Pristina", "Belgrade"]
_TOPICS = ["bridge repairs", "school meals", "rail links", "solar farms", "river cleanup", "port fees",
           "tram lines", "library hours", "flood barriers", "museum grants"]


def name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()


def article(rng: random.Random, key: str, sentences: int) -> str:
    """A small news-like article whose facts (names, numbers) are unique to ``key``."""
    project, minister, place = f"{key} {name(rng)}", name(rng) + " " + name(rng), rng.choice(_PLACES)
    lines = [f"The {project} plan for {rng.choice(_TOPICS)}", "",
             f"{rng.randint(1, 28)} March 2025", ""]
    body = [f"The {project} plan was approved in {place} with {rng.randint(10, 999)} votes."]
    for _ in range(sentences):
        body.append(rng.choice([
            f"Minister {minister} said the {rng.choice(_TOPICS)} would cost {rng.randint(2, 90)} million euros.",
            f"Officials in {rng.choice(_PLACES)} expect {rng.randint(3, 400)} new jobs by {rng.randint(2026, 2031)}.",
            f"Critics of the {project} plan warned about delays on the {rng.choice(_TOPICS)}.",
            f"A survey found that {rng.randint(5, 95)} percent of residents support the {project} plan.",
            f"The council of {rng.choice(_PLACES)} will vote again on {rng.randint(1, 28)} May.",
        ]))
    return "\n".join(lines) + " ".join(body) + "\n"


@dataclass
class Corpus:
    """A folder of generated articles that tests change between ingest runs."""

    root: Path
    seed: int = 7
    counter: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(self.seed)

    def add(self, n: int, sentences: tuple[int, int] = (6, 14)) -> list[str]:
        names = []
        for _ in range(n):
            self.counter += 1
            key = f"Item{self.counter:03d}"
            path = self.root / f"{key.lower()}.txt"
            path.write_text(article(self.rng, key, self.rng.randint(*sentences)), encoding="utf-8")
            names.append(path.name)
        return names

    def files(self) -> list[Path]:
        return sorted(self.root.glob("*.txt"))

    def mutate(self, *, change: int = 2, remove: int = 2, add: int = 2) -> None:
        """Edit, delete and add files: the next ingest has updates, removals and additions."""
        files = self.files()
        self.rng.shuffle(files)
        for path in files[:change]:
            path.write_text(path.read_text(encoding="utf-8") + f"An update was published {self.rng.randint(2, 9)} "
                            "days later.\n", encoding="utf-8")
        for path in files[change:change + remove]:
            path.unlink()
        self.add(add)


# -- what the index holds ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    """The published index as plain sets (read straight from Chroma, no query-time filtering)."""

    manifest: dict[str, DocRecord]
    chunks: dict[str, tuple[ChunkRecord, str]]  # chunk id -> (record, document_id)
    vectors: dict[str, list[float]]

    @property
    def records(self) -> set[ChunkRecord]:
        return {rec for rec, _ in self.chunks.values()}

    def problems(self) -> list[str]:
        """What makes this index inconsistent: orphan, duplicate or missing chunks."""
        out = []
        counts = Counter(rec for rec, _ in self.chunks.values())
        out += [f"duplicate chunk {rec}" for rec, n in counts.items() if n > 1]
        live = {(d, r.sha256[:12]) for d, r in self.manifest.items()}
        per_doc: Counter[str] = Counter()
        for cid, (rec, doc) in self.chunks.items():
            if (doc, rec[3]) not in live:
                out.append(f"orphan chunk {cid} {rec}")
            else:
                per_doc[doc] += 1
        out += [f"{r.source}: {per_doc[d]} chunks, manifest says {r.n_chunks}"
                for d, r in self.manifest.items() if per_doc[d] != r.n_chunks]
        return out


def snapshot(settings: Settings, vectors: bool = False) -> Snapshot:
    store = open_store(settings, MiniLMEmbedder.name, create=False)
    try:
        manifest = store.manifest()
        chunks: dict[str, tuple[ChunkRecord, str]] = {}
        embeddings: dict[str, list[float]] = {}
        include = ["metadatas", "embeddings"] if vectors else ["metadatas"]
        total = store.chunks.count()
        for offset in range(0, total, 2000):
            got = store.chunks.get(include=include, limit=2000, offset=offset)
            for i, (cid, meta) in enumerate(zip(got["ids"], got["metadatas"] or [])):
                chunks[cid] = ((str(meta["source"]), int(meta["start"]), int(meta["end"]), str(meta["sha"])),
                               str(meta["document_id"]))
                if vectors:
                    embeddings[cid] = list(got["embeddings"][i])
        return Snapshot(manifest, chunks, embeddings)
    finally:
        store.close()


@dataclass(frozen=True)
class Expected:
    """What a clean build of some folders must hold, computed without embedding anything."""

    manifest: dict[str, DocRecord]
    chunks: dict[str, set[ChunkRecord]]  # doc_id -> its chunk records

    @property
    def records(self) -> set[ChunkRecord]:
        return set().union(*self.chunks.values()) if self.chunks else set()


def expected(paths: list[Path], settings: Settings) -> Expected:
    found, _ = discover(paths)
    manifest: dict[str, DocRecord] = {}
    chunks: dict[str, set[ChunkRecord]] = {}
    chunking = chunking_signature(settings, sentence_vectors=True)  # the packaged MiniLM has them
    for f in found:
        a = load(f, int(settings.max_file_mb * 1e6))
        if not isinstance(a, Article):
            continue
        doc_id = doc_id_for(a.root, a.source)
        cs = chunk_article(a, max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap)
        manifest[doc_id] = DocRecord(doc_id, a.source, a.root, a.title, a.date or "", a.byline or "",
                                     a.sha256, len(cs), chunking, a.encoding)
        chunks[doc_id] = {(a.source, c.start, c.end, a.sha256[:12]) for c in cs}
    return Expected(manifest, chunks)


def copy_index(src: Path, dst: Path) -> Path:
    """A private copy of an index folder (symlinks kept: ``current`` stays a link)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


# -- child processes --------------------------------------------------------------------------------
def child(index: Path, *paths: Path, args: tuple[str, ...] = (), **popen: Any) -> subprocess.Popen[str]:
    """``tests/ingest_child.py`` in a new process (its stdout and stderr piped, text mode)."""
    return subprocess.Popen([sys.executable, str(CHILD), str(index), *map(str, paths), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=child_env(), **popen)


def child_env() -> dict[str, str]:
    """The environment for our child processes: the repository importable, output unbuffered."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}


def wait_for_line(proc: subprocess.Popen[str], wanted: str, timeout: float = 180) -> None:
    """Read the child's stdout until a line equal to ``wanted`` (fails on exit or timeout)."""
    assert proc.stdout is not None
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if line.strip() == wanted:
            return
        if not line and proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"child exited ({proc.returncode}) before {wanted!r}: {err[-2000:]}")
    raise AssertionError(f"child did not print {wanted!r} in {timeout} s")


class Lines:
    """Reads a child's stdout in a thread: every line kept, waited for by content."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc, self.lines = proc, []  # type: ignore[var-annotated]
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def wait_for(self, wanted: str, timeout: float = 600) -> bool:
        """True once ``wanted`` was printed; False if the child exited first."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if wanted in self.lines:
                return True
            if self.proc.poll() is not None:
                self._thread.join(5)
                return wanted in self.lines
            time.sleep(0.02)
        raise AssertionError(f"child did not print {wanted!r} in {timeout} s")

    def count(self, prefix: str) -> int:
        return sum(1 for line in list(self.lines) if line.startswith(prefix))


def kill(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL the child; True if it was still running (a real kill, not a finished run)."""
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    return alive and proc.returncode == -signal.SIGKILL
