"""Span-preserving sentence splitting and the word normalisation shared by BM25 and answers.

Hand-written because every sentence must keep its exact character span in the
source article; llama-index's splitters return text, not offsets.

>>> [s for s in sentence_spans("Mr. Vučić spoke. NATO was calm.\\nNew line")]
[(0, 16), (17, 31), (32, 40)]
>>> fold("Vučić and Đurić")
'vucic and djuric'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import Stemmer

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt",
    "gov", "sen", "rep", "rev", "no", "vs", "etc", "inc", "ltd", "co", "corp", "dept",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "u.s", "u.k", "u.n", "approx", "est", "fig", "mt",
}
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ\u0100-\u024f]")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)\.$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as absolute ``(start, end)`` spans, whitespace trimmed.

    Line breaks always end a sentence (news text puts headlines, bylines and
    paragraphs on their own lines).
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for ls, le in _lines(text, start, end):
        cur = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            cut = m.end()
            if not _NEXT_START.match(text, cut, le):
                continue
            # Look back a few characters only: searching from the line start made one long
            # line (a whole article without line breaks) quadratic. Longer runs are no abbreviation.
            word = _WORD_BEFORE.search(text, max(ls, m.start() - 40), m.start() + 1)
            if m.group().startswith(".") and word:
                w = word.group(1).lower()
                if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                    continue
            _append(text, spans, cur, cut)
            cur = cut
        _append(text, spans, cur, le)
    return spans


_TERMINAL = tuple(".!?:;\"”’)»")


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Line spans, where a long line cut mid-sentence (hard-wrapped text) continues on the next."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n]+", text[start:end]):
        ls, le = start + m.start(), start + m.end()
        if out:
            ps, pe = out[-1]
            prev = text[ps:pe].rstrip()
            if (ls - pe == 1 and len(prev) >= 80 and not prev.endswith(_TERMINAL)
                    and text[ls:le].strip()[:1].isalpha()):
                out[-1] = (ps, le)
                continue
        out.append((ls, le))
    return out


def _append(text: str, spans: list[tuple[int, int]], s: int, e: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append((s, e))


_SPECIAL_FOLD = str.maketrans({"đ": "dj", "Đ": "Dj", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l",
                               "Ł": "L", "æ": "ae", "Æ": "AE", "œ": "oe", "’": "'", "‘": "'"})


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case and strip diacritics, so ``Vučić`` matches ``Vucic``."""
    if text.isascii():  # nothing to translate, decompose or strip
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_FOLD))
    # Combining marks are never ASCII: look at the non-ASCII runs only (a per-character
    # Python loop over every chunk was ~1/3 of a cold start on the BBC corpus).
    return _NON_ASCII.sub(_strip_marks, decomposed).lower()


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _strip_marks(run: re.Match[str]) -> str:
    return "".join(c for c in run.group() if not unicodedata.combining(c))


STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours", "also", "may", "might", "must", "shall", "according", "said", "says", "say", "tell", "told", "did", "does", "do", "much", "many", "article", "articles", "text", "mention", "mentioned", "mentions",
     # the first halves of negative contractions ("isn't" -> "isn", "t"; "won" and "don" are words)
     "isn", "aren", "wasn", "weren", "doesn", "didn", "couldn", "wouldn", "shouldn", "hasn", "haven", "hadn", "mustn"]
)

_WORD = re.compile(r"\w+")
_snowball = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=131072)
def stem(word: str) -> str:
    """Snowball stem of a folded word, with demonyms joined to their country.

    >>> [stem(w) for w in ("hungary", "hungarian", "serbia", "serbian", "activities")]
    ['hungari', 'hungari', 'serbi', 'serbi', 'activ']
    """
    s = str(_snowball.stemWord(word))
    if s.endswith("ian") and len(s) > 5:
        return s[:-2]
    if s.endswith("ia") and len(s) > 4:
        return s[:-1]
    return s


class Stemmer_:
    """``stem`` in the shape bm25s expects (``stemWord`` / ``stemWords``), so BM25's vocabulary
    and our IDF statistics use the same terms."""

    def stemWord(self, word: str) -> str:  # noqa: N802 - bm25s's name
        return stem(word)

    def stemWords(self, words: list[str]) -> list[str]:  # noqa: N802
        return [stem(w) for w in words]


STEMMER = Stemmer_()


def words(text: str) -> list[str]:
    """Folded word tokens: ``"Serbia’s U.S.-led" -> ["serbia", "s", "u", "s", "led"]``."""
    return _WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    """Stemmed content terms (no stopwords, no single letters) in order of appearance."""
    return [stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS]


# A run of capitalised words, allowing "of/the/and/for" inside: "Collective Security Treaty Organisation".
_CAP_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|the|and|for)\s+)*[A-Z][\w’'-]*)+")


def initialisms(texts: Iterable[str]) -> dict[str, str]:
    """Initialisms of the capitalised names in ``texts`` (and of their leading words), each with its
    most frequent name.

    >>> got = initialisms(["the Collective Security Treaty Organisation met", "the United Nations Security Council"])
    >>> got["csto"], got["unsc"], got["un"]
    ('Collective Security Treaty Organisation', 'United Nations Security Council', 'United Nations')
    """
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for run in _CAP_RUN.finditer(text):
            split = run.group().split()
            while split and split[0].lower() in STOPWORDS:  # "The Football Association" opening a sentence
                split = split[1:]
            capitals = [w for w in split if w[0].isupper()]
            if 2 <= len(capitals) <= 6:
                name = " ".join(split)
                names = counts.setdefault("".join(w[0] for w in capitals).lower(), {})
                names[name] = names.get(name, 0) + 1
                # a name's leading words are a name too: "United Nations Security Council" -> UN; and
                # two or three capitalised words inside it: "Kosovo's Prime Minister Albin Kurti" -> PM
                parts = [split[:j] for j in range(2, len(split))]
                parts += [split[i:i + j] for i in range(1, len(split) - 1) for j in (2, 3) if i + j <= len(split)]
                for part in parts:
                    if part[0][0].isupper() and part[-1][0].isupper():
                        known = counts.setdefault("".join(w[0] for w in part if w[0].isupper()).lower(), {})
                        known.setdefault(" ".join(part), 0)  # (counted 0: a full name of those initials wins)
    return {key: max(names, key=lambda n: names[n]) for key, names in counts.items()}


# Spellings of one sound across transliteration conventions (German, English, French, Slavic
# Latin scripts): Truchatschow ~ Trukhachev, Gashich ~ Gasic. Order matters (longest first).
_TRANSLIT = (("tsch", "ch"), ("sch", "sh"), ("zh", "j"), ("kh", "h"), ("ch", "h"), ("tch", "h"), ("sh", "s"),
             ("w", "v"), ("y", "i"), ("j", "i"), ("ck", "k"), ("c", "k"), ("q", "k"), ("ph", "f"), ("ou", "u"))
SOUNDS_ALIKE = 0.8  # difflib ratio of two sound keys: one name (set on the seed names' variants)


def sound(word: str) -> str:
    """A transliteration-insensitive key of a folded word.

    >>> sound("truchatschow"), sound("trukhachev")
    ('truhahov', 'truhahev')
    """
    for a, b in _TRANSLIT:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)


def sounds_like(key: str, keys: Iterable[str]) -> bool:
    """Is a sound key (``sound``) close to one of ``keys``: another spelling of one name?"""
    from difflib import SequenceMatcher

    return any(abs(len(k) - len(key)) <= 3 and SequenceMatcher(None, key, k).ratio() >= SOUNDS_ALIKE
               for k in keys)
