"""The offline answerer: pick the retrieved sentences that answer the question, cite each,
and abstain when the evidence is weak.

Each candidate sentence is scored by how much of the question's (IDF-weighted) content
it and its passage cover, and by whether it holds the kind of thing the question asks
for (a number for "how many", a date for "when", a name for "who", ...). Abstention
does not trust similarity scores (on-topic unanswerable questions score as high as
answerable ones); it checks that names and numbers in the question occur in the
evidence and that the best sentence carries the wanted kind of answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .question import Question
from .text import fold, sentence_spans, terms, words
from .types import Passage

MIN_COVERAGE = 0.5  # share of the question's weighted terms the evidence must cover
TYPE_MISS = 0.55  # score factor for a sentence lacking the wanted kind of answer
MAX_SENTENCES = 3
KEEP_RATIO = 0.8  # further sentences must score at least this share of the best

_MONTH = (r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?"
          r"|oct(ober)?|nov(ember)?|dec(ember)?")
_DATE = re.compile(rf"\b({_MONTH})\b|\b(19|20)\d\d\b|\b(monday|tuesday|wednesday|thursday|friday"
                   r"|saturday|sunday|yesterday|today|last (week|month|year)|this (week|month|year)"
                   r"|(\d+|few|several) (days|weeks|months|years) ago|since \d{4})\b")
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
                 r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
                 r"|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|dozens|hundreds"
                 r"|thousands|millions|half|twice|double|triple")
_COUNT = re.compile(rf"\b(\d[\d,.]*%?|{_NUMBER_WORDS})\b")
_YEAR = re.compile(r"^(19|20)\d\d$")
_ROLE = re.compile(r"\b(president|minister|prime minister|secretary|director|professor|general"
                   r"|leader|editor|spokes\w+|chairman|chief|ambassador|commander|chancellor|king"
                   r"|analyst|expert|official|officials|writer|author)\b")
_NAME = re.compile(r"\b[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-’']+(?:\s+[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-’']+)+")
_PLACE = re.compile(r"\b(in|at|from|near|to)\s+[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-]+")
_REASON = re.compile(r"\b(because|due to|in response|response to|respond|aimed at|aims? to|in order to"
                     r"|as a way|so that|counter|reason|purpose|goal|intended|message|threat"
                     r"|as a result|seen as|perceived as|to demonstrate|to strengthen|to contain"
                     r"|motivated|driven by|since)\b")


@dataclass(frozen=True)
class Pick:
    """A chosen sentence: where it is (absolute span in its article) and why."""

    passage: int  # index into the passages
    start: int
    end: int
    quote: str
    score: float


@dataclass(frozen=True)
class Extraction:
    """The answerer's decision: sentences to cite, or a reason to abstain."""

    picks: tuple[Pick, ...]
    abstain_reason: str | None = None


class Extractive:
    """Sentence selection with IDF weights from the index's document frequencies."""

    name = "extractive"

    def __init__(self, doc_freq: Mapping[str, int], n_docs: int) -> None:
        self._df, self._n = doc_freq, max(n_docs, 1)

    def idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def extract(self, q: Question, passages: list[Passage]) -> Extraction:
        if not passages:
            return Extraction((), "nothing in the index matches the question")
        missing = _missing_names(q, passages)
        if missing:
            return Extraction((), f"they never mention {missing}")
        weights = {t: self.idf(t) for t in q.terms}
        total = sum(weights.values())
        candidates: list[tuple[float, float, Pick, frozenset[str]]] = []
        seen: set[tuple[str, int]] = set()
        for i, p in enumerate(passages):
            context = set(terms(p.title + " " + p.text))
            ctx_cov = _covered(weights, context, total)
            for s, e in sentence_spans(p.text):
                key = (p.source, p.start + s)
                if key in seen:
                    continue
                seen.add(key)
                sentence = p.text[s:e]
                sent_terms = frozenset(terms(sentence))
                cov = 0.7 * _covered(weights, sent_terms, total) + 0.3 * ctx_cov
                score = cov * (1.0 if _has_kind(q, sentence) else TYPE_MISS)
                score *= _shape(sentence) * (1.0 - 0.02 * i)
                candidates.append((score, cov, Pick(i, p.start + s, p.start + e, sentence, score),
                                   sent_terms))
        if not candidates:
            return Extraction((), "the retrieved passages hold no sentences")
        candidates.sort(key=lambda c: -c[0])
        best_score, best_cov, best, best_terms = candidates[0]
        if best_cov < MIN_COVERAGE:
            return Extraction((), "the closest passages cover too little of the question")
        if q.kind in ("count", "date", "person", "place") and not any(
            _has_kind(q, c[2].quote) for c in candidates[:3]
        ):
            return Extraction((), f"the closest passages do not state the {_WANTED[q.kind]} asked for")
        picks = [best]
        chosen_terms = [best_terms]
        for score, _, pick, sent_terms in candidates[1:]:
            if len(picks) >= MAX_SENTENCES or score < KEEP_RATIO * best_score:
                break
            if any(_jaccard(sent_terms, t) > 0.5 for t in chosen_terms):
                continue
            new_terms = (set(q.terms) & sent_terms) - set().union(*chosen_terms)
            other_article = all(passages[pick.passage].source != passages[x.passage].source for x in picks)
            if new_terms or other_article:
                picks.append(pick)
                chosen_terms.append(sent_terms)
        return Extraction(tuple(picks))


_WANTED = {"count": "number", "date": "date", "person": "person", "place": "place"}


def _covered(weights: Mapping[str, float], present: set[str] | frozenset[str], total: float) -> float:
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in present) / total


def _has_kind(q: Question, sentence: str) -> bool:
    """Does the sentence hold the kind of thing the question asks for?"""
    low = fold(sentence)
    if q.kind == "count":
        return any(not _YEAR.match(m.group()) and m.group() not in q.numbers
                   for m in _COUNT.finditer(low))
    if q.kind == "date":
        return bool(_DATE.search(low))
    if q.kind == "person":
        names = [m.group() for m in _NAME.finditer(sentence)]
        fresh = [n for n in names if not set(words(n)) <= set(q.entities)]
        return bool(fresh) or bool(_ROLE.search(low))
    if q.kind == "place":
        return any(fold(m.group().split()[-1]) not in q.entities for m in _PLACE.finditer(sentence))
    if q.kind == "reason":
        return bool(_REASON.search(low))
    return True


def _shape(sentence: str) -> float:
    """Discount headings, questions and fragments: they rarely answer anything."""
    n = len(sentence.split())
    factor = 1.0
    if n < 6:
        factor *= 0.6
    if sentence.rstrip().endswith("?"):
        factor *= 0.6
    if n > 60:
        factor *= 0.85
    return factor


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def _missing_names(q: Question, passages: list[Passage]) -> str | None:
    """Names and numbers of the question that no retrieved passage contains, quoted."""
    present = set()
    for p in passages:
        present.update(words(p.title + " " + p.text))
    prefixes = {w[:5] for w in present if len(w) >= 5}
    missing = [e for e in q.entities
               if e not in present and not (len(e) >= 5 and e[:5] in prefixes)]
    missing += [n for n in q.numbers if n not in present]
    if not missing:
        return None
    return ", ".join(f"“{m}”" for m in missing[:3])
