"""HTML for the chat UI. Every piece of article, question or answer text is escaped here.

Answers, passages and articles are rendered as escaped HTML, never as markdown: an article
that contains ``<script>``, ``<img onerror=...>`` or ``![x](http://...)`` shows as text and
loads nothing. Only the tags written in this module reach the page.

>>> answer_html("Gasic signed it. [1]", [1], turn=0)
'Gasic signed it. <a class="cite" href="#cite-0-1" title="Show source 1">[1]</a>'
>>> escape('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from ..records import MARKER, Answer, ArticleInfo, Citation, Disagreement, Event, Passage

CONTEXT_CHARS = 240  # shown around a quote that no retrieved passage contains


def escape(text: str) -> str:
    """HTML-escape ``text`` (quotes too, so it is safe inside attributes)."""
    return html.escape(text, quote=True)


def answer_html(text: str, cited: Iterable[int], *, turn: int) -> str:
    """Answer text with each known ``[n]`` as a link to its source card (``#cite-<turn>-<n>``).

    Works on a partial text while it streams: only complete markers become links. Lines stay lines.
    """
    known = set(cited)
    out: list[str] = []
    pos = 0
    for m in MARKER.finditer(text):
        n = int(m.group(1))
        if n not in known:
            continue
        out.append(escape(text[pos:m.start()]))
        out.append(f'<a class="cite" href="#cite-{turn}-{n}" title="Show source {n}">[{n}]</a>')
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>\n")  # a period's events, one a line


def message_html(answer: Answer, *, turn: int, text: str | None = None) -> str:
    """The chat bubble: notice, answer text with links, and for an abstention the nearest passages."""
    parts = []
    if answer.notice:
        parts.append(f'<p class="notice">{escape(answer.notice)}</p>')
    if answer.rewritten_question:
        parts.append(f'<p class="notice">Searched for: {escape(answer.rewritten_question)}</p>')
    body = answer.text if text is None else text
    if answer.short_answer and not answer.abstained and text is None:  # the name, date or number, first
        cite = answer_html("[1]", (c.n for c in answer.citations), turn=turn)
        parts.append(f'<p class="short"><strong>{escape(answer.short_answer)}</strong> {cite}</p>')
    parts.append(f"<p>{answer_html(body, (c.n for c in answer.citations), turn=turn)}</p>")
    if answer.abstained and text is None and answer.passages:
        items = "".join(
            f"<li>{escape(p.title)} <code>{escape(p.source)}</code> "
            f"(score {p.score:.3f}): {escape(_clip(p.text, 160))}</li>"
            for p in answer.passages[:3])
        parts.append(f'<ol class="nearest">{items}</ol>')
    if answer.disagreements and text is None:  # another article contradicts a cited sentence: shown apart
        parts.append(disagreements_html(answer, turn=turn))
    removed = answer.verification.removed if answer.verification and text is None else ()
    if removed:  # what the model wrote that no cited sentence supports, and why: shown, not hidden
        items = "".join(f"<li><s>{escape(r.text)}</s> <span class=\"why\">({escape(r.reason)})</span></li>"
                        for r in removed)
        n = len(removed)
        parts.append(f'<details class="removed"><summary>{n} sentence{"s" if n > 1 else ""} of the draft '
                     f'removed: not supported by the cited passages</summary><ul>{items}</ul></details>')
    return "".join(parts)


def disagreements_html(answer: Answer, *, turn: int) -> str:
    """The box under an answer: each disagreement with its sides (a link to each cited quote, the
    article, and the value it states)."""
    items = []
    for d in answer.disagreements:
        sides = "; ".join(
            f'{answer_html(f"[{c.n}]", [c.n], turn=turn)} {escape(c.title)}{" (" + escape(c.date) + ")" if c.date else ""}:'
            f" <em>{escape(value)}</em>" for c, value in zip(d.sides, d.values, strict=True))
        label = "a later report differs" if d.update else d.kind.replace("_", " ")
        items.append(f"<li>{escape(d.subject)} ({escape(label)}): {sides}</li>")
    return (f'<div class="disagreements"><strong>The articles disagree</strong>'
            f"<ul>{''.join(items)}</ul></div>")


def disagreements_page_html(found: Iterable[Disagreement], texts: Mapping[str, str]) -> str:
    """The Disagreements tab: each disagreement with both sides, the quote marked in its context."""
    items = []
    for d in found:
        label = "update: a later report differs" if d.update else d.kind.replace("_", " ")
        sides = "".join(f'<div class="side"><div class="meta">{escape(c.title)} · {escape(c.date or "no date")} · '
                        f"<code>{escape(c.source)}</code> · chars {c.start}–{c.end} · states <em>{escape(v)}</em>"
                        f'</div><div class="passage">{_marked(c, texts.get(c.source, ""))}</div></div>'
                        for c, v in zip(d.sides, d.values, strict=True))
        items.append(f'<div class="conflict"><div class="subject"><strong>{escape(d.subject)}</strong> '
                     f"({escape(label)})</div>{sides}</div>")
    if not items:
        return '<p class="empty">No disagreements found between the indexed articles.</p>'
    return f"<p>{len(items)} disagreement{'s' if len(items) > 1 else ''} between the articles.</p>" + "".join(items)


def timeline_html(events: Iterable[Event], texts: Mapping[str, str]) -> str:
    """The Timeline tab: dated events in order, each with its quote marked and how its date was found."""
    rows = [f'<div class="event"><div class="when"><strong>{escape(e.date)}</strong> “{escape(e.when)}” '
            f'<span class="how">({escape(e.resolved)})</span></div><div class="meta">{escape(e.citation.title)} · '
            f"<code>{escape(e.citation.source)}</code> · chars {e.citation.start}–{e.citation.end}</div>"
            f'<div class="passage">{_marked(e.citation, texts.get(e.citation.source, ""))}</div></div>'
            for e in events]
    return "".join(rows) or '<p class="empty">No dated events found.</p>'


def _marked(c: Citation, text: str) -> str:
    """The quote marked in a little of its context (the quote alone without the article's text)."""
    if not text:
        return f"<mark>{escape(c.quote)}</mark>"
    start, end = max(0, c.start - CONTEXT_CHARS // 2), min(len(text), c.end + CONTEXT_CHARS // 2)
    return (f'{"…" if start else ""}{escape(text[start:c.start])}<mark>{escape(text[c.start:c.end])}</mark>'
            f'{escape(text[c.end:end])}{"…" if end < len(text) else ""}')


def error_html(message: str) -> str:
    """A chat bubble for a problem the user can fix (a ``RagError`` message)."""
    return f'<p class="error">{escape(message)}</p>'


def sources_html(answer: Answer, texts: Mapping[str, str], *, turn: int) -> str:
    """The sources panel: one card per citation (the cited sentence highlighted in its passage),
    or, when the bot abstained, the nearest passages with their scores.

    ``texts`` maps a source to its article text (what citation spans refer to).
    """
    if answer.abstained:  # a precise refusal also cites what the articles do say on the topic
        cited = "".join(_citation_card(c, answer.passages, texts.get(c.source, ""), turn=turn)
                        for c in answer.citations)
        head = ('<p class="abstain">The articles don\'t answer this question. '
                "The nearest passages were:</p>")
        return cited + head + "".join(_passage_card(p, i) for i, p in enumerate(answer.passages, start=1))
    if not answer.citations:
        return '<p class="empty">No sources.</p>'
    return "".join(_citation_card(c, answer.passages, texts.get(c.source, ""), turn=turn)
                   for c in answer.citations)


def _citation_card(c: Citation, passages: Iterable[Passage], text: str, *, turn: int) -> str:
    start, end = _context(c, passages, len(text))
    window = text[start:end] if text else c.quote
    lo, hi = (c.start - start, c.end - start) if text else (0, len(c.quote))
    passage = (f"{escape(window[:lo])}<mark>{escape(window[lo:hi])}</mark>{escape(window[hi:])}")
    return (
        f'<div class="card" id="cite-{turn}-{c.n}">'
        f'<div class="card-head"><span class="n">[{c.n}]</span> {escape(c.title)}</div>'
        f'<div class="meta">{escape(c.date or "no date")} · <code>{escape(c.source)}</code> · '
        f"chars {c.start}–{c.end}</div>"
        f'<div class="passage">{"…" if start > 0 else ""}{passage}'
        f'{"…" if text and end < len(text) else ""}</div>'
        f'<button class="open-article" data-turn="{turn}" data-n="{c.n}">'
        f"Open the article at this sentence</button></div>")


def _context(c: Citation, passages: Iterable[Passage], size: int) -> tuple[int, int]:
    """The retrieved passage that contains the quote, else a window around it."""
    for p in passages:
        if p.source == c.source and p.start <= c.start and c.end <= p.end:
            return p.start, p.end
    return max(0, c.start - CONTEXT_CHARS), min(size, c.end + CONTEXT_CHARS)


def _passage_card(p: Passage, rank: int) -> str:
    scores = [f"score {p.score:.3f}"]
    if p.dense is not None:
        scores.append(f"dense {p.dense:.3f}")
    if p.bm25 is not None:
        scores.append(f"bm25 {p.bm25:.2f}")
    return (
        f'<div class="card nearest-card">'
        f'<div class="card-head"><span class="n">#{rank}</span> {escape(p.title)}</div>'
        f'<div class="meta">{escape(p.date or "no date")} · <code>{escape(p.source)}</code> · '
        f'{" · ".join(scores)}</div>'
        f'<div class="passage">{escape(p.text)}</div></div>')


def article_html(info: ArticleInfo | None, source: str, text: str,
                 span: tuple[int, int] | None = None, *, label: str = "") -> str:
    """A whole article, escaped, with ``text[start:end]`` wrapped in ``<mark id="quote">``."""
    title = info.title if info else source
    meta = f'{escape(info.date or "no date")} · ' if info else ""
    head = (f'<div class="article-head"><div class="title">{escape(title)}</div>'
            f'<div class="meta">{meta}<code>{escape(source)}</code>'
            f'{" · " + escape(label) if label else ""}</div></div>')
    if span is None:
        body = escape(text)
    else:
        start, end = span
        body = (f'{escape(text[:start])}<mark id="quote" class="quote">{escape(text[start:end])}</mark>'
                f"{escape(text[end:])}")
    return f'{head}<div class="article-body">{body}</div>'


def articles_html(articles: Iterable[ArticleInfo]) -> str:
    """The article browser's table; a click on a title opens the article."""
    rows = "".join(
        f'<tr><td><button class="pick" data-source="{escape(a.source)}">{escape(a.title)}</button></td>'
        f"<td>{escape(a.date or '')}</td><td><code>{escape(a.source)}</code></td>"
        f"<td class='num'>{a.chunks}</td></tr>"
        for a in articles)
    return ('<table class="articles"><thead><tr><th>Title</th><th>Date</th><th>File</th>'
            f'<th class="num">Chunks</th></tr></thead><tbody>{rows}</tbody></table>')


def timings_html(timings_ms: Mapping[str, float]) -> str:
    """Per-answer timings as a small table (milliseconds)."""
    rows = "".join(f"<tr><td>{escape(k)}</td><td class='num'>{v:,.1f} ms</td></tr>"
                   for k, v in timings_ms.items())
    return f'<table class="timings">{rows}</table>' if rows else "<p>No timings yet.</p>"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


CSS = """
#sources .card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin-bottom: 8px; }
#sources .card-head { font-weight: 600; }
#sources .meta, #viewer .meta, #browse-viewer .meta { font-size: 0.85em; opacity: 0.8; }
#sources .passage { margin: 6px 0; white-space: pre-wrap; }
#sources .n { color: var(--color-accent); }
#sources .open-article { font-size: 0.85em; text-decoration: underline; cursor: pointer; }
#sources .abstain, #chat .error { font-weight: 600; }
#viewer .article-body, #browse-viewer .article-body { white-space: pre-wrap; line-height: 1.5; }
#viewer .title, #browse-viewer .title { font-weight: 700; font-size: 1.1em; }
.article-head { position: sticky; top: 0; background: var(--background-fill-primary);
  padding: 4px 0 6px; border-bottom: 1px solid var(--border-color-primary); margin-bottom: 6px; }
.hint { opacity: 0.7; font-size: 0.9em; } .notice { font-style: italic; opacity: 0.8; }
.removed { font-size: 0.9em; opacity: 0.85; } .removed .why { font-style: italic; }
#disagreements .conflict, #timeline .event { border-bottom: 1px solid var(--border-color-primary); padding: 6px 0; }
#disagreements .side { margin: 4px 0 4px 12px; } #timeline .how { font-size: 0.85em; opacity: 0.75; }
#disagreements .meta, #timeline .meta { font-size: 0.85em; opacity: 0.8; }
.disagreements { border: 1px solid #d9480f; border-radius: 6px; padding: 4px 10px; margin-top: 6px;
  font-size: 0.9em; } .disagreements strong { color: #d9480f; }
mark { background: #ffe066; color: #000; padding: 0 2px; }
#chat a.cite { font-weight: 600; text-decoration: none; cursor: pointer; }
#articles-table table { width: 100%; } #articles-table .pick { text-align: left; cursor: pointer;
  text-decoration: underline; } .num { text-align: right; }
"""
