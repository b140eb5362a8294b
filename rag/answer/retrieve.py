"""Question -> ranked ``Passage``s: dense (Chroma) + BM25 (bm25s), fused by reciprocal rank,
then diversified across articles.

Both sides bypass llama-index at query time: ``ChromaVectorStore.query`` fetches and parses every
hit's text and metadata, which the keyword side already holds in memory (about 2/3 of a dense
query's time), and ``BM25Retriever`` re-tokenises and builds nodes per hit; we ask Chroma for ids
and distances and bm25s for indices and scores. llama-index builds the nodes and the BM25 index
at ingestion (rag/index/ingest.py, rag/index/keywords.py).

Fusion is hand-written (a few lines) rather than llama-index's ``QueryFusionRetriever``
because that class wants an LLM object, runs through asyncio, and hides the
per-side scores that we expose and filter on.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..embed import Embedder
from ..index.keywords import Keywords
from ..index.store import SENTENCE_VECTORS, Store, unpack_vectors
from ..records import Passage
from ..settings import Retrieval
from ..text import STEMMER, fold, initialisms, sound, stem

# Fusion constant and the discount for each further passage of one article, chosen on the dev
# questions (seeds dev + questions.jsonl, 190; BBC dev, 71) from K 10/20/30/60 x 0.8/0.9/1.0:
# gold evidence in the top 5 went 0.754 -> 0.858 (seeds) and 0.866 -> 0.944 (BBC) from Cormack
# et al.'s K = 60 with 0.8, whose flat fused scores let the discount, not relevance, pick the top 5.
RRF_K = 20
# MiniLM misses rare names and quoted phrases that BM25 finds, and gets worse as a corpus grows
# (offline-stack.md): the keyword side gets the larger vote.
DENSE_WEIGHT, BM25_WEIGHT = 0.7, 1.0
SAME_ARTICLE_PENALTY = 0.9  # each extra passage from one article counts for a bit less (see RRF_K)


@dataclass(frozen=True)
class Filter:
    """Restrict retrieval to some articles and/or a publication-date range (ISO dates).

    Articles without a stated date are excluded whenever a date bound is given.
    """

    sources: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to)

    def where(self) -> dict[str, Any]:
        """As a Chroma ``where`` clause on the chunks' metadata (dates stored as yyyymmdd ints)."""
        parts: list[dict[str, Any]] = []
        if self.sources:
            parts.append({"source": {"$in": list(self.sources)}})
        if self.date_from:
            parts.append({"date_int": {"$gte": _date_int(self.date_from)}})
        if self.date_to:
            parts.append({"date_int": {"$lte": _date_int(self.date_to)}})
        if self.date_from or self.date_to:
            parts.append({"date_int": {"$gt": 0}})
        return parts[0] if len(parts) == 1 else {"$and": parts}


def _date_int(iso: str) -> int:
    return int(iso.replace("-", "")[:8].ljust(8, "0"))


class HybridRetriever:
    """Holds the in-memory BM25 index over every live chunk; dense search goes to Chroma."""

    def __init__(self, store: Store, embedder: Embedder, keywords: Keywords) -> None:
        self._store, self._embedder = store, embedder
        self.ids, self.texts, self.metas = keywords.ids, keywords.texts, keywords.metas
        self._pos = {cid: i for i, cid in enumerate(self.ids)}
        self._source_list = [m["source"] for m in self.metas]
        self._sources = np.array(self._source_list, dtype=object)
        self._dates = np.array([int(m.get("date_int") or 0) for m in self.metas], dtype=np.int64)
        self._bm25 = keywords.bm25

    def __len__(self) -> int:
        return len(self.ids)

    def doc_freq(self) -> tuple[dict[str, int], int]:
        """Chunk frequency of every stemmed term, read off the BM25 index (free IDF stats)."""
        if self._bm25 is None:
            return {}, 0
        bm25 = self._bm25
        counts = np.diff(np.asarray(bm25.scores["indptr"]))
        return ({t: int(counts[i]) for t, i in bm25.vocab_dict.items() if i < len(counts)},
                int(bm25.scores["num_docs"]))

    def search(self, question: str, *, k: int, flt: Filter | None = None,
               method: Retrieval = "hybrid", depth: int = 40,
               vector: np.ndarray | None = None) -> list[Passage]:
        """The ``k`` best passages for ``question`` (``vector``: its embedding, if already computed)."""
        if not self.ids:
            return []
        depth = max(depth, 4 * k)
        dense = self.dense(question, depth, flt, vector) if method in ("hybrid", "dense") else []
        sparse = self.keyword(question, depth, flt) if method in ("hybrid", "bm25") else []
        fused: dict[int, float] = {}
        for ranked, weight in ((dense, DENSE_WEIGHT), (sparse, BM25_WEIGHT)):
            for rank, (pos, _) in enumerate(ranked):
                fused[pos] = fused.get(pos, 0.0) + weight / (RRF_K + rank + 1)
        dense_of, bm25_of = dict(dense), dict(sparse)
        order = sorted(fused, key=lambda p: -fused[p])
        return [
            self._passage(p, score, dense_of.get(p), bm25_of.get(p))
            for p, score in _diversify(order, fused, self._source_list, k)
        ]

    def dense(self, question: str, n: int, flt: Filter | None = None,
              vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(chunk position, cosine) pairs from Chroma's HNSW index."""
        vec = self._embedder.embed([question])[0] if vector is None else vector
        # Ids and distances only: ChromaVectorStore.query also fetches and parses every hit's
        # text and metadata, which we already hold (about 2/3 of a dense query's time).
        where = flt.where() if flt else None
        result = self._store.chunks.query(query_embeddings=[vec.tolist()], n_results=n, where=where,
                                          include=["distances"])
        out = []
        for cid, dist in zip(result["ids"][0], (result["distances"] or [[]])[0]):
            pos = self._pos.get(cid)
            if pos is not None:  # chunks of uncommitted or replaced articles are skipped
                out.append((pos, 1.0 - float(dist)))  # cosine distance -> cosine similarity
        return out

    def keyword(self, question: str, n: int, flt: Filter | None = None) -> list[tuple[int, float]]:
        """(chunk position, BM25 score) pairs with a positive score."""
        import bm25s

        assert self._bm25 is not None
        tokens = bm25s.tokenize(fold(question), stemmer=STEMMER, stopwords="en",
                                show_progress=False)
        if not any(len(t) for t in tokens.ids):
            return []
        mask = self._mask(flt) if flt else None
        if mask is not None and not mask.any():
            return []
        try:
            # n_threads=0 runs in this thread; 1 would start a thread pool on every query.
            idx, scores = self._bm25.retrieve(tokens, k=min(n, len(self.ids)),
                                                   weight_mask=mask, show_progress=False,
                                                   n_threads=0)
        except (ValueError, IndexError):  # every query token unknown to the corpus
            return []
        return [(int(i), float(s)) for i, s in zip(idx[0], scores[0]) if s > 0]

    def _mask(self, flt: Filter) -> np.ndarray:
        mask = np.ones(len(self.ids), dtype=bool)
        if flt.sources:
            mask &= np.isin(self._sources, list(flt.sources))
        if flt.date_from or flt.date_to:
            mask &= self._dates > 0
        if flt.date_from:
            mask &= self._dates >= _date_int(flt.date_from)
        if flt.date_to:
            mask &= self._dates <= _date_int(flt.date_to)
        return mask

    def sentence_vectors(self, passages: list[Passage]) -> list[np.ndarray | None]:
        """For each passage, one vector per sentence as stored at ingestion, or None."""
        got = self._store.chunks.get(ids=list({p.chunk_id for p in passages}), include=["metadatas"])
        packed = {cid: (m or {}).get(SENTENCE_VECTORS) for cid, m in zip(got["ids"], got["metadatas"] or [])}
        return [unpack_vectors(str(v), self._embedder.dim) if (v := packed.get(p.chunk_id)) else None
                for p in passages]

    @functools.cached_property
    def initialisms(self) -> dict[str, str]:
        """Initialism -> the corpus's name for it ("csto" -> "Collective Security Treaty
        Organisation"), over every live chunk; computed on first use (~0.3 s per 5 MB of text)."""
        return initialisms(self.texts)

    def expansions(self, names: Iterable[str]) -> list[str]:
        """The corpus's names for the initialisms among ``names`` that it never writes as such
        ("CSTO" where the articles only say "Collective Security Treaty Organisation")."""
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        return [self.initialisms[n] for n in names if 2 <= len(n) <= 6 and stem(n) not in vocab
                and n in self.initialisms]

    def respellings(self, terms: Iterable[str]) -> list[str]:
        """For each question term the corpus never uses, the corpus's word that sounds like it
        ("blackader" -> "blackadd", "szalai" -> "szalay"), so the keyword search finds a name
        spelled another way; terms without one are left out."""
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        out = []
        for term in terms:
            if len(term) < 5 or not term.isalpha() or term in vocab:
                continue
            # (only a word that sounds the same: "fighter" is not a spelling of "fight")
            near = [w for w in self._sounds.get(sound(term), ()) if w != term]
            if near:
                out.append(near[0])
        return out

    @functools.cached_property
    def _sounds(self) -> dict[str, list[str]]:
        """The corpus's words of five letters or more by their sound key."""
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        out: dict[str, list[str]] = {}
        for word in vocab:
            if len(word) >= 5 and word.isalpha():
                out.setdefault(sound(word), []).append(word)
        return out

    @functools.cached_property
    def _heads(self) -> dict[str, int]:
        return {m["source"]: i for i, m in enumerate(self.metas) if int(m["start"]) == 0}

    def head(self, source: str) -> Passage | None:
        """The chunk an article starts with (its title, byline and date lines), or None."""
        pos = self._heads.get(source)
        return None if pos is None else self._passage(pos, 0.0, None, None)

    def _passage(self, pos: int, score: float, dense: float | None, bm25: float | None) -> Passage:
        m = self.metas[pos]
        return Passage(source=m["source"], title=m["title"], date=m["date"] or None,
                       start=int(m["start"]), end=int(m["end"]), text=self.texts[pos],
                       score=score, dense=dense, bm25=bm25, chunk_id=self.ids[pos])


def _diversify(order: list[int], scores: dict[int, float], sources: list[str],
               k: int) -> list[tuple[int, float]]:
    """Greedy re-rank: each further passage from an already chosen article is discounted; each
    passage keeps the discounted score that ranked it (so the scores descend)."""
    chosen: list[tuple[int, float]] = []
    counts: dict[str, int] = {}
    pool = order[: max(4 * k, 20)]
    while pool and len(chosen) < k:
        best = max(pool, key=lambda p: scores[p] * SAME_ARTICLE_PENALTY ** counts.get(sources[p], 0))
        pool.remove(best)
        chosen.append((best, scores[best] * SAME_ARTICLE_PENALTY ** counts.get(sources[best], 0)))
        counts[sources[best]] = counts.get(sources[best], 0) + 1
    return chosen
