"""Follow-up questions are rewritten with the conversation before retrieval (offline rewrite here;
the LLM rewrite runs against SmolLM2 in test_llm.py)."""

from __future__ import annotations

import json

import pytest

from rag import Engine
from rag.answer.rewrite import carried_words, is_follow_up, rewrite, rewrite_offline

TIRANA = "Who signed the defence memorandum in Tirana?"
TIRANA_ARTICLES = {"001_5eed05995116f16d.txt", "004_619fccd1600e42c9.txt", "003_49c31de6ec3c79a5.txt",
                   "002_7a79bed02dc222af.txt"}


@pytest.mark.parametrize("question", ["When was it signed?", "What did he say about it?", "Why?",
                                      "And Hungary?", "What about the drones?", "Who signed it with Hungary?"])
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "When did Serbia and Hungary sign their military cooperation plan?",
    "Which expert thinks a full-fledged Serbia-Hungary military alliance is unlikely?",
    "How many joint activities does the plan for 2025 include?",
])
def test_standalone_questions_are_left_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert rewrite(question, [(TIRANA, _dummy_answer())]) is None


def test_offline_rewrite_carries_names_and_key_words() -> None:
    assert rewrite_offline("When was it signed?", TIRANA) == "When was it signed (defence memorandum Tirana)?"
    assert carried_words("How many soldiers does Serbia have in 2025?", "And Hungary?") == [
        "soldiers", "Serbia", "2025"]


def test_no_history_means_no_rewrite() -> None:
    assert rewrite("When was it signed?", []) is None


def test_chat_session_rewrites_a_follow_up_and_keeps_citations_stable(engine: Engine) -> None:
    chat = engine.chat()
    first = chat.ask(TIRANA, mode="extractive")
    before = first.to_dict()
    second = chat.ask("When was it signed?", mode="extractive")
    assert second.question == "When was it signed?"
    assert second.rewritten_question and "Tirana" in second.rewritten_question
    assert second.to_dict()["rewritten_question"] == second.rewritten_question
    assert not second.abstained
    assert {c.source for c in second.citations} <= TIRANA_ARTICLES
    assert any("last week" in c.quote or "March" in c.quote or "2025" in c.quote for c in second.citations)
    for answer in (first, second):
        for c in answer.citations:
            assert engine.article_text(c.source)[c.start:c.end] == c.quote
    assert first.to_dict() == before, "an earlier turn never changes"
    assert [q for q, _ in chat] == [TIRANA, "When was it signed?"]
    json.dumps(second.to_dict())


def test_a_standalone_question_in_a_chat_is_not_rewritten(engine: Engine) -> None:
    chat = engine.chat()
    chat.ask(TIRANA, mode="extractive")
    answer = chat.ask("How many joint activities does the Serbia-Hungary plan for 2025 include?",
                      mode="extractive")
    assert answer.rewritten_question is None and "rewritten_question" not in answer.to_dict()


def _dummy_answer():  # type: ignore[no-untyped-def]
    from rag import Answer

    return Answer(TIRANA, "", (), (), True, "extractive")
