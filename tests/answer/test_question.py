"""Question analysis on hand-written cases: which words are names the articles must mention."""

from __future__ import annotations

import pytest

from rag.answer.extract import _sounds_like, sound
from rag.answer.question import analyse, names, parts_of


@pytest.mark.parametrize(("question", "expected"), [
    ("Per the article, what is the KSF?", ("ksf",)),  # "Per" opens the question: not a name
    ("Give me just the date: when did Croatia and Kosovo sign?", ("croatia", "kosovo")),
    ("List the Serbian officials who appear in the coverage.", ("serbian",)),
    ("Russia-led CSTO: is Serbia a full member?", ("russia", "csto", "serbia")),  # "led" is a verb
    ("Which European Pravda editor wrote about it?", ("european", "pravda")),
    ("how many joint activities are planned", ()),
    ("hungary dumps old soviet junk on serbia lol. what did serbia buy", ("hungary", "soviet", "serbia")),
])
def test_names_are_proper_nouns_entities_and_initialisms(question: str, expected: tuple[str, ...]) -> None:
    assert names(question) == expected


@pytest.mark.parametrize(("a", "b", "alike"), [
    ("truchatschow", "trukhachev", True),  # German and English transliterations of one name
    ("gasic", "gashich", True),
    ("maqedonci", "makedonci", True),
    ("vucic", "vulin", False),
    ("tirana", "belgrade", False),
    ("szalay", "orban", False),
])
def test_transliterations_of_one_name_sound_alike(a: str, b: str, alike: bool) -> None:
    assert _sounds_like(sound(a), {sound(b)}) is alike


@pytest.mark.parametrize(("question", "slot"), [
    ("How many lorries did the firm buy last year?", ("count", "lorri")),
    ("how many goals has the striker scored", ("count", "goal")),
    ("What is the name of the finance minister who resigned?", ("person", "minist")),
    ("Which is the official title of the treaty they signed?", ("name", "treati")),
    ("What was the exact date of the merger?", ("day", "")),
    ("On what day did the strike begin?", ("day", "")),
    ("Which bank advised the buyer?", ("name", "bank")),
    ("Which minister predicted the slump?", ("person", "")),  # a role as a category: any person
    ("Who is the coach of the national team?", ("person", "coach")),
    ("Which year did the law pass?", None),  # a time, not a name: the kind check covers it
    ("Who resigned?", None),
    ("How long did the strike last?", None),  # no counted noun: the kind check covers it
    ("Why did the minister resign?", None),
    ("What did Viktor Orbán himself say about the pact?", ("speech", "orban")),  # words of that person
    ("How did Vučić describe the signing?", ("speech", "vucic")),
    ("What did the minister say about the pact?", None),  # a role, not a name: the answer may be anyone's words
])
def test_the_slot_comes_from_the_parse(question: str, slot: tuple[str, str] | None) -> None:
    got = analyse(question).slot
    assert (got.kind, got.noun) == slot if slot else got is None


@pytest.mark.parametrize(("question", "asks"), [
    ("Who chairs the committee, and when was she appointed?",
     ("Who chairs the committee?", "when was she appointed?")),
    ("How many staff did the bank cut and on what date did it announce the cuts?",
     ("How many staff did the bank cut?", "on what date did it announce the cuts?")),
    ("When did France, Spain and Italy sign the accord?", ("When did France, Spain and Italy sign the accord?",)),
    ("Where and when was the accord signed?", ("Where and when was the accord signed?",)),  # one clause
    ("Who said the rules are unfair but also those who broke them should pay?",  # a relative "who": one question
     ("Who said the rules are unfair but also those who broke them should pay?",)),
])
def test_a_compound_question_splits_where_a_second_question_starts(question: str, asks: tuple[str, ...]) -> None:
    parts = parts_of(question)
    assert tuple(ask for ask, _ in parts) == asks
    if len(parts) > 1:  # the second part is searched with the first part's topic
        assert "the committee" in parts[1][1] or "the bank" in parts[1][1]


@pytest.mark.parametrize(("question", "qualifiers"), [
    ("What is the name of the Croatian defence minister?", ("croat",)),
    ("Who is the defence minister of Kosovo?", ("kosov",)),
    ("What is the name of Spain's finance minister?", ("spain",)),
    ("What is the name of the finance minister who resigned?", ()),
])
def test_a_role_keeps_the_names_that_qualify_it(question: str, qualifiers: tuple[str, ...]) -> None:
    slot = analyse(question).slot
    assert slot is not None and slot.kind == "person" and slot.qualifiers == qualifiers


@pytest.mark.parametrize(("question", "many"), [
    ("Which countries signed the accord?", True),
    ("Where was each of the two treaties signed?", True),
    ("List the ministers who resigned last year.", True),
    ("Which country signed the accord?", False),
    ("How many ministers resigned?", False),  # one number, however many it counts
    ("Who signed the accord?", False),
])
def test_a_question_asking_for_several_answers_is_marked(question: str, many: bool) -> None:
    assert analyse(question).many is many


@pytest.mark.parametrize(("question", "kind"), [
    ("How much money will the firm cut from its advertising?", "money"),
    ("how much is she suing the insurers for??", "money"),
    ("How much is the new contract worth?", "money"),
    ("How much did prices rise?", "count"),  # an amount, not money
])
def test_how_much_asks_for_money_when_the_verb_deals_in_it(question: str, kind: str) -> None:
    assert analyse(question).kind == kind


@pytest.mark.parametrize(("question", "noun"), [
    ("By how many did the number of joint activities grow between 2023 and 2025?", "activ"),
    ("How many more troops does Greece have than Italy?", "troop"),
    ("How many joint activities are in the plan?", None),  # a count, not a change
    ("By how much did the pound fall?", None),  # no counted noun to compare
])
def test_a_question_about_a_change_names_the_noun_counted(question: str, noun: str | None) -> None:
    from rag.answer.question import asks_difference

    assert asks_difference(analyse(question)) == noun
