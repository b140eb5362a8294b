"""The keyword index cache: used when it matches the manifest, rebuilt when damaged or stale."""

import shutil
from pathlib import Path

import pytest

from conftest import SEEDS
from rag import Engine, Settings, ingest
from rag.index.keywords import cache_key
from rag.index.store import Store, open_store

QUESTION = "How many joint activities does the Serbia-Hungary plan include?"


@pytest.fixture()
def settings(tmp_path: Path, embedder) -> Settings:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    s = Settings.from_env({}, index_dir=tmp_path / "index")
    ingest([corpus], s, embedder=embedder, log=lambda _: None)
    return s


def _folder(settings: Settings, embedder) -> Path:  # type: ignore[no-untyped-def]
    store = open_store(settings, embedder.name, create=False)
    return settings.index_dir / "cache" / f"keywords-{cache_key(store.manifest())}"


def test_ingest_leaves_the_cache_and_open_reads_no_chunk_from_chroma(settings, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh = Engine.open(settings, embedder=embedder).ask(QUESTION)  # may build nothing: cache warm
    assert _folder(settings, embedder).is_dir()

    def refuse(self: Store, batch: int = 5000):  # type: ignore[no-untyped-def]
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(Store, "all_chunks", refuse)
    cached = Engine.open(settings, embedder=embedder).ask(QUESTION)
    assert cached.text == fresh.text and cached.citations == fresh.citations
    assert [p.to_dict() for p in cached.passages] == [p.to_dict() for p in fresh.passages]


def test_a_damaged_cache_is_rebuilt(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    good = Engine.open(settings, embedder=embedder).ask(QUESTION)
    folder = _folder(settings, embedder)
    (folder / "chunks.json").write_text('{"ids": ["x"], "texts": [], "metas": []}')
    again = Engine.open(settings, embedder=embedder).ask(QUESTION)
    assert again.text == good.text and again.citations == good.citations
    assert '"ids": ["x"]' not in (folder / "chunks.json").read_text()  # saved again, repaired
    for name in list(folder.iterdir()):
        if name.suffix == ".npy":
            name.write_bytes(b"not numpy")
    assert Engine.open(settings, embedder=embedder).ask(QUESTION).citations == good.citations


def test_a_changed_corpus_gets_a_new_cache_and_old_ones_are_pruned(settings, embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = _folder(settings, embedder)
    corpus = tmp_path / "articles"
    for n in range(3):
        (corpus / f"extra{n}.txt").write_text(f"Extra {n}\n\nMontenegro bought {n + 2} drones in 2025.\n")
        ingest([corpus], settings, embedder=embedder, log=lambda _: None)
    newest = _folder(settings, embedder)
    assert newest != first and newest.is_dir()
    kept = sorted(p.name for p in (settings.index_dir / "cache").glob("keywords-*"))
    assert len(kept) == 2 and newest.name in kept and first.name not in kept
    answer = Engine.open(settings, embedder=embedder).ask("How many drones did Montenegro buy in 2025?")
    assert answer.citations and "Montenegro" in answer.citations[0].quote
