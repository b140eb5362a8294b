"""Sentence spans are exact and sensible; folding and stemming join spelling variants."""

from pathlib import Path

import pytest

from conftest import SEEDS
from rag.text import fold, sentence_spans, stem, terms, words


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_sentence_spans_are_exact_trimmed_and_ordered(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    spans = sentence_spans(text)
    assert spans
    for (_, e), (s2, _) in zip(spans, spans[1:]):
        assert e <= s2
    for s, e in spans:
        piece = text[s:e]
        assert piece == piece.strip() and piece
    # every non-space character belongs to some sentence
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = "Mr. Smith met Dr. Jones in the U.S. capital. J. R. Doe left. Prices rose 2.5 percent!"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Smith met Dr. Jones in the U.S. capital.",
        "J. R. Doe left.",
        "Prices rose 2.5 percent!",
    ]


def test_line_breaks_end_sentences_but_hard_wrapped_lines_are_joined() -> None:
    text = ("Headline Without Full Stop\nNegotiations are reportedly underway between the president and "
            "the Hungarian Prime Minister\nViktor Orban to establish an alliance.")
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got[0] == "Headline Without Full Stop"
    assert got[1].endswith("Viktor Orban to establish an alliance.")


def test_quotes_closing_a_sentence() -> None:
    text = 'He called it a “historic step.” Then he left.'
    assert [text[s:e] for s, e in sentence_spans(text)] == ["He called it a “historic step.”", "Then he left."]


def test_fold_and_stem_join_variants() -> None:
    assert fold("Vučić Đurić Çolaku Gašić") == "vucic djuric colaku gasic"
    assert stem("hungarian") == stem("hungary")
    assert stem("serbian") == stem("serbia")
    assert words("Serbia’s U.S.-led") == ["serbia", "s", "u", "s", "led"]
    assert terms("How many joint activities are there?") == ["joint", "activ"]


def test_initialisms_take_each_initials_most_frequent_name() -> None:
    from rag.text import initialisms

    table = initialisms(["The Football Association fined him.", "the First Amendment",
                         "a Football Association hearing", "Kosovo Security Force (KSF)", "Serbia"])
    assert table["fa"] == "Football Association"
    assert table["ksf"] == "Kosovo Security Force"
    assert "serbia" not in table and "s" not in table


def test_the_leading_words_of_a_name_have_an_initialism_too() -> None:
    from rag.text import initialisms

    got = initialisms(["They asked the United Nations Security Council to act."])
    assert got["unsc"] == "United Nations Security Council" and got["un"] == "United Nations"
    both = initialisms(["the Kosovo Security Force", "the Kosovo Security Force", "Kosovo Security officials"])
    assert both["ksf"] == "Kosovo Security Force"


def test_words_inside_a_longer_name_have_an_initialism_but_a_name_of_its_own_wins() -> None:
    from rag.text import initialisms

    got = initialisms(["Kosovo's Prime Minister Albin Kurti hailed it."])
    assert got["pm"] == "Prime Minister"  # "what did Kosovo's PM say?" is about a name the articles write
    own = initialisms(["the Press Monitor said", "Kosovo's Prime Minister Albin Kurti"])
    assert own["pm"] == "Press Monitor"  # a name written on its own is counted; one inside another is not


def test_the_first_half_of_a_negative_contraction_is_no_term() -> None:
    from rag.text import terms

    assert terms("NATO wasn't informed and Hungary isn't a member") == ["nato", "inform", "hungari", "member"]
    assert "won" in terms("Who won the election?")  # a word, not half a contraction
