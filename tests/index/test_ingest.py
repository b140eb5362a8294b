"""Ingestion against a real on-disk Chroma: incremental, exact, never duplicated or stale."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS
from rag import EmptyCorpus, Settings, ingest
from rag.index.store import open_store


def _chunks(settings: Settings, embedder_name: str) -> list[tuple[str, int, int, str]]:
    store = open_store(settings, embedder_name, create=False)
    return sorted((m["source"], m["start"], m["end"], m["sha"]) for _, _, m in store.all_chunks())


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def test_incremental_reingest(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    first = ingest([corpus], settings, embedder=embedder, log=lambda _: None)
    assert (first.added, first.updated, first.unchanged, first.removed) == (5, 0, 0, 0)
    clean = _chunks(settings, embedder.name)
    assert len(clean) == first.chunks_added == len(set(clean))

    again = ingest([corpus], settings, embedder=embedder, log=lambda _: None)
    assert (again.added, again.updated, again.unchanged, again.chunks_added) == (0, 0, 5, 0)
    assert _chunks(settings, embedder.name) == clean

    # change one article, delete another, add a new one
    changed = corpus / "000_4766fbbc71fac3cc.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing sentence was added.\n",
                       encoding="utf-8")
    (corpus / "001_5eed05995116f16d.txt").unlink()
    (corpus / "new.md").write_text("# Extra\n\nBulgaria signed nothing yet.\n", encoding="utf-8")
    third = ingest([corpus], settings, embedder=embedder, log=lambda _: None)
    assert (third.added, third.updated, third.unchanged, third.removed) == (1, 1, 3, 1)
    after = _chunks(settings, embedder.name)
    assert len(after) == len(set(after))
    sources = {c[0] for c in after}
    assert "001_5eed05995116f16d.txt" not in sources and "new.md" in sources
    # the changed article's chunks all come from its new version
    store = open_store(settings, embedder.name, create=False)
    manifest = {r.source: r for r in store.manifest().values()}
    assert {c[3] for c in after if c[0] == changed.name} == {manifest[changed.name].sha256[:12]}
    assert sum(r.n_chunks for r in manifest.values()) == len(after)
    # spans stay exact against the stored article text
    texts = {r.source: store.doc_text(d) for d, r in store.manifest().items()}
    for _, text, meta in store.all_chunks():
        assert texts[meta["source"]][meta["start"]:meta["end"]] == text


def test_changing_chunk_size_rechunks(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({}, index_dir=tmp_path / "index")
    small = ingest([corpus], settings, embedder=embedder, log=lambda _: None)
    big = ingest([corpus], settings.replace(chunk_tokens=320, chunk_overlap=0), embedder=embedder,
                 log=lambda _: None)
    assert big.updated == 5 and big.chunks_added < small.chunks_added
    assert len(_chunks(settings, embedder.name)) == big.chunks_added


def test_bad_files_are_skipped_and_the_run_goes_on(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.html").write_bytes(b"\x00\x01\x02" * 100)
    lines: list[str] = []
    report = ingest([corpus], Settings.from_env({}, index_dir=tmp_path / "index"), embedder=embedder,
                    log=lines.append)
    assert report.added == 5 and len(report.skipped) == 2
    assert any("empty.txt" in line and "empty" in line for line in lines)
    assert any("binary.html" in line and "binary" in line for line in lines)
    assert "2 skipped" in report.summary()


def test_empty_corpus_is_a_clear_error(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.txt").write_text("")
    with pytest.raises(EmptyCorpus, match="No usable articles"):
        ingest([tmp_path / "docs"], Settings.from_env({}, index_dir=tmp_path / "index"),
               embedder=embedder, log=lambda _: None)


def test_each_chunk_stores_one_vector_per_sentence(seed_settings, embedder) -> None:  # type: ignore[no-untyped-def]
    from rag.index.store import SENTENCE_VECTORS, unpack_vectors
    from rag.text import sentence_spans

    store = open_store(seed_settings, embedder.name, create=False)
    n = 0
    for _, text, meta in store.all_chunks():
        vecs = unpack_vectors(meta[SENTENCE_VECTORS], embedder.dim)
        assert len(vecs) == len(sentence_spans(text))
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=0.02)  # every sentence was read
        n += 1
    assert n > 30
    # and they are not duplicated into llama-index's node JSON
    got = store.chunks.get(limit=1, include=["metadatas"])
    assert SENTENCE_VECTORS not in got["metadatas"][0]["_node_content"]
