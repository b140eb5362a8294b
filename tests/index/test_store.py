"""The store on its own: a real embedded Chroma in a temporary folder, opened as the writer
opens it (its workspace) and as readers do (the published version)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag import EmbedderMismatch, IndexLocked, IndexMissing, Settings
from rag.index.snapshots import Workspace
from rag.index.store import (
    DocRecord,
    Store,
    doc_id_for,
    is_live,
    live_keys,
    open_store,
    pack_vectors,
    short_sha,
    unpack_vectors,
    write_lock,
)

SHA = "ab" * 32


def record(doc_id: str, sha: str = SHA) -> DocRecord:
    return DocRecord(doc_id, "a.txt", "/corpus", "A title", "2025-03-18", "", sha, 1, "160/32", "utf-8")


def add_chunk(store: Store, cid: str, doc_id: str, sha: str) -> None:
    store.chunks.add(ids=[cid], embeddings=[[1.0, 0.0]], documents=["text"],
                     metadatas=[{"document_id": doc_id, "sha": short_sha(sha)}])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, index_dir=tmp_path / "index")


def publish(settings: Settings, fill) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace(settings)
    store = open_store(settings, "toy", create=True, path=ws.open())
    fill(store)
    ws.publish(store.close, keep_working=False)


def test_a_reader_sees_what_the_writer_published(settings: Settings) -> None:
    def fill(store: Store) -> None:
        store.put_docs([record("d1")], ["The article text."])
        add_chunk(store, "d1:0", "d1", SHA)
        store.bump_generation()

    publish(settings, fill)
    reader = open_store(settings, "toy", create=False)
    try:
        assert set(reader.manifest()) == {"d1"} and reader.manifest()["d1"].title == "A title"
        assert reader.doc_text("d1") == "The article text." and reader.doc_text("nope") is None
        assert reader.generation() == 1
        assert [cid for cid, _, _ in reader.all_chunks()] == ["d1:0"]
        assert reader.orphan_chunk_ids(reader.manifest()) == []
    finally:
        reader.close()


def test_chunks_of_a_replaced_or_unknown_version_are_orphans(settings: Settings) -> None:
    def fill(store: Store) -> None:
        store.put_docs([record("d1")], ["text"])
        add_chunk(store, "d1:new", "d1", SHA)
        add_chunk(store, "d1:old", "d1", "cd" * 32)  # an earlier version of the same article
        add_chunk(store, "gone:0", "gone", SHA)  # an article the manifest no longer has

    publish(settings, fill)
    reader = open_store(settings, "toy", create=False)
    try:
        assert sorted(reader.orphan_chunk_ids(reader.manifest())) == ["d1:old", "gone:0"]
    finally:
        reader.close()


def test_live_is_decided_by_document_and_version() -> None:
    live = live_keys({"d1": record("d1")})
    assert is_live({"document_id": "d1", "sha": short_sha(SHA)}, live)
    assert not is_live({"document_id": "d1", "sha": "0" * 12}, live)
    assert not is_live({"document_id": "d2", "sha": short_sha(SHA)}, live)
    assert not is_live(None, live)


def test_no_index_names_the_command_that_builds_one(settings: Settings) -> None:
    with pytest.raises(IndexMissing, match=r"python -m rag ingest seeds --index"):
        open_store(settings, "toy", create=False)


def test_another_embedder_is_refused_with_the_fix(settings: Settings) -> None:
    publish(settings, lambda store: store.put_docs([record("d1")], ["text"]))
    with pytest.raises(EmbedderMismatch, match="RAG_EMBEDDER"):
        open_store(settings, "another-model", create=False)


def test_a_second_writer_is_refused_at_once_naming_the_holder(settings: Settings) -> None:
    with write_lock(settings), pytest.raises(IndexLocked, match=r"pid \d+"), write_lock(settings):
        pass
    with write_lock(settings):  # released: the next writer gets it
        pass


def test_packed_sentence_vectors_keep_their_direction() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(5, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    back = unpack_vectors(pack_vectors(v), 384)
    cos = (back * v).sum(axis=1) / np.linalg.norm(back, axis=1)
    assert back.shape == v.shape and cos.min() > 0.99


def test_document_ids_are_stable_and_depend_on_folder_and_path() -> None:
    assert doc_id_for("/a", "x.txt") == doc_id_for("/a", "x.txt")
    assert len({doc_id_for("/a", "x.txt"), doc_id_for("/b", "x.txt"), doc_id_for("/a", "y.txt")}) == 3
