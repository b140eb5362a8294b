"""Chunks are sentence-aligned, within the token budget, overlapping, and exact spans."""

from pathlib import Path

import pytest

from conftest import SEEDS
from rag.index.chunk import chunk_article, count_tokens
from rag.index.files import discover, load
from rag.records import Article
from rag.text import sentence_spans


def _seeds() -> list[Article]:
    found, _ = discover([SEEDS])
    return [a for a in (load(f, 10**7) for f in found) if isinstance(a, Article)]


@pytest.mark.parametrize("max_tokens,overlap", [(160, 32), (320, 64), (60, 0)])
def test_chunks_are_exact_spans_within_budget(max_tokens: int, overlap: int) -> None:
    for article in _seeds():
        chunks = chunk_article(article, max_tokens=max_tokens, overlap=overlap)
        assert chunks
        sentences = sentence_spans(article.text)
        long_ones = [(s, e) for s, e in sentences if count_tokens([article.text[s:e]])[0] > max_tokens]
        for c in chunks:
            assert c.text == article.text[c.start:c.end]
            # begins on a sentence, or inside one too long for any chunk
            assert c.start in {s for s, _ in sentences} or any(s < c.start < e for s, e in long_ones)
            assert count_tokens([c.text])[0] <= max_tokens
        # the chunks cover every sentence of the article
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        for s, e in sentence_spans(article.text):
            assert s in covered and e - 1 in covered
        # consecutive chunks advance, and overlap when asked to
        for a, b in zip(chunks, chunks[1:]):
            assert b.start > a.start
            if overlap == 0:
                assert b.start >= a.end


def test_overlap_repeats_trailing_sentences() -> None:
    text = " ".join(f"Sentence number {i} says something about the pact." for i in range(40))
    art = Article("x.txt", "/", text, "x", None, None, "h")
    chunks = chunk_article(art, max_tokens=50, overlap=15)
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:]))


def test_a_sentence_longer_than_the_budget_is_cut_at_spaces(tmp_path: Path) -> None:
    text = "Start " + " ".join(["word"] * 2000) + " end."
    art = Article("x.txt", "/", text, "x", None, None, "h")
    chunks = chunk_article(art, max_tokens=100, overlap=0)
    assert len(chunks) > 10
    assert all(c.text == text[c.start:c.end] for c in chunks)
    assert all(count_tokens([c.text])[0] <= 100 for c in chunks)
