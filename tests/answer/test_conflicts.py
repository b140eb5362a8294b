"""Disagreements between small hand-written articles: one that is and one that is not, per kind.

The texts are parsed by the real spaCy model (``rag.answer.nlp``); no index is needed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rag.answer.conflicts import ArticleText, asks_about_agreement, find, with_disagreements
from rag.answer.nlp import parse
from rag.answer.question import analyse
from rag.evaluation.conflicts import Planted, evaluate, markdown, plant, score
from rag.records import Answer, Citation, Disagreement, Passage

# A sentence both articles of a pair share: they are about the same events.
CONTEXT = "The defence pact between Albania, Croatia and Kosovo was signed in Tirana in March."


def pair(a: str, b: str, date_a: str | None = None, date_b: str | None = None) -> list[Disagreement]:
    return find([ArticleText("a.txt", "A", date_a, f"{CONTEXT}\n{a}"),
                 ArticleText("b.txt", "B", date_b, f"{CONTEXT}\n{b}")])


def kinds(found: list[Disagreement]) -> list[str]:
    return [d.kind for d in found]


def test_the_model_is_the_shared_one() -> None:
    assert [e.label_ for e in parse("Kosovo cannot join NATO.").ents] == ["GPE", "ORG"]


def test_a_different_number_is_a_conflict_with_both_spans() -> None:
    a = "The agreement outlines 79 joint activities, including military exercises and helicopter training."
    b = "The agreement outlines 97 joint activities, including military exercises and helicopter training."
    found = pair(a, b)
    assert kinds(found) == ["number"]
    x, y = found[0].sides
    assert (x.source, y.source) == ("a.txt", "b.txt") and (x.quote, y.quote) == (a, b)
    assert f"{CONTEXT}\n{a}"[x.start:x.end] == x.quote
    assert not found[0].update


def test_the_same_number_in_words_is_agreement() -> None:
    found = pair("The agreement outlines 79 joint activities, including military exercises and helicopter training.",
                 "The agreement outlines seventy-nine joint activities, including military exercises and helicopter "
                 "training.")
    assert found == []


@pytest.mark.parametrize(("a", "b"), [
    # the parser reads one side's number as a date ("the age of 79") and the other's not ("118")
    ("The former manager of the pact's negotiators has died at the age of 79, his family said.",
     "The former manager of the pact's negotiators has died at the age of 118, his family said."),
    # the new value is said elsewhere in the sentence too: one more "10" than before
    ("The summit, which has cost £9m to stage, was given a 10-minute standing ovation by the delegates.",
     "The summit, which has cost £10m to stage, was given a 10-minute standing ovation by the delegates."),
])
def test_a_changed_number_is_found_however_it_is_tagged_or_repeated(a: str, b: str) -> None:
    assert kinds(pair(a, b)) == ["number"]


def test_the_same_numbers_in_another_order_are_agreement() -> None:
    assert pair("Exports to the region rose from 785 to 708 million euros in the year to November, officials said.",
                "Exports to the region rose to 708 from 785 million euros in the year to November, officials said.") == []


def test_a_different_date_is_a_conflict_the_same_date_written_otherwise_is_not() -> None:
    a = "The Serbian-Hungarian plan was signed in Belgrade on 1 April by both defence ministers."
    assert kinds(pair(a, a.replace("1 April", "3 April"))) == ["date"]
    assert pair(a, a.replace("1 April", "April 1")) == []
    b = "Some experts believe this could require borrowing of up to $4.5 trillion over a 20-year period."
    assert pair(b, b.replace("20-year", "twenty year")) == []


def test_a_spelling_variant_is_found() -> None:
    found = pair("Hungarian Minister of Defence Kristóf Szalay-Bobrovniczky met the Serbian president in Belgrade.",
                 "Defence ministers Bratislav Gašić and Kristóf Szalay-Bobrovniczzy signed a plan for 2025.")
    assert kinds(found) == ["name_spelling"]
    assert {v.split()[-1] for v in found[0].values} == {"bobrovniczky", "bobrovniczzy"}


def test_two_different_people_are_not_a_spelling_variant() -> None:
    a = "The defence minister Tony Blair signed the memorandum with his counterparts in the Albanian capital."
    found = pair(a, a.replace("Blair", "Blake"))
    assert "name_spelling" not in kinds(found)
    assert kinds(found) == ["name"]  # another person in the same statement: a disagreement, not a spelling


def test_unrelated_articles_are_not_compared() -> None:
    found = find([ArticleText("a.txt", "A", None, "Mark Thompson, the BBC's director general, announced job cuts "
                              "across the corporation's television and radio departments."),
                  ArticleText("b.txt", "B", None, "Mark Thomson scored twice as Hearts beat Celtic at Tynecastle "
                              "on Saturday afternoon in front of a record crowd.")])
    assert found == []


def test_membership_asserted_and_negated_is_a_conflict() -> None:
    found = pair("The memorandum was signed by Albania, Kosovo and Croatia. It binds the three nations, "
                 "which are all NATO members, to mutual support.",
                 "Without recognition from Spain and Greece, Kosovo cannot join NATO for years.")
    assert kinds(found) == ["membership"]
    assert found[0].subject == "Kosovo"
    assert sorted(found[0].values) == ["member of nato", "not member of nato"]


def test_membership_asserted_in_both_is_agreement() -> None:
    assert pair("Croatia, a NATO member, hosted the talks with its two partners.",
                "Croatia is a member of NATO and hosted the talks with its two partners.") == []


def test_a_later_article_is_an_update_not_a_contradiction() -> None:
    a = "The Belgrade factory of the company employs 500 people, its director said on the visit."
    b = a.replace("500", "650")
    later = pair(a, b, "2025-03-01", "2025-04-01")
    assert kinds(later) == ["number"] and later[0].update
    assert [s.date for s in later[0].sides] == ["2025-03-01", "2025-04-01"]
    same_day = pair(a, b, "2025-03-01", "2025-03-01")
    assert kinds(same_day) == ["number"] and not same_day[0].update


def test_a_negation_is_a_polarity_conflict_agreement_in_other_words_is_not() -> None:
    a = "The government has approved the new defence budget for the army and the air force."
    assert kinds(pair(a, a.replace("has approved", "has not approved"))) == ["polarity"]
    assert pair(a, "The new defence budget for the army and the air force has been approved by the government.") == []


def test_events_on_one_day_with_different_steps() -> None:
    found = pair("The military alliance was signed on 18 March by Albania, Croatia and Kosovo.",
                 "On 18 March, Croatia, Albania, and Kosovo officially announced their military alliance.")
    assert kinds(found) == ["event"]
    assert pair("The military alliance was signed on 18 March by Albania, Croatia and Kosovo.",
                "On 18 March, Croatia, Albania, and Kosovo signed their military alliance.") == []


def test_plant_changes_one_fact_and_score_counts_it() -> None:
    text = ("Title line\n\nThe firm said on Monday that it sold 1,200 cars in 2004. Its boss John Smith "
            "said sales were strong and that the firm was growing.")
    copies, truth = plant([("x.txt", text), ("y.txt", text.replace("John Smith", "Mary Jones"))], 2, seed=7)
    assert len(copies) == len(truth) == 2
    for (name, changed), t in zip(copies, truth, strict=True):
        assert changed != text and name == t.copy and changed[t.start:t.end] == t.after
    t = Planted("x.txt", "copy_x.txt", "number", 40, 45, "1,200", "1,500")
    hit = {"kind": "number", "sides": [{"source": "x.txt", "start": 0, "end": 60},
                                       {"source": "copy_x.txt", "start": 0, "end": 60}]}
    miss = {"kind": "number", "sides": [{"source": "x.txt", "start": 70, "end": 90},
                                        {"source": "y.txt", "start": 70, "end": 90}]}
    assert score([hit, miss], [t])["recall"] == 1.0 and score([hit, miss], [t])["precision"] == 0.5
    assert score([miss], [], articles=20)["false_alarms_per_10"] == 0.5


@pytest.mark.parametrize("kind", ["number", "date", "name", "polarity"])
def test_planted_kinds_are_found(kind: str) -> None:
    text = ("Title line\n\nThe carmaker said on Monday that it had sold 1,200 cars in Germany during 2004. "
            "Its chief executive John Smith said that sales in Europe were strong and that the firm is growing. "
            "The analyst Mary Jones said the figures were better than the market had expected this year.")
    copies, truth = [], []
    for seed in range(40):
        copies, truth = plant([("x.txt", text)], 1, seed)
        if truth and truth[0].kind == kind:
            break
    assert truth and truth[0].kind == kind
    found = find([ArticleText("x.txt", "X", None, text), ArticleText(copies[0][0], "X", None, copies[0][1])])
    assert score([d.to_dict() for d in found], truth)["recall"] == 1.0


def test_a_signing_date_against_an_agreement_still_to_be_signed() -> None:
    found = pair("The situation is similar with the Hungarian-Serbian pact of 1 April, which deepens ties.",
                 "Media reported plans for an alliance between Serbia and Hungary, with an agreement possibly "
                 "being signed soon.")
    assert kinds(found) == ["date"]
    assert sorted(found[0].values) == ["04-01", "soon"]
    assert pair("The situation is similar with the Hungarian-Serbian pact of 1 April, which deepens ties.",
                "The agreement between Serbia and Hungary was signed on April 1 in Belgrade.") == []


def test_a_source_listed_twice_is_read_once() -> None:
    a = ArticleText("a.txt", "A", None, f"{CONTEXT}\nThe memorandum was signed by Albania, Kosovo and Croatia. "
                    "It binds the three nations, which are all NATO members, to mutual support.")
    b = ArticleText("b.txt", "B", None, f"{CONTEXT}\nWithout recognition from Spain and Greece, Kosovo cannot join NATO.")
    assert kinds(find([a, a, b, b])) == ["membership"]


def _answer(quote: str, passages: tuple[Passage, ...] = (), start: int = 0) -> Answer:
    cite = Citation(1, "a.txt", "A", None, start, start + len(quote), quote)
    return Answer("q", f"{quote} [1]", (cite,), passages, False, "extractive")


MEMBERS = pair("The memorandum binds the three nations Albania, Kosovo and Croatia, which are all NATO members.",
               "Without recognition from Spain and Greece, Kosovo cannot join NATO, the minister said.")


def test_an_answer_citing_one_side_cites_and_says_the_other() -> None:
    side_a, side_b = MEMBERS[0].sides
    answer = with_disagreements(_answer(side_a.quote, start=side_a.start), MEMBERS)
    assert answer.text.endswith(f"Another article says otherwise: {side_b.quote} [2]")
    assert [c.quote for c in answer.citations] == [side_a.quote, side_b.quote]
    assert [c.n for c in answer.disagreements[0].sides] == [1, 2]
    unrelated = _answer("The weather was fine.", start=500)
    assert with_disagreements(unrelated, MEMBERS) == unrelated


def test_a_question_about_agreement_is_answered_from_the_disagreements_in_its_passages() -> None:
    side_a, side_b = MEMBERS[0].sides
    passages = tuple(Passage(s.source, s.title, None, s.start, s.end, s.quote, 1.0) for s in (side_a, side_b))
    answer = replace(_answer("Kosovo has ties with NATO."), citations=(), passages=passages)
    asked = asks_about_agreement(analyse("Do the articles agree on whether Kosovo is a NATO member?"))
    assert asked is not None and asks_about_agreement(analyse("Is Kosovo a NATO member?")) is None
    assert with_disagreements(answer, MEMBERS, asked).disagreements
    assert not with_disagreements(answer, MEMBERS).disagreements  # not asked: only cited sides count
    when = asks_about_agreement(analyse("Do the articles agree on when Kosovo joined NATO?"))
    assert when is not None and not with_disagreements(answer, MEMBERS, when).disagreements  # a date was asked


def test_a_refused_question_about_agreement_is_answered_with_both_sides_alone() -> None:
    side_a, side_b = MEMBERS[0].sides
    passages = tuple(Passage(s.source, s.title, None, s.start, s.end, s.quote, 1.0) for s in (side_a, side_b))
    refused = Answer("q", "The articles don't answer this.", (), passages, True, "extractive")
    asked = asks_about_agreement(analyse("Do the articles agree on whether Kosovo is a NATO member?"))
    answer = with_disagreements(refused, MEMBERS, asked)
    assert not answer.abstained and [c.quote for c in answer.citations] == [side_a.quote, side_b.quote]
    assert answer.text == f"The articles disagree. One says: {side_a.quote} [1] Another says: {side_b.quote} [2]"
    assert with_disagreements(refused, MEMBERS) == refused  # not asked: a refusal stays one


def test_a_question_how_a_name_is_spelled_asks_for_spelling_disagreements() -> None:
    asked = asks_about_agreement(analyse("How exactly is the Hungarian defence minister's surname spelled?"))
    assert asked is not None and asked.kinds == frozenset({"name_spelling"})
    assert "spell" not in asked.terms and "minist" in asked.terms


def test_the_evaluation_plants_finds_and_scores_in_one_step(tmp_path: Path) -> None:
    """``python -m rag eval --conflicts`` on a small corpus: the planted copies are found and scored."""
    base = ("Title {i}\n\nThe carmaker {i} said on Monday that it had sold 1,200 cars in Germany during 2004. "
            "Its chief executive John Smith{i} said that sales in Europe were strong and that the firm is growing.")
    others = ["Weather\n\nRain fell in the north all week and farmers waited.",
              "Music\n\nThe band played three new songs to a small crowd in Leeds."]
    corpus = [(f"a{i}.txt", base.format(i=i)) for i in range(3)] + [(f"o{i}.txt", t) for i, t in enumerate(others)]
    result = evaluate(corpus, n=2, seed=1, unmodified=2, unmodified_seed=0)
    assert result["planted"]["planted"] == 2 and result["planted"]["recall"] == 1.0
    assert "| recall | precision |" in "\n".join(markdown(result))
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in corpus:
        (folder / name).write_text(text, encoding="utf-8")
    from rag.app.cli import main

    assert main(["eval", "--conflicts", "--corpus", str(folder), "--report", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "conflicts.md").is_file()
