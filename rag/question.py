"""Question checks and analysis: what kind of answer it wants and which words matter.

>>> q = analyse("How many joint activities did Serbia and Hungary plan for 2025?")
>>> (q.kind, q.entities, q.numbers)
('count', ('serbia', 'hungary'), ('2025',))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import BadQuestion
from .text import STOPWORDS, fold, terms

# Words that say what kind of answer is wanted but are not themselves evidence.
_QUESTION_WORDS = frozenset(
    ["how", "many", "much", "when", "who", "whom", "whose", "where", "why", "what", "which", "date", "day", "year", "month", "time", "name", "number", "people", "person", "country", "countries", "city", "place", "reason", "purpose"]
)

_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("count", re.compile(r"\bhow (many|much)\b|\bnumber of\b|\bwhat (percentage|share|proportion|amount)\b"
                         r"|\bhow (large|big|long)\b")),
    ("date", re.compile(r"\bwhen\b|\b(what|which) (date|day|year|month)\b|\bsince when\b|\bwhat time\b"
                        r"|\bon what (date|day)\b|\bin what year\b")),
    ("person", re.compile(r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (minister|president|leader|official|person"
                          r"|people|politician|expert|professor|general|analyst|editor|author|writer"
                          r"|journalist)\b|\bwhat is the name\b|\bname (of )?the\b")),
    ("place", re.compile(r"\bwhere\b|\b(in )?(which|what) (city|town|capital|place|venue)\b")),
    ("reason", re.compile(r"\bwhy\b|\b(what|which) (is|was|are|were) the (reason|purpose|aim|goal|motive)s?\b"
                          r"|\bfor what (purpose|reason)\b|\bwhat for\b")),
]
_YESNO = re.compile(r"^(is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b")


@dataclass(frozen=True)
class Question:
    """A question, cleaned, with the features the answerers use."""

    text: str
    kind: str  # count | date | person | place | reason | yesno | what
    terms: tuple[str, ...]  # stemmed content terms, question words removed
    entities: tuple[str, ...]  # folded capitalised names ("serbia", "nato")
    numbers: tuple[str, ...]


def clean(question: str, max_chars: int = 2000) -> str:
    """Validate and normalise a question, or raise ``BadQuestion`` saying what to do."""
    if not isinstance(question, str):
        raise BadQuestion("The question must be text.")
    bad = sorted({c for c in question if unicodedata.category(c) == "Cc" and c not in "\t\n\r"})
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad[:3])
        raise BadQuestion(f"The question contains control characters ({codes}); "
                          "remove them and ask again.")
    # Zero-width and direction marks are invisible: drop them rather than refuse.
    text = "".join(c for c in question if unicodedata.category(c) != "Cf")
    text = " ".join(text.split())
    if not text:
        raise BadQuestion("The question is empty: type a question about the articles.")
    if len(text) > max_chars:
        raise BadQuestion(f"The question is {len(text):,} characters long; the limit is "
                          f"{max_chars:,}. Ask a shorter question.")
    if not re.search(r"\w", text):
        raise BadQuestion("The question has no words: type a question about the articles.")
    return text


def analyse(text: str) -> Question:
    """Kind of answer wanted, content terms, names and numbers of a cleaned question."""
    low = fold(text)
    kind = next((k for k, pattern in _KINDS if pattern.search(low)), None)
    if kind is None:
        kind = "yesno" if _YESNO.match(low) else "what"
    content = tuple(dict.fromkeys(
        t for t in terms(text) if t not in _QUESTION_WORDS
    ))
    return Question(text, kind, content, _entities(text), tuple(dict.fromkeys(re.findall(r"\d+", text))))


def _entities(text: str) -> tuple[str, ...]:
    """Capitalised words that are not just the first word of the sentence."""
    out: list[str] = []
    for i, m in enumerate(re.finditer(r"[^\W\d_][\w\-’']*", text)):
        word = m.group()
        if not word[0].isupper():
            continue
        low = fold(word)
        if i == 0 and (low in STOPWORDS or low in _QUESTION_WORDS or _YESNO.match(low)):
            continue
        for part in re.split(r"[-’']", low):
            if len(part) > 1 and part not in STOPWORDS and part not in _QUESTION_WORDS:
                out.append(part)
    return tuple(dict.fromkeys(out))
