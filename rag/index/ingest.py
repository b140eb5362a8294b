"""Files -> chunks -> vectors in the index, incrementally.

An unchanged file (same bytes, same chunking) is not embedded again; a changed file's
chunks are replaced; a file that disappeared from an ingested folder is removed.

Crash safety: a local index is written in a private copy that is published atomically at
least every ``checkpoint_s`` seconds and at the end (``snapshots.py``), so a run killed at
any moment leaves the last published version whole, and the next run goes on from there.

>>> report = ingest([Path("seeds")], Settings.from_env(index_dir="/tmp/doctest-idx"))  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..embed import Embedder, SpanEmbedder, make_embedder
from ..errors import EmptyCorpus
from ..records import Article, IngestReport, Skipped
from ..settings import Settings
from ..text import sentence_spans
from .chunk import chunk_article, embed_text
from .files import discover, load
from .keywords import warm as warm_keywords
from .snapshots import Workspace
from .store import (
    SENTENCE_VECTORS,
    DocRecord,
    Store,
    doc_id_for,
    open_store,
    pack_vectors,
    short_sha,
    write_lock,
)

if TYPE_CHECKING:  # llama-index is imported where chunks are written: questions never load it
    from llama_index.core.schema import BaseNode

BATCH_CHUNKS = 256  # embed and write this many chunks at a time
CHECKPOINT_S = 30.0  # publish what is written at least this often: a kill loses less work

Progress = Callable[[int, int], None]


def ingest(
    paths: list[Path],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
    checkpoint_s: float = CHECKPOINT_S,
) -> IngestReport:
    """Bring the index in line with ``paths`` (folders and files). Holds the writer lock."""
    log = log or (lambda line: print(line, file=sys.stderr))
    t0 = time.perf_counter()
    found, skipped = discover(paths)
    with write_lock(settings):
        embedder = embedder or make_embedder(settings)
        with _Writer(settings, embedder.name, checkpoint_s) as writer:
            store = writer.store
            manifest = store.manifest()
            chunking = chunking_signature(settings, sentence_vectors=_spans_of(embedder) is not None)
            max_bytes = int(settings.max_file_mb * 1e6)

            todo: list[tuple[Article, str, bool]] = []  # (article, doc_id, is_update)
            seen: set[str] = set()
            unchanged = 0
            bar = _bar(len(found), "reading", progress)
            for f in found:
                item = load(f, max_bytes)
                bar.update(1)
                if isinstance(item, Skipped):
                    skipped.append(item)
                    continue
                doc_id = doc_id_for(item.root, item.source)
                seen.add(doc_id)
                old = manifest.get(doc_id)
                if old and old.sha256 == item.sha256 and old.chunking == chunking:
                    unchanged += 1
                else:
                    todo.append((item, doc_id, old is not None))
            bar.close()
            for s in skipped:
                log(f"skipped {s.path}: {s.reason}")

            # Chunks no committed article owns: an old-layout index, or a Chroma server,
            # whose writer was killed between a manifest change and the chunks' change.
            # A published local version is always consistent, and the sweep reads every
            # chunk's metadata (~5 s of an unchanged BBC re-ingest), so only there.
            orphans = store.orphan_chunk_ids(manifest) if writer.must_commit else []
            store.delete_chunks(orphans)
            # Files gone from a folder we were asked to ingest again.
            roots = {str(p.resolve()) for p in paths if p.is_dir()}
            gone = [d for d, r in manifest.items() if r.root in roots and d not in seen]
            store.remove_docs(gone)

            chunks_added = _write(writer, embedder, todo, chunking, settings, progress)
            if not settings.chroma_url:  # the first question after an ingest need not build it
                warm_keywords(writer.store, settings.index_dir / "cache")
            if todo or gone or orphans or writer.must_commit:
                writer.commit()

    if not seen and not manifest:
        raise EmptyCorpus(
            f"No usable articles in {', '.join(map(str, paths))} ({len(skipped)} skipped); "
            "point ingest at a folder of .txt, .md, .html or .pdf files."
        )
    return IngestReport(
        added=sum(1 for _, _, upd in todo if not upd),
        updated=sum(1 for _, _, upd in todo if upd),
        unchanged=unchanged,
        removed=len(gone),
        chunks_added=chunks_added,
        skipped=tuple(skipped),
        seconds=time.perf_counter() - t0,
    )


class _Writer:
    """Where one ingest run writes: a private copy of a local index, published at checkpoints
    and at the end; or a Chroma server, where a checkpoint only bumps the generation."""

    def __init__(self, settings: Settings, embedder_name: str, checkpoint_s: float) -> None:
        self._settings, self._name, self._every = settings, embedder_name, checkpoint_s
        self._ws = None if settings.chroma_url else Workspace(settings)
        path = self._ws.open() if self._ws else None
        self.store: Store = open_store(settings, embedder_name, create=True, path=path)
        # An old-layout index moves to the versioned one; on a server a killed run may have
        # committed articles after its last generation bump: readers must hear of them.
        self.must_commit = bool(self._ws and self._ws.migrated) or self._ws is None
        self._since = time.monotonic()
        self._done = False

    def checkpoint(self) -> None:
        """Between batches: publish what is written if the last publication is old enough."""
        if time.monotonic() - self._since < self._every:
            return
        self.store.bump_generation()
        if self._ws is not None:
            self._ws.publish(self.store.close, keep_working=True)
            self.store = open_store(self._settings, self._name, create=True, path=self._ws.work)
            self.must_commit = False
        self._since = time.monotonic()

    def commit(self) -> None:
        self.store.bump_generation()
        if self._ws is not None:
            self._ws.publish(self.store.close, keep_working=False)
        else:
            self.store.close()
        self._done = True

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._done:  # nothing to publish, or an error: what was published stays
            self.store.close()
            if self._ws is not None:
                self._ws.discard()


def _write(
    writer: _Writer,
    embedder: Embedder,
    todo: list[tuple[Article, str, bool]],
    chunking: str,
    settings: Settings,
    progress: bool,
) -> int:
    """Chunk, embed and store articles in batches; commit each article's record last.

    Articles are chunked as their batch comes, not all first: on the BBC corpus chunking
    everything took ~40 s before the first write, time a kill would lose.
    """
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    total = 0
    planned = ((a, doc_id, chunk_article(a, max_tokens=settings.chunk_tokens,
                                         overlap=settings.chunk_overlap)) for a, doc_id, _ in todo)
    bar = _bar(len(todo), "embedding", progress, unit="file")
    carry = next(planned, None)
    while carry is not None:
        store = writer.store
        batch = [carry]
        size = len(carry[2])
        carry = next(planned, None)
        while carry is not None and size + len(carry[2]) <= BATCH_CHUNKS:
            batch.append(carry)
            size += len(carry[2])
            carry = next(planned, None)
        # Stale chunks of older versions: one delete for the batch (one per article cost
        # ~8 ms each at 10k chunks, ~2% of a BBC ingest). Same filter as vectors.delete.
        store.chunks.delete(where={"document_id": {"$in": [doc_id for _, doc_id, _ in batch]}})
        nodes: list[BaseNode] = []
        for article, doc_id, chunks in batch:
            for c in chunks:
                nodes.append(TextNode(
                    id_=f"{doc_id}:{short_sha(article.sha256)}:{c.index}",
                    text=c.text,
                    metadata={
                        "source": article.source,
                        "title": article.title,
                        "date": article.date or "",
                        "date_int": int(article.date.replace("-", "")) if article.date else 0,
                        "start": c.start,
                        "end": c.end,
                        "sha": short_sha(article.sha256),
                    },
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
                ))
        _add_chunks(store, embedder, nodes)
        store.put_docs(
            [DocRecord(doc_id, a.source, a.root, a.title, a.date or "", a.byline or "", a.sha256,
                       len(chunks), chunking, a.encoding) for a, doc_id, chunks in batch],
            [a.text for a, _, _ in batch],
        )
        total += len(nodes)
        bar.update(len(batch))
        if carry is not None:
            writer.checkpoint()
    bar.close()
    return total


def chunking_signature(settings: Settings, *, sentence_vectors: bool) -> str:
    """What decides an article's stored chunks besides its bytes (kept in its manifest record).

    "+sv": the chunks carry sentence vectors; an index built without is upgraded by re-ingest.
    """
    return f"{settings.chunk_tokens}/{settings.chunk_overlap}" + ("+sv" if sentence_vectors else "")


def _spans_of(embedder: Embedder) -> SpanEmbedder | None:
    return embedder if isinstance(embedder, SpanEmbedder) else None


def _add_chunks(store: Store, embedder: Embedder, nodes: list[BaseNode]) -> None:
    """Embed and store chunks; with a span-capable embedder, each chunk also carries one
    vector per sentence from the same model run, so answers need not embed sentences.

    Written with Chroma's ``add`` in the layout llama-index's ``ChromaVectorStore.add`` uses
    (``node_to_metadata_dict``), so the sentence vectors sit in the flat metadata only and
    are not copied into ``_node_content`` a second time.
    """
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    if not nodes:
        return
    texts = [embed_text(n.metadata["title"], n.get_content()) for n in nodes]
    spanner = _spans_of(embedder)
    metadatas = [node_to_metadata_dict(n, remove_text=True, flat_metadata=True) for n in nodes]
    if spanner is not None:
        spans = []
        for n, text in zip(nodes, texts):
            offset = len(text) - len(n.get_content())  # the title line before the chunk
            spans.append([(offset + a, offset + b) for a, b in sentence_spans(n.get_content())])
        vectors, sentence_vectors = spanner.embed_spans(texts, spans)
        for meta, sv in zip(metadatas, sentence_vectors):
            meta[SENTENCE_VECTORS] = pack_vectors(sv)
    else:
        vectors = embedder.embed(texts)
    for b in range(0, len(nodes), 1000):
        store.chunks.add(ids=[n.node_id for n in nodes[b : b + 1000]],
                         embeddings=vectors[b : b + 1000],
                         metadatas=metadatas[b : b + 1000],  # type: ignore[arg-type]
                         documents=[n.get_content() for n in nodes[b : b + 1000]])


def _bar(total: int, desc: str, enabled: bool, unit: str = "file") -> Any:
    """A tqdm bar on stderr, or tqdm's no-op bar (``disable``) when off or for a few files."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                disable=not enabled or total < 20)
