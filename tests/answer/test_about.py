"""Questions about an article itself, answered from its header lines (hand-made articles)."""

from __future__ import annotations

import pytest

from rag.answer.about import answer_about, asks_about_article
from rag.answer.question import analyse
from rag.records import Passage

WITH_BYLINE = ("Ports Reopen After the Strike\n\nBy Maria Lind\n\n3 May 2024 09:15 GMT\n\n"
               "Dockworkers returned to work on Friday after a two-week strike.")
NO_BYLINE = "Rain Delays the Harvest\n\nFarmers in the north said the wet spring cost them a month."


def head(source: str) -> Passage | None:
    text = {"ports.txt": WITH_BYLINE, "rain.txt": NO_BYLINE}[source]
    title = text.split("\n", 1)[0]
    return Passage(source, title, "2024-05-03" if source == "ports.txt" else None, 0, len(text), text, 0.0,
                   chunk_id=f"{source}#0")


def passages(*sources: str) -> list[Passage]:
    # a later chunk of each article (the retriever found the body, not the header)
    return [Passage(s, head(s).title, None, 40, 90, "body", 1.0, chunk_id=f"{s}#1")  # type: ignore[union-attr]
            for s in sources]


@pytest.mark.parametrize(("question", "asks"), [
    ("Who wrote 'Ports Reopen After the Strike'?", ("author",)),
    ("who is the author of the piece about the strike", ("author",)),
    ("When was the article about the dock strike published?", ("date",)),
    ("At what time was 'Ports Reopen After the Strike' posted?", ("date",)),
    ("What is the headline of the article about the harvest?", ("title",)),
    ("Who wrote 'Ports Reopen After the Strike' and when was it published?", ("author", "date")),
    ("who wrote the 'Ports Reopen After the Strike' article and when did it go up?", ("author", "date")),
    ("Who ended the strike?", ()),  # about the events, not the article
    ("When did the article say the strike ended?", ()),
    ("The piece links to another article: who wrote that one?", ()),  # a piece it only mentions
    ("What's the official title of the 1996 arms control agreement?", ()),  # the title of something else
    ("What is the title of the report on the harvest?", ("title",)),
    ("What title is Neil Kinnock taking in the Lords?", ()),  # a title someone takes, no article named
])
def test_what_a_question_asks_about_an_article(question: str, asks: tuple[str, ...]) -> None:
    assert asks_about_article(question) == asks


def test_the_byline_and_date_lines_are_cited_as_exact_spans() -> None:
    q = analyse("Who wrote 'Ports Reopen After the Strike' and when was it published?")
    got = answer_about(q, ("author", "date"), passages("rain.txt", "ports.txt"), head)
    assert got is not None
    found, extraction = got
    quotes = [p.quote for p in extraction.picks]
    assert quotes == ["By Maria Lind", "3 May 2024 09:15 GMT"]
    for pick in extraction.picks:
        assert found[pick.passage].source == "ports.txt"  # the article the title names, not the first one
        assert WITH_BYLINE[pick.start:pick.end] == pick.quote
    assert extraction.short_answer == "Maria Lind; 3 May 2024 09:15 GMT"


def test_an_article_without_a_byline_is_a_precise_refusal() -> None:
    q = analyse("Who wrote the article about the wet spring and the harvest?")
    got = answer_about(q, ("author",), passages("rain.txt"), head)
    assert got is not None
    _, extraction = got
    assert not extraction.picks and "does not state its author" in (extraction.abstain_reason or "")
    assert [p.quote for p in extraction.evidence] == ["Rain Delays the Harvest"]
