"""A timeline of dated events across the articles: every sentence that says when something happened,
with its date resolved (as stated, or relative to the article's own date), in order.

spaCy's entity recogniser finds the date phrases (``DATE``); this module resolves the ones that
name a point in time: a day ("18 March", "March 18, 2025"), a month ("March 2025"), a year ("in
2023"), a weekday ("on Monday": the last one on or before the article's date) and the usual relative
phrases ("yesterday", "last week", "two days ago", "earlier this month"). Durations ("for 30 years",
"a 20-year period") name no point and are left out. Each article's own date is an event too (its
date line, quoted). Hand-written because no packaged library resolves news dates against the
article's date offline (dateutil parses absolute dates only, and guesses the missing parts).

>>> resolve("18 March", date(2025, 3, 24))
('2025-03-18', 'day', 'stated day and month; the year of the article (2025-03-24)')
>>> resolve("last week", date(2025, 3, 24))
('2025-03-17', 'week', 'relative to the article (2025-03-24): last week')
>>> resolve("30 years", date(2025, 3, 24)) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..index.files import header_lines
from ..records import Answer, Citation, Event, Passage
from ..text import fold, sentence_spans, terms, words
from .compose import holding

TIMELINE = "1"  # the builder's version: bump it when what ``timeline`` finds changes (names kept timelines)
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:19|20)\d\d)"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
# (pattern over the folded date phrase, what it gives); the first that matches resolves the phrase.
_ABSOLUTE = (
    (re.compile(rf"^(?:\w+,? )?(?:the )?{_DAY} (?:of )?{_MONTH},? {_YEAR}$"), "dmy"),
    (re.compile(rf"^(?:\w+,? )?{_MONTH} ?{_DAY},? {_YEAR}$"), "mdy"),
    (re.compile(rf"^(?:\w+,? )?(?:the )?{_DAY} (?:of )?{_MONTH}$"), "dm"),
    (re.compile(rf"^(?:\w+,? )?{_MONTH} ?{_DAY}$"), "md"),
    (re.compile(rf"^(?:early |mid-?|late |the end of |the start of |the beginning of )?{_MONTH},? {_YEAR}$"), "my"),
    (re.compile(rf"^(?:early |mid-?|late |the end of |the start of |the beginning of )?{_YEAR}$"), "y"),
)
_AGO = re.compile(r"^(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten) (day|week|month|year)s? ago$")
_LAST = re.compile(r"^(last|this|earlier this|later this|next) (week|month|year)$")
_WEEKDAY = re.compile(r"^(?:last |this |on )?(" + "|".join(_WEEKDAYS) + r")$")


def resolve(phrase: str, published: date | None) -> tuple[str, str, str] | None:
    """A date phrase as (ISO date as precise as it is, precision, how it was resolved), or None
    when it names no point in time or needs the article's date and there is none."""
    text = " ".join(fold(phrase).replace("’", "'").split()).strip(" ,.")
    text = re.sub(r"^(on|in|since|by|from|until|of) ", "", text)
    for pattern, order in _ABSOLUTE:
        m = pattern.match(text)
        if not m:
            continue
        parts = dict(zip(order, m.groups()))
        month = _MONTHS[parts["m"][:3]] if "m" in parts else None
        if "d" in parts:
            if "y" not in parts and published is None:
                return None
            year = int(parts["y"]) if "y" in parts else published.year  # type: ignore[union-attr]
            try:
                day = date(year, month or 1, int(parts["d"]))
            except ValueError:
                return None
            how = "stated" if "y" in parts else f"stated day and month; the year of the article ({published})"
            return day.isoformat(), "day", how
        if month is not None:
            return f"{int(parts['y']):04d}-{month:02d}", "month", "stated"
        return parts["y"], "year", "stated"
    if published is None:
        return None
    rel = f"relative to the article ({published}): {text}"
    if text in ("today", "this morning", "tonight", "this evening"):
        return published.isoformat(), "day", rel
    if text in ("yesterday", "last night"):
        return (published - timedelta(days=1)).isoformat(), "day", rel
    m = _WEEKDAY.match(text)
    if m:
        back = (published.weekday() - _WEEKDAYS.index(m.group(1))) % 7
        return (published - timedelta(days=back)).isoformat(), "day", rel
    m = _AGO.match(text)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
        unit = m.group(2)
        return _point(published - timedelta(days=n * _UNIT_DAYS[unit]), unit), unit, rel
    m = _LAST.match(text)
    if m:
        step = {"last": -1, "next": 1}.get(m.group(1), 0)
        unit = m.group(2)
        if unit == "week":
            start = published - timedelta(days=published.weekday()) + timedelta(weeks=step)
            return start.isoformat(), "week", rel
        if unit == "month":
            y, mo = divmod(published.year * 12 + published.month - 1 + step, 12)
            return f"{y:04d}-{mo + 1:02d}", "month", rel
        return f"{published.year + step:04d}", "year", rel
    return None


def _point(day: date, unit: str) -> str:
    return day.isoformat() if unit in ("day", "week") else f"{day:%Y-%m}" if unit == "month" else f"{day:%Y}"


@dataclass(frozen=True)
class Dated:
    """An article as the timeline reads it."""

    source: str
    title: str
    date: str | None  # ISO, its publication date when it states one
    text: str


# A sentence may hold a date phrase only if it has one of these (the others are not parsed).
_MAY_DATE = re.compile(rf"\b({_MONTH}|(?:19|20)\d\d|" + "|".join(_WEEKDAYS)
                       + r"|today|yesterday|tonight|ago|last|this|next|earlier|later)\b", re.IGNORECASE)


def _years_from_neighbours(articles: Sequence[Dated]) -> dict[str, tuple[date, str]]:
    """For an article without a date: the date and source of the dated article most like it (about
    the same events: ``conflicts.ARTICLE_SIMILARITY``), whose year its "18 March" most likely has."""
    from collections import Counter

    from .conflicts import ARTICLE_SIMILARITY, similarity

    dated = [i for i, a in enumerate(articles) if iso_date(a.date)]
    if not dated or len(dated) == len(articles):
        return {}
    sims = similarity([Counter(terms(a.text)) for a in articles])
    out = {}
    for i, a in enumerate(articles):
        if iso_date(a.date) is None:
            j = max(dated, key=lambda j: sims[i, j])
            if sims[i, j] >= ARTICLE_SIMILARITY:
                out[a.source] = (iso_date(articles[j].date), articles[j].source)
    return out  # type: ignore[return-value]


def timeline(articles: Sequence[Dated], *, entity: str | None = None) -> list[Event]:
    """Every dated event of ``articles`` in date order (then by article and position): the sentence
    that states it, its date phrase and how the phrase was resolved. ``entity``: only sentences that
    name it (its words, folded). A day and month in an article without a date get the year of the
    dated article most like it, and say so."""
    from .nlp import pipeline

    neighbours = _years_from_neighbours(articles)
    found: list[tuple[str, str, str, str, str, int, int, str]] = []
    todo: list[tuple[Dated, int, int]] = []
    for a in articles:
        published = iso_date(a.date)
        head = header_lines(a.text).get("date")
        if published and head and (not entity or names(entity, a.title)):
            s, e = head
            found.append((published.isoformat(), "day", "the article's date line", a.source, a.text[s:e], s, e,
                          "published"))
        for s, e in sentence_spans(a.text):
            sentence = a.text[s:e]
            if head and s <= head[0] < e:
                continue
            if _MAY_DATE.search(sentence) and (not entity or names(entity, sentence)):
                todo.append((a, s, e))
    docs = pipeline().pipe([a.text[s:e] for a, s, e in todo], batch_size=64)
    for (a, s, e), doc in zip(todo, docs, strict=True):
        published = iso_date(a.date)
        for ent in doc.ents:
            if ent.label_ != "DATE":
                continue
            got = resolve(ent.text, published)
            if got is None and a.source in neighbours:  # "18 March" in an undated article
                near, other = neighbours[a.source]
                got = resolve(ent.text, near)
                if got is not None and got[1] == "day" and got[2].startswith("stated day and month"):
                    got = (got[0], got[1], f"stated day and month; the year of the dated article most like this "
                                           f"one ({other}, {near})")
                else:
                    got = None  # (relative phrases need the article's own date)
            if got is not None:
                found.append((*got, a.source, a.text[s:e], s, e, ent.text))
    titles = {a.source: a.title for a in articles}
    dates = {a.source: a.date for a in articles}
    found.sort(key=lambda f: (f[0], f[3], f[5]))
    out: list[Event] = []
    seen: set[tuple[str, int, str]] = set()
    for when, precision, how, source, quote, s, e, phrase in found:
        if (source, s, when) in seen:  # one sentence, one date: listed once
            continue
        seen.add((source, s, when))
        cite = Citation(len(out) + 1, source, titles[source], dates[source], s, e, quote)
        out.append(Event(when, precision, phrase, how, cite))
    return out


def names(entity: str, text: str) -> bool:
    """Does ``text`` name ``entity`` (all its words, folded: "hungary" in "Hungary's")?"""
    return set(words(entity)) <= set(words(text))


def iso_date(value: str | None) -> date | None:
    """An ISO date string as a date; None when there is none or it is not one."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- questions about a period: "what happened between 18 March and 1 April?" -----------------------

MAX_EVENTS = 8  # events an answer lists (the timeline command lists them all)
# Up to this many articles a period question reads the whole corpus's timeline (built once, kept);
# above it, only the articles retrieval found for the question (the BBC corpus's whole timeline
# takes minutes to build the first time).
WHOLE_TIMELINE_ARTICLES = 200
_EVENT_WORDS = frozenset({"happen", "occur", "event", "events", "timeline", "chronology", "unfold", "place"})
_PHRASE = re.compile(rf"\b(?:{_DAY} (?:of )?{_MONTH},? {_YEAR}|{_MONTH} ?{_DAY},? {_YEAR}|{_DAY} (?:of )?{_MONTH}"
                     rf"|{_MONTH} ?{_DAY}\b|{_MONTH},? {_YEAR}|{_YEAR})")
_DATE_WORD = re.compile(rf"\b{_MONTH}\b|\d")
_OPENS = {"after": "from", "since": "from", "from": "from", "between": "from", "before": "to", "until": "to",
          "till": "to", "by": "to", "to": "to", "and": "to"}


@dataclass(frozen=True)
class Period:
    """What a question asks about: the events dated in ``start``..``end`` (ISO prefixes; "" is open;
    inclusive unless ``exclusive``: "after 24 March" leaves 24 March out), as the question wrote it (``said``)."""

    start: str
    end: str
    said: str
    exclusive: tuple[bool, bool] = (False, False)

    def holds(self, when: str) -> bool:
        """Does a date, as precise as stated ("2025-03-18", "2025-03", "2023"), lie wholly in the period?"""
        after, before = self.exclusive
        return ((not self.start or (when > self.start + "~" if after else when >= self.start))
                and (not self.end or (when < self.end if before else when <= self.end + "~")))


def asks_about_period(question: str, reference: date | None) -> Period | None:
    """The period a question asks what happened in, or None when it asks something else. It must ask
    for events (its parse has "happen", "occur", "take place", "events", "timeline" ...) and name a
    date; a day without a year takes ``reference``'s (the latest article's date). "between A and B",
    "from A to B", "after/since A", "before/until/by B", and "in/on/during A" (the whole of A)."""
    from .nlp import parse

    lemmas = {t.lemma_.lower() for t in parse(question)}
    if not lemmas & _EVENT_WORDS or ("place" in lemmas and "take" not in lemmas):
        return None
    text = fold(question).replace("’", "'")
    bounds: dict[str, str] = {}
    said: list[str] = []
    exclusive = [False, False]
    for m in _PHRASE.finditer(text):
        got = resolve(m.group(), reference)
        if got is None:
            continue
        before = text[:m.start()].split()
        role = _OPENS.get(before[-1] if before else "", "in")
        if role == "in" and before and before[-1] in ("and", "to") and "from" in bounds:
            role = "to"
        said.append(question[m.start():m.end()] if len(text) == len(question) else m.group())
        if before and before[-1] in ("after", "before"):
            exclusive[before[-1] == "before"] = True
        if role in ("from", "in"):
            bounds.setdefault("from", got[0])
        if role in ("to", "in"):
            bounds["to"] = got[0]
    if not said:
        return None
    return Period(bounds.get("from", ""), bounds.get("to", ""), " - ".join(said), (exclusive[0], exclusive[1]))


def events_in(events: Sequence[Event], period: Period, names_asked: Sequence[str] = ()) -> list[Event]:
    """The events of ``period`` (an article's publication among them), those that name one of
    ``names_asked`` when any does (an article's publication: in its title)."""
    inside = [e for e in events if period.holds(e.date)]
    asked = [n for n in names_asked if not _DATE_WORD.search(fold(n))]  # "March" names no subject
    named = [e for e in inside if any(names(n, e.citation.title if e.when == "published" else e.citation.quote)
                                      for n in asked)]
    return named or inside


def period_answer(question: str, period: Period, events: Sequence[Event], passages: Sequence[Passage],
                  *, mode: str, everything: Sequence[Event] = ()) -> Answer:
    """The answer to a period question: its events in date order, each sentence cited (at most
    ``MAX_EVENTS``, then how many more; an article's publication as such), or a refusal that says
    which dates the articles do cover (``everything``: all the events read)."""
    if not events:
        covered = f" Their dated events run from {_day_words(everything[0])} to {_day_words(everything[-1])}." \
            if everything else ""
        return Answer(question, f"The articles date no event in {_period_words(period)}.{covered}", (),
                      tuple(passages), True, mode)
    first: dict[tuple[str, int], Event] = {}
    for e in events:  # a sentence with two dates is listed at the first
        first.setdefault((e.citation.source, e.citation.start), e)
    once = list(first.values())
    shown = once[:MAX_EVENTS]
    citations = tuple(replace(e.citation, n=i) for i, e in enumerate(shown, start=1))
    lines = [f"{_day_words(e)}: the article “{c.title}” was published [{c.n}]" if e.when == "published"
             else f"{_day_words(e)}: {c.quote} [{c.n}]" for e, c in zip(shown, citations)]
    more = len(once) - len(shown)
    if more:
        lines.append(f"({more} more: python -m rag timeline lists them all.)")
    return Answer(question, "\n".join(lines), citations, holding(passages, citations), False, mode)


def _period_words(period: Period) -> str:
    if period.start == period.end:
        return f"{period.said} ({period.start})"
    if period.start and period.end:
        return f"{period.said} ({period.start} to {period.end})"
    return f"{period.said} ({'after ' + period.start if period.start else 'before ' + period.end})"


def _day_words(event: Event) -> str:
    """"18 March 2025", "March 2025", "2023", "the week of 17 March 2025"."""
    d = iso_date(event.date if len(event.date) == 10 else None)
    if d is not None:
        day = f"{d.day} {d:%B %Y}"
        return f"the week of {day}" if event.precision == "week" else day
    if len(event.date) == 7:
        return date(int(event.date[:4]), int(event.date[5:]), 1).strftime("%B %Y")
    return event.date
