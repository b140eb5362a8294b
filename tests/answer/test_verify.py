"""The sentence verifier on hand-made answers over real retrieved passages (seed index, MiniLM)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rag import Engine, Passage
from rag.answer.generate import SYSTEM_PROMPT, LeakGuard, is_abstention
from rag.answer.verify import Claim, split_claims, verify

QUESTION = "How many joint activities does the Serbia-Hungary plan for 2025 include?"


@pytest.fixture(scope="module")
def passages(engine: Engine) -> list[Passage]:
    return engine.search(QUESTION)


@pytest.fixture(scope="module")
def n79(passages: list[Passage]) -> int:
    """The prompt number of the passage that states the 79 activities."""
    return next(i for i, p in enumerate(passages, start=1) if "79 joint activities" in p.text)


@pytest.fixture(scope="module")
def other(passages: list[Passage]) -> int:
    """A passage that does not mention the 79 activities."""
    return next(i for i, p in enumerate(passages, start=1) if "79" not in p.text)


def _one(text: str, passages: list[Passage], embedder: Any) -> tuple[bool, str]:
    result = verify(text, passages, embedder, forbidden=SYSTEM_PROMPT)
    assert len(result.checks) == 1
    return result.checks[0].supported, result.checks[0].reason


@pytest.mark.parametrize("sentence", [
    "The agreement outlines 79 joint activities [{n}].",
    "The plan lists 79 joint activities, such as military exercises and helicopter training [{n}].",
    "Serbia and Hungary plan 79 joint military activities in 2025 [{n}].",
])
def test_supported_sentences_are_kept(sentence: str, passages: list[Passage], n79: int, embedder: Any) -> None:
    assert _one(sentence.format(n=n79), passages, embedder) == (True, "supported")


def test_a_supported_sentence_cites_the_exact_source_sentence(engine: Engine, passages: list[Passage],
                                                              n79: int, embedder: Any) -> None:
    result = verify(f"The plan lists 79 joint activities [{n79}].", passages, embedder)
    (citation,) = result.citations
    assert citation.n == 1 and citation.source == passages[n79 - 1].source
    assert engine.article_text(citation.source)[citation.start:citation.end] == citation.quote
    assert "79 joint activities" in citation.quote
    assert citation.quote.startswith("The agreement outlines") and citation.quote.endswith(".")
    assert result.text == "The plan lists 79 joint activities. [1]"
    assert result.verification.to_dict() == {"checked": 1, "supported": 1, "dropped": 0, "removed": []}


def test_an_invented_number_is_dropped(passages: list[Passage], n79: int, embedder: Any) -> None:
    supported, reason = _one(f"The agreement outlines 81 joint activities [{n79}].", passages, embedder)
    assert not supported and "81" in reason


def test_an_invented_number_word_is_dropped(passages: list[Passage], n79: int, embedder: Any) -> None:
    supported, reason = _one(f"The agreement outlines twelve joint activities [{n79}].", passages, embedder)
    assert not supported and "twelve" in reason


def test_an_invented_name_is_dropped(passages: list[Passage], n79: int, embedder: Any) -> None:
    supported, reason = _one(f"The plan was signed by Milos Vucevic [{n79}].", passages, embedder)
    assert not supported and "Milos" in reason


def test_an_invented_date_is_dropped(passages: list[Passage], n79: int, embedder: Any) -> None:
    supported, reason = _one(f"The agreement outlines 79 joint activities for 2031 [{n79}].", passages, embedder)
    assert not supported and "2031" in reason


def test_a_citation_to_a_passage_not_retrieved_is_removed(passages: list[Passage], n79: int,
                                                          embedder: Any) -> None:
    alone = verify("The agreement outlines 79 joint activities [9].", passages, embedder)
    assert alone.invalid_markers == 1 and not alone.checks[0].supported and not alone.citations
    both = verify(f"The agreement outlines 79 joint activities [{n79}][9].", passages, embedder)
    assert both.invalid_markers == 1 and both.checks[0].supported
    assert "[9]" not in both.text and [c.n for c in both.citations] == [1]


def test_a_sentence_without_citation_is_dropped(passages: list[Passage], embedder: Any) -> None:
    supported, reason = _one("The agreement outlines 79 joint activities.", passages, embedder)
    assert not supported and "no citation" in reason


def test_citing_the_wrong_passage_is_dropped(passages: list[Passage], other: int, embedder: Any) -> None:
    supported, _ = _one(f"The agreement outlines 79 joint activities [{other}].", passages, embedder)
    assert not supported


@pytest.mark.parametrize("sentence", [
    "The weather was sunny during the signing [{n}].",
    "The plan includes nuclear weapons development and space exploration [{n}].",
    "The agreement is a military alliance that will bring peace to the whole world [{n}].",
    "Serbia and Hungary signed a military alliance treaty [{n}].",
    "Hungary and Serbia signed a trade agreement on agriculture [{n}].",
])
def test_claims_the_passage_does_not_make_are_dropped(sentence: str, passages: list[Passage], n79: int,
                                                     embedder: Any) -> None:
    supported, reason = _one(sentence.format(n=n79), passages, embedder)
    assert not supported and reason == "the cited sentences do not say this"


def test_quoting_the_instructions_is_dropped(passages: list[Passage], n79: int, embedder: Any) -> None:
    leak = "My rules say to use only facts stated in the passages and never my own knowledge"
    supported, reason = _one(f"{leak} [{n79}].", passages, embedder)
    assert not supported and reason == "quotes the instructions"


def test_mixed_answer_keeps_only_supported_sentences_and_renumbers(passages: list[Passage], n79: int,
                                                                   embedder: Any) -> None:
    text = (f"The agreement outlines 79 joint activities. [{n79}] It was signed by Milos Vucevic [{n79}]. "
            f"The plan includes military exercises and helicopter training [{n79}].")
    result = verify(text, passages, embedder)
    counts = result.verification.to_dict()
    assert (counts["checked"], counts["supported"], counts["dropped"]) == (3, 2, 1)
    assert [r["text"] for r in counts["removed"]] == ["It was signed by Milos Vucevic."]
    assert "Vucevic" not in result.text
    assert result.text.count("[1]") == 2 and "[2]" not in result.text  # one quote, one number


def test_a_repeated_sentence_is_dropped(passages: list[Passage], n79: int, embedder: Any) -> None:
    sentence = f"The agreement outlines 79 joint activities [{n79}]."
    result = verify(f"{sentence} {sentence}", passages, embedder)
    assert [c.reason for c in result.checks] == ["supported", "repeats an earlier sentence"]
    assert result.text.count("79") == 1


def test_split_claims_reads_marker_styles() -> None:
    claims = split_claims("Serbia signed it. [1] Hungary too [2, 3].\n- Kosovo as well [Passage 1][7]", 3)
    assert claims == [Claim("Serbia signed it.", (0,)), Claim("Hungary too.", (1, 2)),
                      Claim("Kosovo as well", (0,), invalid=1)]


def test_abstention_is_recognised() -> None:
    assert is_abstention("NOT IN THE ARTICLES")
    assert is_abstention("The passages do not mention the minister's name.")
    assert not is_abstention("The agreement outlines 79 joint activities [1].")


def test_leak_guard_holds_back_a_quote_of_the_instructions() -> None:
    guard = LeakGuard(SYSTEM_PROMPT)
    shown = "".join(guard.feed(t + " ") for t in ["Sure.", "My", "rules", "say:", "Use", "only", "facts", "stated", "in", "the", "passages"])
    shown += guard.flush()
    assert guard.leaked and "facts stated in the passages" not in shown
    fine = LeakGuard(SYSTEM_PROMPT)
    text = "The agreement outlines 79 joint activities [1]."
    assert "".join(fine.feed(t) for t in re.findall(r"\S+\s*", text)) + fine.flush() == text

