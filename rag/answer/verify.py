"""Check a generated answer sentence by sentence against the passages it cites.

Nothing the model writes is trusted. For each sentence of the answer:

1. ``[n]`` markers that do not name a retrieved passage are removed; a sentence left
   without a citation is dropped (it cannot be shown as cited fact).
2. The sentences of the cited passages it matches are found: those sharing most of its words
   are embedded (MiniLM), ranked by similarity and by how many of its numbers and names they
   hold; a second one counts when the claim merges it in. Their neighbours in the article
   count only where they say much of the claim too: a month or a country elsewhere in the
   passage vouches for nothing.
3. The fact checks of ``support.py`` run against those sentences: numbers as values, names
   in any form the evidence or the corpus writes them, negation, roles, opposite words.
4. The sentence must mean what they say: similarity, and the share of its content words they hold.
5. Each citation that survives points at the matched *sentences*, as exact spans of the
   source article (``quote == article_text[start:end]``), as in the extractive mode.

Hand-written because no library verifies citations offline. Measured on labelled claims with
``python -m rag eval --claims`` (README "Evaluation"); what still passes: roles swapped with
other verbs, additions with no new name or number, opposites outside the lexicon.

>>> [c for c in split_claims("It has 79 activities. [1] See [4].", 1)]
[Claim(text='It has 79 activities.', cited=(0,), invalid=0), Claim(text='See.', cited=(), invalid=1)]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..embed import Embedder
from ..records import Citation, Passage, Removed, Verification
from ..text import sentence_spans, terms, words
from . import support
from .injection import mask_instructions
from .nlp import parse

# Once the facts check out: calibrated on the seed articles (tests/answer/test_verify.py). A logistic
# model over similarity, coverage and new words, fitted on eval/sets/verify_dev.jsonl, did no better
# (cross-validated: the claims whose facts pass are not told apart by these), so these stay.
SIM_STRONG = 0.72  # this similar to a matched sentence: supported
SIM_MIN = 0.55  # below this: not supported whatever the word overlap
MIN_COVERAGE = 0.75  # between the two: this share of its content words must be in the sentences and neighbours
SIM_CITE = 0.35  # a further cited passage is kept as a citation only this similar
MERGED = 1  # further sentences a claim may merge with its best match (strong models merge two)
MERGE_GAP = 0.25  # ... when this close to the best match's similarity
CANDIDATES = 4  # sentences of its cited passages embedded per claim: those sharing most of its words
ALIGN_FACTS = 0.1  # ranking a claim's sentences: similarity + this x share of its numbers and names they hold
MERGE_TERMS = 2  # ... and holding this many of the claim's words the best match lacks
LEAK_NGRAM = 6  # a sentence sharing this many consecutive words with the instructions is dropped

_NUMS = r"\d+(?:\s*(?:,|;|and|&)\s*\d+)*"
_MARKER = re.compile(rf"\[\s*(?:passages?\s*)?({_NUMS})\s*\]", re.IGNORECASE)
# A marker written after the sentence's full stop ("... 2025. [1]") belongs to that sentence.
# Markers that open the text (or a line) are prefixes: "[1] Serbia signed. [2] Hungary too."
_TRAILING = re.compile(rf"([.!?])((?:[ \t]*\[\s*(?:passages?\s*)?{_NUMS}\s*\])+)", re.IGNORECASE)
_LEADING = re.compile(rf"^\s*\[\s*(?:passages?\s*)?{_NUMS}\s*\]", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer: its text without markers, and what it cites."""

    text: str
    cited: tuple[int, ...]  # indices into the passages (0-based), valid ones only
    invalid: int = 0  # markers that named no retrieved passage (removed)


@dataclass(frozen=True)
class Check:
    """The verifier's verdict on one claim, with the evidence it found."""

    claim: Claim
    supported: bool
    reason: str  # "supported", or why not, e.g. "number 81 is not in the cited passage"
    similarity: float = 0.0  # best cosine with a sentence of a cited passage
    coverage: float = 0.0  # share of the claim's content words found in the cited passages
    quotes: tuple[tuple[int, int, int], ...] = ()  # (passage index, start, end) in the article


@dataclass(frozen=True)
class Verified:
    """A generated answer after verification: only supported sentences, re-cited exactly."""

    text: str
    citations: tuple[Citation, ...]
    checks: tuple[Check, ...]

    @property
    def verification(self) -> Verification:
        kept = sum(c.supported for c in self.checks)
        return Verification(len(self.checks), kept, len(self.checks) - kept,
                            tuple(Removed(c.claim.text, c.reason) for c in self.checks if not c.supported))

    @property
    def invalid_markers(self) -> int:
        return sum(c.claim.invalid for c in self.checks)


def split_claims(text: str, n_passages: int) -> list[Claim]:
    """Sentences of ``text`` with the passage numbers each cites (markers removed)."""
    if not _LEADING.match(text):
        text = _TRAILING.sub(lambda m: m.group(2) + m.group(1), text)
    claims = []
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        cited: list[int] = []
        invalid = 0
        for m in _MARKER.finditer(sentence):
            for num in re.findall(r"\d+", m.group(1)):
                n = int(num)
                if 1 <= n <= n_passages:
                    cited.append(n - 1)
                else:
                    invalid += 1
        bare = _BULLET.sub("", _MARKER.sub("", sentence))
        bare = re.sub(r"\(\s*(?:see|cf\.?)?\s*\)", "", bare, flags=re.IGNORECASE)  # "(see [2])" leftovers
        bare = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(bare.split()))
        if re.search(r"\w", bare):
            claims.append(Claim(bare, tuple(dict.fromkeys(cited)), invalid))
    return claims


def verify(text: str, passages: Sequence[Passage], embedder: Embedder, *, forbidden: str = "",
           aliases: Mapping[str, str] | None = None, article: Callable[[str], str] | None = None) -> Verified:
    """Keep the sentences of ``text`` that their cited passages support; cite exact sentences.

    ``forbidden``: text no sentence may quote (the system prompt). ``aliases``: the corpus's
    initialisms and the names they stand for (``text.initialisms``). ``article``: an article's
    text by source, so a name's other part written elsewhere in it is recognised.
    """
    claims = split_claims(text, len(passages))
    passages = mask_instructions(passages)  # a planted instruction supports nothing it made the model say
    sentences = _passage_sentences(passages)
    # Only the sentences sharing most words with a claim are embedded (MiniLM is most of the cost).
    sentence_terms = [set(terms(t)) for _, _, _, t in sentences]
    candidates = set()
    for c in claims:
        wanted = set(terms(c.text))
        rows = [r for r, (pi, _, _, _) in enumerate(sentences) if pi in c.cited]
        candidates.update(sorted(rows, key=lambda r: -len(wanted & sentence_terms[r]))[:CANDIDATES])
    embedded = sorted(candidates)
    vectors = _embed(embedder, [c.text for c in claims] + [sentences[r][3] for r in embedded])
    claim_vecs = vectors[: len(claims)]
    sent_vecs = np.zeros((len(sentences), vectors.shape[1]), dtype=np.float32)  # not embedded: similarity 0
    sent_vecs[embedded] = vectors[len(claims):]
    leak = _ngrams(forbidden)
    table = dict(aliases or {})  # once per answer, not per sentence (the BBC table has thousands)
    facts = [support.facts(t) for _, _, _, t in sentences]
    read: dict[str, tuple[str, list[tuple[int, int]]]] = {}

    def article_of(source: str) -> tuple[str, list[tuple[int, int]]]:
        """An article's text and sentences, read once per answer however many sentences cite it."""
        if source not in read:
            text = article(source) if article else ""
            read[source] = (text, sentence_spans(text) if text else [])
        return read[source]

    checks = []
    seen: set[tuple[str, ...]] = set()
    for i, claim in enumerate(claims):
        key = tuple(words(claim.text))
        if key in seen:  # small models repeat themselves; a repeat adds nothing
            checks.append(Check(claim, False, "repeats an earlier sentence"))
            continue
        seen.add(key)
        sims = claim_vecs[i] @ sent_vecs.T if len(sentences) else np.zeros(0)
        checks.append(_check(claim, passages, sentences, sims, leak, table, article_of, facts, sentence_terms))
    return _compose(checks, passages)


def _check(claim: Claim, passages: Sequence[Passage], sentences: list[tuple[int, int, int, str]],
           sims: np.ndarray, leak: set[tuple[str, ...]], aliases: dict[str, str],
           article_of: Callable[[str], tuple[str, list[tuple[int, int]]]], facts: list[set[str]],
           sentence_terms: list[set[str]]) -> Check:
    if not claim.cited:
        return Check(claim, False, "no citation to a retrieved passage")
    if leak and _ngrams(claim.text) & leak:
        return Check(claim, False, "quotes the instructions")
    wanted = support.facts(claim.text)
    rank = {r: float(sims[r]) + ALIGN_FACTS * len(wanted & facts[r]) / max(len(wanted), 1)
            for r, (pi, _, _, _) in enumerate(sentences) if pi in claim.cited}
    rows = sorted(rank, key=lambda r: -rank[r])  # the sentence it says most like, and with its facts
    if not rows:
        return Check(claim, False, "the cited passage has no sentences")
    top = max(float(sims[r]) for r in rows)
    claim_doc = parse(claim.text)
    plain = set(terms(claim.text)) - set(support.claim_names(claim_doc))  # what it says, names aside
    core = [rows[0]]
    for r in rows[1:MERGED + 1]:  # a second sentence it merges in: close, and saying more of it
        if sims[r] >= sims[rows[0]] - MERGE_GAP and len((plain & sentence_terms[r])
                                              - sentence_terms[rows[0]]) >= MERGE_TERMS:
            core.append(r)
    source = passages[sentences[core[0]][0]].source
    text, spans = article_of(source)
    if text:  # the neighbours in the article, also where the passage ends
        near = sorted({n for r in core for i, (s, e) in enumerate(spans) if s < sentences[r][2] and sentences[r][1] < e
                       for n in (i - 1, i, i + 1) if 0 <= n < len(spans)})
        context = [text[spans[n][0]:spans[n][1]] for n in near]
        core_text = " ".join(sentences[r][3] for r in core)
        antecedents = (_antecedents(text[:spans[near[0]][0]]) + " " + " ".join(context)
                       if near and _PRONOUN.search(core_text) else "")
    else:
        context = [sentences[n][3] for n in sorted({n for r in core for n in (r - 1, r, r + 1)
                   if 0 <= n < len(sentences) and sentences[n][0] == sentences[r][0]})]
        antecedents = " ".join(context) if _PRONOUN.search(" ".join(sentences[r][3] for r in core)) else ""
    title = passages[sentences[core[0]][0]].title
    evidence = " ".join([title, *(c for c in context if c != title)])
    matched = " ".join(sentences[r][3] for r in core)
    # Neighbours that say much of the claim too (a claim merges a sentence with the next one).
    supporting = {c for c in context if len(plain & set(terms(c))) >= support.NEIGHBOUR_TERMS}
    core_docs = [parse(sentences[r][3]) for r in core]
    reason = support.numbers(claim.text, " ".join([title, matched, *supporting]))
    if reason is None:
        name = support.names(claim_doc, matched, aliases=aliases, article=text, antecedents=antecedents,
                             neighbours=context)
        reason = f"name “{name}” is not in the cited sentences" if name else None
    if reason is None and support.may_negate(" ".join([claim.text, *context])):  # most negate nothing: no parse
        reason = support.polarity(claim_doc, core_docs, [parse(c) for c in context])
    for test in (support.roles, support.opposites):
        if reason is None:
            reason = test(claim_doc, core_docs)
    coverage = support.covered(claim.text, evidence, aliases)
    if reason:
        return Check(claim, False, reason, top, coverage)
    if top < SIM_MIN or (top < SIM_STRONG and coverage < MIN_COVERAGE):
        return Check(claim, False, "the cited sentences do not say this", top, coverage)
    best: dict[int, tuple[float, int]] = {}  # passage -> (similarity, sentence row)
    for r in rows:
        best.setdefault(sentences[r][0], (float(sims[r]), r))
    keep = [pi for pi in claim.cited if pi in best and (best[pi][0] == top or best[pi][0] >= SIM_CITE)]
    quoted = set(core) | {r for r, (pi, _, _, t) in enumerate(sentences) if pi in claim.cited and t in supporting}
    quotes = tuple(dict.fromkeys((pi, sentences[r][1], sentences[r][2]) for pi in keep
                                 for r in sorted({best[pi][1]} | {r for r in quoted if sentences[r][0] == pi})))
    return Check(claim, True, "supported", top, coverage, quotes)


def _compose(checks: list[Check], passages: Sequence[Passage]) -> Verified:
    """Answer text from supported claims, citations numbered by first use (one number per quote)."""
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for check in checks:
        if not check.supported:
            continue
        marks = []
        for pi, start, end in check.quotes:
            p = passages[pi]
            key = (p.source, start, end)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                quote = p.text[start - p.start: end - p.start]
                citations.append(Citation(numbers[key], p.source, p.title, p.date, start, end, quote))
            marks.append(f"[{numbers[key]}]")
        parts.append(f"{check.claim.text} {''.join(dict.fromkeys(marks))}")
    return Verified(" ".join(parts), tuple(citations), tuple(checks))


_PRONOUN = re.compile(r"\b(?:he|she|they|his|her|their|it|its|him|them)\b|[\"“”]", re.IGNORECASE)
_NAME_RUN = re.compile(r"[A-Z][\w’'-]+(?:\s+(?:of\s+)?[A-Z][\w’'-]+)*")
ANTECEDENTS = 3  # names before the evidence a pronoun in it may stand for


def _antecedents(before: str) -> str:
    """The last few names written before the evidence (what "he" or "the company" may refer to)."""
    runs = [m.group() for m in _NAME_RUN.finditer(before[-1500:])]
    return " ".join(runs[-ANTECEDENTS:])


def _passage_sentences(passages: Sequence[Passage]) -> list[tuple[int, int, int, str]]:
    """(passage index, absolute start, absolute end, text) of every sentence of every passage."""
    out = []
    for i, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            out.append((i, p.start + s, p.start + e, p.text[s:e]))
    return out


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return embedder.embed(texts)


def _ngrams(text: str, n: int = LEAK_NGRAM) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i: i + n]) for i in range(len(w) - n + 1)}
