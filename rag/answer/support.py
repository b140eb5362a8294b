"""Does this evidence say what this claim says? The fact checks behind ``verify.py``.

A claim is compared with the few sentences it matches (its *evidence*), never with a whole
passage: a month or a country elsewhere in the passage vouches for nothing. Each check returns
``None`` (no objection) or the reason the claim is not supported:

- ``numbers``: every number of the claim is in the evidence, compared as values ("twenty-six" = 26,
  "$443m" = "443 million", "8-1" = "eight to one"; 7,000 != 700); a bound must point the same way
  ("almost 700" != "over 700"); ordinals ("third" != "fourth"), quantities ("most" != "all") and
  relative times ("last week" != "last month") too.
- ``names``: every proper name of the claim (spaCy's parse, not capital letters) is in the
  evidence, as written, inflected ("Serbian"/"Serbia"), as an initialism of words the evidence
  writes ("UN" = "United Nations", "COO" = "chief operating officer") or the other way round, as an
  alias the corpus defines, or as another part of a name the evidence gives ("Angel" of "Angel
  Corcostegui" where the article writes the full name once and "Corcostegui" here).
- ``polarity``: a word negated on one side ("not", "never", "no", "refused to", "lack") is not
  asserted on the other.
- ``roles``: the subject and object of a verb the two share are not swapped.
- ``opposites``: the claim does not put a word's opposite in its place (a small lexicon of
  directions and evaluations, and the negative prefixes "un-", "in-", "im-", "dis-", "non-").

Hand-written because no packaged library checks claims against sentences offline (no NLI or
cross-encoder weights install without a download; see ../shared/docs/offline-stack.md).

>>> numbers("It cost twenty-six million dollars.", "The price was $26m.")
>>> numbers("Almost 700 people came.", "Over 700 people came.")
'“Almost 700” bounds the number the other way than the passage (“Over 700”)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..text import STOPWORDS, fold, terms, words

# --- numbers -----------------------------------------------------------------------------------

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUE = {w: i for i, w in enumerate(_UNITS)} | {w: 10 * i for i, w in enumerate(_TENS) if w}
_SCALE = {"hundred": 100, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6,
          "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
            "eighties": 80, "nineties": 90}
_ORDINALS = {w: i for i, w in enumerate(
    ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
     "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
     "eighteenth", "nineteenth", "twentieth"]) if i >= 2}  # "first" is too often not a rank
_FRACTIONS = {"half": 2, "third": 3, "quarter": 4, "fifth": 5, "tenth": 10}
_FRACTION = re.compile(r"\b(?:(a|one)[\s-]+(third|quarter|fifth|tenth)(?=\s+of\b)"
                       r"|(two|three|four)[\s-]+(thirds|quarters|fifths|tenths)|(half))\b", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(" + "|".join(["first", *_ORDINALS]) + r")\b", re.IGNORECASE)
# Bounds on a number: <= or >=. "almost 700" and "over 700" are different claims.
_AT_MOST = ("almost", "nearly", "up to", "under", "less than", "fewer than", "below", "as much as",
            "as many as", "just under", "no more than", "at most", "close to")
_AT_LEAST = ("over", "more than", "above", "at least", "exceeding", "upwards of", "in excess of",
             "just over", "no fewer than", "beyond")
_BOUND = re.compile(r"\b(" + "|".join(sorted(_AT_MOST + _AT_LEAST, key=len, reverse=True)).replace(" ", r"\s+")
                    + r")\s+(?:[$£€]\s*)?$", re.IGNORECASE)
_DIGITS = re.compile(r"(?<![\w.])[$£€]?\s*(\d+(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(%|per\s*cent|percent))?"
                     r"(?:\s*-?\s*(hundred|thousand|million|billion|trillion|bn|mn|mln|tn|m|k|b)\b)?"
                     r"(s\b)?", re.IGNORECASE)
_NUMBER_WORD = "|".join(sorted(list(_WORD_VALUE) + ["hundred", "thousand", "million", "billion", "a"],
                               key=len, reverse=True))
_AND_A_HALF = re.compile(rf"\b(\d+|(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}))*)\s+and\s+a\s+half\b", re.IGNORECASE)
_WORDS_NUMBER = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and\s+)?(?:{_NUMBER_WORD}))*\b", re.IGNORECASE)
# Quantities a corruption changes ("certain members" -> "most members"); "some" and "several" are
# too vague to hold a claim to.
_QUANTITIES = {"all": "all", "entire": "all", "most": "most", "majority": "most", "none": "none"}
_NOT_QUANTITY = re.compile(r"\b(?:above|at|after|for|once and for|all but) all\b|\ball (?:but|the same)\b",
                           re.IGNORECASE)
_RELATIVE = re.compile(r"\b(last|next|this|past|previous|coming|earlier this|later this)\s+"
                       r"(day|week|weekend|month|year|decade|century|season|quarter)\b", re.IGNORECASE)
_SAME_RELATIVE = {"past": "last", "previous": "last", "coming": "next", "earlier this": "this",
                  "later this": "this"}


def _round(v: float) -> float:
    return float(f"{v:.6g}")


def number_values(text: str) -> set[float]:
    """Every value the numbers of ``text`` may stand for ("$443m" -> 443 and 443,000,000)."""
    return {v for _, vs, _ in number_mentions(text) for v in vs}


def number_mentions(text: str, *, count_one: bool = True) -> list[tuple[str, frozenset[float], int]]:
    """(as written, the values it may stand for, bound: -1 at most, +1 at least, 0 none) of every
    number in ``text``. "$443m" stands for 443 and 443,000,000; "1990s" for 1990 and 90."""
    out: list[tuple[str, frozenset[float], int]] = []
    taken: list[tuple[int, int]] = []
    for m in _AND_A_HALF.finditer(text):  # "three and a half per cent" = 3.5%
        whole = _word_value(m.group(1)) if not m.group(1)[0].isdigit() else float(m.group(1))
        if whole is not None:
            out.append((m.group(), frozenset({_round(whole + 0.5)}), _bound(text, m.start())))
            taken.append(m.span())
    for m in _DIGITS.finditer(text):
        if _overlaps(m, taken):
            continue
        raw = float(m.group(1).replace(",", ""))
        values = {raw}
        scale = (m.group(3) or "").lower()
        if scale:
            values.add(raw * _SCALE[scale])
        if m.group(4) and raw >= 1000 and raw % 10 == 0:  # "1990s"
            values.add(raw % 100)
        out.append((m.group().strip(), frozenset(_round(v) for v in values), _bound(text, m.start())))
        taken.append(m.span())
    for m in _FRACTION.finditer(text):  # "a fifth of" = 20%, "two-thirds" = 66.7%, "half" = 50%
        if _overlaps(m, taken):
            continue
        count = _word_value(m.group(1) or m.group(3) or "one") or 1.0
        share = count / _FRACTIONS[(m.group(2) or m.group(4) or m.group(5)).lower().rstrip("s")]
        out.append((m.group(), frozenset({_round(share), _round(100 * share), float(round(100 * share))}), 0))
        taken.append(m.span())
    for m in _WORDS_NUMBER.finditer(text):
        if _overlaps(m, taken):
            continue
        value = _word_value(m.group())
        if value is None or (not count_one and m.group().lower() in ("one", "a")):
            continue
        out.append((m.group(), frozenset({_round(value)}), _bound(text, m.start())))
    for w in words(text):
        if w in _DECADES:
            out.append((w, frozenset({float(_DECADES[w])}), 0))
    for m in _ORDINAL.finditer(text):  # "twentieth" = "20th"
        w = m.group().lower()
        if (count_one or w != "first") and not _overlaps(m, taken):
            out.append((m.group(), frozenset({float(_ORDINALS.get(w, 1))}), 0))
    return out


def _overlaps(m: re.Match[str], taken: list[tuple[int, int]]) -> bool:
    """Whether a match overlaps a number already read (one number is read once, in its longest form)."""
    return any(s < m.end() and m.start() < e for s, e in taken)


def _word_value(phrase: str) -> float | None:
    """"twenty-seven" -> 27, "seven thousand" -> 7000, "a million" -> 1e6; None for a lone "a"."""
    total, current, seen, a_alone = 0.0, 0.0, False, False
    for w in re.split(r"[\s-]+", phrase.lower()):
        if w == "and":
            continue
        if w == "a":  # "a million" = 1e6; "a four-month ban" is four
            if not seen:
                current, a_alone = 1.0, True
            continue
        if w in _WORD_VALUE:
            if a_alone:  # "a" before a unit counts nothing
                current, a_alone = 0.0, False
            current += _WORD_VALUE[w]
            seen = True
        elif w in _SCALE:
            current = max(current, 1) * _SCALE[w]
            seen, a_alone = True, False
            if _SCALE[w] >= 1000:
                total, current = total + current, 0.0
    return total + current if seen else None


def _bound(text: str, at: int) -> int:
    m = _BOUND.search(text[max(0, at - 25): at])
    if not m:
        return 0
    return -1 if " ".join(m.group(1).lower().split()) in _AT_MOST else 1


def numbers(claim: str, evidence: str) -> str | None:
    """Why the numbers, ordinals, quantities or relative times of ``claim`` are not those of
    ``evidence``; None when they are."""
    have = number_mentions(evidence)
    values = {v for _, vs, _ in have for v in vs}
    for written, vs, bound in number_mentions(claim, count_one=False):
        if written[:1].isupper() and written[:1].isalpha() and not claim.startswith(written):
            continue  # a number word inside a name: "Group of Eight"
        if not vs & values:
            return f"number “{written}” is not in the cited sentences"
        same = [(w, b) for w, evs, b in have if evs & vs]
        if bound and same and all(b == -bound for _, b in same):
            return f"“{_bound_words(claim, written)}” bounds the number the other way than the passage " \
                   f"(“{_bound_words(evidence, same[0][0])}”)"
    ev_words = set(words(evidence))
    ev_quantities = {_QUANTITIES[w] for w in words(_NOT_QUANTITY.sub(" ", evidence)) if w in _QUANTITIES}
    for w in words(_NOT_QUANTITY.sub(" ", claim)):
        q = _QUANTITIES.get(w)
        if q and q not in ev_quantities:
            return f"“{w}” is not what the cited sentences say"
    ev_rel = {_relative(m) for m in _RELATIVE.finditer(evidence)}
    for m in _RELATIVE.finditer(claim):
        if _relative(m) not in ev_rel and m.group(2).lower() not in ev_words:
            return f"“{m.group()}” is not when the cited sentences say"
    return None


def _bound_words(text: str, written: str) -> str:
    at = text.find(written)
    m = _BOUND.search(text[max(0, at - 25): at]) if at >= 0 else None
    return f"{m.group(1)} {written}" if m else written


def _relative(m: re.Match[str]) -> tuple[str, str]:
    rel = " ".join(m.group(1).lower().split())
    return _SAME_RELATIVE.get(rel, rel), m.group(2).lower()


# --- names -------------------------------------------------------------------------------------

_NAME_ENTITIES = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART",
                            "LAW", "LANGUAGE"})
_JOINERS = frozenset({"of", "for", "the", "and", "&", "de", "on", "in"})


def claim_names(doc: Any) -> list[str]:
    """The proper names of a parsed claim, word by word: proper nouns and named entities that
    are written with a capital (not a capitalised word opening the sentence)."""
    out: list[str] = []
    for t in doc:
        if not t.text[:1].isupper() or t.is_punct:
            continue
        if t.pos_ == "PROPN" or (t.ent_type_ in _NAME_ENTITIES and t.pos_ not in ("DET", "ADP", "PRON", "VERB")):
            out.extend(w for w in words(t.text) if len(w) > 1 and w not in STOPWORDS and not w.isdigit())
    return list(dict.fromkeys(out))


def name_vocabulary(evidence: str, aliases: dict[str, str] | None = None) -> set[str]:
    """Every word a name in ``evidence`` may be written as: its words, the initialisms it writes
    ("NATO", "G8"), and the words the corpus spells those out as."""
    vocab = set(words(evidence))
    for m in re.finditer(r"\b[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*\b|\b[A-Z][a-z]{2,4}\b", evidence):
        vocab.add(m.group().lower())  # written initialisms: "NATO", "PfP", "G8", "Opec"
    if aliases:  # the names the corpus spells out for initialisms written here (the reverse is in _initials)
        for key in [w for w in vocab if w in aliases]:
            vocab.update(words(aliases[key]))
    return vocab


def _initialism(word: str) -> bool:
    """Written like an initialism: two capitals or more ("COO", "PfP"), or a short capitalised word ("Opec")."""
    return sum(c.isupper() for c in word) >= 2 or (word[:1].isupper() and len(word) <= 4)


def _initials(ws: Sequence[str]) -> set[str]:
    """Initialisms of every run of 2-6 content words (joiners skipped): "united nations" -> "un"."""
    out = set()
    for i in range(len(ws)):
        letters = ""
        n = 0
        for w in ws[i: i + 9]:
            if w in _JOINERS:
                if not letters:
                    break
                continue
            letters += str(_WORD_VALUE[w]) if w in _WORD_VALUE else w[0]
            n += 1
            if n >= 2:
                out.add(letters)
                out.add("".join(x[0] for x in ws[i: i + 9][:ws[i: i + 9].index(w) + 1]))  # "PfP"
            if n == 6:
                break
    return out


def names(claim_doc: Any, evidence: str, *, aliases: dict[str, str] | None = None,
          article: str = "", antecedents: str = "", neighbours: Sequence[str] = ()) -> str | None:
    """The first name of the claim the evidence does not give in any form; None when all are given.

    ``antecedents``: names a pronoun of the evidence may stand for (those just before it)."""
    vocab = name_vocabulary(evidence, aliases) | set(words(antecedents))
    claim_terms = set(terms(claim_doc.text)) - set(claim_names(claim_doc))
    sources = [evidence]
    for sentence in neighbours:  # a neighbour that says much of the claim may give its names
        if len(claim_terms & set(terms(sentence))) >= NEIGHBOUR_TERMS:
            vocab |= name_vocabulary(sentence, aliases)
            sources.append(sentence)
    initials = _initials(words(" ".join(sources)))  # "chief operating officer" -> "coo"
    expanded = _expansions(claim_doc.text, vocab)
    runs = _name_runs(article) if article else []
    written = {w: t.text for t in claim_doc for w in words(t.text)}
    clipped = _clipped(claim_doc, vocab)
    for name in claim_names(claim_doc):
        if name in expanded or known(name, vocab) or name in clipped:
            continue
        if name in initials and _initialism(written.get(name, name)):
            continue
        if any(name in run and any(w != name and w in vocab for w in run) for run in runs):  # "Angel" of "Angel X"
            continue  # another part of one name the article writes in full
        return next((t.text for t in claim_doc if name in words(t.text)), name)
    return None


NEIGHBOUR_TERMS = 3  # content terms a neighbour sentence shares with a claim to vouch for its names


def _clipped(claim_doc: Any, vocab: set[str]) -> set[str]:
    """Words of two-word names the claim writes clipped ("Lib Dem" for "Liberal Democrat"): each of
    two capitalised words in a row is the start (three letters or more) of a name word the evidence has."""
    def starts(w: str) -> bool:
        return len(w) >= 3 and any(v != w and v.startswith(w) for v in vocab)

    out: set[str] = set()
    for a, b in zip(claim_doc, claim_doc[1:]):
        if a.text[:1].isupper() and b.text[:1].isupper() and starts(fold(a.text)) and starts(fold(b.text)):
            out |= {fold(a.text), fold(b.text)}
    return out


def facts(text: str) -> set[str]:
    """The numbers (as values) and name words of ``text``: what a matching sentence should share."""
    return {str(v) for _, vs, _ in number_mentions(text) for v in vs} | {
        w for m in re.finditer(r"\b[A-Z][\w’'-]+", text) for w in words(m.group()) if w not in STOPWORDS}


# Words of amounts and units: "190 million pounds" covers "£190m" once the numbers check passed.
_QUANTITY_WORDS = frozenset(terms(" ".join([*_WORD_VALUE, *_SCALE, "pound pounds dollar dollars euro euros cent "
                                                              "percent per yen francs"])))


def covered(claim: str, evidence: str, aliases: dict[str, str] | None = None) -> float:
    """Share of the claim's content terms the evidence has, counting names it writes another way
    (an initialism for the words, or the words for an initialism)."""
    claim_terms = set(terms(claim))
    if not claim_terms:
        return 1.0
    claim_terms -= _QUANTITY_WORDS  # the numbers check holds these
    if not claim_terms:
        return 1.0
    vocab = name_vocabulary(evidence, aliases)
    shaped = {w.lower() for w in re.findall(r"[\w’'-]+", claim) if _initialism(w)} & _initials(words(evidence))
    other_ways = set(terms(" ".join(_expansions(claim, vocab)))) | {t for t in claim_terms if t in vocab or t in shaped}
    return len(claim_terms & (set(terms(evidence)) | other_ways)) / len(claim_terms)


def _expansions(text: str, vocab: set[str]) -> set[str]:
    """Words of the claim's capitalised runs whose initialism the evidence writes ("North Atlantic
    Treaty Organization" where the evidence says "NATO")."""
    out: set[str] = set()
    for m in re.finditer(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|for|the|and|&)\s+)*[A-Z][\w’'-]*)+", text):
        ws = words(m.group())
        while ws and ws[0] in STOPWORDS:
            ws = ws[1:]
        for i in range(len(ws)):
            for j in range(i + 2, len(ws) + 1):
                part = [w for w in ws[i:j] if w not in _JOINERS]
                key = "".join(str(_WORD_VALUE[w]) if w in _WORD_VALUE else w[0] for w in part)
                if len(part) >= 2 and key in vocab:
                    out.update(ws[i:j])
    return out


def _name_runs(article: str) -> list[set[str]]:
    return [set(words(m.group())) for m in re.finditer(r"[A-Z][\w’'-]+(?: [A-Z][\w’'-]+){1,3}\b", article)]


def known(word: str, vocab: Iterable[str]) -> bool:
    """``word`` or an inflection of it is in ``vocab`` ("Serbian" for "Serbia", "Kosovar" for "Kosovo")."""
    if word in vocab:  # type: ignore[operator]
        return True
    for v in vocab:
        shorter, longer = sorted((word, v), key=len)
        if len(shorter) < 4:
            continue
        common = 0
        while common < len(shorter) and word[common] == v[common]:
            common += 1
        if common >= max(4, len(shorter) - 1) and len(longer) - common <= 3:
            return True
    return False


# --- polarity ----------------------------------------------------------------------------------

# Verbs and adjectives that negate what they govern ("refused to sign", "lack powers").
_NEGATING = frozenset({"refuse", "deny", "reject", "decline", "fail", "lack", "unable", "without", "rule",
                       "avoid", "prevent", "stop", "cease", "abandon", "halt", "drop"})
_NEG_WORDS = frozenset({"not", "n't", "never", "no", "none", "nobody", "nothing", "neither", "nor", "without",
                        "cannot", "nowhere"})
# Clauses that describe a participant ("those who intend to ...") rather than state the claim.
_SUBORDINATE = frozenset({"relcl", "acl", "amod", "advcl", "pcomp", "csubj"})
# A word takes the polarity of the verb it completes (object, complement), not of one it modifies.
_CARRIES = frozenset({"attr", "dobj", "acomp", "xcomp", "ccomp", "oprd"})


_NEGATION_TEXT = re.compile(r"\b(?:not|never|no|none|nobody|nothing|neither|nor|without|cannot|unable|yet to|"
                            r"refus\w*|den(?:y|ies|ied|ying)|reject\w*|declin\w*|fail\w*|lack\w*|rul\w+ out|avoid\w*|"
                            r"prevent\w*|stop\w*|ceas\w*|abandon\w*|halt\w*|drop\w*|(?:un|non-?)[a-z]{4,})\b|n't",
                            re.IGNORECASE)


def may_negate(text: str) -> bool:
    """Whether ``text`` has a word ``negations`` could count (a cheap test before parsing)."""
    return _NEGATION_TEXT.search(text) is not None


def _negating(t: Any) -> bool:
    if t.lemma_.lower() == "rule":
        return any(c.dep_ == "prt" and c.lower_ == "out" for c in t.children)
    return t.lemma_.lower() in _NEGATING or t.lower_ in ("unable", "without")


def polarities(doc: Any) -> dict[str, bool]:
    """Content lemmas of a parsed sentence -> negated? A word is negated when it, or the verb or
    noun it depends on, carries a negation ("not", "never", "no") or depends on a negating verb."""
    out: dict[str, bool] = {}
    for t in doc:
        if t.pos_ not in ("VERB", "ADJ") or t.is_stop or t.dep_ in _SUBORDINATE:
            continue
        neg = 0
        node, depth = t, 0
        while depth < 3:
            neg += sum(1 for c in node.children if c.dep_ == "neg" or (c.lower_ in _NEG_WORDS and c.dep_ in
                                                                           ("det", "advmod", "neg")))
            if node.i != t.i and _negating(node):
                neg += 1
            if node.dep_ not in _CARRIES or node.head.i == node.i:
                break
            node, depth = node.head, depth + 1
        key = t.lemma_.lower()
        out[key] = out.get(key, False) or bool(neg % 2)
    return out


def negations(doc: Any) -> int:
    """Negation cues of a parsed sentence: "not", "never", "no", negating verbs, "un-"/"non-" adjectives."""
    return sum(1 for t in doc if _is_negation(t))


def _is_negation(t: Any) -> bool:
    nxt = t.nbor().lower_ if t.i + 1 < len(t.doc) else ""
    if t.lower_ == "not" and nxt == "only":  # "not only ... but also" asserts both
        return False
    return (t.dep_ == "neg" or t.lower_ in _NEG_WORDS or _negating(t) or (t.lower_ == "yet" and nxt == "to")
            or (t.pos_ == "ADJ" and re.match(r"(?:un(?!der|i|t)|non-?)\w{4}", t.lower_) is not None))


def polarity(claim_doc: Any, evidence_docs: Sequence[Any], window_docs: Sequence[Any] = ()) -> str | None:
    """Why the claim asserts what the evidence negates, or the other way round; None when they agree.

    ``evidence_docs``: the sentences the claim matches; ``window_docs``: those and their neighbours."""
    n_claim, n_evidence = negations(claim_doc), sum(negations(d) for d in evidence_docs)
    window = list(window_docs) or list(evidence_docs)
    if n_claim == n_evidence and n_claim == sum(negations(d) for d in window):
        return None  # a flip changes how many negations there are
    claim = _polarity_of(claim_doc)
    ev = _polarity_of(*evidence_docs)
    for lemma, neg in claim.items():
        if neg is not None and ev.get(lemma, neg) is not None and lemma in ev and ev[lemma] != neg:
            return (f"the cited sentences say “{lemma}” {'does' if neg else 'does not'} hold; "
                    f"the sentence says it {'does not' if neg else 'does'}")
    if n_claim and not n_evidence and not _negated_nearby(claim_doc, window):
        return "the sentence negates what the cited sentences state"
    if n_claim < sum(negations(d) for d in window):  # a negated clause restated without its negation
        claim_terms = set(terms(claim_doc.text))
        negated_in_claim = [set(terms(" ".join(x.text for x in t.head.subtree))) for t in claim_doc if _is_negation(t)]
        for d in window:
            for t in d:
                if t.dep_ == "neg" or (t.lower_ in _NEG_WORDS and t.dep_ in ("advmod", "det")):
                    scope = set(terms(" ".join(x.text for x in t.head.subtree)))
                    if len(scope) >= 3 and len(scope & claim_terms) >= NEGATED_SHARE * len(scope) \
                            and not any(len(scope & c) >= NEGATED_SHARE * len(scope) for c in negated_in_claim):
                        return f"the cited sentences negate “{t.head.text}”; the sentence does not"
    return None


NEGATED_SHARE = 0.6  # a negated clause this much restated by a claim without negation is contradicted


def _negated_nearby(claim_doc: Any, window: Sequence[Any]) -> bool:
    """Does a sentence beside the matched ones negate what the claim negates (a claim that merges
    "X views the agreement as a gesture" with the next sentence's "it is not a military alliance")?
    Its negated clause must be mostly restated by the claim (``NEGATED_SHARE`` of its terms)."""
    claim_terms = set(terms(claim_doc.text))
    for d in window:
        for t in d:
            if not _is_negation(t):
                continue
            head = t.head if t.dep_ in ("neg", "advmod", "det") else t
            # the negated clause, less what is coordinated to it ("not X, but Y": Y is not negated)
            scope = set(terms(" ".join([head.text, *(x.text for c in head.children if c.dep_ not in ("conj", "cc")
                                                      for x in c.subtree)])))
            if len(scope) >= 2 and len(scope & claim_terms) >= NEGATED_SHARE * len(scope):
                return True
    return False


def _polarity_of(*docs: Any) -> dict[str, bool | None]:
    """Content lemma -> negated in every use (True), in none (False), or in some (None)."""
    out: dict[str, bool | None] = {}
    for d in docs:
        for k, v in polarities(d).items():
            out[k] = v if k not in out or out[k] == v else None
    return out


def _once(doc: Any) -> set[str]:
    counts: dict[str, int] = {}
    for t in doc:
        counts[t.lemma_.lower()] = counts.get(t.lemma_.lower(), 0) + 1
    return {k for k, n in counts.items() if n == 1}


# --- roles -------------------------------------------------------------------------------------

def _role(t: Any) -> tuple[str, str]:
    """A name's role in its sentence (subject, object, owner, or the preposition that introduces
    it) and the verb it plays it for."""
    node = t
    for _ in range(4):
        dep = node.dep_
        if dep == "compound" and node.head.pos_ == "VERB" and node.i < node.head.i:  # a name the small parser
            return "subject", _verb(node.head)  # compounds with the verb after it: "demanded the IAAF investigate"
        if dep in ("compound", "flat", "appos", "conj", "amod") and node.head.i != node.i:
            node = node.head
            continue
        if dep == "pobj" and (node.head.dep_ == "agent" or (node.head.lower_ == "by" and any(
                c.dep_ in ("nsubjpass", "auxpass") for c in _verb_token(node.head).children))):
            return "subject", _verb(node.head)  # "seen as a threat by Lisbon": Lisbon sees
        if dep == "pobj":
            return node.head.lower_, _verb(node.head)
        role = {"nsubj": "subject", "nsubjpass": "object", "dobj": "object", "dative": "to",  # "sell Belgrade
                "attr": "object", "poss": "owner"}.get(dep, dep)  # arms" = "sell arms to Belgrade"
        relative = _relative_role(node)  # "Leicester, who signed White", "It was the IOC that demanded ..."
        if relative is not None and (role not in _ROLE_PAIRS or _verb(node) == "be"):
            return relative
        return role, _verb(node)
    return "", ""


def _relative_role(node: Any) -> tuple[str, str] | None:
    """The role a name plays in the relative clause on it ("Leicester, who signed ..." -> subject of sign)."""
    for clause in node.children:
        if clause.dep_ != "relcl":
            continue
        for c in clause.children:
            if c.lower_ in ("who", "that", "which") and c.dep_ in ("nsubj", "nsubjpass"):
                return ("subject" if c.dep_ == "nsubj" else "object"), str(clause.lemma_).lower()
    return None


def _verb(t: Any) -> str:
    """The lemma of the verb ``t`` depends on (itself, if it is one)."""
    return str(_verb_token(t).lemma_).lower()


def _verb_token(t: Any) -> Any:
    node = t
    for _ in range(4):
        if node.pos_ in ("VERB", "AUX") or node.head.i == node.i:
            break
        node = node.head
    return node


def _name_roles(doc: Any) -> dict[str, tuple[str, str]]:
    """Each name's role (its words, and the initials of a name of several: "International Olympic
    Committee" is also "ioc")."""
    out: dict[str, tuple[str, str]] = {}
    for t in doc:
        if t.pos_ == "PROPN":
            for w in words(t.text):
                if len(w) > 2 and w not in STOPWORDS:
                    out.setdefault(w, _role(t))
            parts = [c for c in t.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]
            if parts and t.dep_ != "compound":
                out.setdefault("".join(x.text[0] for x in (*parts, t)).lower(), _role(t))
        elif t.pos_ == "NOUN" and (t.dep_ in ("nsubj", "nsubjpass", "dobj") or (
                t.dep_ == "pobj" and t.head.dep_ == "agent")):  # "a network is suing a viewer"
            out.setdefault(f"~{t.lemma_.lower()}", _role(t))
    return out


def roles(claim_doc: Any, evidence_docs: Sequence[Any]) -> str | None:
    """Why the claim swaps the roles of two names (who did what to whom, from where to where);
    None when it does not. A swap: each name has the other's role, or one has the other's role
    for the very same verb while the other took the first one's kind of role, or one acts on the
    other the other way round with another verb (not a converse), or a name's "from" is "to"."""
    claim = _name_roles(claim_doc)
    for d in evidence_docs:
        ev = _name_roles(d)
        shared = [(w, claim[w], ev[w]) for w in claim if w in ev and claim[w] != ev[w]]
        for a, ca, ea in shared:  # "moved to Red Star from Rangers" for "joined Rangers from Red Star"
            if {ca[0], ea[0]} == {"from", "to"}:
                return f"the sentence has “{a}” {ca[0]} where the cited sentences have it {ea[0]}"
        for i, (a, ca, ea) in enumerate(shared):
            for b, cb, eb in shared[i + 1:]:
                if not {ca[0], cb[0], ea[0], eb[0]} & _ROLE_PAIRS or ca[0] == cb[0] == ea[0] == eb[0] == "":
                    continue
                if (a[0] == "~" or b[0] == "~") and not (a[0] == b[0] == "~" and ca[1] == cb[1] and ea[1] == eb[1]):
                    continue  # common nouns only as the two sides of one verb on both sides ("sue")
                swapped = ca[0] == eb[0] and cb[0] == ea[0] and ca[0] != cb[0]
                same_verb = (cb == ea and ca[0] == eb[0]) or (ca == eb and cb[0] == ea[0])
                if swapped or (same_verb and ca[1] != cb[1]) or _reversed(ca, cb, ea, eb):
                    return f"the sentence swaps the roles of “{a}” and “{b}”"
    return None


_ROLE_PAIRS = frozenset({"subject", "object", "from", "to", "by", "against", "owner"})
# Arguments that do not say who acts on whom: "A signed a pact with B" = "B signed it with A".
_SYMMETRIC = frozenset({"with", "between", "and", "like", "as", "compound", "conj", "appos", "ROOT", "", "owner"})
# Verbs that say one event from the other side ("A sold it to B" = "B bought it from A"): general English.
CONVERSES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split())) for a, b in (
        ("buy purchase acquire take", "sell offload"), ("receive get gain", "give send pay"), ("borrow", "lend"),
        ("beat defeat win", "lose"), ("employ hire sign recruit", "join"), ("teach", "learn"), ("host", "visit"),
    ))


def _converse(verb: str, other: str) -> bool:
    """Whether two verbs tell one event from opposite sides."""
    return any((verb in a and other in b) or (verb in b and other in a) for a, b in CONVERSES)


def _reversed(ca: tuple[str, str], cb: tuple[str, str], ea: tuple[str, str], eb: tuple[str, str]) -> bool:
    """Who acts on whom is reversed across different verbs of one clause each: the claim has A act
    on B ("Wembley owns 22% of BLB"), the evidence B on A ("BLB holds a 22% stake in Wembley"),
    and the two verbs are not converses ("A sold to B" = "B bought from A")."""
    def direction(x: tuple[str, str], y: tuple[str, str]) -> int:  # +1: x acts on y, -1: y on x, 0: neither
        if x[1] != y[1] or x[0] in _SYMMETRIC or y[0] in _SYMMETRIC or x[0] == y[0]:
            return 0
        return 1 if x[0] == "subject" else -1 if y[0] == "subject" else 0
    claim, evidence = direction(ca, cb), direction(ea, eb)
    return claim * evidence == -1 and ca[1] != ea[1] and not _converse(ca[1], ea[1])


# --- opposites ---------------------------------------------------------------------------------

# Hand-written from general English (not from any evaluation set): each pair of classes are
# opposites; a claim that has a word of one where the evidence has a word of the other says the
# opposite. Lemmas, as spaCy writes them.
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split())) for a, b in (
        ("rise increase grow climb gain jump soar surge mount rising growing mounting higher high up more "
         "expand boost raise increasing strengthen strengthening strong stronger heighten escalate",
         "fall dip decrease decline drop shrink slump plunge ease easing lower low down less fewer reduce cut "
         "contract weaken weakening weak weaker diminish falling declining dwindle de-escalate"),
        ("good positive success successful improve better best welcome praise support benefit win won "
         "optimistic strong strength boost gain advantage favourable defend",
         "bad negative failure fail worsen worse worst criticise criticize condemn oppose harm lose lost "
         "pessimistic damage setback disadvantage unfavourable criticism"),
        ("likely probable certain possible", "unlikely improbable uncertain impossible"),
        ("heavy heavily large big major significant substantial substantive considerable huge",
         "light lightly small minor slight insignificant symbolic modest little tiny"),
        ("accept approve agree allow permit support back endorse",
         "reject refuse disagree ban forbid oppose block veto"),
        ("early earlier before first", "late later after last"),
        ("open opening", "close closing"), ("begin start launch", "end finish stop halt"),
        ("cheap cheaper", "expensive costly dear"), ("old older", "new newer young"),
        ("profit surplus", "loss deficit"), ("import", "export"),
        ("ally friend partner", "enemy rival foe adversary"), ("full", "partial empty"),
        ("legal lawful", "illegal unlawful"), ("peace peaceful", "war conflict"),
        ("eager keen willing", "reluctant unwilling hesitant"), ("public", "private secret"),
        ("direct", "indirect"), ("formal", "informal"), ("visible", "invisible"),
        ("favour favor support", "against oppose"), ("accidental unintentional", "deliberate intentional"),
        ("calm calmly", "sharp sharply angry angrily alarm alarmed panic"), ("brief briefly short", "extended long lengthy prolonged"),
        ("guilty", "innocent"), ("victory win", "defeat loss"), ("true", "false"), ("same", "different"),
        ("widen widening", "narrow narrowing"), ("accelerate speed", "slow decelerate"),
        ("fast quick quickly rapid rapidly swift swiftly", "slow slowly gradual gradually"),
        ("include", "exclude"), ("rich wealthy", "poor"), ("easy", "difficult hard"),
        ("optimistic hopeful upbeat", "pessimistic gloomy"), ("confident", "doubtful sceptical skeptical worried"),
        ("safe secure", "dangerous risky unsafe"), ("majority", "minority"), ("maximum", "minimum"),
        ("ahead", "behind"), ("domestic", "foreign international"), ("hire recruit", "fire sack dismiss"),
        ("enter", "leave quit exit"), ("arrive", "depart"), ("attack", "defend"), ("remember", "forget"),
        ("relaxed", "tense"), ("improve recover", "deteriorate"), ("boom", "recession"), ("lend", "borrow"),
        ("strict tough", "lenient lax"), ("friendly cordial", "hostile"), ("cooperation", "confrontation"),
        ("admit confirm", "deny"), ("acquit", "convict"), ("permanent", "temporary"),
        ("voluntary optional", "compulsory mandatory"), ("mild", "severe"), ("urban", "rural"),
        ("above", "below"), ("most", "least"), ("inflow", "outflow"), ("peak", "trough"),
    ))
_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-")


def opposites(claim_doc: Any, evidence_docs: Sequence[Any]) -> str | None:
    """The claim's word that is the opposite of a word the evidence has in its place; None if none."""
    # (a word a question asks the degree of says nothing: "how bad did Ireland lose?")
    claim_words = [w for t in claim_doc if t.is_alpha and not (t.i and claim_doc[t.i - 1].lower_ == "how")
                   for w in {t.lemma_.lower(), t.lower_}]
    ev_words = [w for d in evidence_docs for t in d if t.is_alpha for w in {t.lemma_.lower(), t.lower_}]
    claim, ev = set(claim_words), set(ev_words)
    new, gone = claim - ev, ev - claim
    for a, b in OPPOSITES:
        for side, other in ((a, b), (b, a)):
            said, replaced = new & side, gone & other
            # more of one side and less of the other than the evidence: a word turned into its opposite
            if said and replaced and sum(w in side for w in claim_words) > sum(w in side for w in ev_words) \
                    and sum(w in other for w in claim_words) < sum(w in other for w in ev_words):
                return f"“{sorted(said)[0]}” is the opposite of what the cited sentences say (“{sorted(replaced)[0]}”)"
    if negations(claim_doc) == sum(negations(d) for d in evidence_docs):
        return None  # "not decided" for "undecided"
    negated = {t.lemma_.lower() for d in evidence_docs for t in d
               if any(c.dep_ == "neg" for c in t.children) or (t.i and d[t.i - 1].lower_ in ("not", "never"))}
    for w in new:
        for p in _PREFIXES:
            if (w.startswith(p) and w[len(p):] in gone and len(w) - len(p) > 3) or (p + w) in gone:
                stem = w[len(p):] if w.startswith(p) else p + w
                if stem in negated:
                    continue  # "unenforced" for "not enforcing"
                return f"“{w}” is the opposite of what the cited sentences say (“{stem}”)"
    return None


