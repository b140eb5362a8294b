"""The offline answerer: pick the retrieved sentences that answer the question, cite each,
and abstain when the evidence is weak.

Each candidate sentence is scored by how much of the question's (IDF-weighted) content
it and its passage cover, and by whether it holds the kind of thing the question asks
for (a number for "how many", a date for "when", a name for "who", ...). Abstention
does not trust similarity scores (on-topic unanswerable questions score as high as
answerable ones); it checks that names and numbers in the question occur in the
evidence and that the best sentence carries the wanted kind of answer. Where the question's
parse names a slot ("how many <noun>", "the name of <role>", "which <noun>", "the exact date"),
a close sentence must fill it; when none does, the refusal is precise: it cites what the
articles do say on the topic (``Extraction.evidence``). Past those checks, a logistic model fitted
on labelled questions (``fitted.py``, ``python -m rag.evaluation.fit``) decides whether the chosen
sentence matches the question well enough to answer.

Around that choice: "what did <name> say?" needs that person's words (a speech slot), the parts of a
compound question share out the close sentences (``share_out``), a change in a count is worked out
from the two sentences that give it (``with_difference``), and a premise an article contradicts
about the same event is corrected first (``premise_conflict``).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..embed import Embedder
from ..errors import RagError
from ..records import Passage
from ..text import fold, initialisms, sentence_spans, sound, sounds_like, stem, terms, words
from . import fitted
from .injection import looks_like_instruction, mask_instructions
from .question import PLACE_NOUNS, ROLE_NOUNS, SPEECH_VERBS, Question, Slot, qualifiers, sort_of
from .support import number_mentions, number_values

CATEGORY_WEIGHT = 0.3  # "which organisation ...": the category word need not appear verbatim
SUBJECT_WEIGHT = 0.5  # a yes/no question's subject's words, against its claim's (set on seeds dev)
MAX_SENTENCES = 3
MAX_EMBED = 16  # sentences given a similarity per question (embedded, without stored vectors)
EXACT_SIMS = 4  # of those, embedded on their own when the index stores sentence vectors
# A sentence pooled in its chunk's context is on average this much closer to a question than
# the sentence embedded alone (mean over the development questions' candidates: 0.436 vs 0.353).
CONTEXT_SIM_SHIFT = 0.083
# For each passage: one row per ``sentence_spans(passage.text)`` (zeros: none stored), or None.
SentenceVectors = Callable[[list[Passage]], "list[np.ndarray | None]"]
KEEP_RATIO = 0.8  # further sentences must score at least this share of the best
RANK_DISCOUNT = 0.02  # a sentence's score falls by this share per place its passage is ranked lower
TYPED = ("count", "money", "date", "duration", "person", "place")

# "may" is a month only next to a day or year number ("1 May", "May 2025"), not the verb.
_MONTH = (r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|(?<=\d )may|may(?= \d)|june?|july?|aug(ust)?"
          r"|sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?")
_DATE = re.compile(rf"\b({_MONTH})\b|\b(19|20)\d\d\b|\b(monday|tuesday|wednesday|thursday|friday"
                   r"|saturday|sunday|yesterday|today|last (week|month|year)|this (week|month|year)"
                   r"|(\d+|few|several) (days|weeks|months|years) ago|since \d{4})\b")
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
                 r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
                 r"|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|dozens|hundreds"
                 r"|thousands|millions|half|twice|double|triple")
_COUNT = re.compile(rf"(?<!the )\b(\d[\d,.]*%?|{_NUMBER_WORDS})\b")
_ORDINAL = re.compile(r"\b\d+(st|nd|rd|th)\b")  # "77th": a count only where a rank is asked for
_RANKED = re.compile(r"\bhow (low|high)\b|\b(rank|ranked|ranking|rankings|position|place|seed|seeded)\b")
# ("m" and "bn" only after a number: "I'm" holds no amount)
_MONEY = re.compile(r"[$€£¥]\s?\d|\d\s?(m\b|bn\b)|\d+p\b|\b(euros?|dollars?|pounds?|forints?|dinars?"
                    r"|leks?|kunas?|francs?|yen|yuan|roubles?|rubles?|usd|eur|gbp|pence|cents?)\b")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DURATION = re.compile(rf"\b(\d[\d,.]*|{_NUMBER_WORDS}|a|an|several|few|many)[\s-]+(\w+[\s-]+)?(years?|months?|weeks?"
                       r"|days?|hours?|minutes?|decades?|centur(y|ies))\b|\bsince\b.*\b((19|20)\d\d|"
                       rf"{_MONTH})\b|\bfor (decades|years|months|weeks)\b")
_CONTRAST = re.compile(r"^(However|Nevertheless|Nonetheless|But|Yet|Still|On the other hand|That said|Even so"
                       r"|In contrast|By contrast|Despite)\b")
_PRONOUN = re.compile(r"^(He|She|They|It|This|These|Those|His|Her|Their)\b")
_YEARS = re.compile(r"\b(?:19|20)\d\d\b")
_AGO = re.compile(r"\s*(years?|yrs?|months?|weeks?|days?|hours?)\s+ago\b", re.IGNORECASE)
_ROLE = re.compile(r"\b(president|minister|prime minister|secretary|director|professor|general"
                   r"|leader|editor|spokes\w+|chairman|chief|ambassador|commander|chancellor|king"
                   r"|analyst|expert|official|officials|writer|author)\b")
_NAME = re.compile(r"\b[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-’']+(?:\s+[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-’']+)+")
_PLACE = re.compile(r"\b(in|at|from|near|to)\s+(the\s+)?[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-]+")
_SAYS = re.compile(r"\b([A-ZÀ-ÖØ-Þ\u0100-\u024f][\w\-’']{3,})\s+(also\s+)?(says|said|suggests|suggested|believes"
                   r"|argues|argued|notes|noted|stated|states|described|describes|called|calls|told|added"
                   r"|warned|claimed|claims|thinks|views|insists|insisted|emphasized|emphasised)\b")
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
    short_answer: str | None = None  # the entity of the asked kind in the first pick
    evidence: tuple[Pick, ...] = ()  # with a refusal: what the articles do say on the topic
    features: Mapping[str, float] | None = None  # what the answer/refuse decision weighed (fitting reads it)
    # The close sentences that would answer too (the first pick's among them), best first: the
    # parts of a compound question share them out so that each part cites a sentence of its own.
    options: tuple[Pick, ...] = ()
    # A figure worked out from the first two picks ("79 - 48 = 31"), said first and citing both.
    derived: str | None = None
    # The question's premise, as the first pick contradicts it ("“rose” ... (“fell”)"), said first.
    correction: str | None = None


class Extractive:
    """Sentence selection with IDF weights from the index's document frequencies."""

    name = "extractive"

    def __init__(self, doc_freq: Mapping[str, int], n_docs: int, embedder: Embedder | None = None,
                 sentence_vectors: SentenceVectors | None = None,
                 corpus_initials: Callable[[], Mapping[str, str]] | None = None,
                 article: Callable[[str], str] | None = None) -> None:
        self._df, self._n = doc_freq, max(n_docs, 1)
        self._article = article  # source -> its whole text (a list a sentence opens may run past its passage)
        self._corpus_initials = corpus_initials
        self._embedder = embedder
        self._sentence_vectors = sentence_vectors

    def idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def extract(self, q: Question, passages: list[Passage], vector: np.ndarray | None = None, *,
                part: bool = False, decide: bool = True, alternatives: bool = False) -> Extraction:
        """Choose sentences answering ``q`` from ``passages`` (``vector``: the question's embedding).

        ``part``: ``q`` is one part of a compound question the whole of which the passages cover,
        so how much of the part's own few words they cover does not decide (names and slots do).
        ``decide=False``: skip the fitted answer/refuse model (fitting it reads the features).
        ``alternatives``: also list the other close sentences that would answer (``Extraction.options``)."""
        passages = mask_instructions(passages)  # planted instructions are never an answer
        if looks_like_instruction(q.core):  # nothing asked, only orders given: answer none, repeat none
            return Extraction((), "the message gives instructions instead of asking about them")
        if not passages:
            return Extraction((), "nothing in the index matches the question")
        missing = _missing_names(q, passages, self._df,
                                 self._corpus_initials() if self._corpus_initials else ())
        if missing:
            return Extraction((), f"they never mention {missing}")
        cands = self._candidates(q, passages)
        if not cands:
            return Extraction((), "the retrieved passages hold no sentences")
        self._add_similarity(q, passages, cands, vector, exact_sims=0 if part else EXACT_SIMS)
        for c in cands:
            c.score = _score(c, q)
        cands.sort(key=lambda c: -c.score)
        if q.kind == "person" or q.slot is not None or q.many:  # the close sentences are read on their parse:
            from .nlp import parse_many  # parsed in one batch

            typed = sorted(cands[:4 * SLOT_POOL], key=_kind_preferred)
            parse_many([c.quote for c in (*cands[:SLOT_POOL], *typed[:SLOT_POOL])])
        if q.kind == "person" and q.slot is None:  # capitalised words are no person: the close ones' parse says
            # (close as the answer is chosen below: by score, a sentence holding the kind preferred)
            for c in sorted(cands, key=_kind_preferred)[:SLOT_POOL]:
                c.kind_ok = float(_names_a_person(q, c.quote))
                c.score = _score(c, q)
            cands.sort(key=lambda c: -c.score)
        if q.kind in TYPED:  # lead with a sentence that holds what was asked for, if one is close
            cands.sort(key=_kind_preferred)
        best = cands[0]
        if self.debug:
            self.last = cands
        if _asks_for_value(q) and (hidden := _withholding(q, [best], strict=True)):  # "the mystery investor"
            return hidden
        if q.kind in TYPED and not best.kind_ok and q.slot is None:  # (a slot is checked on the parse below)
            return _withholding(q, cands[:SLOT_POOL]) or Extraction(  # "no financial details were revealed"
                (), f"they do not give the {_WANTED[q.kind]} asked for",  # the topic is there
                evidence=(Pick(best.passage, best.start, best.end, best.quote, best.score),))
        if q.slot is not None:  # the question says exactly what the answer must hold
            top = [c for c in cands[:SLOT_POOL] if c.score >= SLOT_KEEP * best.score]
            read = _with_attribution(top, cands) if q.slot.kind == "speech" else {}
            filled = first_filling(q, [read.get(id(c), c.quote) for c in top], self._embedder)
            if filled is None:  # the topic is there, the asked-for detail is not
                wanted = f"what {q.slot.word} said" if q.slot.kind == "speech" else _SLOT_WANTED[q.slot.kind]
                return (_withholding(q, top) if q.slot.kind != "speech" else None) or Extraction(
                    (), f"they do not give {wanted}",
                    evidence=(Pick(best.passage, best.start, best.end, best.quote, best.score),))
            best = top[filled]
            options = [c for c in top[filled:] if c is best or (
                alternatives and first_filling(q, [read.get(id(c), c.quote)], self._embedder) == 0)]
        else:
            options = [c for c in cands[:SLOT_POOL] if c is best or (
                alternatives and c.score >= SLOT_KEEP * best.score and (q.kind not in TYPED or c.kind_ok))]
        if (rank := _other_rank(q, best.quote)) is not None:  # "the biggest" asked, "the second largest" said
            ranked = next((c for c in cands[1:SLOT_POOL] if c.score >= SLOT_KEEP * best.score
                           and _other_rank(q, c.quote) is None), None)  # a close sentence with the rank asked
            if ranked is None:
                return Extraction((), rank, evidence=(Pick(best.passage, best.start, best.end, best.quote, best.score),))
            best = ranked
        if q.slot is None and q.kind == "what" and _unidentified(q, best.quote):  # "tested positive for
            return Extraction((), f"they do not say which {q.asked_noun} it was",  # a banned substance"
                              evidence=(Pick(best.passage, best.start, best.end, best.quote, best.score),))
        # Answer or refuse: a model fitted on labelled questions weighs how well the chosen sentence
        # matches the question (a part of a compound question has the whole's coverage: not asked).
        features = None if part else decision_features(q, best, cands, self._embedder)
        if decide and features is not None and answer_probability(features) < fitted.ANSWER_THRESHOLD:
            return Extraction((), "no sentence in the closest passages matches the question well enough",
                              features=features)
        # The short answer: the chosen sentence's first entity of the asked kind the question does not name.
        short = _typed_entities(q, [best.quote])[0] if q.kind in ENTITY_LABELS else None
        picks = [best]
        for kind in q.kinds[1:]:  # "Who signed it, and when?": one sentence for each part
            if not any(_has_kind(q, x.quote, kind) for x in picks):
                extra = next((c for c in cands[1:8] if _has_kind(q, c.quote, kind)
                              and c.score >= 0.6 * best.score), None)
                if extra is not None:
                    picks.append(extra)
        if q.many and q.kind in ENTITY_LABELS:  # "which countries", "each of the pacts": one sentence per answer
            given = {fold(short)} if short else set()
            close = [c for c in cands[1:SLOT_POOL] if c.score >= SLOT_KEEP * best.score and c not in picks]
            for c, found in zip(close, _typed_entities(q, [c.quote for c in close])):
                if found and fold(found) not in given and len(picks) < MAX_SENTENCES:
                    given.add(fold(found))
                    picks.append(c)
        # A yes/no question is answered by what each article says of its claim: a close sentence from
        # another article is kept at a lower score than one from an article already cited.
        views = q.kind == "yesno" and bool(q.predicate)
        for c in cands[1:]:
            if c in picks:
                continue
            other_article = all(passages[c.passage].source != passages[x.passage].source for x in picks)
            if len(picks) >= MAX_SENTENCES or c.score < (SLOT_KEEP if views and other_article else KEEP_RATIO) * best.score:
                if views:
                    continue
                break
            if any(_jaccard(c.terms, x.terms) > 0.5 for x in picks):
                continue
            new_terms = (set(q.terms) & c.terms) - set().union(*(x.terms for x in picks))
            if new_terms or other_article:
                picks.append(c)
        # "He raised these concerns ..." needs the sentence that says who "he" is.
        if _PRONOUN.match(best.quote):
            before = [c for c in cands if c.passage == best.passage and c.end < best.start
                      and c not in picks]
            if before:
                picks.insert(0, max(before, key=lambda c: c.end))
        # A claim its own article goes on to qualify ("... military neutrality." "Nevertheless, since
        # 2006 it has ...") is not said as settled: the qualifying sentence follows it.
        if q.kind not in TYPED:
            for x in list(picks):
                source = passages[x.passage].source
                after = [c for c in cands if passages[c.passage].source == source and c.start > x.start]
                follow = min(after, key=lambda c: c.start) if after else None
                if follow is not None and follow not in picks and _CONTRAST.match(follow.quote) \
                        and follow.start - x.end < 3 and len(picks) <= MAX_SENTENCES:
                    picks.insert(picks.index(x) + 1, follow)
        return Extraction(tuple(self._with_list(passages, Pick(c.passage, c.start, c.end, c.quote, c.score))
                                for c in picks),
                          short_answer=short, features=features,
                          options=tuple(Pick(c.passage, c.start, c.end, c.quote, c.score) for c in options))

    debug = False

    def _with_list(self, passages: list[Passage], pick: Pick) -> Pick:
        """A sentence that opens a list ("The government had claimed tobacco firms" and the lines
        " - manipulated nicotine levels ..." under it) cited with the whole list, read on in its
        article: the lead-in alone says nothing. Other sentences unchanged."""
        if pick.quote.rstrip()[-1:] in ".!?\"'”’)":
            return pick
        p = passages[pick.passage]
        text, offset = p.text, p.start
        end = _list_end(text, pick.end - offset)
        if end == pick.end - offset and text[end:].strip():
            return pick  # no list under it, and the passage goes on
        if self._article is not None and not text[end:].strip():  # the list may run on past the passage
            with contextlib.suppress(RagError):
                text, offset = self._article(p.source), 0
                end = _list_end(text, pick.end)
        if end == pick.end - offset:
            return pick
        return Pick(pick.passage, pick.start, offset + end, text[pick.start - offset:end], pick.score)

    def sentence_features(self, q: Question, passages: list[Passage],
                          vector: np.ndarray | None = None) -> list[tuple[int, int, int, tuple[float, ...]]]:
        """(passage, start, end, features) of every sentence the answerer weighs for ``q``: the
        values of ``fitted.SENTENCE_FEATURES``, each times the sentence's discount, as its score
        multiplies them (``python -m rag.evaluation.fit --ranker`` fits the weights on these)."""
        passages = mask_instructions(passages)
        cands = self._candidates(q, passages)
        self._add_similarity(q, passages, cands, vector)
        return [(c.passage, c.start, c.end, tuple(v * _discount(c, q) for v in _rank_values(c))) for c in cands]

    def _candidates(self, q: Question, passages: list[Passage]) -> list[_Cand]:
        """Every distinct sentence of the passages, with its lexical features."""
        claim = set(terms(q.predicate)) if q.predicate else set(q.terms)  # a yes/no question's subject is
        weights = {t: self.idf(t) * (CATEGORY_WEIGHT if t in q.focus and q.kind not in ("count", "money")  # given:
                                     else 1.0 if t in claim else SUBJECT_WEIGHT) for t in q.terms}  # its claim is asked
        total = sum(weights.values())
        # An initialism the corpus only spells out is covered where its words are ("CSTO"); the
        # corpus's table is built (once) only when a question term is not in the corpus as such.
        unknown = [t for t in q.terms if self._df.get(t, 0) == 0]
        known = self._corpus_initials() if unknown and self._corpus_initials else {}
        aliases = {t: frozenset(terms(known[t])) for t in unknown if t in known}
        # another spelling of a name the passages write ("Szalai" for "Szalay") is covered where it is
        respell = [t for t in unknown if t not in aliases and len(t) >= 5]
        spelled = {w: sound(w) for p in passages for w in terms(p.title + " " + p.text) if len(w) >= 5} if respell else {}
        for t in respell:
            like = next((w for w, key in spelled.items() if sounds_like(sound(t), {key})), None)
            if like is not None:
                aliases[t] = frozenset([like])
        out: list[_Cand] = []
        seen: set[tuple[str, int]] = set()
        for i, p in enumerate(passages):
            ctx_cov = _covered(weights, _with_aliases(set(terms(p.title + " " + p.text)), aliases), total)
            for j, (s, e) in enumerate(sentence_spans(p.text)):
                if (p.source, p.start + s) in seen:
                    continue
                seen.add((p.source, p.start + s))
                sentence = p.text[s:e]
                sent_terms = frozenset(_with_aliases(set(terms(sentence)), aliases))
                out.append(_Cand(i, p.start + s, p.start + e, sentence, sent_terms,
                                 _covered(weights, sent_terms, total), ctx_cov,
                                 float(_has_kind(q, sentence)), _slot(q, sentence), j))
        return out

    def _add_similarity(self, q: Question, passages: list[Passage], cands: list[_Cand],
                        vector: np.ndarray | None, *, exact_sims: int = EXACT_SIMS) -> None:
        """Cosine between the question and the most promising sentences (the others keep 0).

        Embedding a sentence costs ~13 ms on 2 cores, more than retrieval itself. Where the
        index stores each chunk's sentence vectors (pooled in context at ingestion, free
        here), they rank the promising sentences and only the best ``EXACT_SIMS`` are
        embedded on their own, the measure the weights and thresholds were set on; without
        stored vectors the ``MAX_EMBED`` most promising are embedded.
        """
        if self._embedder is None:
            return
        qvec = self._embedder.embed([q.core or q.text])[0] if vector is None else vector
        # A yes/no question is answered where its claim is ("Does the pact break any rules?": the
        # sentences on breaking rules, in whatever words), not where its subject merely is: its
        # sentences are ranked by the mean of their similarity to the question and to the claim alone
        # (the answer/refuse model still weighs the similarity to the question).
        pvec = self._embedder.embed([q.predicate])[0] if q.predicate else None
        pool = sorted(cands, key=lambda c: -(0.6 * c.sent_cov + 0.25 * c.ctx_cov + 0.15 * c.kind_ok
                                             - 0.03 * c.passage))[:MAX_EMBED]
        exact = pool
        if self._sentence_vectors is not None:
            used = sorted({c.passage for c in (cands if pvec is not None else pool)})
            stored = dict(zip(used, self._sentence_vectors([passages[i] for i in used])))

            def vec(c: _Cand) -> np.ndarray | None:
                vecs = stored[c.passage]
                return vecs[c.sentence] if vecs is not None and c.sentence < len(vecs) and vecs[c.sentence].any() else None
            if pvec is not None:  # the sentences closest to the claim are weighed too
                claim = sorted((c for c in cands if c not in pool and (v := vec(c)) is not None),
                               key=lambda c: -float(vec(c) @ pvec))  # type: ignore[operator]
                pool = pool + claim[:MAX_EMBED // 2]
            ranked, exact = [], []
            for c in pool:
                v = vec(c)
                if v is not None:
                    c.sim = float(v @ qvec) - CONTEXT_SIM_SHIFT
                    c.claim_sim = None if pvec is None else float(v @ pvec) - CONTEXT_SIM_SHIFT
                    ranked.append(c)
                else:
                    exact.append(c)
            ranked.sort(key=lambda c: -_evidence(c))
            exact += ranked[:exact_sims]
        if exact:
            vecs = self._embedder.embed([c.quote for c in exact])
            for c, v in zip(exact, vecs):
                c.sim = float(v @ qvec)
                c.claim_sim = None if pvec is None else float(v @ pvec)


_LINE_GAP = re.compile(r"[ \t]*\n\s*")
_BULLET = re.compile(r"(?:[-*•–]|\d{1,2}[.)])[ \t]+\S[^\n]*")  # a list item's line: "- ...", "2) ..."


def _list_end(text: str, at: int) -> int:
    """Where the list items on the lines after offset ``at`` of ``text`` end (``at`` when none follow)."""
    end = at
    while (gap := _LINE_GAP.match(text, end)) and (item := _BULLET.match(text, gap.end())):
        end = item.end()
    return end


def with_difference(extraction: Extraction, noun: str) -> Extraction:
    """``extraction`` answering "by how many did <noun> change?": when its sentences (picks, then the
    close alternatives) count ``noun`` with exactly two values in two sentences, those two sentences
    lead, cited, with the difference worked out (the short answer); otherwise it is unchanged."""
    from .nlp import parse
    from .support import number_mentions

    found: list[tuple[float, Pick]] = []
    for pick in [*extraction.picks, *extraction.options]:
        for t in parse(pick.quote):
            if t.like_num and not _YEAR.match(t.text) and _counts_a_noun(t) and _same_stem(noun, _counted(t)[:1]):
                values = [v for _, vs, _ in number_mentions(t.text) for v in vs]
                if len(values) == 1 and all(v != values[0] for v, _ in found):
                    found.append((values[0], pick))
    sentences = {(p.passage, p.start) for _, p in found}
    if len(found) != 2 or len(sentences) != 2:
        return extraction
    (a, first), (b, second) = found
    d = abs(a - b)
    rest = [p for p in extraction.picks if (p.passage, p.start) not in sentences]
    return replace(extraction, picks=(first, second, *rest), short_answer=f"{d:g}",
                   derived=f"{max(a, b):g} - {min(a, b):g} = {d:g}")


def premise_conflict(q: Question, passages: list[Passage]) -> tuple[Pick, str] | None:
    """A sentence of the passages about the very event the question states (it has a number of the
    question, not a year, by value, and half of its names), that says the opposite of the question's
    wording ("rose" for "fell") or swaps its roles ("Italy beat Wales" for "Wales beat Italy"); or one
    that counts the same thing otherwise ("40 of its stations" / "four stations"), or puts a name of the
    question elsewhere ("signed in Zagreb" / "signed ... in Tirana", "Sunderland mayor" / "Middlesbrough
    mayor"); and why. None when no such sentence does. The question is read as the statement it presupposes."""
    from .nlp import parse
    from .support import number_mentions

    text = q.core or q.text
    numbers = {v for written, values, _ in number_mentions(text, count_one=False)
               if not _YEAR.match(written) and not _ago(written, text) for v in values}
    names = {w for e in q.entities for w in words(e)}
    claim = parse(q.core or q.text)
    return ((numbers and (_wrong_number(claim, numbers, names, passages) or _wrong_count(claim, names, passages)))
            or _wrong_name(claim, names, passages) or _wrong_speaker(claim, passages))


_QUOTED = re.compile(r"(?<!\w)[\"“‘']([^\"“”‘’']{8,}?)[\"”’'](?!\w)")  # "a 'trigger for an arms race'" (not "Kosovo's")


def _wrong_speaker(claim: Any, passages: list[Passage]) -> tuple[Pick, str] | None:
    """The sentence that holds words the question quotes and gives them to someone else ("Why did
    Kurti call it a 'trigger for an arms race'?" where Vučić is the one quoted): a person it names, none
    of the question's persons in it or just before it (a "he" may be the question's person)."""
    from .nlp import parse

    quoted = [fold(m.group(1)).strip() for m in _QUOTED.finditer(claim.text)]
    asked = {w for e in claim.ents if e.label_ == "PERSON" for w in words(e.text) if len(w) > 2}
    if not quoted or not asked:
        return None
    for i, p in enumerate(passages):
        spans = sentence_spans(p.text)
        for j, (s, e) in enumerate(spans):
            sentence = p.text[s:e]
            if not any(words(x) and " ".join(words(x)) in " ".join(words(sentence)) for x in quoted):
                continue
            before = p.text[spans[j - 1][0]:spans[j - 1][1]] if j else ""
            if asked & set(words(sentence + " " + before)):
                return None  # the question's person is the one quoted
            others = [x.text for x in parse(sentence).ents if x.label_ == "PERSON"]
            if others:
                return (Pick(i, p.start + s, p.start + e, sentence, 1.0),
                        f"these are the words of {others[0]}, not of {next(x.text for x in claim.ents if x.label_ == 'PERSON')}")
    return None


_ORDINALS = {"second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th", "seventh": "7th",
             "eighth": "8th", "ninth": "9th", "tenth": "10th"}


def _other_rank(q: Question, sentence: str) -> str | None:
    """Why the sentence holds another place in a ranking than the one asked for, or None: the question
    asks for the first of something ("which country has the biggest contingent?") and the sentence's
    every superlative is ranked lower ("the second largest contingent"); or it asks for a place ("which
    gadget came third?") the sentence does not name. Yes/no questions are answered either way."""
    from .nlp import parse

    if q.kind == "yesno":
        return None
    doc = parse(q.core or q.text)
    place = [t.lower_ for t in doc if t.lower_ in _ORDINALS and t.ent_type_ != "DATE"]
    asked = [t for t in doc if t.tag_ in ("JJS", "RBS") and not any(c.lower_ in _ORDINALS for c in t.children)]
    said = parse(sentence)
    if place and not asked:
        held = {t.lower_ for t in said}
        if not any(p in held or _ORDINALS[p] in held for p in place):
            return f"they do not say which came {place[0]}"
        return None
    ranked = [t for t in said if t.tag_ in ("JJS", "RBS")]
    lower = [t for t in ranked if any(c.lower_ in _ORDINALS for c in t.children)]
    if not asked or not ranked or len(lower) < len(ranked):
        return None
    ordinal = next(c.text for c in lower[0].children if c.lower_ in _ORDINALS)
    return f"they give only the {ordinal} {lower[0].text}, not the {asked[0].text}"


def _ago(written: str, text: str) -> bool:
    """Does the number only date the asking ("2 yrs ago"), rather than count something of the event?"""
    return bool(re.search(re.escape(written) + _AGO.pattern, text, re.IGNORECASE))


def _counts(doc: Any) -> list[tuple[str, frozenset[float], str]]:
    """(what is counted, the values, as written) for each number a parse ties to a noun or an age, not
    a year: "40 of its radio stations" -> station, "four US radio stations" -> station, "aged 64" -> aged."""
    from .support import number_mentions

    out = []
    for t in doc:
        if not t.like_num or _YEAR.match(t.text):
            continue
        of = next((c for c in t.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        counted = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if counted is None and _counts_a_noun(t):  # (the noun with_difference and the count slot read)
            noun = _counted(t)[0]
            counted = noun if noun.pos_ == "NOUN" and noun.lemma_ not in ("%", "percent") else None
        if counted is None and t.head.lower_ in ("aged", "age"):
            counted = t.head
        values = frozenset(v for _, vs, _ in number_mentions(t.text) for v in vs)
        if counted is not None and values:
            out.append((stem(counted.lower_), values, t.text))
    return out


def _wrong_count(claim: Any, names: set[str], passages: list[Passage]) -> tuple[Pick, str] | None:
    """A sentence with half of the question's names that counts what the question counts with another
    number ("pulled ... from 40 of its radio stations" where an article has "dropped from four US
    radio stations"), when no passage gives the question's number for it."""
    from .nlp import parse

    asked = _counts(claim)
    if not asked or not names:
        return None
    found: tuple[Pick, str] | None = None
    for i, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            stems = set(terms(sentence))
            if not any(n in stems or n == "age" for n, _, _ in asked):
                continue
            named = 2 * len(names & set(words(sentence))) >= len(names)
            for noun, values, written in asked:
                for other, got, said in _counts(parse(sentence)):
                    if other != noun:
                        continue
                    if got & values:
                        return None  # a passage gives the question's number for it: no wrong premise
                    if found is None and named:
                        found = (Pick(i, p.start + s, p.start + e, sentence, 1.0), f"“{said}”, not “{written}”")
    return found


def _wrong_number(claim: Any, numbers: set[float], names: set[str], passages: list[Passage]) -> tuple[Pick, str] | None:
    """The sentence with a number of the question and half of its names that says the opposite or swaps roles."""
    from .nlp import parse
    from .support import opposites, roles

    seen: set[tuple[str, int]] = set()
    for i, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            if (p.source, p.start + s) in seen:
                continue
            seen.add((p.source, p.start + s))
            if 2 * len(names & set(words(sentence))) < len(names) or not numbers & number_values(sentence):
                continue
            doc = parse(sentence)
            why = opposites(claim, [doc]) or roles(claim, [doc])
            if why:
                return Pick(i, p.start + s, p.start + e, sentence, 1.0), why
    return None


_PLACE_LABELS = ("GPE", "LOC", "FAC")


def _placed(doc: Any) -> list[tuple[str, str]]:
    """What a parse puts where, as (anchor, name): a place or a capitalised name a verb takes "in",
    "at", "to" or "from" ("signed in Zagreb" -> ("sign in", "Zagreb"), "selling him to Juventus" ->
    ("sell to", "Juventus")), and the name qualifying a person's title ("Sunderland mayor Ray Mallon"
    -> ("mallon mayor", "Sunderland")). The small model's entity labels are not trusted for names
    ("Lazio" may be a person): capitalisation and the parse are."""
    out = []
    for t in doc:
        if t.dep_ == "pobj" and t.head.lower_ in ("in", "at", "to", "from") and (
                t.ent_type_ in _PLACE_LABELS or t.pos_ == "PROPN" and t.text[:1].isupper()):
            verb = t.head.head
            if verb.lower_ == "according":  # a source, not a place: "according to OneStat.com"
                continue
            if verb.pos_ == "NOUN" and verb.dep_ in ("dobj", "nsubjpass"):  # "sign the accord in Athens"
                verb = verb.head
            if verb.pos_ == "VERB" and not any(c.dep_ == "conj" for c in t.children) and not any(
                    c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "PRON" for c in verb.children) \
                    and not (verb.dep_ == "advcl" and any(c.lower_ in ("when", "while", "as") for c in verb.children)):
                # (one of several places: "in Japan and the US"; an event named by a pronoun, "when it launched
                # in the UK", may be one of several)
                name = " ".join(c.text for c in t.subtree if c.dep_ == "compound" or c.i == t.i)
                out.append((f"{verb.lemma_.lower()} {t.head.lower_}", name))
        if t.pos_ == "NOUN" and t.lower_ in ROLE_NOUNS and t.dep_ == "compound" and t.head.pos_ == "PROPN":
            for q in t.children:
                if q.dep_ in ("compound", "amod", "nmod") and q.text[:1].isupper():
                    out.append((f"{fold(t.head.text)} {t.lower_}", q.text))
    return out


def _wrong_name(claim: Any, names: set[str], passages: list[Passage]) -> tuple[Pick, str] | None:
    """A sentence about the event or person the question names (the same verb and preposition, or the
    same person's same title; one of the question's other names in it, half of them in its passage, no
    year in it: "signed in Palic in 2023" may be another signing) that puts it elsewhere: "signed in
    Zagreb" for "signed ... in Tirana", "Sunderland mayor" for "Middlesbrough mayor"."""
    from .nlp import parse

    for anchor, name in _placed(claim):
        others = names - set(words(name))
        if not others:  # "Why was the pact signed in Tirana?": which pact is not said
            continue
        for i, p in enumerate(passages):
            if 2 * len(others & set(words(p.text))) < len(others):
                continue
            for s, e in sentence_spans(p.text):
                sentence = p.text[s:e]
                if fold(name) in fold(sentence) or not others & set(words(sentence)) or _YEARS.search(sentence):
                    continue
                found = next((there for a, there in _placed(parse(sentence)) if a == anchor), None)
                if found is not None:
                    return (Pick(i, p.start + s, p.start + e, sentence, 1.0), f"“{found}”, not “{name}”")
    return None


def share_out(options: Sequence[Sequence[Pick]]) -> list[Pick]:
    """One sentence for each part of a compound question, no sentence for two parts: the choice
    whose scores, each relative to its part's best option, add up highest ("how many activities
    now, and how many in 2023?": the 2023 sentence goes to the part that names 2023 and the other
    part takes its next best). A part without options gets none."""
    import itertools

    sets = [list(o[:SLOT_POOL]) for o in options if o]

    def total(chosen: Iterable[Pick]) -> float:
        choice = tuple(chosen)
        keys = {(p.passage, p.start) for p in choice}
        if len(keys) < len(choice):
            return -1.0
        return sum(p.score / max(o[0].score, 1e-9) for p, o in zip(choice, sets))

    best = max(itertools.product(*sets), key=total, default=())
    kept: dict[tuple[int, int], Pick] = {}
    for p in best:  # only when some part has no sentence of its own
        kept.setdefault((p.passage, p.start), p)
    return list(kept.values())


def decision_features(q: Question, best: _Cand, cands: list[_Cand],
                      embedder: Embedder | None = None) -> dict[str, float]:
    """What the answer/refuse decision weighs (``fitted.DECISION_FEATURES``): coverage of the
    question's terms and similarity (the best passage's and sentence's, and the chosen sentence's),
    and whether the chosen sentence has the noun the question asks about (by lemma, or a noun of the
    same meaning: "troops" for "soldiers", as the count slot compares them). The question's
    names, verbs and an entity of the asked kind in the sentence, and the share of its words the
    corpus does not know, were tried too and did not help under cross-validation (eval/README.md)."""
    from .nlp import parse

    sentence = parse(best.quote)
    noun = q.asked_noun
    has_focus = noun is None or noun in {t.lemma_.lower() for t in sentence} | set(words(best.quote)) or (
        _same_meaning(noun, list(sentence), embedder))
    return {
        "context_cover": max(c.ctx_cov for c in cands),
        "best_similarity": max(c.sim for c in cands),
        "sentence_cover": best.sent_cov,
        "sentence_similarity": best.sim,
        "focus_in_sentence": float(has_focus),
    }


def answer_probability(features: Mapping[str, float]) -> float:
    """The fitted logistic model's probability that the chosen sentence answers the question."""
    z = fitted.DECISION_BIAS + sum(w * features[name] for name, w in fitted.DECISION_WEIGHTS.items())
    return 1.0 / (1.0 + math.exp(-z))


def _kind_preferred(c: _Cand) -> float:
    """Sort key: by score, a sentence holding the kind of answer asked for preferred."""
    return -(c.score * (1.0 if c.kind_ok else 0.75))


def _evidence(c: _Cand) -> float:
    """A sentence's evidence: coverage of the question (sentence, passage), similarity, holding
    the kind of answer asked for, and a count of the counted noun; weights fitted (``fitted.py``)."""
    return sum(fitted.SENTENCE_WEIGHTS[name] * v for name, v in zip(fitted.SENTENCE_FEATURES, _rank_values(c)))


def _rank_values(c: _Cand) -> tuple[float, ...]:
    """The ranking features of ``fitted.SENTENCE_FEATURES``, in that order."""
    sim = c.sim if c.claim_sim is None else 0.5 * (c.sim + c.claim_sim)
    return c.sent_cov, c.ctx_cov, sim, c.kind_ok, c.slot


def _discount(c: _Cand, q: Question) -> float:
    """Headings, questions, fragments, other years, and later passages count for less."""
    return _shape(c.quote, q) * (1.0 - RANK_DISCOUNT * c.passage)


def _score(c: _Cand, q: Question) -> float:
    return _evidence(c) * _discount(c, q)


@dataclass
class _Cand:
    passage: int
    start: int
    end: int
    quote: str
    terms: frozenset[str]
    sent_cov: float
    ctx_cov: float
    kind_ok: float
    slot: float
    sentence: int  # position among sentence_spans(passage.text)
    sim: float = 0.0
    score: float = 0.0
    claim_sim: float | None = None  # a yes/no question's: similarity to its claim alone (Question.predicate)


# spaCy entity labels that hold each kind of answer (OntoNotes labels of en_core_web_sm).
ENTITY_LABELS = {"count": {"CARDINAL", "QUANTITY", "PERCENT", "MONEY"}, "money": {"MONEY"},
                 "date": {"DATE", "TIME"}, "duration": {"DATE", "TIME"}, "person": {"PERSON"},
                 "place": {"GPE", "LOC", "FAC"}}


def entities(doc: Any) -> list[Any]:
    """The parse's entities, less the names without a capital letter ("$280bn" read as a PERSON
    "280bn"): the small model's slips, which no name, organisation or place is spelt as."""
    return [e for e in doc.ents if e.label_ not in _NAME_ENTITIES or any(t.text[:1].isupper() for t in e)]


def _typed_entities(q: Question, sentences: list[str]) -> list[str | None]:
    """For each sentence, the entity of the asked kind (one the question does not name) that the
    parse ties to the slot, or None: a place governed by "in/at/near" ("signed in Belgrade", not
    "Serbia signed"), a number that counts the asked-about noun ("79 joint activities"); else the
    first entity of that kind."""
    from .nlp import parse

    labels = ENTITY_LABELS[q.kind]
    asked = set(q.entities) | set(q.numbers)
    out: list[str | None] = []
    for doc in map(parse, sentences):
        ents = [e for e in entities(doc) if e.label_ in labels and not set(words(e.text)) <= asked]
        tied = [e for e in ents if _tied(q, e.root)]
        out.append((tied or ents)[0].text if ents else None)
    return out


_HONORIFICS = frozenset(["sir", "mr", "mrs", "ms", "dr", "lord", "lady", "dame", "prof"])


def _names_a_person(q: Question, sentence: str) -> bool:
    """Does the sentence name a person the question does not (spaCy's PERSON entities, not any run
    of capitalised words: "Former Olympic champion Michael Johnson" names only Michael Johnson), or a
    role ("the defence minister"), or a speaker ("Maqedonci said")?"""
    from .nlp import parse

    asked = set(q.entities) | _HONORIFICS
    doc = parse(sentence)
    # "Who wrote the virus?" is not answered by whoever comments on it ("..., said Mr Hogan"): where
    # the question asks who did something and the sentence does not say it, a speaker is no answer.
    action = _action(q)
    only_speaks = action is not None and action not in {t.lemma_.lower() for t in doc}
    if action is not None and not _PRONOUN.match(sentence):  # "Who wrote the Bagle virus?": the doer of
        named = _acted_on(q)  # another thing ("The Sasser worm was written by ...") is no answer
        if named and not named & set(words(fold(sentence))):
            return False
    if any(e.label_ == "PERSON" and not {w for w in words(e.text) if len(w) > 1} <= asked  # ("United's")
           and not (only_speaks and e.root.dep_ in ("nsubj", "nsubjpass") and e.root.head.lemma_.lower() in _STANCE_VERBS)
           for e in entities(doc)):
        return True
    if not only_speaks and any(fold(m.group(1)) not in asked for m in _SAYS.finditer(sentence)):
        return True
    return any(stem(m.group().split()[-1]) not in q.terms for m in _ROLE.finditer(fold(sentence)))


def _root(q: Question) -> Any:
    """The root of the question's parse (its main verb, usually), or None."""
    from .nlp import parse

    return next((t for t in parse(q.core or q.text) if t.dep_ == "ROOT"), None)


def _acted_on(q: Question) -> set[str]:
    """The names in what a "who did it" question's verb acts on ("Who wrote the Bagle virus?" -> bagle)."""
    root = _root(q)
    if root is None:
        return set()
    objects = [c for c in root.children if c.dep_ in ("dobj", "attr", "dative")]
    return {w for o in objects for t in o.subtree if t.pos_ == "PROPN" for w in words(fold(t.text))}


def _action(q: Question) -> str | None:
    """The lemma of the verb a "who" question asks the doer of ("Who wrote the Bagle virus?" ->
    write), or None where it asks who said or holds something, or who someone is."""
    root = _root(q)
    if root is None or root.pos_ != "VERB" or not any(c.lower_ == "who" and c.dep_ in ("nsubj", "nsubjpass")
                                                      for c in root.children):
        return None
    lemma = root.lemma_.lower()
    return None if lemma in _STANCE_VERBS - {"write"} or lemma in ("be", "have", "do", "get") else lemma


def _tied(q: Question, token: Any) -> bool:
    """Is an entity (its root token) in the syntactic position the asked kind fills?"""
    if q.kind == "place":
        return token.dep_ == "pobj" and token.head.lower_ in ("in", "at", "near", "outside", "inside")
    if q.kind in ("count", "money"):
        return token.dep_ == "nummod" and bool(q.focus) and stem(token.head.lower_) in q.focus
    return False


SLOT_POOL = 6  # close sentences searched for the asked-for slot (each parsed: ~5-10 ms on 2 cores)
SLOT_KEEP = 0.6  # a sentence filling the slot may score this share of the best one. Not a clear
# optimum: at 0.5 / 0.6 / 0.7 seeds dev is 0.650 / 0.657 / 0.672, BBC dev - / 0.621 / 0.609, old set 0.817
# MiniLM cosine of two nouns above which they name the same thing, set between hand-picked pairs:
# soldiers/troops 0.89, countries/nations 0.79 vs pilots/aircraft 0.72, jobs/workers 0.66, pounds/euros 0.54
# (related is not the same; synonyms below it, people/citizens 0.58, are refused as not stated).
SAME_NOUN = 0.75
_SLOT_WANTED = {"count": "that number", "name": "its name", "person": "the person's name", "day": "the exact date"}
_PLACE_ENTITIES = frozenset(["GPE", "LOC", "FAC"])
_NAME_ENTITIES = frozenset(["PERSON", "ORG", "LAW", "WORK_OF_ART", "EVENT", "PRODUCT", "FAC", "GPE", "LOC", "NORP"])
_DAY = re.compile(r"\b([1-9]|[12]\d|3[01])(st|nd|rd|th)?\b.*\b(" + _MONTH + r")\b|\b(" + _MONTH
                  + r")\.? ([1-9]|[12]\d|3[01])\b|\b(19|20)\d\d-\d\d-\d\d\b", re.IGNORECASE)


def first_filling(q: Question, sentences: list[str], embedder: Embedder | None = None) -> int | None:
    """The index of the first sentence whose parse holds what ``q.slot`` asks for, or None: a
    number counting the asked noun ("79 joint activities", not "twenty-six vehicles" for "how many
    MiG-29s"), a proper name the question does not already give (a person's, in a sentence about
    the role, for "the name of the minister"), a date with its day. Nouns are compared by stem,
    then (only for sentences that fail that) by meaning."""
    from .nlp import parse

    slot = q.slot
    assert slot is not None
    asked = set(q.entities) | set(q.numbers)
    events = _events(q) if slot.kind == "day" else set()
    stated = number_values(q.core or q.text) if slot.kind == "count" else set()
    for i, sentence in enumerate(sentences):  # in rank order: usually the first one fills it
        doc = parse(sentence)
        fresh = [e for e in entities(doc) if not set(words(e.text)) <= asked]
        if slot.kind == "count":  # (not a number the question states, nor one of a ratio: "one in three")
            numbers = [t for t in doc if t.like_num and t.text not in q.numbers and not _YEAR.match(t.text)
                       and not _in_ratio(t) and not (number_values(t.text) & stated)]
            ok = any(not _counts_a_noun(t) or _same_stem(slot.noun, _counted(t)) for t in numbers) or (
                _same_meaning(slot.word, [w for t in numbers for w in _counted(t)], embedder))
        elif slot.kind == "person":
            ok = any(e.label_ == "PERSON" for e in fresh) and (not slot.noun or _same_role(slot, doc))
        elif slot.kind == "name":  # a place for a place noun ("which country": not NATO); else any name
            labels = _PLACE_ENTITIES if slot.word.lower() in PLACE_NOUNS else _NAME_ENTITIES
            ok = any(e.label_ in labels and (not slot.named or _names_noun(e, slot.noun))
                     and not _longer_form(e, q, slot) for e in fresh)
        elif slot.kind == "speech":
            ok = _says(doc, slot.noun)
        else:  # a day, in a sentence about the event asked for (the question's verb, where it has one)
            ok = any(e.label_ == "DATE" and _DAY.search(e.text) for e in doc.ents) and (
                not events or bool(events & ({stem(t.lemma_.lower()) for t in doc} | {stem(w) for w in words(sentence)})))
        if ok:
            return i
    return None


def _in_ratio(t: Any) -> bool:
    """Is the number one side of a ratio ("one in three", "two out of five"), a share and no count?"""
    doc = t.doc
    after = [x.lower_ for x in doc[t.i + 1:t.i + 4]]
    if after[:1] == ["in"] and len(after) > 1 and doc[t.i + 2].like_num:
        return True
    if after[:2] == ["out", "of"] and len(after) > 2 and doc[t.i + 3].like_num:
        return True
    before = [x.lower_ for x in doc[max(0, t.i - 3):t.i]]
    return (before[-1:] == ["in"] and t.i >= 2 and doc[t.i - 2].like_num) or (
        before[-2:] == ["out", "of"] and t.i >= 3 and doc[t.i - 3].like_num)


_LIGHT_VERBS = frozenset(["be", "have", "do", "take", "happen", "occur", "make", "get", "go", "come"])


def _events(q: Question) -> set[str]:
    """Stems of the verbs the asked date belongs to ("the date the carrier bought ..." -> buy; "when
    did they sign ..." -> sign); none where it is a light verb ("make it official")."""
    from .nlp import parse

    out = set()
    for t in parse(q.core or q.text):
        if t.lower_ not in ("when", "date", "day"):
            continue
        verbs = [c for c in t.children if c.dep_ == "relcl" and c.pos_ == "VERB"]
        node = t
        for _ in range(3):  # the verb the date phrase hangs from
            if node.head.i == node.i:
                break
            node = node.head
            if node.pos_ in ("VERB", "AUX"):
                verbs.append(node)
                break
        out |= {stem(v.lemma_.lower()) for v in verbs if v.lemma_.lower() not in _LIGHT_VERBS}
    return out


# Words that say a detail was kept back (general English): adjectives on the noun, and verbs of
# making known that are negated ("no details were revealed", "declined to name", "without disclosing").
_HIDDEN = frozenset(["undisclosed", "unnamed", "unidentified", "unspecified", "anonymous", "mystery", "unrevealed",
                     "confidential"])
_DISCLOSE = frozenset(["reveal", "disclose", "name", "identify", "release", "specify", "publish", "divulge",
                       "confirm", "give", "announce"])
_DETAIL_NOUNS = frozenset(["detail", "term", "figure", "fee", "sum", "amount", "name", "identity", "price", "value",
                           "cost", "size", "number"])
_PARTIES = frozenset(["buyer", "seller", "bidder", "backbencher", "donor", "suitor", "source", "member", "client"])  # persons


def _asks_for_value(q: Question) -> bool:
    """A question after a name, a number, a sum or a date (what a kept-back detail leaves unanswered)."""
    return q.kind in ("count", "money", "person", "date") or (q.slot is not None and q.slot.kind != "speech")


def _withholding(q: Question, close: list[_Cand], *, strict: bool = False) -> Extraction | None:
    """A precise refusal citing the first of ``close`` that says the asked-for detail was kept back
    ("the fee was undisclosed", "declined to name the buyer"); None when none does. ``strict``: only
    a noun of the question itself, not any detail ("no financial details were revealed")."""
    from .nlp import parse

    for c in close:
        noun = _kept_back(parse(c.quote))
        if noun is None or not (stem(noun) in q.terms or (not strict and noun in _DETAIL_NOUNS)):
            continue
        if noun in ("detail", "term"):
            said = f"the {noun}s were"
        elif noun in ROLE_NOUNS or noun in _PARTIES:
            said = f"the {noun}'s name was"
        else:  # "the fee was", but "an undisclosed offer": the details of the offer
            said = f"the {noun} was" if noun in _DETAIL_NOUNS else f"the details of the {noun} were"
        return Extraction((), f"they say {said} not made public", evidence=(Pick(c.passage, c.start, c.end, c.quote, c.score),))
    return None


def _kept_back(doc: Any) -> str | None:
    """The lemma of the noun a parsed sentence says was kept back, or None."""
    for t in doc:
        if t.lower_ in _HIDDEN and t.dep_ in ("amod", "compound") and t.head.pos_ in ("NOUN", "PROPN"):
            return str(t.head.lemma_).lower()
        if t.lemma_.lower() not in _DISCLOSE or t.pos_ != "VERB":
            continue
        objects = [c for c in t.children if c.dep_ in ("dobj", "nsubjpass")]
        denied = (any(c.dep_ == "neg" for c in t.children)
                  or any(d.dep_ == "det" and d.lower_ in ("no", "none") for o in objects for d in o.children)
                  or (t.dep_ == "xcomp" and t.head.lemma_.lower() in ("decline", "refuse", "fail"))
                  or (t.dep_ == "pcomp" and t.head.lower_ == "without"))
        if denied and objects:
            noun = objects[0]
            of = next((g for c in noun.children if c.lower_ == "of" for g in c.children if g.dep_ == "pobj"), None)
            return str((of if noun.lemma_.lower() in ("name", "identity") and of is not None else noun).lemma_).lower() \
                if noun.pos_ in ("NOUN", "PROPN") else None
    return None


_INDEFINITE = frozenset(["a", "an", "another", "some", "any"])
_SAYS_NOTHING = frozenset(["det", "amod", "advmod", "punct", "cc"])  # dependents that identify nothing


def _unidentified(q: Question, sentence: str) -> bool:
    """Does the sentence mention the thing a question asks to identify ("What was the banned
    substance ...?") only as some such thing ("... testing positive for a banned substance"),
    with nothing that says which (a name, a clause, a number, "of ...")?"""
    from .nlp import parse

    if not q.asked_noun:
        return False
    asked = [t for t in parse(q.core or q.text) if t.lemma_.lower() == q.asked_noun and t.pos_ == "NOUN"]
    if not asked or not any(c.lower_ == "the" for c in asked[0].children):  # (a definite thing is asked for)
        return False
    mentions = [t for t in parse(sentence) if t.lemma_.lower() == q.asked_noun and t.pos_ == "NOUN"]
    return bool(mentions) and all(
        any(c.dep_ == "det" and c.lower_ in _INDEFINITE for c in t.children)
        and all(c.dep_ in _SAYS_NOTHING or (c.dep_ == "compound" and c.pos_ == "NOUN") for c in t.children)
        and t.dep_ not in ("attr", "appos") for t in mentions)  # ("nandrolone, a banned substance")


def _longer_form(entity: Any, q: Question, slot: Slot) -> bool:
    """Is the name a longer form of one the question gives ("Multiplex Group" for "Which contractor
    did Multiplex replace?"), not a qualifier of the asked noun ("Which Manchester club" ->
    "Manchester United")?"""
    from .nlp import parse

    shared = {w for w in words(entity.text) if len(w) > 2} & set(q.entities)
    if not shared:
        return False
    noun = [t for t in parse(q.core or q.text) if t.pos_ == "NOUN" and stem(t.lower_) == slot.noun]
    qualifying = {w for t in noun for c in t.subtree if c.i < t.i for w in words(c.text)}
    return not shared & qualifying


# Verbs by which a sentence reports what someone said or holds, beyond question.SPEECH_VERBS (lemmas).
_STANCE_VERBS = SPEECH_VERBS | {"confirm", "emphasize", "emphasise", "hail", "announce", "accuse", "criticize",
                                "criticise", "praise", "welcome", "deny", "reiterate", "express", "urge", "promise",
                                "admit", "acknowledge", "dismiss", "condemn", "label", "brand", "defend", "declare",
                                "raise", "reject", "point", "mean", "feel", "expect", "voice", "ask", "question"}


_OPENING_QUOTES = ('"', "“", "‘")


def _with_attribution(top: list[_Cand], cands: list[_Cand], most: int = 3) -> dict[int, str]:
    """For a sentence that opens a quotation, its text with the sentences that continue it up to the
    one that closes it (at most ``most`` more), where the speaker is named ("“The goal ... is not to
    threaten anyone. ... instability,” said Ejup Maqedonci.")."""
    after = {(c.passage, c.sentence): c.quote for c in cands}
    out = {}
    for c in top:
        if not c.quote.lstrip().startswith(_OPENING_QUOTES):
            continue
        text = c.quote
        for k in range(1, most + 1):
            more = after.get((c.passage, c.sentence + k))
            if more is None:
                break
            text += " " + more
            if "”" in more or more.count('"') % 2 or "’" in more[-3:]:
                break
        out[id(c)] = text
    return out


def _says(doc: Any, name: str) -> bool:
    """Does a parsed sentence give words of ``name`` (the last word of a name, folded; another
    transliteration matches): as the subject of a verb of saying, stance or thinking ("said Ejup
    Maqedonci", "Đurić confirmed that ...", "Kurti hailed it as ... and emphasized"), after
    "according to", or as "he"/"she" (the sentence before names them, as a rule)? A name that is only
    mentioned ("after talks with Stoltenberg", "Orbán assisted", "as Mallon toured") gives none."""
    def named(token: Any) -> bool:
        return token.lower_ in ("he", "she") or any(
            _same_name(fold(x.text), name) for x in token.subtree if x.pos_ == "PROPN")

    for t in doc:
        if t.pos_ == "VERB" and t.lemma_.lower() in _STANCE_VERBS:
            doer = t.head if t.dep_ == "conj" and not any(c.dep_ == "nsubj" for c in t.children) else t
            if any(c.dep_ == "nsubj" and named(c) for c in doer.children):
                return True
        if t.lower_ == "according" and any(_same_name(fold(x.text), name) for x in t.subtree):
            return True
    return False


def _same_name(word: str, name: str) -> bool:
    return word == name or (len(name) >= 5 and sounds_like(sound(word), {sound(name)}))


def _same_role(slot: Slot, doc: Any) -> bool:
    """Does the sentence name the asked role, not the same role of another (the question's
    "Croatian defence minister" is not the sentence's "Kosovo's Defence Minister", nor its
    "transport minister" a "finance minister")?"""
    for tok in doc:
        if stem(fold(tok.text).split("-")[0]) != slot.noun:
            continue
        if _agree(slot.qualifiers, qualifiers(tok)) and _agree(slot.sort, sort_of(tok)):
            return True
    return False


def _agree(asked: tuple[str, ...], found: tuple[str, ...]) -> bool:
    """Qualifiers agree unless both sides give some and none is shared."""
    return not asked or not found or bool(set(asked) & set(found))


def _names_noun(entity: Any, noun: str) -> bool:
    """Is a name the named noun's own: the noun is in the name ("the Dayton Agreement"), or the
    name stands next to it by apposition, compound or "called" ("the treaty, the X, ...")? A
    sentence that does not have the noun leaves that open (True)."""
    doc = entity.doc
    nouns = [t for t in doc if stem(fold(t.text)) == noun]
    if not nouns or any(entity.start <= t.i < entity.end for t in nouns):
        return True
    root = entity.root
    for t in nouns:
        if root.head.i == t.i and root.dep_ in ("appos", "compound", "nmod", "npadvmod"):
            return True
        if t.head.i == root.i and t.dep_ in ("appos", "compound"):
            return True
        if root.head.lemma_ in ("call", "name", "know", "title") and root.head.head.i == t.i:
            return True
    return False


def _same_stem(noun: str, tokens: list[Any]) -> bool:
    return not noun or any(stem(fold(t.text).split("-")[0]) == noun for t in tokens)


def _same_meaning(word: str, tokens: list[Any], embedder: Embedder | None) -> bool:
    """Does one of the nouns among ``tokens`` mean what ``word`` does ("troops" for "soldiers")?"""
    nouns = sorted({t.text for t in tokens if t.pos_ in ("NOUN", "PROPN")})
    if embedder is None or not word or not nouns:
        return False
    vecs = embedder.embed([word, *nouns])
    return bool((vecs[1:] @ vecs[0] >= SAME_NOUN).any())


def _counts_a_noun(number: Any) -> bool:
    """Does the parse attach the number to a noun it counts ("26 vehicles", "18 March"), rather
    than leave what it counts implicit ("with 50,000 sold")?"""
    head = number
    while head.dep_ in ("compound", "quantmod") and head.head.like_num and head.head.i != head.i:
        head = head.head
    return head.dep_ == "nummod" and head.head.pos_ in ("NOUN", "PROPN")


def _counted(number: Any) -> list[Any]:
    """The words a number token may count: its head noun and the few words after it."""
    head = number
    while head.dep_ in ("nummod", "compound", "quantmod") and head.head.i != head.i and head.head.like_num:
        head = head.head
    return [head.head, *number.doc[number.i + 1: number.i + 5]]


_WANTED = {"count": "number", "money": "amount", "date": "date", "duration": "length of time", "person": "person",
           "place": "place"}


def _with_aliases(present: set[str], aliases: Mapping[str, frozenset[str]]) -> set[str]:
    return present | {t for t, words_ in aliases.items() if words_ <= present}


def _covered(weights: Mapping[str, float], present: set[str] | frozenset[str], total: float) -> float:
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in present) / total


def _has_kind(q: Question, sentence: str, kind: str | None = None) -> bool:
    """Does the sentence hold the kind of thing the question asks for (or ``kind``)?"""
    low = fold(sentence)
    kind = kind or q.kind
    if kind == "count":
        return any(not _YEAR.match(m.group()) and m.group() not in q.numbers
                   for m in _COUNT.finditer(low)) or bool(_ORDINAL.search(low) and _RANKED.search(fold(q.core)))
    if kind == "money":
        return bool(_MONEY.search(low))
    if kind == "date":
        return bool(_DATE.search(low))
    if kind == "duration":  # "how long ...?": "for 30 years", "since 1999", "three months"
        return bool(_DURATION.search(low))
    if kind == "person":
        names = [m.group() for m in _NAME.finditer(sentence)]
        names += [m.group(1) for m in _SAYS.finditer(sentence)]
        fresh = [n for n in names if not set(words(n)) <= set(q.entities)]
        roles = [m.group() for m in _ROLE.finditer(low) if stem(m.group().split()[-1]) not in q.terms]
        return bool(fresh or roles)
    if kind == "place":
        return any(fold(m.group().split()[-1]) not in q.entities for m in _PLACE.finditer(sentence))
    if kind == "reason":
        return bool(_REASON.search(low))
    return True


def _slot(q: Question, sentence: str) -> float:
    """1.0 when a count question's counted noun directly follows a number ("79 joint activities")."""
    if q.kind != "count" or not q.focus:
        return 0.0
    tokens = words(sentence)
    stems = [stem(t) for t in tokens]
    for i, t in enumerate(tokens):
        if (_COUNT.fullmatch(t) and not _YEAR.match(t) and t not in q.numbers
                and q.focus[0] in stems[i + 1 : i + 4]):
            return 1.0
    return 0.0


def _shape(sentence: str, q: Question) -> float:
    """Discount headings, questions, fragments, and sentences about another year than asked."""
    n = len(sentence.split())
    factor = 1.0
    years = set(_YEARS.findall(sentence))
    asked = {y for y in q.numbers if _YEAR.match(y)}
    if asked and years and not asked & years:
        factor *= 0.8
    capitals = sum(1 for w in sentence.split() if w[:1].isupper())
    if n < 6 or (n <= 14 and capitals >= 0.6 * n and not sentence.endswith(".")):  # headings
        factor *= 0.6
    if sentence.rstrip().endswith("?"):
        factor *= 0.6
    if n > 60:
        factor *= 0.85
    return factor


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def _missing_names(q: Question, passages: list[Passage], corpus: Mapping[str, int],
                   known_initials: Iterable[str] = ()) -> str | None:
    """Names and numbers of the question found neither in the retrieved passages (as words,
    5-letter prefixes, or initialisms such as CSTO) nor anywhere in the corpus (as words or as
    the initials of its names: ``known_initials``), quoted."""
    present: set[str] = set()
    for p in passages:
        present.update(words(p.title + " " + p.text))
    prefixes = {w[:5] for w in present if len(w) >= 5}

    def found(token: str) -> bool:  # the cheap checks first
        return (token in present or (len(token) >= 5 and token[:5] in prefixes)
                or (len(token) > 1 and corpus.get(stem(token), 0) > 0))

    missing = [t for t in q.entities if not found(t)]
    # Numbers by value, as the claim checker compares them: "£11.5m" = "11.5 million", "1,200" = "1200".
    asked = number_mentions(q.core or q.text, count_one=False)
    have = {v for p in passages for _, values, _ in number_mentions(p.title + " " + p.text)
            for v in values} if asked else set()
    for written, values, _ in asked:
        digits = re.sub(r"\D", "", written)
        # (a single digit names nothing in particular: every corpus has one, which the term index skips)
        if len(digits) > 1 and not values & have and not corpus.get(digits, 0) > 0:
            missing.append(written)
    if missing:  # then initialisms and other spellings of a name
        initials = set(initialisms(p.title + " " + p.text for p in passages)) | set(known_initials)
        sounds = {sound(w) for w in present if len(w) >= 5}
        missing = [t for t in missing if t not in initials
                   and not (len(t) >= 5 and sounds_like(sound(t), sounds))]
    if not missing:
        return None
    return ", ".join(f"“{m}”" for m in missing[:3])
