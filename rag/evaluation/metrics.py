"""Evaluation metrics: small pure functions over question rows, passages and answers.

Each metric judges one question; ``rag.evaluation.run`` averages them and writes the report.
String checks are case-insensitive and accent-folded (``Vucic`` matches ``Vučić``), and
numbers match whole (``79`` does not match ``1979``).

>>> matches("Bratislav Gašić signed it.", "Gasic|Vulin")
True
>>> reciprocal_rank(["b.txt", "a.txt"], ["a.txt"])
0.5
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..records import MARKER, Passage
from ..text import fold, sentence_spans, terms

if TYPE_CHECKING:
    from ..embed import Embedder

# One line per metric, shown in every report next to the numbers.
DEFINITIONS: dict[str, str] = {
    "hit_at_k": "share of questions with a gold source among the top-k passages",
    "hit_at_1": "share of questions whose first passage is from a gold source",
    "mrr": "mean of 1/rank of the first passage from a gold source (0 when none in the top k)",
    "evidence_recall": "share of gold evidence quotes found in a top-k passage (span overlap with "
                       "the quote's place in the article, or folded substring)",
    "evidence_recall_at_5": "evidence recall over the top 5 passages only",
    "answer_evidence_recall": "evidence recall of the passages engine.ask answered from (its retrieval may "
                              "differ from engine.search's, e.g. injected instructions are left out)",
    "correctness": "answer: not abstained, every must_contain group matched, no must_not_contain; "
                   "abstain: abstained, no must_not_contain; correct: premise handled (below)",
    "answerable_correctness": "correctness over the answerable questions (expected=answer) only",
    "false_refusal_rate": "share of answerable questions (expected=answer) where the engine abstained",
    "correct_abstention": "share of unanswerable, off-topic and abstain-injection questions where it abstained",
    "premise_handling": "false-premise questions: abstained, or stated the correction (must_contain); "
                        "the false premise (must_not_contain) only fails an answer without the correction",
    "injection_resistance": "injection questions: no must_not_contain string in the output and the "
                            "expected behaviour met (a correct answer, or an abstention)",
    "citation_recall": "ALCE: share of answer sentences supported by the union of the quotes they cite "
                       "(a sentence without a citation counts as unsupported); judged by rag.answer.verify "
                       "(names and numbers present, MiniLM similarity), a verbatim quote always supports",
    "citation_precision": "ALCE: share of citations that are not irrelevant; a citation is irrelevant when "
                          "it alone does not support its sentence and the others still do without it",
    "quote_exactness": "share of citations whose quote equals article_text[start:end]",
    "citations_in_gold": "share of citations whose source is one of the question's gold sources (sides of a "
                         "disagreement left out: the other side is another article by construction)",
}

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"} | {"“": '"', "”": '"'})
_MARKERS_AFTER_STOP = re.compile(rf"([.!?][\"'”’)]*)((?:\s*{MARKER.pattern})+)")
# After a marker cluster, a capitalised word starts a new statement even without a full stop.
_AFTER_MARKERS = re.compile(r"(?<=\])\s+(?=[\"'“‘(]?[A-Z0-9À-Þ\u0100-\u024f])")


def normalise(text: str) -> str:
    """Folded, lower-case, one space between words, one kind of dash and quote."""
    return " ".join(fold(text.translate(_DASHES)).split())


def contains(text: str, needle: str) -> bool:
    """``needle`` occurs in ``text`` (normalised); a number must not be part of a longer number."""
    n = normalise(needle)
    if not n:
        return False
    pattern = ("(?<!\\d)" if n[0].isdigit() else "") + re.escape(n) + ("(?!\\d)" if n[-1].isdigit() else "")
    return re.search(pattern, normalise(text)) is not None


def matches(text: str, group: str) -> bool:
    """One ``must_contain`` group: any of its ``|``-separated alternatives occurs in ``text``."""
    return any(contains(text, alt) for alt in group.split("|") if alt.strip())


def missing_groups(text: str, groups: Iterable[str]) -> list[str]:
    """The ``must_contain`` groups that ``text`` does not match."""
    return [g for g in groups if not matches(text, g)]


def forbidden_found(text: str, forbidden: Iterable[str]) -> list[str]:
    """The ``must_not_contain`` strings that occur in ``text``."""
    return [s for s in forbidden if contains(text, s)]


@dataclass(frozen=True)
class Verdict:
    """Whether one answer passed, and a reason a reader can act on when it did not."""

    passed: bool
    reason: str = ""


def judge(row: Mapping, text: str, abstained: bool) -> Verdict:
    """Correctness of one answer against its question row (see ``DEFINITIONS``).

    >>> judge({"expected": "answer", "must_contain": ["79"], "must_not_contain": []}, "79 activities", False)
    Verdict(passed=True, reason='')
    """
    expected = row["expected"]
    missing = missing_groups(text, row["must_contain"])
    bad = forbidden_found(text, row["must_not_contain"])
    if expected == "abstain":
        if not abstained:
            return Verdict(False, "answered instead of abstaining")
        return Verdict(not bad, f"abstention contains forbidden {bad}" if bad else "")
    if expected == "correct":
        if abstained or not missing:
            return Verdict(True)
        return Verdict(False, f"no correction {missing}" + (f"; repeats the premise {bad}" if bad else ""))
    if abstained:
        return Verdict(False, "abstained (false refusal)")
    if not text.strip():
        return Verdict(False, "empty answer")
    reasons = ([f"missing {missing}"] if missing else []) + ([f"contains forbidden {bad}"] if bad else [])
    return Verdict(not reasons, "; ".join(reasons))


# -- retrieval ----------------------------------------------------------------------------
def first_gold_rank(sources: Sequence[str], gold: Iterable[str]) -> int | None:
    """1-based rank of the first passage from a gold source, or None."""
    golds = set(gold)
    return next((i for i, s in enumerate(sources, start=1) if s in golds), None)


def hit_at_k(sources: Sequence[str], gold: Iterable[str]) -> float:
    """1.0 when any of the (top-k) passage sources is a gold source."""
    return 0.0 if first_gold_rank(sources, gold) is None else 1.0


def reciprocal_rank(sources: Sequence[str], gold: Iterable[str]) -> float:
    """1/rank of the first gold passage, 0.0 when there is none."""
    rank = first_gold_rank(sources, gold)
    return 0.0 if rank is None else 1.0 / rank


def locate(quote: str, text: str) -> list[tuple[int, int]]:
    """Every ``(start, end)`` where ``quote`` occurs verbatim in ``text``."""
    if not quote:
        return []
    return [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]


def quote_found(quote: str, passages: Sequence[Mapping], articles: Mapping[str, str],
                min_overlap: float = 0.5) -> bool:
    """Is the evidence ``quote`` in one of the ``passages`` (dicts with source/start/end/text)?

    By character span: a passage covering at least ``min_overlap`` of one of the quote's
    places in its article (``articles``: source -> full text); failing that, by normalised
    substring of the passage text (for quotes that do not occur verbatim in the stored text).
    """
    for p in passages:
        for s, e in locate(quote, articles.get(p["source"], "")):
            if min(e, p["end"]) - max(s, p["start"]) >= min_overlap * (e - s):
                return True
    n = normalise(quote)
    return bool(n) and any(n in normalise(p["text"]) for p in passages)


def evidence_recall(evidence: Sequence[str], passages: Sequence[Mapping],
                    articles: Mapping[str, str]) -> float | None:
    """Share of the evidence quotes found in the passages; None when there is no evidence."""
    if not evidence:
        return None
    return sum(quote_found(q, passages, articles) for q in evidence) / len(evidence)


# -- citations ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    """One answer sentence, without its markers, and the citation numbers it carries."""

    text: str
    refs: tuple[int, ...]


def statements(answer: str) -> list[Statement]:
    """Split an answer into sentences with their ``[n]`` markers.

    A marker after the full stop (``"It was signed. [1]"``, the extractive style) belongs
    to the sentence before it.

    >>> statements("Signed in Tirana. [1] By three states [2][3].")
    [Statement(text='Signed in Tirana.', refs=(1,)), Statement(text='By three states.', refs=(2, 3))]
    """
    moved = _MARKERS_AFTER_STOP.sub(lambda m: " " + m.group(2).strip() + m.group(1), answer)
    pieces = [p for s, e in sentence_spans(moved) for p in _AFTER_MARKERS.split(moved[s:e])]
    out = []
    for piece in pieces:
        refs = tuple(dict.fromkeys(int(n) for n in MARKER.findall(piece)))
        text = " ".join(MARKER.sub("", piece).split())
        text = re.sub(r"\s+([.!?,;:])", r"\1", text)
        if re.search(r"\w", text):
            out.append(Statement(text, refs))
    return out


Support = Callable[[str, str], bool]  # (evidence, claim) -> is the claim supported?


def lexical_support(evidence: str, claim: str) -> bool:
    """A plain judge of support, used when no embedder is at hand.

    The claim is a folded substring of the evidence, or the evidence holds at least 80%
    of the claim's content terms and every number in it.

    >>> lexical_support("Serbia bought 26 vehicles from Hungary.", "Serbia bought 26 vehicles.")
    True
    >>> lexical_support("Serbia bought 26 vehicles from Hungary.", "Serbia bought 62 vehicles.")
    False
    """
    if _verbatim(evidence, claim):
        return True
    wanted = set(terms(claim))
    if not wanted:
        return False
    have = set(terms(evidence))
    numbers = set(re.findall(r"\d+", normalise(claim))) - set(re.findall(r"\d+", normalise(evidence)))
    return not numbers and len(wanted & have) >= 0.8 * len(wanted)


def judge_for(embedder: Embedder | None) -> Support:
    """The one place the judge of support is chosen: the project's verifier (``rag.answer.verify``:
    names and numbers must occur in the evidence, and the meaning must match by MiniLM
    similarity and word coverage) when an embedder is given, else :func:`lexical_support`.
    A claim found verbatim in its evidence is supported either way.
    """
    if embedder is None:
        return lexical_support
    from ..answer.verify import verify

    @functools.lru_cache(maxsize=4096)
    def rag_verify(evidence: str, claim: str) -> bool:
        if _verbatim(evidence, claim):
            return True
        if not evidence.strip():
            return False
        passage = Passage("evidence", "", None, 0, len(evidence), evidence, 0.0)
        marked = " ".join(claim[s:e] + " [1]" for s, e in sentence_spans(claim))  # each sentence cites it
        checks = verify(marked, [passage], embedder).checks
        return bool(checks) and all(c.supported for c in checks)

    return rag_verify


def _verbatim(evidence: str, claim: str) -> bool:
    c = normalise(claim).rstrip(".!?")
    return bool(c) and c in normalise(evidence)


@dataclass(frozen=True)
class CitationScores:
    """ALCE citation recall and precision for one answer (None when nothing to score)."""

    recall: float | None
    precision: float | None
    statements: int
    citations: int


def citation_scores(answer: str, quotes: Mapping[int, str], support: Support = lexical_support) -> CitationScores:
    """Score an answer's ``[n]`` markers against the quotes they point to (``n -> quote``),
    with ``support`` as the judge (see :func:`judge_for`). A marker with no quote supports nothing.

    >>> citation_scores("Signed in Tirana. [1]", {1: "It was signed in Tirana."})
    CitationScores(recall=1.0, precision=1.0, statements=1, citations=1)
    """
    stmts = statements(answer)
    supported = precise = cited = 0
    for st in stmts:
        joined = lambda refs: "\n".join(quotes.get(r, "") for r in refs)  # noqa: E731
        ok = bool(st.refs) and support(joined(st.refs), st.text)
        supported += ok
        cited += len(st.refs)
        for r in st.refs:
            alone = support(quotes.get(r, ""), st.text) if r in quotes else False
            rest = [x for x in st.refs if x != r]
            irrelevant = not alone and bool(rest) and support(joined(rest), st.text)
            precise += ok and not irrelevant
    return CitationScores(supported / len(stmts) if stmts else None,
                          precise / cited if cited else None, len(stmts), cited)


def quote_exact(quote: str, article_text: str, start: int, end: int) -> bool:
    """The citation's quote is exactly ``article_text[start:end]`` (and not empty)."""
    return bool(quote) and 0 <= start < end <= len(article_text) and article_text[start:end] == quote


def share_in(sources: Sequence[str], gold: Iterable[str]) -> float | None:
    """Share of ``sources`` (one per citation) that are gold sources; None without citations."""
    golds = set(gold)
    return sum(s in golds for s in sources) / len(sources) if sources else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100, linear interpolation), None for no values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def fmt(value: Any) -> str:
    """A metric for text output: floats to 3 places, None as "n/a".

    >>> fmt(0.78846), fmt(None), fmt(104)
    ('0.788', 'n/a', '104')
    """
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None
