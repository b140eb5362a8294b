"""Where the articles disagree: statements with exact spans, and the disagreements between them.

Two articles are compared only when they are about the same events (their content terms are
alike, ``ARTICLE_SIMILARITY``). Then:

- **aligned sentences** (the same statement in both, ``SENTENCE_SIMILARITY``) are diffed word by
  word; where one writes a value the other replaces, the two values are statements about one
  subject and attribute, and a disagreement when they differ as values: ``number`` ("26" =
  "twenty-six", via ``support.number_mentions``), ``date``, ``name`` (another name in its
  place; ``name_spelling`` when it is one edit away) or ``polarity`` (a negation on one side only);
- **membership** statements ("X is a NATO member", "X, a member of NATO", "X cannot join NATO",
  "X's non-membership") disagree when one article asserts what another negates;
- **name spellings**: names of two or more words written alike but for one edit in one word;
- **events** on a stated day ("signed on 18 March" / "announced on 18 March") disagree when the
  verbs name different steps (``EVENT_VERBS``).

Agreement in other words is no disagreement; a later-dated article that differs from an earlier
one is an ``update`` (both dates shown), not a contradiction.

Hand-written because no packaged library aligns statements across articles offline; spaCy gives
the entities and the parse it is built on.

>>> _spelling(["kristof", "szalay", "bobrovniczzy"], ["defence", "kristof", "szalay", "bobrovniczky"])
('bobrovniczzy', 'bobrovniczky')
>>> _date_value("March 18"), _date_value("18 March")
('03-18', '03-18')
>>> docs = [ArticleText("a.txt", "A", None, "The plan lists 79 joint activities for the army."),
...         ArticleText("b.txt", "B", None, "The plan lists seventy-nine joint activities for the army.")]
>>> find(docs)                                                          # doctest: +SKIP
[]
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from ..records import Answer, Citation, Disagreement
from ..text import fold, sentence_spans, stem, terms, words
from .compose import holding
from .nlp import pipeline
from .question import Question
from .support import known, negations, number_mentions, number_values

DETECTOR = "3"  # the detector's version: bump it when what ``find`` reports changes (names cached findings)
MAX_IN_ANSWER = 3  # disagreements an answer shows (each adds a cited sentence)
# A question that asks whether the articles agree ("do the articles agree on ...", "is that consistent").
_AGREEMENT_WORDS = frozenset({"agree", "disagree", "disagreement", "differ", "difference", "contradict",
                              "contradiction", "conflict", "consistent", "inconsistent", "discrepancy"})
_SPELLING_WORDS = frozenset({"spell", "spelling", "spelt", "spelled"})

# --- tuned numbers (one home each) -----------------------------------------------------------
# Set on plant seed 1 (50 BBC articles and their changed copies) and 300 unmodified BBC articles
# (seed 3), never on seed 2, the reported one: recall 1.0, precision 1.0; 1 report on the 300
# (a real spelling variant). See rag/evaluation/conflicts.py for the commands.
# tf-idf cosine of two articles' terms for them to be about the same events: the seed pairs are
# 0.19-0.38, planted copies >= 0.98, random BBC pairs 0.04 median, 0.17 at the 99th percentile
ARTICLE_SIMILARITY = 0.15
SENTENCE_SIMILARITY = 0.6  # Jaccard of two sentences' content terms to be one statement (set a priori; seed 1 agreed)
MIN_TERMS = 3  # content terms a sentence needs to be aligned at all; 4 missed 2 of 50 planted changes on seed 1
NAME_RATIO = 0.8  # word-level similarity two aligned sentences need before a changed name counts (a priori)
SPELLING_MIN_LENGTH = 6  # letters of a name word before one edit is a spelling, not another name (a priori)
# Verbs that name different steps of an agreement: "signed" and "announced" on one day disagree.
EVENT_VERBS = frozenset({"sign", "announce", "ratify", "approve", "propose", "agree", "launch", "form", "unveil"})

_NAMES = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})
_NOT_NUMBERS = frozenset({"DATE", "TIME", "ORDINAL"})
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "prof", "professor", "president",
                     "minister", "king", "queen", "prince", "princess", "pope", "general", "judge", "senator"})
_NEGATORS = frozenset({"not", "n't", "never", "no"})
_GROUP_WORDS = frozenset({"nation", "country", "state", "signatory", "party", "member", "government"})
_COUNTS = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+([A-Z][a-z]+)\b|\b([A-Z][a-z]+)\s+(\d{1,2})\b")


@dataclass(frozen=True)
class ArticleText:
    """An article as the detector reads it."""

    source: str
    title: str
    date: str | None
    text: str


@dataclass(frozen=True)
class Statement:
    """One stated value: ``text[start:end] == quote`` is its sentence, ``text[at:to]`` the value."""

    source: str
    date: str | None
    kind: str  # number | date | name | polarity | membership | event
    subject: str
    attribute: str
    value: str  # normalised: "79.0", "03-18", "szalay bobrovniczky", "member of nato"
    polarity: bool  # False: the sentence negates it
    start: int
    end: int
    quote: str
    at: int
    to: int


@dataclass
class _Sentence:
    source: str
    start: int
    end: int
    text: str
    terms: frozenset[str]
    doc: Any = None  # parsed only when a comparison needs it (``_parse``)


# --- reading -----------------------------------------------------------------------------------

def _sentences(articles: Sequence[ArticleText]) -> dict[str, list[_Sentence]]:
    """Every sentence of every article with its content terms (not parsed yet: see ``_parse``)."""
    return {a.source: [_Sentence(a.source, s, e, a.text[s:e], frozenset(x for x in terms(a.text[s:e]) if not x.isdigit()))
                       for s, e in sentence_spans(a.text)] for a in articles}


def _parse(sentences: Iterable[_Sentence]) -> None:
    """Parse the sentences not parsed yet (spaCy's ``pipe``: batches, ~3x faster than one by one).
    Parsing is most of the detector's cost, so only sentences a comparison reads are parsed."""
    todo = list({id(s): s for s in sentences if s.doc is None}.values())
    for s, doc in zip(todo, pipeline().pipe([s.text for s in todo], batch_size=64), strict=True):
        s.doc = doc


# A sentence may hold a membership, an event on a stated day or a signing only if it has one of these
# (a superset of what ``statements`` reads from the parse; the others are not parsed).
_MAY_MEMBER = re.compile(r"\b(members?|membership|non|join|joins|joined|joining)\b", re.IGNORECASE)
_MAY_SIGN_SOON = re.compile(r"\bsign.*\bsoon\b|\bsoon\b.*\bsign", re.IGNORECASE)


def _may_state(text: str) -> bool:
    return bool(_MAY_MEMBER.search(text) or _DAY_MONTH.search(text) or _MAY_SIGN_SOON.search(text))


def _similar_articles(articles: Sequence[ArticleText], sentences: dict[str, list[_Sentence]],
                      threshold: float) -> list[tuple[int, int]]:
    """Pairs of articles about the same events: tf-idf cosine of their content terms."""
    sims = similarity([Counter(t for s in sentences[a.source] for t in s.terms) for a in articles])
    return [(i, j) for i, j in combinations(range(len(articles)), 2) if sims[i, j] >= threshold]


def similarity(bags: Sequence[Counter[str]]) -> Any:
    """The tf-idf cosine of every two bags of terms (a numpy matrix)."""
    import numpy as np

    df = Counter(t for b in bags for t in b)
    vocab = {t: i for i, t in enumerate(df)}
    m = np.zeros((len(bags), len(vocab)), dtype=np.float32)
    for row, bag in enumerate(bags):
        for t, n in bag.items():
            m[row, vocab[t]] = (1 + math.log(n)) * math.log((1 + len(bags)) / (1 + df[t]) + 1)
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    return m @ m.T


# --- statements ----------------------------------------------------------------------------------

def _subject(doc: Any) -> str:
    """The sentence's subject: its first name, else the root's subject noun phrase."""
    for ent in doc.ents:
        if ent.label_ in _NAMES:
            return ent.text
    for t in doc:
        if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ in ("NOUN", "PROPN"):
            return " ".join(x.text for x in t.subtree if x.dep_ in ("compound", "amod") or x.i == t.i)
    return doc.text[:40]


def _attribute(token: Any) -> str:
    """What a value is about: the noun it counts or the word it depends on ("79 activities" -> activity)."""
    node = token
    for _ in range(3):
        if node.head.i == node.i:  # spaCy makes a new Token per access: compare positions
            break
        node = node.head
        if node.pos_ in ("NOUN", "VERB", "PROPN"):
            return str(node.lemma_.lower())
    return str(token.lemma_.lower())


def _number_list(text: str) -> Counter[frozenset[float]]:
    """The numbers of ``text``, each as the values it may stand for, counted ("£10m ... 10-minute": two)."""
    return Counter(vs for _, vs, _ in number_mentions(text))


def _date_value(text: str) -> str:
    """A date phrase normalised: "18 March" and "March 18" -> "03-18"; otherwise its folded words."""
    m = _DAY_MONTH.search(text)
    if m:
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if month.lower() in _MONTHS:
            return f"{_MONTHS[month.lower()]:02d}-{int(day):02d}"
    out = []
    for w in words(text):
        values = number_mentions(w)
        if w != "the":  # "a twenty year period" = "a 20-year period"
            out.append(f"{max(values[0][1]):g}" if values and w != "a" else w)
    return " ".join(out)


def _spans_of(doc: Any, i: int, j: int) -> tuple[str, str, Any]:
    """(kind, value, first token) of tokens i..j of an aligned sentence, or ("", "", None)."""
    if i >= j:
        return "", "", None
    toks = doc[i:j]
    ents = {t.ent_type_ for t in toks}
    text = toks.text
    if ents & {"DATE", "TIME"}:
        return "date", _date_value(text), toks[0]
    if number_values(text) and not ents & _NOT_NUMBERS:
        return "number", text, toks[0]
    if all(t.text[:1].isupper() or t.is_punct for t in toks) and any(t.pos_ == "PROPN" or t.ent_type_ in _NAMES
                                                                     for t in toks):
        return "name", text, toks[0]
    return "", "", None


def _statement(s: _Sentence, a: ArticleText, kind: str, value: str, token: Any, length: int,
               *, polarity: bool = True) -> Statement:
    at = s.start + token.idx
    return Statement(a.source, a.date, kind, _subject(s.doc), _attribute(token), value, polarity,
                     s.start, s.end, s.text, at, at + length)


def _diff(a: _Sentence, b: _Sentence, art_a: ArticleText, art_b: ArticleText) -> list[tuple[str, Statement, Statement]]:
    """The values two aligned sentences state differently, as (kind, statement, statement)."""
    ta, tb = [t.lower_ for t in a.doc], [t.lower_ for t in b.doc]
    matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    out: list[tuple[str, Statement, Statement]] = []
    nums_a, nums_b = _number_list(a.text), _number_list(b.text)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op in ("insert", "delete") or {*ta[i1:i2], *tb[j1:j2]} & _NEGATORS:
            ga, gb = set(ta[i1:i2]) & _NEGATORS, set(tb[j1:j2]) & _NEGATORS
            if (ga or gb) and ga != gb and negations(a.doc) != negations(b.doc):
                tok_a, tok_b = a.doc[min(i1, len(a.doc) - 1)], b.doc[min(j1, len(b.doc) - 1)]
                neg_a = negations(a.doc) > negations(b.doc)
                out.append(("polarity", _statement(a, art_a, "polarity", "not" if neg_a else "", tok_a, 0,
                                                   polarity=not neg_a),
                            _statement(b, art_b, "polarity", "" if neg_a else "not", tok_b, 0, polarity=neg_a)))
            continue
        kind_a, val_a, tok_a = _spans_of(a.doc, i1, i2)
        kind_b, val_b, tok_b = _spans_of(b.doc, j1, j2)
        if {kind_a, kind_b} == {"date", "number"}:  # one side's number read as a date ("the age of 79"/"118")
            kind_a, val_a, kind_b, val_b = "number", a.doc[i1:i2].text, "number", b.doc[j1:j2].text
        if not kind_a or kind_a != kind_b:
            continue
        if kind_a == "number":
            va, vb = number_values(val_a), number_values(val_b)
            if va & vb or nums_a == nums_b:  # the same value, or the same numbers said in another order
                continue
        elif kind_a == "date" and val_a == val_b:
            continue
        elif kind_a == "name":
            if not any(t.pos_ in ("VERB", "AUX") for t in a.doc):
                continue  # a list of names (a team sheet) states nothing about any one of them
            if matcher.ratio() < NAME_RATIO or known(fold(val_a), [fold(val_b)]) \
                    or {*words(val_a), *words(val_b)} & _TITLES:  # "Mr Howard" for "Michael Howard"
                continue
            if _spelling(words(val_a), words(val_b)):
                kind_a = "name_spelling"
        sa = _statement(a, art_a, kind_a, val_a, tok_a, len(a.doc[i1:i2].text))
        sb = _statement(b, art_b, kind_a, val_b, tok_b, len(b.doc[j1:j2].text))
        out.append((kind_a, sa, sb))
    return out


def _edits(x: str, y: str) -> int:
    """Levenshtein distance (hand-written: a dozen lines; no packaged edit-distance library here)."""
    prev = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        cur = [i]
        for j, cy in enumerate(y, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cx != cy)))
        prev = cur
    return prev[-1]


def _one_edit(p: str, q: str) -> bool:
    """Two spellings of one name word: one edit apart, long enough, not an inflection ("Serbian")."""
    return p != q and min(len(p), len(q)) >= SPELLING_MIN_LENGTH and _edits(p, q) == 1 and not known(p, [q])


def _spelling(x: Sequence[str], y: Sequence[str]) -> tuple[str, str] | None:
    """Two spellings of one name: a word one edit away from the other's, next to a word both write
    the same ("Szalay Bobrovniczzy" / "Szalay Bobrovniczky"), or the lone word of an aligned diff;
    the two words, or None."""
    if len(x) == len(y) == 1:
        return (x[0], y[0]) if _one_edit(x[0], y[0]) else None
    for i, p in enumerate(x):
        for j, q in enumerate(y):
            if _one_edit(p, q) and ((i and j and x[i - 1] == y[j - 1])
                                    or (i + 1 < len(x) and j + 1 < len(y) and x[i + 1] == y[j + 1])):
                return p, q
    return None


# --- membership, names and events, stated anywhere in an article ----------------------------------

def _group(token: Any, previous: Any) -> list[Any]:
    """The names a plural phrase stands for: "the three nations, which ..." -> the last list of
    three names in this or the previous sentence; "X, Y (both ...)" -> X and Y."""
    head = token
    if head.dep_ in ("nsubj",) and head.tag_ == "WDT":  # "which are ..." -> the noun it describes
        head = head.head.head
    if head.ent_type_ in ("GPE", "ORG", "NORP"):
        return [head, *head.conjuncts]
    n = next((_COUNTS[c.lower_] for c in head.children if c.lower_ in _COUNTS), 0)
    if not n or head.lemma_.lower() not in _GROUP_WORDS:
        return []
    for doc in (head.doc, previous):
        if doc is None:
            continue
        lists: dict[int, list[Any]] = {}  # coordinated names ("Albania, Kosovo, and Croatia"), by first name
        for e in doc.ents:
            if e.label_ == "GPE" and (doc is not head.doc or e.start < head.i):
                first = e.root
                while first.dep_ == "conj" and first.head.i != first.i:
                    first = first.head
                lists.setdefault(first.i, []).append(e.root)
        fitting = [names for _, names in sorted(lists.items()) if len(names) == n]
        if fitting:
            return fitting[-1]
    return []


def _memberships(s: _Sentence, a: ArticleText, previous: Any) -> list[Statement]:
    """(country, "member of ORG", polarity) statements of one sentence."""
    out = []
    for t in s.doc:
        lemma = t.lemma_.lower()
        org = next((c for c in t.children if c.dep_ == "compound" and c.ent_type_ == "ORG"), None)
        if org is None and lemma in ("member", "membership", "join"):
            pobj = [g for c in t.children if c.dep_ in ("prep", "dobj") for g in [c, *c.children]
                    if g.ent_type_ == "ORG" and g.pos_ == "PROPN"]
            org = pobj[0] if pobj else None
        if org is None or lemma not in ("member", "membership", "non", "join"):
            continue
        members: list[Any] = []
        negated = False
        if lemma == "member" and t.dep_ == "attr":
            verb = t.head
            negated = any(c.dep_ == "neg" for c in verb.children)
            subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            members = _group(subj, previous) if subj is not None else []
            if any(c.lower_ in ("most", "some", "many") for c in t.children):
                members = []
        elif lemma == "member" and t.dep_ == "appos":
            if any(c.lower_ == "both" for c in t.children):
                members = [t.head, *[c for c in t.head.conjuncts if c.i < t.head.i]][:2]
            else:
                members = [t.head]
        elif lemma == "membership":
            owner = next((c for c in t.children if c.dep_ == "poss"), None)
            members = [owner] if owner is not None else []
            negated = t.text.lower().startswith("non") or any(c.lower_ == "non" for c in t.children)
        elif lemma == "join" and t.pos_ == "VERB":
            aux = {c.lower_ for c in t.children if c.dep_ in ("aux", "neg")}
            if not (aux & {"can", "could", "ca"} and aux & {"not", "n't"}):
                continue  # "may join", "should never join": no statement of membership
            subj = next((c for c in t.children if c.dep_ == "nsubj"), None)
            members, negated = ([subj] if subj is not None else []), True
        for m in members:
            if m is None or m.ent_type_ not in ("GPE", "ORG", "NORP"):
                continue
            value = f"member of {fold(org.text)}"
            at = s.start + m.idx
            out.append(Statement(a.source, a.date, "membership", m.text, "membership", value,
                                 not negated,
                                 s.start, s.end, s.text, at, at + len(m.text)))
    return out


def _canonical(name: str) -> str:
    return " ".join(stem(w) for w in words(name))


def _places(subject: str) -> set[str]:
    return {_canonical(p) for p in subject.split(", ")}


_NAME_RUN = re.compile(r"[A-Z][\w’'-]+(?:[\s-]+[A-Z][\w’'-]+)+")  # "Kristóf Szalay-Bobrovniczky"


def _names(s: _Sentence, a: ArticleText) -> list[Statement]:
    """Runs of capitalised words (spaCy misses names after a title: "Minister of Defence Kristóf ...")."""
    out = []
    for m in _NAME_RUN.finditer(s.text):
        at = s.start + m.start()
        out.append(Statement(a.source, a.date, "name", m.group(), "spelling", " ".join(words(m.group())), True,
                             s.start, s.end, s.text, at, at + len(m.group())))
    return out


def _events(s: _Sentence, a: ArticleText) -> list[Statement]:
    """What happened on a stated day, and to which countries: ("Albania, Croatia, Kosovo", "03-18", "sign")."""
    out: list[Statement] = []
    places = sorted({e.text for e in s.doc.ents if e.label_ == "GPE"})
    if len(places) < 2:
        return out
    for e in s.doc.ents:
        if e.label_ != "DATE" or not _DAY_MONTH.search(e.text):
            continue
        node = e.root
        while node.pos_ != "VERB" and node.head.i != node.i:
            node = node.head
        if node.lemma_.lower() in EVENT_VERBS:
            at = s.start + e.start_char
            out.append(Statement(a.source, a.date, "event", ", ".join(places), _date_value(e.text),
                                 node.lemma_.lower(), True, s.start, s.end, s.text, at, at + len(e.text)))
    return out


_AGREEMENTS = frozenset({"agreement", "pact", "treaty", "memorandum", "deal", "accord", "declaration", "alliance"})


def _parties(tokens: Iterable[Any]) -> dict[str, str]:
    """Countries named (or their adjectives: "Hungarian-Serbian pact") -> as written."""
    out: dict[str, str] = {}
    for t in tokens:
        if t.ent_type_ in ("GPE", "NORP") or (t.pos_ == "ADJ" and t.text.istitle() and t.i > 0):
            out.setdefault(_canonical(t.text), t.text)
    return out


def _signings(s: _Sentence, a: ArticleText) -> list[Statement]:
    """When an agreement between countries was (or is to be) signed: "signed on 1 April", "the
    pact of 1 April", "possibly being signed soon" -> ("Serbia, Hungary", "signed", "04-01" | "soon")."""
    out: list[Statement] = []
    for t in s.doc:
        when = None
        if t.lemma_.lower() == "sign" and t.pos_ == "VERB":
            when = next((c for c in t.children if c.dep_ == "advmod" and c.lower_ == "soon"), None)
            if when is None:
                when = next((g for c in t.children if c.dep_ == "prep" and c.lower_ == "on" for g in c.children
                             if g.ent_type_ == "DATE"), None)
            parties = _parties(s.doc)
        elif t.lemma_.lower() in _AGREEMENTS and t.pos_ == "NOUN":
            when = next((g for c in t.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children
                         if g.ent_type_ == "DATE"), None)
            parties = _parties(t.subtree)
            if len(parties) < 2:
                parties = _parties(s.doc)
        if when is None or len(parties) < 2:
            continue
        if when.lower_ == "soon":
            value, span = "soon", (when.idx, when.idx + len(when.text))
        else:
            ent = next(e for e in s.doc.ents if e.start <= when.i < e.end)
            if not _DAY_MONTH.search(ent.text):
                continue
            value, span = _date_value(ent.text), (ent.start_char, ent.end_char)
        out.append(Statement(a.source, a.date, "signing", ", ".join(sorted(parties.values())), "signed", value,
                             True, s.start, s.end, s.text, s.start + span[0], s.start + span[1]))
    return out


def statements(article: ArticleText, sentences: Sequence[_Sentence]) -> list[Statement]:
    """The membership, name and event statements of one article (values in aligned sentences are
    compared pair by pair in ``find``)."""
    out: list[Statement] = []
    previous = None
    for s in sentences:
        out += _names(s, article)
        if s.doc is not None:  # (unparsed: ``_may_state`` found nothing for the parse to read)
            out += _memberships(s, article, previous) + _events(s, article) + _signings(s, article)
        previous = s.doc
    return out


# --- disagreements --------------------------------------------------------------------------------

def _disagreement(kind: str, subject: str, a: Statement, b: Statement, titles: dict[str, str]) -> Disagreement:
    """Two statements as a disagreement: the earlier-dated side first, each its sentence, quoted."""
    update = bool(a.date and b.date and a.date != b.date) and kind != "name_spelling"
    first, second = sorted((a, b), key=lambda st: (st.date or "", st.source))
    sides = tuple(Citation(n, st.source, titles[st.source], st.date, st.start, st.end, st.quote)
                  for n, st in enumerate((first, second), start=1))
    values = tuple(st.value if st.polarity or st.kind == "polarity" else f"not {st.value}" for st in (first, second))
    return Disagreement(kind, subject, sides, values, update)


def _aligned(xs: Sequence[_Sentence], ys: Sequence[_Sentence]) -> Iterable[tuple[_Sentence, _Sentence]]:
    """Sentence pairs that state the same thing: each the other's most similar, above the threshold."""
    def sim(p: _Sentence, q: _Sentence) -> float:
        return len(p.terms & q.terms) / len(p.terms | q.terms) if p.terms else 0.0

    xs = [s for s in xs if len(s.terms) >= MIN_TERMS]
    ys = [s for s in ys if len(s.terms) >= MIN_TERMS]
    best_y = {id(x): max(ys, key=lambda y: sim(x, y)) for x in xs} if ys else {}
    best_x = {id(y): max(xs, key=lambda x: sim(x, y)) for y in ys} if xs else {}
    for x in xs:
        y = best_y.get(id(x))
        if y is not None and best_x[id(y)] is x and sim(x, y) >= SENTENCE_SIMILARITY and x.text != y.text:
            yield x, y


def find(articles: Sequence[ArticleText], *, min_article_similarity: float = ARTICLE_SIMILARITY,
         changed: Collection[str] | None = None) -> list[Disagreement]:
    """Every disagreement between two of ``articles``, grouped by subject. A source is read once (an
    index may hold one file ingested from two folders; its spans name the source alone).
    ``changed``: only pairs with one of these sources (the others were compared before; the
    corpus-wide statistics, which words are names and which articles are alike, still use all)."""
    unique: dict[str, ArticleText] = {}
    for a in articles:
        unique.setdefault(a.source, a)
    articles = list(unique.values())
    sentences = _sentences(articles)
    titles = {a.source: a.title for a in articles}
    found: dict[tuple[str | int, ...], Disagreement] = {}

    def add(d: Disagreement, key: tuple[str, ...] = ()) -> None:
        x, y = d.sides
        found.setdefault(key or (d.kind, x.source, str(x.start), str(x.end), y.source, str(y.start), str(y.end)), d)

    pairs = _similar_articles(articles, sentences, min_article_similarity)
    if changed is not None:
        pairs = [(i, j) for i, j in pairs if articles[i].source in changed or articles[j].source in changed]
    aligned = {(i, j): list(_aligned(sentences[articles[i].source], sentences[articles[j].source])) for i, j in pairs}
    involved = [articles[i] for i in sorted({i for pair in pairs for i in pair})]
    need = [s for found_ in aligned.values() for pair in found_ for s in pair]
    for a in involved:
        xs = sentences[a.source]
        need += [s for k, x in enumerate(xs) if _may_state(x.text) for s in xs[max(k - 1, 0): k + 1]]
    _parse(need)
    stated = {a.source: statements(a, sentences[a.source]) for a in involved}
    vocab = {a.source: set(words(a.text)) for a in involved}
    common = {w for a in articles for w in _LOWER.findall(a.text)}  # "defence"/"defense": words, not names
    spelled = {a.source: _name_words(stated[a.source], common) for a in involved}
    for i, j in pairs:
        a, b = articles[i], articles[j]
        for x, y in aligned[(i, j)]:
            for kind, sa, sb in _diff(x, y, a, b):
                add(_disagreement(kind, sa.subject, sa, sb, titles))
        for p, q in _one_edit_pairs(spelled[a.source].keys() - vocab[b.source],
                                    spelled[b.source].keys() - vocab[a.source]):
            # (an article that writes both spellings is not one side of a disagreement)
            both = [(sa, sb) for sa in spelled[a.source][p] for sb in spelled[b.source][q]
                    if _spelling(sa.value.split(), sb.value.split()) == (p, q)]
            if both:  # one report per pair of articles and spellings, not one per mention
                sa, sb = both[0]
                add(_disagreement("name_spelling", sa.subject, sa, sb, titles), ("name_spelling", a.source, b.source, p, q))
        for sa in stated[a.source]:
            for sb in stated[b.source]:
                if sa.kind != sb.kind:
                    continue
                if sa.kind == "membership" and _canonical(sa.subject) == _canonical(sb.subject) and sa.value == sb.value \
                        and sa.polarity != sb.polarity:
                    add(_disagreement("membership", sa.subject, sa, sb, titles))
                elif sa.kind == "signing" and sa.value != sb.value \
                        and {_canonical(x) for x in sa.subject.split(", ")} == {_canonical(x) for x in sb.subject.split(", ")}:
                    add(_disagreement("date", f"{sa.subject} agreement signed", sa, sb, titles))
                elif sa.kind == "event" and sa.attribute == sb.attribute and sa.value != sb.value \
                        and len(_places(sa.subject) & _places(sb.subject)) >= 2:
                    add(_disagreement("event", f"{sa.subject} on {sa.attribute}", sa, sb, titles))
    return sorted(found.values(), key=lambda d: (d.subject.lower(), d.kind, d.sides[0].source, d.sides[0].start))


_LOWER = re.compile(r"(?<![\w’'-])[a-z][a-z]+\b")


def _name_words(stated: Sequence[Statement], common: set[str]) -> dict[str, list[Statement]]:
    """Name words long enough to be misspelt (and never written in lower case, as words are) -> the
    name statements that write them."""
    out: dict[str, list[Statement]] = {}
    for st in stated:
        if st.kind == "name":
            for w in set(st.value.split()):
                if len(w) >= SPELLING_MIN_LENGTH and w not in common:
                    out.setdefault(w, []).append(st)
    return out


def _one_edit_pairs(xs: Iterable[str], ys: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of words one edit apart, found through their one-deletion variants (symmetric delete:
    a pair of words one edit apart shares a variant), not by comparing every pair."""
    index: dict[str, set[str]] = {}
    for y in ys:
        for v in _deletions(y):
            index.setdefault(v, set()).add(y)
    return sorted({(x, y) for x in xs for v in _deletions(x) for y in index.get(v, ()) if _one_edit(x, y)})


def _deletions(w: str) -> set[str]:
    return {w} | {w[:i] + w[i + 1:] for i in range(len(w))}


# --- in answers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgreementQuestion:
    """What a question that asks whether the articles agree is about: its terms, and the kinds of
    disagreement that answer its kind of question (a "when" question: dates and dated events)."""

    terms: frozenset[str]
    kinds: frozenset[str] | None  # None: any kind


# The disagreements that answer each kind of question (question.py's kinds); other kinds: any.
_KINDS_FOR = {"date": frozenset({"date", "event"}), "count": frozenset({"number"}), "money": frozenset({"number"}),
              "person": frozenset({"name", "name_spelling"}), "place": frozenset({"name", "event"})}
BROAD_COVER = 0.5  # share of such a question's terms a disagreement's quotes must hold (set a priori)


def asks_about_agreement(q: Question) -> AgreementQuestion | None:
    """For a question that asks whether the articles agree ("Do the articles agree on the date?"),
    what it asks about; else None."""
    from .nlp import parse

    lemmas = {t.lemma_.lower() for t in parse(q.core or q.text)}
    spelling = bool(lemmas & _SPELLING_WORDS)  # "how is the minister's name spelled?": the spellings may differ
    if not lemmas & _AGREEMENT_WORDS and not spelling:
        return None
    asked = set(terms(" ".join(sorted(_AGREEMENT_WORDS | _SPELLING_WORDS)) + " article report source say exact"))
    return AgreementQuestion(frozenset(t for t in q.terms if t not in asked),
                             frozenset({"name_spelling"}) if spelling else _KINDS_FOR.get(q.kind))


def with_disagreements(answer: Answer, found: Sequence[Disagreement], broad: AgreementQuestion | None = None
                       ) -> Answer:
    """``answer`` with the disagreements a citation of it quotes one side of: each other side is
    cited and said ("Another article says otherwise: <its sentence> [n]"), so no contradicted claim
    stands as settled. ``broad`` (the question asks whether the articles agree): a disagreement of a
    kind that answers it, with a side in a retrieved passage and quotes that hold ``BROAD_COVER``
    of its terms, counts too, and both sides are said; such a question the answerer refused is
    answered with those disagreements alone."""
    def at(side: Citation, spans: Sequence[tuple[str, int, int]]) -> bool:
        return any(side.source == src and side.start < end and start < side.end for src, start, end in spans)

    def asked(d: Disagreement) -> bool:
        if broad is None or (broad.kinds is not None and d.kind not in broad.kinds):
            return False
        said = {t for side in d.sides for t in terms(side.quote)}
        near = [(p.source, p.start, p.end) for p in answer.passages]
        return (any(at(side, near) for side in d.sides)
                and len(broad.terms & said) >= BROAD_COVER * max(len(broad.terms), 1))

    refused = answer.abstained  # a question whether the articles agree: the disagreements answer it
    spans = [] if refused else [(c.source, c.start, c.end) for c in answer.citations]
    relevant = [d for d in found if any(at(side, spans) for side in d.sides) or asked(d)][:MAX_IN_ANSWER]
    if not relevant:
        return answer
    citations = [] if refused else list(answer.citations)
    said: list[str] = []
    shown: list[Disagreement] = []
    for d in relevant:
        sides = []
        was_cited = any(at(side, [(c.source, c.start, c.end) for c in citations]) for side in d.sides)
        for i, side in enumerate(d.sides):
            c = next((c for c in citations if at(side, [(c.source, c.start, c.end)])), None)  # cited already
            if c is None:
                c = replace(side, n=len(citations) + 1)
                citations.append(c)
                if was_cited:
                    lead = "A later article says:" if d.update and i == len(d.sides) - 1 else \
                        "Another article says otherwise:"
                else:
                    lead = "The articles disagree. One says:" if i == 0 else "Another says:"
                said.append(f"{lead} {c.quote} [{c.n}]")
            sides.append(c)
        shown.append(replace(d, sides=tuple(sides)))
    text = " ".join(said) if refused else " ".join([answer.text, *said]) if said else answer.text
    return replace(answer, text=text, citations=tuple(citations), passages=holding(answer.passages, citations),
                   disagreements=tuple(shown), abstained=False, short_answer=None if refused else answer.short_answer)
