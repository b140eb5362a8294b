"""Crash-safe ingestion: SIGKILL the ingest process at random moments and at chosen points.

After every kill the published index must open and answer, hold no orphan, duplicate or
partial article, and the next run must end with exactly what a clean build holds: the
same manifest, the same (source, start, end, sha) chunk records (and the same vectors).

Default run: 3 random kills on a small generated corpus, plus three deterministic kill
points. ``make test-long`` (``-m slow``): 20 random kills while ingesting the BBC corpus;
its figures go to ``out/reliability/crash-bbc.json``.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import BBC, RELIABILITY, SEEDS
from crashkit import Corpus, Expected, Lines, Snapshot, child, copy_index, expected, kill, snapshot
from rag import Engine, Settings, ingest
from rag.records import Answer

REPORTS = RELIABILITY
SEED_QUESTION = "How many joint activities does the plan include?"


def _settings(index: Path) -> Settings:
    return Settings.from_env({}, index_dir=index)


def _assert_sound(settings: Settings, known: Expected, embedder) -> Snapshot:  # type: ignore[no-untyped-def]
    """The published index after a kill: consistent, every article a whole known version, answering."""
    snap = snapshot(settings)
    assert snap.problems() == []
    versions = list(known.manifest.values())
    for doc_id, record in snap.manifest.items():
        assert record in versions, record
        assert {rec for rec, d in snap.chunks.values() if d == doc_id} == _chunks_of(record, known)
    engine = Engine.open(settings, embedder=embedder)
    answer = engine.ask(SEED_QUESTION)
    assert isinstance(answer, Answer) and answer.citations
    for c in answer.citations:  # exact spans of the article as indexed
        assert engine.article_text(c.source)[c.start:c.end] == c.quote
    return snap


def _chunks_of(record, known: Expected) -> set:  # type: ignore[no-untyped-def]
    return {rec for recs in known.chunks.values() for rec in recs
            if rec[0] == record.source and rec[3] == record.sha256[:12]}


def _assert_clean(settings: Settings, want: Expected) -> Snapshot:
    snap = snapshot(settings, vectors=True)
    assert snap.problems() == []
    assert snap.manifest == want.manifest
    assert snap.records == want.records
    return snap


class _Known:
    """Every version of every file the index may legally hold (all corpus states so far)."""

    def __init__(self) -> None:
        self.all = Expected({}, {})

    def add(self, e: Expected) -> Expected:
        manifest = dict(self.all.manifest)
        chunks = dict(self.all.chunks)
        for doc_id, record in e.manifest.items():  # older versions stay known under a versioned key
            key = f"{doc_id}:{record.sha256}"
            manifest[key], chunks[key] = record, e.chunks[doc_id]
        self.all = Expected(manifest, chunks)
        return self.all


@pytest.fixture
def reap():  # type: ignore[no-untyped-def]
    """Register child processes; any still running when the test ends is killed."""
    procs: list = []  # type: ignore[type-arg]
    yield procs.append
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


@pytest.fixture
def index(seed_settings: Settings, tmp_path: Path) -> Path:
    """A copy of the seed index: there is always a published version that answers."""
    return copy_index(seed_settings.index_dir, tmp_path / "index")


def test_random_kills_leave_a_sound_index_and_the_rerun_a_clean_one(index: Path, tmp_path: Path, embedder,
                                                                      reap) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(index)
    corpus = Corpus(tmp_path / "corpus", seed=11)
    corpus.add(12)
    reader = Engine.open(settings.replace(retrieval="dense"), embedder=embedder)  # lives through it all
    known, rng = _Known(), random.Random(20261122)
    kills, runs, delay, phases = 0, 0, 3.0, []
    while kills < 3:
        runs += 1
        assert runs <= 12, "the ingest kept finishing before the kill"
        if runs > 1:
            corpus.mutate()  # updates, removals and additions for the next run
        want = expected([SEEDS, corpus.root], settings)
        known.add(want)
        proc = child(index, SEEDS, corpus.root, args=("--checkpoint-s", "0.3", "--batch-chunks", "4"))
        reap(proc)
        out = Lines(proc)
        out.wait_for("ingesting")
        if runs % 4 and out.wait_for("written 1"):  # mostly while batches are written and published
            time.sleep(rng.uniform(0, delay))
        else:  # sometimes while it reads files and copies the index
            time.sleep(rng.uniform(0, 0.5))
        if not kill(proc):
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
            delay /= 2  # it finished first: aim earlier next time
            _assert_clean(settings, want)
            continue
        kills += 1
        phases.append({"written": out.count("written"), "published": out.count("published")})
        _assert_sound(settings, known.all, embedder)
        ingest([SEEDS, corpus.root], settings, embedder=embedder, log=lambda _: None)
        _assert_clean(settings, want)
        reader.refresh()  # the reader process-wide sees the finished run, through a new client
        newest = corpus.files()[-1]
        assert newest.name in {a.source for a in reader.articles()}
        assert reader.search(newest.read_text()[:600])[0].source == newest.name  # dense: new vectors
    final = _assert_clean(settings, expected([SEEDS, corpus.root], settings))
    clean = _settings(tmp_path / "clean")
    ingest([SEEDS, corpus.root], clean, embedder=embedder, log=lambda _: None)
    reference = _assert_clean(clean, expected([SEEDS, corpus.root], settings))
    assert final.vectors.keys() == reference.vectors.keys()
    for cid, vec in final.vectors.items():
        assert np.allclose(vec, reference.vectors[cid], atol=1e-5), cid
    _write_report("crash-small.json", {"kills": kills, "runs": runs, "articles": len(final.manifest),
                                       "chunks": len(final.chunks), "at_kill": phases})


@pytest.mark.parametrize("die_at", ["put_docs:2", "vectors_delete:1", "publish_copy:1"])
def test_kill_at_a_chosen_point_changes_nothing_published(die_at: str, index: Path, tmp_path: Path,
                                                          embedder, reap) -> None:  # type: ignore[no-untyped-def]
    """put_docs: chunks written, manifest not; vectors_delete: mid-removal; publish_copy: a
    version half-copied. Each leaves the published index exactly as it was."""
    settings = _settings(index)
    corpus = Corpus(tmp_path / "corpus", seed=5)
    corpus.add(4)
    ingest([SEEDS, corpus.root], settings, embedder=embedder, log=lambda _: None)
    reader = Engine.open(settings.replace(retrieval="dense"), embedder=embedder)
    before = _assert_clean(settings, expected([SEEDS, corpus.root], settings))
    corpus.mutate(change=1, remove=1, add=2)
    proc = child(index, SEEDS, corpus.root, args=("--batch-chunks", "4", "--die-at", die_at))
    reap(proc)
    proc.wait(300)
    assert proc.returncode == -9, proc.stderr.read() if proc.stderr else ""
    if (index / "work").is_dir():  # as if Chroma had been killed mid-flush: torn segment files
        for segment in (index / "work").glob("*/data_level0.bin"):
            segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 3])
    after = snapshot(settings, vectors=True)
    assert after.manifest == before.manifest and after.chunks == before.chunks
    assert after.vectors == before.vectors
    assert reader.ask(SEED_QUESTION).citations

    ingest([SEEDS, corpus.root], settings, embedder=embedder, log=lambda _: None)
    _assert_clean(settings, expected([SEEDS, corpus.root], settings))
    assert reader.refresh()
    newest = corpus.files()[-1]
    assert reader.search(newest.read_text()[:600])[0].source == newest.name  # dense: new vectors
    assert not (index / "work").exists()
    assert len(list(index.glob("v-*"))) <= 2  # old versions are collected once no reader holds them


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
def test_bbc_ingest_survives_20_kills(index: Path, embedder, reap) -> None:  # type: ignore[no-untyped-def]
    """20 SIGKILLs at random moments of a real BBC ingest (checkpoints every 10 s); each time the
    index opens, answers and is consistent; the run after the last kill completes cleanly."""
    assert BBC.is_dir(), f"the BBC corpus is missing at {BBC}"
    settings = _settings(index)
    want = expected([SEEDS, BBC], settings)
    known = _Known()
    known.add(want)
    rng = random.Random(7)
    kills, log = 0, []
    t0 = time.monotonic()
    while kills < 20:
        proc = child(index, SEEDS, BBC, args=("--checkpoint-s", "10"))
        reap(proc)
        out = Lines(proc)
        out.wait_for("ingesting")
        writing = kills % 4 != 0  # 15 kills while batches are written and published, 5 earlier
        if writing and not out.wait_for("written 1"):
            break
        delay = rng.uniform(0, 60) if writing else rng.uniform(1, 30)
        time.sleep(delay)
        if not kill(proc):
            break  # the corpus is in: fewer kills than planned would show in the report
        kills += 1
        t1 = time.monotonic()
        snap = _assert_sound(settings, known.all, embedder)
        log.append({"kill": kills, "phase": "writing" if writing else "start-up", "after_s": round(delay, 1),
                    "batches_written": out.count("written"), "versions_published": out.count("published"),
                    "articles": len(snap.manifest), "chunks": len(snap.chunks),
                    "check_s": round(time.monotonic() - t1, 1)})
        print(json.dumps(log[-1]), flush=True)  # progress, with pytest -s
    t2 = time.monotonic()
    final = child(index, SEEDS, BBC, args=("--checkpoint-s", "10"))
    reap(final)
    final_out, err = final.communicate(timeout=3600)
    assert final.returncode == 0, err[-2000:]
    snap = _assert_clean(settings, want)
    sample = random.Random(3).sample(sorted(snap.vectors), 200)
    _check_vectors(settings, snap, sample, embedder)
    _write_report("crash-bbc.json", {"kills": kills, "kills_planned": 20, "log": log,
                                     "killed_phase_s": round(t2 - t0), "final_run": final_out.strip().splitlines()[-1],
                                     "final_run_s": round(time.monotonic() - t2),
                                     "articles": len(snap.manifest), "chunks": len(snap.chunks),
                                     "vectors_rechecked": len(sample)})
    assert kills == 20


def _check_vectors(settings: Settings, snap: Snapshot, ids: list[str], embedder) -> None:  # type: ignore[no-untyped-def]
    """Stored vectors equal a fresh embedding of the stored chunk text (no torn or stale vector)."""
    from rag.index.chunk import embed_text
    from rag.index.store import open_store

    store = open_store(settings, embedder.name, create=False)
    try:
        got = store.chunks.get(ids=ids, include=["documents", "metadatas"])
        texts = [embed_text(m["title"], t) for t, m in zip(got["documents"], got["metadatas"])]
        fresh = embedder.embed(texts)
        for cid, vec in zip(got["ids"], fresh):
            assert float(np.dot(vec, snap.vectors[cid])) > 0.9999, cid
    finally:
        store.close()


def _write_report(name: str, data: dict) -> None:  # type: ignore[type-arg]
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / name).write_text(json.dumps(data, indent=2) + "\n")
