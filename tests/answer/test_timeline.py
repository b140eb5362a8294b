"""The timeline on hand-written articles: date phrases resolved as stated or against the article's date,
durations left out, an undated article's year taken from the dated article most like it."""

from __future__ import annotations

from datetime import date

import pytest

from rag.answer.timeline import Dated, resolve, timeline

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
