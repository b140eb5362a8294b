"""Questions about an article itself: who wrote it, when it was published, what it is called.

The answer is the article's own header line (the byline, the date line, the title line, found
at ingestion's rules in ``index/files.py``), cited as an exact span; an article that does not
state what is asked gets a precise refusal citing its title. Which article is meant comes from
the question: a title it quotes or paraphrases, the author or date it names, else the best
retrieved passage's article.

>>> asks_about_article("Who wrote 'Tensions Rise in the Balkans'?")        # doctest: +SKIP
('author',)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..index.files import find_byline, header_lines
from ..records import Passage
from ..text import fold, terms, words
from .extract import Extraction, Pick
from .question import WH_TAGS, Question

# Nouns that make a question about a piece of writing rather than about the events in it.
ARTICLE_NOUNS = frozenset(["article", "piece", "story", "report", "analysis", "column", "commentary", "editorial",
                           "op-ed", "feature", "post", "headline", "title", "byline", "author", "writer"])
_QUOTED = re.compile(r"(?<!\w)[\"'‘“]([^\"'’”]{12,})[\"'’”](?!\w)")  # (not the apostrophe of "that's")
_WANTED = {"author": "its author", "date": "when it was published", "title": "its title"}


def asks_about_article(text: str) -> tuple[str, ...]:
    """What a question asks about an article itself, from its parse: ``author`` ("who wrote
    <article>", "the author of"), ``date`` ("when was <article> published/posted"), ``title``
    ("what is the headline of"). Empty for questions about the events, and for a piece an
    article only mentions ("that other piece")."""
    from .nlp import parse

    doc = parse(text)
    # ("Halloween co-writer Debra Hill": a person's title, not a piece of writing)
    # ("the official title of the 1996 agreement", "the author of the treaty": of something else)
    lemmas = {t.lemma_.lower() for t in doc if not (t.dep_ == "compound" and t.head.pos_ == "PROPN")
              and not _of_another_thing(t)}
    if not (_QUOTED.search(text) or lemmas & ARTICLE_NOUNS) or lemmas & {"other", "another"}:
        return ()
    if lemmas & ARTICLE_NOUNS == {"title"} and not _QUOTED.search(text):  # a title someone takes or wins
        return ()  # ("What title is Kinnock taking in the Lords?") is no article's: the article is named
    wh = {t.lower_ for t in doc if t.tag_ in WH_TAGS}
    asks: list[str] = []
    if wh & {"who", "whom", "whose"} and lemmas & {"write", "author", "writer", "byline"} or (
            wh & {"what", "which"} and lemmas & {"author", "writer", "byline"}):
        asks.append("author")
    if lemmas & {"publish", "post", "date", "release", "time"} and (
            "when" in wh or wh & {"what", "which"} and lemmas & {"date", "time", "day"}):
        asks.append("date")
    if wh & {"what", "which"} and lemmas & {"title", "headline"}:
        asks.append("title")
    if asks and "when" in wh and "date" not in asks:  # "who wrote <article> and when did it go up?":
        asks.append("date")  # asked of the article, "when" is its date
    return tuple(asks)


def _of_another_thing(token: Any) -> bool:
    """Is the word a title, headline or author of something that is no piece of writing ("the title
    of the 1996 agreement"), by the parse ("of" + a noun that is not an article noun)?"""
    if token.lemma_.lower() not in ("title", "headline", "author", "writer"):
        return False
    owner = [c for p in token.children if p.dep_ == "prep" and p.lower_ == "of"
             for c in p.children if c.dep_ == "pobj"]
    return bool(owner) and all(o.pos_ in ("NOUN", "PROPN") and o.lemma_.lower() not in ARTICLE_NOUNS
                               for o in owner)


def answer_about(q: Question, asks: tuple[str, ...], passages: list[Passage],
                 head: Callable[[str], Passage | None]) -> tuple[list[Passage], Extraction] | None:
    """The header lines answering ``asks`` from the article the question means, with the passages
    the picks point into (the article's first chunk added when it was not retrieved)."""
    sources = list(dict.fromkeys(p.source for p in passages))
    heads = {s: h for s in sources if (h := head(s)) is not None}
    if not heads:
        return None
    source = max(heads, key=lambda s: _meant(q, heads[s]))  # ties: the best-ranked article
    chunk = heads[source]
    pos = next((i for i, p in enumerate(passages) if p.chunk_id == chunk.chunk_id), None)
    if pos is None:
        passages, pos = [*passages, chunk], len(passages)
    lines = header_lines(chunk.text)
    picks: list[Pick] = []
    short: list[str] = []
    for ask in asks:
        if ask in lines:
            s, e = lines[ask]
            picks.append(Pick(pos, chunk.start + s, chunk.start + e, chunk.text[s:e], 1.0))
            short.append(find_byline(chunk.text) or "" if ask == "author" else chunk.text[s:e])
    if not picks:
        s, e = lines.get("title", (0, 0))
        evidence = (Pick(pos, chunk.start + s, chunk.start + e, chunk.text[s:e], 1.0),) if e > s else ()
        return passages, Extraction((), f"the article does not state {_WANTED[asks[0]]}", evidence=evidence)
    return passages, Extraction(tuple(picks), short_answer="; ".join(x for x in short if x) or None)


def _meant(q: Question, chunk: Passage) -> float:
    """How clearly the question points at this article: its title's words, its author, its date."""
    asked = set(terms(q.text))
    title = set(terms(chunk.title))
    score = len(asked & title) / max(1, len(title))
    byline = find_byline(chunk.text)
    if byline and set(words(fold(byline))) & set(q.entities):
        score += 1.0
    if chunk.date and chunk.date[8:].lstrip("0") in q.numbers:
        score += 0.5
    return score
