"""The peer to beat: the plain llama-index pipeline a user would write first.

``SimpleDirectoryReader`` -> ``VectorStoreIndex`` with the default ``SentenceSplitter``
(1024 tokens, 200 overlap) over a ``ChromaVectorStore``, the same MiniLM model wrapped as
a llama-index ``BaseEmbedding`` (default ``embed_batch_size``), ``index.as_retriever``.
Everything is passed explicitly: the global ``Settings`` (which fall back to OpenAI) are
never consulted.

>>> index = build_peer(Path("/tmp/peer"), [Path("seeds/000_4766fbbc71fac3cc.txt")])  # doctest: +SKIP
>>> [n.metadata["file_path"] for n in peer_retriever(index).retrieve("Who signed?")]  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, MetadataMode
from pydantic import PrivateAttr

from ..embed import MiniLMEmbedder

COLLECTION = "peer"
TOP_K = 5


class MiniLMEmbedding(BaseEmbedding):
    """Our packaged MiniLM model behind llama-index's embedding interface."""

    _model: MiniLMEmbedder = PrivateAttr()

    def __init__(self, model: MiniLMEmbedder | None = None, **kwargs: Any) -> None:
        super().__init__(model_name=MiniLMEmbedder.name, **kwargs)
        self._model = model or MiniLMEmbedder()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.embed([query])[0].tolist()  # type: ignore[no-any-return]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.embed([text])[0].tolist()  # type: ignore[no-any-return]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.embed(texts).tolist()  # type: ignore[no-any-return]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    @property
    def model(self) -> MiniLMEmbedder:
        return self._model


def _vector_store(index_dir: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=str(index_dir),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(COLLECTION, embedding_function=None)
    return ChromaVectorStore(chroma_collection=collection)


def build_peer(index_dir: Path, files: list[Path], embed_model: MiniLMEmbedding | None = None
               ) -> VectorStoreIndex:
    """Read ``files`` and add them to the peer index at ``index_dir`` (created if needed)."""
    embed_model = embed_model or MiniLMEmbedding()
    documents = SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data()
    storage = StorageContext.from_defaults(vector_store=_vector_store(index_dir))
    # SentenceSplitter() is llama-index's default node parser, passed explicitly.
    return VectorStoreIndex.from_documents(documents, storage_context=storage, embed_model=embed_model,
                                           transformations=[SentenceSplitter()])


def peer_nodes(files: list[Path]) -> list[BaseNode]:
    """The nodes ``build_peer`` embeds for ``files`` (recomputed, for statistics only)."""
    documents = SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data()
    return SentenceSplitter()(documents)


def peer_count(index_dir: Path) -> int:
    """Nodes stored in the peer index."""
    return int(_vector_store(index_dir).client.count())


def open_peer(index_dir: Path, embed_model: MiniLMEmbedding | None = None) -> VectorStoreIndex:
    """Reopen the persisted peer index."""
    return VectorStoreIndex.from_vector_store(_vector_store(index_dir),
                                              embed_model=embed_model or MiniLMEmbedding())


def peer_retriever(index: VectorStoreIndex, k: int = TOP_K) -> Any:
    return index.as_retriever(similarity_top_k=k)


def embedded_texts(nodes: list[BaseNode]) -> list[str]:
    """What llama-index sends to the embedding model for each node (metadata included)."""
    return [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]


def source_of(node: BaseNode, roots: list[Path]) -> str:
    """The node's file as a path relative to one of ``roots`` (like our ``source``)."""
    path = Path(str(node.metadata.get("file_path", "")))
    for root in roots:
        for candidate in (path, path.resolve()):
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name
