"""Articles -> sentence-aligned chunks with a token budget and overlap, keeping exact spans.

Every chunk is ``article.text[chunk.start:chunk.end]``. Hand-written rather than
llama-index's ``SentenceSplitter`` because that splitter returns text whose offsets
are recovered by searching and can drift; here spans are exact by construction.
The default budget (160 tiktoken tokens) keeps a chunk plus its title inside
MiniLM's 256-wordpiece window, so no text goes unembedded.

>>> from rag.records import Article
>>> a = Article("a.txt", "/", "One two three. Four five six. Seven.", "t", None, None, "h")
>>> [(c.start, c.end) for c in chunk_article(a, max_tokens=20, overlap=0)]
[(0, 36)]
"""

from __future__ import annotations

import functools

import tiktoken

from ..records import Article, Chunk
from ..settings import Settings
from ..text import sentence_spans


@functools.lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base")


def count_tokens(texts: list[str]) -> list[int]:
    """tiktoken (cl100k_base) token counts."""
    return [len(t) for t in _encoding().encode_ordinary_batch(texts, num_threads=1)]


def chunk_article(article: Article, *, max_tokens: int = Settings.chunk_tokens,
                  overlap: int = Settings.chunk_overlap) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_tokens``; repeat up to
    ``overlap`` tokens of trailing sentences at the start of the next chunk."""
    text = article.text
    spans = _split_long(text, sentence_spans(text), max_tokens)
    if not spans:
        return []
    sizes = count_tokens([text[s:e] for s, e in spans])
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        # +1 per sentence: the whitespace joining sentences is a token of its own.
        j, used = i, 0
        while j < len(spans) and (j == i or used + sizes[j] + 1 <= max_tokens):
            used += sizes[j] + 1
            j += 1
        start, end = spans[i][0], spans[j - 1][1]
        chunks.append(Chunk(article.source, len(chunks), start, end, text[start:end]))
        if j >= len(spans):
            break
        # Step back over trailing sentences that fit in the overlap, but always advance.
        k, back = j, 0
        while k - 1 > i and back + sizes[k - 1] + 1 <= overlap:
            back += sizes[k - 1] + 1
            k -= 1
        i = k
    return chunks


def _split_long(text: str, spans: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """Cut sentences longer than the budget at word boundaries (rare: tables, run-on text)."""
    sizes = count_tokens([text[s:e] for s, e in spans])
    out: list[tuple[int, int]] = []
    for (s, e), n in zip(spans, sizes):
        if n <= max_tokens:
            out.append((s, e))
            continue
        pos = s
        while pos < e:
            cut = e
            # Counting the whole rest of a run-on "sentence" for every piece was quadratic (a
            # 1 MB file without full stops took minutes): when a prefix alone is clearly over
            # the budget, so is the rest, and shrinking starts from the prefix.
            window = pos + max_tokens * 16
            if window < e and count_tokens([text[pos:window]])[0] > max_tokens + 8:
                cut = window
            # Shrink the piece until it fits: cut at the last space before ~3 chars/token.
            while (n := count_tokens([text[pos:cut]])[0]) > max_tokens:
                limit = pos + max(1, min(cut - pos - 1, max_tokens * 3))
                space = text.rfind(" ", pos + 1, limit)
                # No space (CJK, symbols): jump by the token ratio, not one character at a time.
                cut = space if space > pos else pos + max(1, min(limit - pos, (cut - pos) * max_tokens // n))
            piece_start = pos
            while piece_start < cut and text[piece_start].isspace():
                piece_start += 1
            if cut > piece_start:
                out.append((piece_start, cut))
            pos = cut
    return out


def embed_text(title: str, chunk_text: str) -> str:
    """What the embedder and BM25 see for a chunk: its article title, then its text."""
    if title and not chunk_text.startswith(title):
        return f"{title}\n{chunk_text}"
    return chunk_text

