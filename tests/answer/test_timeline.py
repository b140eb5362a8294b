"""The timeline on hand-written articles: date phrases resolved as stated or against the article's date,
durations left out, an undated article's year taken from the dated article most like it."""

from __future__ import annotations

from datetime import date

import pytest

from rag.answer.timeline import Dated, Period, asks_about_period, events_in, period_answer, resolve, timeline

PUBLISHED = date(2025, 3, 26)  # a Wednesday


@pytest.mark.parametrize(("phrase", "iso", "precision", "how"), [
    ("18 March 2025", "2025-03-18", "day", "stated"),
    ("March 18, 2025", "2025-03-18", "day", "stated"),
    ("Wednesday, 26 March 2025", "2025-03-26", "day", "stated"),
    ("18 March", "2025-03-18", "day", "year of the article"),
    ("March 2024", "2024-03", "month", "stated"),
    ("in 2023", "2023", "year", "stated"),
    ("yesterday", "2025-03-25", "day", "relative"),
    ("on Monday", "2025-03-24", "day", "relative"),
    ("last week", "2025-03-17", "week", "relative"),
    ("two days ago", "2025-03-24", "day", "relative"),
    ("last year", "2024", "year", "relative"),
    ("earlier this month", "2025-03", "month", "relative"),
])
def test_a_date_phrase_is_resolved_and_says_how(phrase: str, iso: str, precision: str, how: str) -> None:
    got = resolve(phrase, PUBLISHED)
    assert got is not None and got[:2] == (iso, precision) and how in got[2]


@pytest.mark.parametrize("phrase", ["30 years", "a 20-year period", "decades", "the past few months", "weekly"])
def test_a_duration_names_no_point_in_time(phrase: str) -> None:
    assert resolve(phrase, PUBLISHED) is None


def test_relative_phrases_need_the_articles_date() -> None:
    assert resolve("last week", None) is None and resolve("18 March", None) is None
    assert resolve("18 March 2025", None) == ("2025-03-18", "day", "stated")


BODY = ("The two defence ministers met in Belgrade to sign the harbour defence pact, which builds on a "
        "memorandum of understanding on harbour defence signed in Palic in 2023.")


def test_events_are_in_order_with_the_articles_date_lines_and_an_undated_articles_year_inferred() -> None:
    dated = Dated("a.txt", "Harbour pact", "2025-03-26", f"Harbour pact\n\nWednesday, 26 March 2025\n\n{BODY} "
                  "The harbour defence pact was announced last week in Belgrade.")
    undated = Dated("b.txt", "Harbour defence", None, f"Harbour defence\n\n{BODY} The harbour defence pact "
                    "was signed in Belgrade on 1 April by the two defence ministers.")
    events = timeline([dated, undated])
    assert [(e.date, e.citation.source) for e in events] == [
        ("2023", "a.txt"), ("2023", "b.txt"), ("2025-03-17", "a.txt"), ("2025-03-26", "a.txt"), ("2025-04-01", "b.txt")]
    last = events[-1]
    assert "the year of the dated article most like this one (a.txt, 2025-03-26)" in last.resolved
    assert undated.text[last.citation.start:last.citation.end] == last.citation.quote
    assert events[3].when == "published" and events[3].citation.quote == "Wednesday, 26 March 2025"
    assert [e.date for e in timeline([dated, undated], entity="Palic")] == ["2023", "2023"]


@pytest.mark.parametrize(("question", "start", "end"), [
    ("What happened between 18 March and 1 April?", "2025-03-18", "2025-04-01"),
    ("Give me a timeline of events from March 17 to March 26, 2025", "2025-03-17", "2025-03-26"),
    ("What happened in March 2024?", "2024-03", "2024-03"),
    ("What events took place after 24 March?", "2025-03-24", ""),
    ("Which events occurred before 2024?", "", "2024"),
])
def test_a_question_about_a_period_is_read_as_its_bounds(question: str, start: str, end: str) -> None:
    period = asks_about_period(question, PUBLISHED)
    assert period is not None and (period.start, period.end) == (start, end)


@pytest.mark.parametrize("question", ["When was the pact signed?", "Where did the signing take place?",
                                      "What happened to the pact?", "Who signed it on 18 March?"])
def test_other_questions_are_not_period_questions(question: str) -> None:
    assert asks_about_period(question, PUBLISHED) is None


def test_a_period_holds_the_dates_wholly_inside_it_and_after_before_leave_their_bound_out() -> None:
    march = Period("2025-03", "2025-03", "March 2025")
    assert march.holds("2025-03-18") and march.holds("2025-03") and not march.holds("2025") \
        and not march.holds("2025-04-01")
    after = asks_about_period("What happened after 24 March?", PUBLISHED)
    before = asks_about_period("What happened before 2024?", PUBLISHED)
    assert after is not None and not after.holds("2025-03-24") and after.holds("2025-03-25")
    assert before is not None and before.holds("2023") and not before.holds("2024-05")


def test_a_period_question_is_answered_with_its_events_cited_or_refused_saying_what_is_covered() -> None:
    events = timeline([Dated("a.txt", "Port", "2025-03-26", "Port\n\nThe deal was signed on 18 March. "
                             "The union met in 2023. Talks resumed on Monday.\n")])
    period = asks_about_period("What happened between 17 March and 25 March?", PUBLISHED)
    assert period is not None
    answer = period_answer("q", period, events_in(events, period), (), mode="extractive")
    assert not answer.abstained and [c.quote for c in answer.citations] == [
        "The deal was signed on 18 March.", "Talks resumed on Monday."]
    assert answer.text.startswith("18 March 2025: The deal was signed on 18 March. [1]")
    named = events_in(events, period, ["Talks"])
    assert [e.citation.quote for e in named] == ["Talks resumed on Monday."]
    june = asks_about_period("What happened in June 2025?", PUBLISHED)
    assert june is not None
    refused = period_answer("q", june, events_in(events, june), (), mode="extractive", everything=events)
    assert refused.abstained and not refused.citations
    assert "no event in June 2025" in refused.text and "from 2023 to 24 March 2025" in refused.text
