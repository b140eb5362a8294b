"""Crash-safe index folders on their own: a real Chroma index written in the workspace,
published by an atomic rename, kept while a reader holds it, collected after."""

from __future__ import annotations

from pathlib import Path

import chromadb

from rag import Settings
from rag.index.snapshots import CURRENT, WORK, Workspace, lease, live_dir


def write_version(settings: Settings, rows: int, *, keep_working: bool = False) -> Workspace:
    ws = Workspace(settings)
    client = chromadb.PersistentClient(str(ws.open()))
    col = client.get_or_create_collection("rows", embedding_function=None)
    start = col.count()
    col.add(ids=[f"r{i}" for i in range(start, start + rows)], embeddings=[[1.0, 0.0]] * rows)
    ws.publish(client.close, keep_working=keep_working)  # type: ignore[attr-defined]
    return ws


def count(path: Path) -> int:
    client = chromadb.PersistentClient(str(path))
    try:
        return client.get_collection("rows", embedding_function=None).count()
    finally:
        client.close()  # type: ignore[attr-defined]


def versions(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob("v-*"))


def test_nothing_published_means_no_live_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    assert live_dir(settings) is None and lease(settings) is None


def test_each_publish_is_a_new_version_that_starts_from_the_last(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    write_version(settings, 2)
    first = live_dir(settings)
    assert first is not None and count(first) == 2
    write_version(settings, 3)
    second = live_dir(settings)
    assert second is not None and second != first and count(second) == 5
    assert (settings.index_dir / CURRENT).is_symlink()
    assert not (settings.index_dir / WORK).exists()
    assert versions(settings.index_dir) == [second.parent.name]  # the old one, unleased, is gone


def test_a_leased_version_outlives_newer_publishes(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    write_version(settings, 1)
    held = lease(settings)
    assert held is not None
    old, reader = held
    write_version(settings, 1)
    assert old.is_dir() and count(old) == 1  # a reader's version is not deleted under it
    reader.release()
    write_version(settings, 1)
    assert not old.exists() and len(versions(settings.index_dir)) == 1


def test_what_a_killed_writer_left_is_discarded(tmp_path: Path) -> None:
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    write_version(settings, 2)
    ws = Workspace(settings)
    client = chromadb.PersistentClient(str(ws.open()))
    client.get_collection("rows", embedding_function=None).add(ids=["half"], embeddings=[[0.0, 1.0]])
    client.close()  # type: ignore[attr-defined]  # and never published, as by a killed writer
    # (real kills of a writer process: tests/index/test_crash.py)
    live = live_dir(settings)
    assert live is not None and count(live) == 2
    write_version(settings, 1)  # the next writer starts from the published version
    live = live_dir(settings)
    assert live is not None and count(live) == 3


def test_an_old_layout_index_is_read_then_moved(tmp_path: Path) -> None:
    index = tmp_path / "index"
    client = chromadb.PersistentClient(str(index))
    client.get_or_create_collection("rows", embedding_function=None).add(ids=["a"], embeddings=[[1.0, 0.0]])
    client.close()  # type: ignore[attr-defined]
    settings = Settings.from_env({}, index_dir=index)
    assert live_dir(settings) == index.resolve()
    write_version(settings, 1)
    live = live_dir(settings)
    assert live is not None and live != index.resolve() and count(live) == 2
    assert not (index / "chroma.sqlite3").exists()
