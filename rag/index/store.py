"""The index: Chroma (embedded on disk, or a ``chroma run`` server) behind llama-index's
``ChromaVectorStore``, plus a manifest collection and a single-writer lock.

Two collections per embedding model, so vectors of different models never mix:
``<name>__<embedder>`` holds the chunks; ``<name>__<embedder>__docs`` holds one
record per article (full text, metadata, hash). A document's manifest record is
written only after all its chunks, so a crash mid-write leaves an article whose
chunks are ignored at query time and replaced on the next ingest.

On disk, readers and the writer never share a folder: the writer works on a private
copy and publishes it with an atomic rename (``snapshots.py``); a reader holds a lease
on the version it opened and reopens when a newer one is published (``superseded``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from ..errors import ConfigError, EmbedderMismatch, IndexLocked, IndexMissing
from ..settings import Settings
from .snapshots import Lease, lease, live_dir

_META_ID = "__meta__"


SHA_CHARS = 12  # a chunk names its article's version by the first 12 hex digits of its sha256


def short_sha(sha256: str) -> str:
    """The article version a chunk carries in its id and its ``sha`` metadata."""
    return sha256[:SHA_CHARS]


def live_keys(manifest: Mapping[str, DocRecord]) -> set[tuple[str, str]]:
    """(document id, short sha) of every committed article version; see :func:`is_live`."""
    return {(d, short_sha(r.sha256)) for d, r in manifest.items()}


def is_live(meta: Mapping[str, Any] | None, live: set[tuple[str, str]]) -> bool:
    """A stored chunk is live when a committed article version owns it (else it is an orphan
    of a writer killed mid-update, or of a replaced version, and readers skip it)."""
    return ((meta or {}).get("document_id"), (meta or {}).get("sha")) in live


@dataclass(frozen=True)
class DocRecord:
    """One article as the manifest knows it."""

    doc_id: str
    source: str
    root: str
    title: str
    date: str  # "" when unknown (Chroma metadata cannot hold None)
    byline: str
    sha256: str
    n_chunks: int
    chunking: str  # e.g. "160/32": re-chunk when the settings change
    encoding: str


class Store:
    """Chroma collections for one embedding model. Open with :func:`open_store`."""

    def __init__(self, client: Any, settings: Settings, embedder_name: str, create: bool,
                 path: Path | None = None, lease: Lease | None = None) -> None:
        self.settings = settings
        self.path = path  # the folder Chroma has open (None for a Chroma server)
        self._lease = lease
        base = _collection_name(f"{settings.collection}__{embedder_name}")
        self.chunks_name, self.docs_name = base, _collection_name(base + "__docs")
        self._client = client
        if create:
            meta = {"hnsw:space": "cosine", "embedder": embedder_name}
            self.chunks = client.get_or_create_collection(
                self.chunks_name, embedding_function=None, metadata=meta
            )
            self.docs = client.get_or_create_collection(
                self.docs_name, embedding_function=None, metadata={"embedder": embedder_name}
            )
        else:
            try:
                self.chunks = client.get_collection(self.chunks_name, embedding_function=None)
                self.docs = client.get_collection(self.docs_name, embedding_function=None)
            except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
                other = [c for c in self.collection_names() if c.startswith(settings.collection + "__")]
                if other:
                    raise EmbedderMismatch(
                        f"The index at {where(settings)} was built with another embedding model "
                        f"({', '.join(sorted(other))}); set RAG_EMBEDDER back, or re-ingest with "
                        f"this one: python -m rag ingest PATH"
                    ) from exc
                raise IndexMissing(no_index_message(settings)) from exc
        self._vectors: Any = None

    @property
    def vectors(self) -> Any:
        """llama-index's ``ChromaVectorStore`` over the chunks (built on first use: writers)."""
        if self._vectors is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vectors = ChromaVectorStore(chroma_collection=self.chunks)
        return self._vectors

    def superseded(self) -> bool:
        """True when a newer version of a local index was published since this one opened."""
        if self.settings.chroma_url or self.path is None:
            return False
        return live_dir(self.settings) != self.path

    def close(self) -> None:
        """Let go of Chroma's files and of the lease on them (idempotent)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
        if self._lease is not None:
            self._lease.release()

    def collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]

    # -- manifest -------------------------------------------------------------------------
    def manifest(self) -> dict[str, DocRecord]:
        """doc_id -> record, for every committed article."""
        got = self.docs.get(include=["metadatas"])
        out = {}
        for doc_id, meta in zip(got["ids"], got["metadatas"] or []):
            if doc_id != _META_ID and meta:
                out[doc_id] = DocRecord(**{k: meta[k] for k in DocRecord.__dataclass_fields__})
        return out

    def generation(self) -> int:
        """Bumped by every ingest that changed something: readers reload when it moves."""
        got = self.docs.get(ids=[_META_ID], include=["metadatas"])
        metas = got["metadatas"] or []
        return int(metas[0]["generation"]) if metas and metas[0] else 0

    def bump_generation(self) -> None:
        self.docs.upsert(ids=[_META_ID], embeddings=[[1.0]], documents=[""],
                         metadatas=[{"generation": self.generation() + 1, "time": time.time()}])

    def put_docs(self, records: list[DocRecord], texts: list[str]) -> None:
        if records:
            self.docs.upsert(ids=[r.doc_id for r in records], embeddings=[[1.0]] * len(records),
                             documents=texts, metadatas=[asdict(r) for r in records])

    def remove_docs(self, doc_ids: list[str]) -> None:
        """Drop articles: manifest records first (readers stop using them), then chunks."""
        if not doc_ids:
            return
        self.docs.delete(ids=doc_ids)
        for doc_id in doc_ids:
            self.vectors.delete(ref_doc_id=doc_id)

    def doc_text(self, doc_id: str) -> str | None:
        got = self.docs.get(ids=[doc_id], include=["documents"])
        docs = got["documents"] or []
        return docs[0] if docs else None

    # -- chunks ---------------------------------------------------------------------------
    def all_chunks(self, batch: int = 5000) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every stored chunk, in pages."""
        total = self.chunks.count()
        for offset in range(0, total, batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or []):
                yield cid, text or "", dict(meta or {})

    def chunk_ids_of(self, doc_id: str) -> list[str]:
        return list(self.chunks.get(where={"document_id": doc_id}, include=[])["ids"])

    def orphan_chunk_ids(self, manifest: dict[str, DocRecord]) -> list[str]:
        """Chunks no committed article owns (left by a writer killed mid-update or mid-removal)."""
        live = live_keys(manifest)
        orphans: list[str] = []
        total = self.chunks.count()
        for offset in range(0, total, 5000):
            got = self.chunks.get(include=["metadatas"], limit=5000, offset=offset)
            for cid, meta in zip(got["ids"], got["metadatas"] or []):
                if not is_live(meta, live):
                    orphans.append(cid)
        return orphans

    def delete_chunks(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 5000):
            self.chunks.delete(ids=ids[start:start + 5000])


SENTENCE_VECTORS = "sentence_vectors"  # chunk metadata key: pack_vectors() of one row per sentence


def pack_vectors(vectors: np.ndarray) -> str:
    """Unit vectors as text for Chroma metadata: int8 with a float32 scale per row (~4x
    smaller than float32; cosine error below 0.01).

    >>> v = np.array([[0.6, -0.8], [0.0, 0.0]], dtype=np.float32)
    >>> np.round(unpack_vectors(pack_vectors(v), 2), 2).tolist()
    [[0.6, -0.8], [0.0, 0.0]]
    """
    scale = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.round(vectors / scale[:, None] * 127).astype(np.int8)
    return base64.b64encode(scale.tobytes() + q.tobytes()).decode("ascii")


def unpack_vectors(packed: str, dim: int) -> np.ndarray:
    raw = base64.b64decode(packed)
    n = len(raw) // (4 + dim)
    scale = np.frombuffer(raw[: 4 * n], dtype=np.float32)
    q = np.frombuffer(raw[4 * n :], dtype=np.int8).reshape(n, dim)
    return (q.astype(np.float32) * (scale[:, None] / 127)).astype(np.float32)


def doc_id_for(root: str, source: str) -> str:
    """Stable id of an article: its folder and its path inside it."""
    import hashlib

    return hashlib.sha1(f"{root}\0{source}".encode()).hexdigest()[:20]


def open_client(settings: Settings, path: Path | None = None) -> Any:
    """A Chroma client: ``HttpClient`` when ``chroma_url`` is set, else ``PersistentClient`` on ``path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ConfigError(f"RAG_CHROMA_URL={settings.chroma_url!r}: use http://HOST:PORT")
        try:
            client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                         ssl=url.scheme == "https", settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:
            raise ConfigError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({type(exc).__name__}); "
                f"start it with: chroma run --path DIR --host 127.0.0.1 --port {url.port or 8000}"
            ) from None
        return client
    return chromadb.PersistentClient(path=str(path or settings.index_dir), settings=chroma_settings)


def open_store(settings: Settings, embedder_name: str, *, create: bool, path: Path | None = None) -> Store:
    """Open the store. Readers (``create=False``) get the published version of a local index,
    or ``IndexMissing``; the writer passes its private folder (``snapshots.Workspace``) as ``path``.
    """
    if settings.chroma_url:
        return Store(open_client(settings), settings, embedder_name, create)
    if create:
        if path is None:
            raise ValueError("a writer opens its workspace: open_store(..., create=True, path=ws.open())")
        return Store(open_client(settings, path), settings, embedder_name, create, path)
    held = lease(settings)
    if held is None:
        raise IndexMissing(no_index_message(settings))
    live, reader_lease = held
    try:
        return Store(open_client(settings, live), settings, embedder_name, create, live, reader_lease)
    except BaseException:
        reader_lease.release()
        raise


def where(settings: Settings) -> str:
    return settings.chroma_url or str(settings.index_dir)


def no_index_message(settings: Settings) -> str:
    flag = "" if settings.index_dir == Path(".rag") else f" --index {settings.index_dir}"
    return f"No index at {where(settings)} - build one with: python -m rag ingest seeds{flag}"


def _collection_name(name: str) -> str:
    name = re.sub(r"[^a-zA-Z0-9._-]", "-", name)[:500]
    return name if len(name) >= 3 else name + "___"


@contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """Hold the index's writer lock, or fail at once naming the process that holds it.

    Chroma's embedded store is not safe for two writer processes (and a second one can
    block for minutes on SQLite's lock), so writers take an exclusive ``flock`` first.
    """
    lock_dir = settings.index_dir
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / "write.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(path)
            raise IndexLocked(
                f"Another process is writing to {where(settings)} ({holder}); wait for it to "
                f"finish, or stop it, then run this again."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": time.strftime("%H:%M:%S"),
                                 "command": " ".join(_cmdline())}).encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
        return f"pid {info.get('pid')}, since {info.get('since')}: {info.get('command', '')}".strip()
    except (OSError, ValueError):
        return "pid unknown"


def _cmdline() -> list[str]:
    try:
        return Path("/proc/self/cmdline").read_bytes().decode(errors="replace").split("\0")[:6]
    except OSError:
        return []
