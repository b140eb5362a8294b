"""Turn the sentences the extractive answerer chose into answer text with ``[n]`` markers.

>>> compose(q, passages, extraction, mode="extractive").text    # doctest: +SKIP
'Defense Ministers ... signed a plan ... [1]'
"""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Answer, Citation, Passage
from .extract import Extraction
from .question import Question

# One home for the refusal wording (the extractive composer and the LLM generator both use it).
ABSTAIN_TEXT = "The articles don't answer this: {reason}. The nearest passages are listed below."
# A refusal that cites what the articles do say on the topic (the asked-for detail is not there).
PRECISE_REFUSAL = "The articles don't answer this: {reason}; what they do say is cited [1]."


def compose(q: Question, passages: list[Passage], extraction: Extraction, *, mode: str) -> Answer:
    """Turn chosen sentences into answer text with ``[n]`` markers and exact citations."""
    if extraction.abstain_reason or not extraction.picks:
        reason = extraction.abstain_reason or "no sentence answers it"
        if extraction.evidence:  # a precise refusal: what the articles do say, cited
            pick = extraction.evidence[0]
            p = passages[pick.passage]
            cite = Citation(1, p.source, p.title, p.date, pick.start, pick.end, pick.quote)
            return Answer(q.text, PRECISE_REFUSAL.format(reason=reason), (cite,), tuple(passages), True, mode)
        return Answer(q.text, ABSTAIN_TEXT.format(reason=reason), (), tuple(passages), True, mode)
    citations: list[Citation] = []
    parts: list[str] = []
    for n, pick in enumerate(extraction.picks, start=1):
        p = passages[pick.passage]
        citations.append(Citation(n, p.source, p.title, p.date, pick.start, pick.end, pick.quote))
        said = " ".join(pick.quote.split()) if "\n" in pick.quote else pick.quote  # (a cited list: on one line)
        parts.append(f"{said} [{n}]")
    if extraction.derived:  # worked out from the first two sentences: say it first, citing both
        parts.insert(0, f"{extraction.derived} [1][2].")
    if extraction.correction:  # the question's premise is not what the first sentence says
        parts.insert(0, f"The articles say otherwise ({extraction.correction}):")
    return Answer(q.text, " ".join(parts), tuple(citations), tuple(passages), False, mode,
                  short_answer=extraction.short_answer)


def holding(passages: Sequence[Passage], citations: Sequence[Citation]) -> tuple[Passage, ...]:
    """``passages`` and, after them, a passage of its own (no score) for each citation none of them
    holds (a sentence from an article retrieval did not rank): every citation lies in a passage."""
    held = list(passages)
    held += [Passage(c.source, c.title, c.date, c.start, c.end, c.quote, 0.0) for c in citations
             if not any(p.source == c.source and p.start <= c.start and c.end <= p.end for p in held)]
    return tuple(held)
