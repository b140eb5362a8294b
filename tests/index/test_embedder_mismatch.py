"""An index is never mixed across embedding models: another model gets its own collection, or a
clear EmbedderMismatch asking to re-ingest. Real embedders only: OpenAIEmbedder is constructed but
never called (opening fails before any embedding), and a second embedder name is MiniLM itself
under another name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import SEEDS
from rag import EmbedderMismatch, Engine, Settings, ingest
from rag.embed import OpenAIEmbedder

FIRST, SECOND = "000_4766fbbc71fac3cc.txt", "001_5eed05995116f16d.txt"


class Renamed:
    """The packaged MiniLM model under another name: a different "embedding model" for the store."""

    def __init__(self, inner: Any, name: str) -> None:
        self._inner, self.name, self.dim = inner, name, inner.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._inner.embed(texts)


@pytest.fixture(scope="module")
def one_article_index(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Settings:
    settings = Settings.from_env({}, index_dir=tmp_path_factory.mktemp("mixed-index"))
    ingest([SEEDS / FIRST], settings, embedder=embedder, log=lambda _: None)
    return settings


def test_opening_with_another_embedder_asks_to_re_ingest(one_article_index: Settings, embedder: Any) -> None:
    with pytest.raises(EmbedderMismatch, match="ingest"):
        Engine.open(one_article_index, embedder=Renamed(embedder, "minilm-renamed"))


def test_openai_embeddings_never_read_a_minilm_index(one_article_index: Settings) -> None:
    settings = one_article_index.replace(embedder="openai", openai_base_url="http://127.0.0.1:9/v1")
    openai_embedder = OpenAIEmbedder(settings)
    assert openai_embedder.name == "openai-text-embedding-3-small"
    with pytest.raises(EmbedderMismatch):
        Engine.open(settings, embedder=openai_embedder)


def test_a_second_embedder_gets_its_own_collection(one_article_index: Settings, embedder: Any,
                                                   tmp_path: Path) -> None:
    other = Renamed(embedder, "minilm-second")
    try:
        ingest([SEEDS / SECOND], one_article_index, embedder=other, log=lambda _: None)
    except EmbedderMismatch:
        return  # refusing is the other acceptable answer
    assert {a.source for a in Engine.open(one_article_index, embedder=other).articles()} == {SECOND}
    try:
        first = Engine.open(one_article_index, embedder=embedder)
    except EmbedderMismatch:
        return
    assert {a.source for a in first.articles()} == {FIRST}
    assert all(p.source == FIRST for p in first.search("Tirana memorandum Croatia Albania Kosovo"))
