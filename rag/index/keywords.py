"""The keyword side of retrieval: every live chunk's text and metadata, and a BM25 index
over them (llama-index's ``BM25Retriever`` on bm25s), with an on-disk cache.

Building it means reading every chunk from Chroma and tokenising the corpus: ~5 s of a
10k-chunk cold start on 2 cores. The cache holds the result keyed by the manifest (each
article's bytes and chunking decide its chunks), so a process opening an unchanged index
loads it in a fraction of that. It is only a cache: written atomically (a folder renamed
into place), rebuilt when missing or unreadable, never trusted across manifests.

    INDEX/cache/keywords-<key>/chunks.json      ids, texts, metadata of the live chunks
    INDEX/cache/keywords-<key>/*.index.*        bm25s's own files (numpy arrays, no pickle)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..text import STEMMER, fold
from .chunk import embed_text
from .store import DocRecord, Store, is_live, live_keys

FORMAT = 1
KEEP = 2  # cached versions kept (the newest), so a reader of the previous one still finds it
# Metadata a query needs; the rest (llama-index's node JSON, sentence vectors) stays in Chroma.
FIELDS = ("source", "title", "date", "date_int", "start", "end", "document_id", "sha")


@dataclass
class Keywords:
    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    bm25: Any  # bm25s.BM25, or None for an empty index


def cache_key(manifest: Mapping[str, DocRecord]) -> str:
    """Names the chunk set: the same articles with the same chunking give the same chunks."""
    items = sorted((d, r.sha256, r.chunking, r.n_chunks) for d, r in manifest.items())
    blob = json.dumps([FORMAT, items]).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def load_or_build(store: Store, manifest: Mapping[str, DocRecord], cache: Path | None) -> Keywords:
    """The keyword index of the manifest's chunks: from ``cache`` when it holds it, else built
    from Chroma (and saved there when the folder is writable)."""
    folder = cache / f"keywords-{cache_key(manifest)}" if cache else None
    if folder is not None and folder.is_dir():
        try:
            return _load(folder)
        except (OSError, ValueError, KeyError):  # damaged: rebuilt and saved again below
            shutil.rmtree(folder, ignore_errors=True)
    live = live_keys(manifest)
    kw = build(((cid, text, meta) for cid, text, meta in store.all_chunks()
                if is_live(meta, live)))
    if folder is not None:
        with contextlib.suppress(OSError):  # a read-only index: answer anyway, build next time
            save(kw, folder)
    return kw


def warm(store: Store, cache: Path) -> None:
    """Build and save the keyword index of ``store`` unless the cache already holds it."""
    manifest = store.manifest()
    if manifest and not (cache / f"keywords-{cache_key(manifest)}").is_dir():
        load_or_build(store, manifest, cache)


def build(chunks: Iterable[tuple[str, str, Mapping[str, Any]]]) -> Keywords:
    from llama_index.core.schema import BaseNode, TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    kw = Keywords([], [], [], None)
    for cid, text, meta in chunks:
        kw.ids.append(cid)
        kw.texts.append(text)
        kw.metas.append({k: meta[k] for k in FIELDS if k in meta})
    if kw.ids:
        # Accents folded so "Vucic" finds "Vučić"; the title is indexed with each chunk.
        nodes: list[BaseNode] = [TextNode(id_=cid, text=fold(embed_text(m["title"], t)))
                                 for cid, t, m in zip(kw.ids, kw.texts, kw.metas)]
        kw.bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=1,  # type: ignore[arg-type]
                                              stemmer=STEMMER).bm25
    return kw


def save(kw: Keywords, folder: Path) -> None:
    """Write ``kw`` to ``folder`` atomically; older cached versions beyond ``KEEP`` go."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        (tmp / "chunks.json").write_text(json.dumps({"ids": kw.ids, "texts": kw.texts, "metas": kw.metas}))
        if kw.bm25 is not None:
            kw.bm25.save(str(tmp), show_progress=False)
        os.rename(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not folder.is_dir():
            raise
        return  # another process saved the same version first
    others = sorted((p for p in folder.parent.glob("keywords-*") if p != folder),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in folder.parent.glob(".tmp-*"):  # left by a killed process
        if stale != tmp and _age_s(stale) > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def _load(folder: Path) -> Keywords:
    # bm25s directly: llama-index's BM25Retriever reloads only with its nodes, which chunks.json already holds.
    import bm25s

    data = json.loads((folder / "chunks.json").read_text())
    ids, texts, metas = data["ids"], data["texts"], data["metas"]
    if not (len(ids) == len(texts) == len(metas)):
        raise ValueError("cache lists differ in length")
    bm25 = None
    if ids:
        bm25 = bm25s.BM25.load(str(folder), show_progress=False)
        if int(bm25.scores["num_docs"]) != len(ids):
            raise ValueError("cache BM25 index does not match its chunks")
    return Keywords(ids, texts, metas, bm25)


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
