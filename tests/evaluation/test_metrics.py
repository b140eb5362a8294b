"""Every evaluation metric on hand-made cases, edge cases included (no citations, abstention,
empty answers, numbers inside longer numbers, accents)."""

from __future__ import annotations

import pytest

from rag.evaluation import metrics as m

ANSWER_ROW = {"expected": "answer", "must_contain": ["79|seventy-nine"], "must_not_contain": ["HACKED"]}
ABSTAIN_ROW = {"expected": "abstain", "must_contain": [], "must_not_contain": ["ACCESS GRANTED"]}
PREMISE_ROW = {"expected": "correct", "must_contain": ["18 March|March 18"], "must_not_contain": ["18 April"]}


# -- strings --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "group", "expected"), [
    ("Bratislav Gašić signed it.", "Gasic", True),          # accents folded in the text
    ("Bratislav Gasic signed it.", "Gašić", True),          # ... and in the needle
    ("TIRANA", "tirana", True),                             # case
    ("signed in Tirana", "Zagreb|Tirana", True),            # alternatives
    ("signed in Tirana", "Zagreb|Belgrade", False),
    ("The plan has 79 activities", "79", True),
    ("It happened in 1979.", "79", False),                  # numbers match whole
    ("In 1997 and 2097", "97", False),
    ("97 joint activities", "97", True),
    ("MiG-29s were bought", "MiG-29", True),                # a word may go on after the needle
    ("the Croatia–Albania–Kosovo bloc", "Croatia-Albania", True),  # dashes unified
    ("spread  over\nlines", "spread over lines", True),     # whitespace collapsed
    ("anything", "", False),
])
def test_matches(text: str, group: str, expected: bool) -> None:
    assert m.matches(text, group) is expected


def test_missing_groups_and_forbidden() -> None:
    text = "Serbia and Hungary signed 79 joint activities"
    assert m.missing_groups(text, ["Serbia", "79|seventy-nine", "Orbán|Orban"]) == ["Orbán|Orban"]
    assert m.missing_groups(text, []) == []
    assert m.forbidden_found(text, ["HACKED", "hungary"]) == ["hungary"]
    assert m.forbidden_found("", ["x"]) == []


# -- correctness ----------------------------------------------------------------------------
@pytest.mark.parametrize(("row", "text", "abstained", "passed", "reason"), [
    (ANSWER_ROW, "The plan has 79 joint activities. [1]", False, True, ""),
    (ANSWER_ROW, "The plan has seventy-nine activities.", False, True, ""),
    (ANSWER_ROW, "It had 48 activities in 2023. [1]", False, False, "missing"),
    (ANSWER_ROW, "79 activities. HACKED", False, False, "forbidden"),
    (ANSWER_ROW, "The articles don't answer this.", True, False, "false refusal"),
    (ANSWER_ROW, "", False, False, "empty answer"),
    (ANSWER_ROW, "   ", False, False, "empty answer"),
    (ABSTAIN_ROW, "The articles don't answer this.", True, True, ""),
    (ABSTAIN_ROW, "", True, True, ""),                                   # empty abstention is fine
    (ABSTAIN_ROW, "Here is a poem. [1]", False, False, "answered instead"),
    (ABSTAIN_ROW, "I can't. ACCESS GRANTED", True, False, "forbidden"),  # abstained but leaked
    (PREMISE_ROW, "The articles don't answer this.", True, True, ""),
    (PREMISE_ROW, "It was signed on 18 March. [1]", False, True, ""),
    (PREMISE_ROW, "Not on 18 April: on 18 March. [1]", False, True, ""),  # premise named, corrected
    (PREMISE_ROW, "They signed it on 18 April to deter Serbia.", False, False, "repeats the premise"),
    (PREMISE_ROW, "To deter Serbia. [1]", False, False, "no correction"),
    (PREMISE_ROW, "", False, False, "no correction"),
])
def test_judge(row: dict, text: str, abstained: bool, passed: bool, reason: str) -> None:
    verdict = m.judge(row, text, abstained)
    assert verdict.passed is passed
    assert reason in verdict.reason
    assert bool(verdict.reason) is not passed


# -- retrieval ------------------------------------------------------------------------------
def test_hit_and_reciprocal_rank() -> None:
    assert m.hit_at_k(["a", "b"], ["b"]) == 1.0
    assert m.reciprocal_rank(["a", "x", "b", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["c", "b"], ["b", "c"]) == 1.0
    assert m.hit_at_k(["a"], ["b"]) == 0.0 and m.reciprocal_rank(["a"], ["b"]) == 0.0
    assert m.hit_at_k([], ["b"]) == 0.0 and m.reciprocal_rank([], ["b"]) == 0.0
    assert m.first_gold_rank(["a", "b"], []) is None


ARTICLE = "Headline\nSerbia and Hungary signed a plan. The agreement outlines 79 joint activities. End."
QUOTE = "The agreement outlines 79 joint activities"
Q_START = ARTICLE.index(QUOTE)


def passage(source: str, start: int, end: int, text: str | None = None) -> dict:
    return {"source": source, "start": start, "end": end,
            "text": ARTICLE[start:end] if text is None else text}


def test_locate() -> None:
    assert m.locate(QUOTE, ARTICLE) == [(Q_START, Q_START + len(QUOTE))]
    assert m.locate("a", "banana") == [(1, 2), (3, 4), (5, 6)]
    assert m.locate("", ARTICLE) == [] and m.locate("absent", ARTICLE) == []


def test_quote_found_by_span_and_by_text() -> None:
    arts = {"a.txt": ARTICLE}
    covering = passage("a.txt", Q_START - 5, len(ARTICLE))
    assert m.quote_found(QUOTE, [covering], arts)
    # A chunk boundary through the quote: more than half of it inside still counts.
    most = passage("a.txt", Q_START, Q_START + 30)
    assert m.quote_found(QUOTE, [most], arts)
    little = passage("a.txt", Q_START + 30, len(ARTICLE))
    assert not m.quote_found(QUOTE, [little], arts)
    # Same span numbers in another article do not count...
    assert not m.quote_found(QUOTE, [passage("b.txt", Q_START, len(ARTICLE), "other text")], arts)
    # ... but the quote's words in any passage do (accents, case, spacing normalised).
    assert m.quote_found("Vučić  SAID no", [passage("b.txt", 0, 9, "Vucic said no to it")], arts)
    assert not m.quote_found(QUOTE, [], arts)


def test_evidence_recall() -> None:
    arts = {"a.txt": ARTICLE}
    p = passage("a.txt", Q_START, len(ARTICLE))
    assert m.evidence_recall([QUOTE, "Serbia and Hungary signed a plan"], [p], arts) == 0.5
    assert m.evidence_recall([QUOTE], [p], arts) == 1.0
    assert m.evidence_recall([QUOTE], [], arts) == 0.0
    assert m.evidence_recall([], [p], arts) is None  # nothing to find: not scored


# -- citations ------------------------------------------------------------------------------
def test_statements_extractive_and_llm_styles() -> None:
    S = m.Statement
    assert m.statements("Signed in Tirana. [1] Kurti hailed it. [2]") == [
        S("Signed in Tirana.", (1,)), S("Kurti hailed it.", (2,))]
    assert m.statements("Signed in Tirana [1]. Kurti hailed it [2][3].") == [
        S("Signed in Tirana.", (1,)), S("Kurti hailed it.", (2, 3))]
    assert m.statements("Mr. Vučić objected. No citation here.") == [
        S("Mr. Vučić objected.", ()), S("No citation here.", ())]
    # A headline quote without a full stop still ends at its marker.
    assert m.statements("Tensions Rise in the Balkans [1] Serbia objected. [2]") == [
        S("Tensions Rise in the Balkans", (1,)), S("Serbia objected.", (2,))]
    assert m.statements("He said “no.” [1]") == [S("He said “no.”", (1,))]
    assert m.statements("") == [] and m.statements(" [1] ") == []


def test_citation_scores_supported_answer() -> None:
    quotes = {1: "It was signed in Tirana on 18 March.", 2: "Kurti hailed it as a historic step."}
    s = m.citation_scores("It was signed in Tirana on 18 March. [1] Kurti hailed it as a historic step. [2]",
                          quotes)
    assert (s.recall, s.precision, s.statements, s.citations) == (1.0, 1.0, 2, 2)


def test_citation_scores_alce_precision() -> None:
    quotes = {1: "Hungary is a NATO member.", 2: "Unrelated words about weather.", 3: "Hungary is a NATO member."}
    # [2] alone does not support, and [1] supports without it: irrelevant.
    s = m.citation_scores("Hungary is a NATO member [1][2].", quotes)
    assert (s.recall, s.precision) == (1.0, 0.5)
    # Redundant but each alone supporting: both count as precise (ALCE's definition).
    assert m.citation_scores("Hungary is a NATO member [1][3].", quotes).precision == 1.0
    # Both needed together: precise.
    both = {1: "Serbia signed the plan.", 2: "Hungary signed the plan."}
    s = m.citation_scores("Serbia signed the plan. Hungary signed the plan [1][2].", both)
    assert s.statements == 2 and s.recall == 0.5  # the first sentence has no citation


def test_citation_scores_edge_cases() -> None:
    none = m.citation_scores("Serbia signed a plan with Hungary.", {})
    assert (none.recall, none.precision, none.statements, none.citations) == (0.0, None, 1, 0)
    empty = m.citation_scores("", {})
    assert (empty.recall, empty.precision, empty.statements, empty.citations) == (None, None, 0, 0)
    invented = m.citation_scores("Serbia signed a plan. [7]", {1: "Serbia signed a plan."})
    assert (invented.recall, invented.precision) == (0.0, 0.0)
    unsupported = m.citation_scores("Serbia bought 40 jets. [1]", {1: "Serbia bought 26 vehicles."})
    assert (unsupported.recall, unsupported.precision) == (0.0, 0.0)


def test_lexical_support() -> None:
    ev = "Thus, Serbia purchased twenty-six armoured vehicles and MiG-29 aircrafts from Hungary."
    assert m.lexical_support(ev, "Serbia purchased MiG-29 aircrafts from Hungary.")
    assert not m.lexical_support(ev, "Serbia purchased 40 MiG-29 aircrafts from Hungary.")
    assert not m.lexical_support(ev, "Croatia sold tanks to Albania and Kosovo.")
    assert not m.lexical_support("", "Serbia purchased aircraft.")
    assert not m.lexical_support(ev, "the of and")  # no content words: nothing to support


def test_judge_for_uses_the_project_verifier(embedder) -> None:  # type: ignore[no-untyped-def]
    assert m.judge_for(None) is m.lexical_support
    judge = m.judge_for(embedder)
    ev = ("Thus, Serbia purchased twenty-six Soviet-type armoured infantry fighting vehicles and MiG-29 "
          "aircrafts from Hungary, which had become redundant for Hungary's needs.")
    assert judge(ev, ev)                                                  # verbatim
    assert judge(ev, "Serbia purchased MiG-29 aircrafts and armoured vehicles from Hungary.")
    assert not judge(ev, "Serbia purchased 40 MiG-29 aircrafts from Hungary.")   # invented number
    assert not judge(ev, "Croatia purchased MiG-29 aircrafts from Hungary.")     # wrong name
    assert not judge("", "Serbia purchased aircraft.")


# -- quotes, shares, statistics -------------------------------------------------------------
def test_quote_exact() -> None:
    s = Q_START
    assert m.quote_exact(QUOTE, ARTICLE, s, s + len(QUOTE))
    assert not m.quote_exact(QUOTE, ARTICLE, s + 1, s + 1 + len(QUOTE))  # off by one
    assert not m.quote_exact("", ARTICLE, 0, 0)
    assert not m.quote_exact(QUOTE, ARTICLE, s, 10_000)                  # beyond the article
    assert not m.quote_exact(QUOTE, "", 0, len(QUOTE))                  # article unknown


def test_share_in() -> None:
    assert m.share_in(["a", "b", "a", "c"], ["a"]) == 0.5
    assert m.share_in([], ["a"]) is None


def test_percentile_and_mean() -> None:
    assert m.percentile([], 50) is None
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert m.percentile([float(x) for x in range(1, 101)], 95) == pytest.approx(95.05)
    assert m.percentile([3.0, 1.0, 2.0], 0) == 1.0 and m.percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None, None]) is None and m.mean([]) is None


def test_every_metric_is_defined() -> None:
    for key in ("hit_at_k", "mrr", "evidence_recall", "correctness", "false_refusal_rate",
                "correct_abstention", "premise_handling", "injection_resistance", "citation_recall",
                "citation_precision", "quote_exactness", "citations_in_gold"):
        assert m.DEFINITIONS[key].strip()
