"""The chat app's event handlers: one ``ChatApp`` shares the engine between all sessions.

Each handler turns a UI event into calls on the library's public API and HTML from
``rag.app.render``; no answer logic lives here.

>>> app = ChatApp(engine, settings)                          # doctest: +SKIP
>>> for outputs in app.respond("Who signed?", [], None, "extractive", 5, []):  # doctest: +SKIP
...     pass
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from .. import ChatSession, Engine, Filter
from ..errors import RagError
from ..records import Answer
from ..settings import Settings
from .feedback import FeedbackStore, feedback_path
from .render import (
    answer_html,
    article_html,
    articles_html,
    disagreements_page_html,
    error_html,
    escape,
    message_html,
    sources_html,
    timeline_html,
    timings_html,
)
from .upload import store_uploads, uploads_dir

# A finished answer (extractive mode) is revealed in at most this many steps, this far apart.
# Few steps: each holds one of the app's concurrency slots and sends the chat again; at 30 the
# reveal, not the answer (~0.1 s), bounded a 25-client load test to 1.65 questions/s.
STREAM_STEPS = 8
STREAM_STEP_S = 0.03
_PROGRESS = gr.Progress()  # marks the upload handler's progress parameter for Gradio
SOURCES_EMPTY = '<p class="hint">The sources of each answer appear here.</p>'
HINT = '<p class="hint">Click a [n] in an answer, or a source card, to open the article at the quote.</p>'


@dataclass
class ChatState:
    """One browser session's conversation: the answers shown, in order."""

    session: ChatSession
    answers: list[Answer] = field(default_factory=list)


class ChatApp:
    """The event handlers; one instance shares the engine between all sessions."""

    def __init__(self, engine: Engine, settings: Settings, *, slots: int = 2) -> None:
        self.engine, self.settings = engine, settings
        self.feedback = FeedbackStore(feedback_path(settings))
        self._ingest_lock = threading.Lock()
        # Answers computed at once. A semaphore, not Gradio's concurrency limit: that one holds a
        # slot for a whole event, the reveal of a finished answer included.
        self._slots = threading.BoundedSemaphore(slots)

    # -- chat -----------------------------------------------------------------------------
    def respond(self, message: str, history: list[dict[str, Any]] | None, state: ChatState | None,
                mode: str, k: float, sources: list[str] | None) -> Iterator[tuple[Any, ...]]:
        """Ask the engine; stream the answer into the chat, then fill the sources panel."""
        t0 = time.perf_counter()
        state = state or ChatState(self.engine.chat())
        history = list(history or [])
        question = (message or "").strip()
        if not question:
            raise gr.Error("Type a question first.")
        turn = len(state.answers)
        history += [{"role": "user", "content": escape(question)},
                    {"role": "assistant", "content": '<p class="pending">Searching the articles…</p>'}]
        # While the answer comes, the side panels show placeholders. Values, not gr.skip(): Gradio
        # handles a skip as a property update and builds a new component for it, every step
        # (an HTML panel's ~1 ms each; 25 clients: 18% of the server's samples, as much as the model).
        waiting = (SOURCES_EMPTY, HINT, timings_html({}))
        yield "", history, *waiting, state
        options = {"k": int(k) if k else None, "filter": Filter(tuple(sources or ())) or None,
                   "mode": mode or None}
        answer: Answer | None = None
        partial = ""
        try:
            for item in self._stream(state, question, options):
                if isinstance(item, Answer):
                    answer = item
                    break
                partial += item
                history[-1] = {"role": "assistant", "content": f"<p>{answer_html(partial, (), turn=turn)}</p>"}
                yield "", history, *waiting, state
        except RagError as exc:
            history[-1] = {"role": "assistant", "content": error_html(str(exc))}
            yield "", history, *waiting, state
            return
        assert answer is not None
        state.answers.append(answer)
        history[-1] = {"role": "assistant", "content": message_html(answer, turn=turn)}
        timings = {**answer.timings_ms, "ui (whole turn)": (time.perf_counter() - t0) * 1000}
        yield ("", history, sources_html(answer, self._texts(answer), turn=turn), HINT,
               timings_html(timings), state)

    def _stream(self, state: ChatState, question: str, options: dict[str, Any]) -> Iterator[str | Answer]:
        """Text deltas, then the final ``Answer``. LLM tokens come from ``stream`` as they are
        written; an answer that arrives whole (extractive mode) is revealed progressively."""
        stream = getattr(state.session, "stream", None)
        answer: Answer | None = None
        streamed = False
        with self._slots:  # held while the answer is computed (LLM tokens stream as they are written)
            for item in stream(question, **options) if stream else ():
                if isinstance(item, Answer):
                    answer = item
                    break
                if isinstance(item, str):
                    streamed = True
                    yield item
            if answer is None:
                answer = state.session.ask(question, **options)
        if not streamed:  # revealed with no slot held
            pieces = re.findall(r"\S+\s*", answer.text)
            size = max(1, -(-len(pieces) // STREAM_STEPS))
            for i in range(0, len(pieces), size):
                yield "".join(pieces[i:i + size])
                time.sleep(STREAM_STEP_S)
        yield answer

    def _texts(self, answer: Answer) -> dict[str, str]:
        return self._articles(c.source for c in answer.citations)

    def _articles(self, sources: Iterable[str]) -> dict[str, str]:
        """Article texts by source ("" for one no longer indexed)."""
        texts: dict[str, str] = {}
        for source in sources:
            if source not in texts:
                try:
                    texts[source] = self.engine.article_text(source)
                except RagError:
                    texts[source] = ""
        return texts

    def open_citation(self, state: ChatState | None, evt: gr.EventData) -> tuple[str, str]:
        """A click on ``[n]`` (or its card): that answer's sources, and the article at the quote."""
        turn, n = int(evt.turn), int(evt.n)
        if state is None or not 0 <= turn < len(state.answers):
            return gr.skip(), error_html("This answer is no longer in this session; ask again.")
        answer = state.answers[turn]
        cite = next((c for c in answer.citations if c.n == n), None)
        if cite is None:
            return gr.skip(), error_html(f"Answer {turn + 1} has no citation [{n}].")
        try:
            text = self.engine.article_text(cite.source)
        except RagError as exc:
            return gr.skip(), error_html(str(exc))
        label = f"quote [{n}]"
        if text[cite.start:cite.end] != cite.quote:
            label += " (the article changed since this answer; the highlight may be off)"
        info = next((a for a in self.engine.articles() if a.source == cite.source), None)
        return (sources_html(answer, {cite.source: text} | self._texts(answer), turn=turn),
                article_html(info, cite.source, text, (cite.start, cite.end), label=label))

    def clear(self) -> tuple[Any, ...]:
        return [], SOURCES_EMPTY, HINT, timings_html({}), None

    def like(self, state: ChatState | None, history: list[dict[str, Any]] | None,
             evt: gr.LikeData) -> None:
        """Store a thumbs up/down with the question, the answer and its citations."""
        rating = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(evt.liked)
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        turn = sum(1 for m in (history or [])[:index] if m.get("role") == "assistant")
        if rating is None or state is None or not 0 <= turn < len(state.answers):
            return
        self.feedback.record(state.answers[turn], rating, turn=turn)
        gr.Info(f"Thanks: feedback saved to {self.feedback.path.name}.")

    # -- articles -------------------------------------------------------------------------
    def article_views(self) -> tuple[str, Any]:
        """The articles table and the filter's choices, as the index is now."""
        return articles_html(self.engine.articles()), gr.update(choices=self.choices())

    def disagreements_view(self) -> str:
        """The Disagreements tab: every disagreement between the indexed articles."""
        found = self.engine.disagreements()
        return disagreements_page_html(found, self._articles(c.source for d in found for c in d.sides))

    def timeline_view(self, entity: str | None = None) -> str:
        """The Timeline tab: the dated events (of ``entity``, when given) in order."""
        events = self.engine.timeline(entity=(entity or "").strip() or None)
        return timeline_html(events, self._articles(e.citation.source for e in events))

    def choices(self) -> list[tuple[str, str]]:
        return [(f"{a.title} ({a.source})", a.source) for a in self.engine.articles()]

    def pick(self, evt: gr.EventData) -> str:
        source = str(evt.source)
        try:
            text = self.engine.article_text(source)
        except RagError as exc:
            return error_html(str(exc))
        info = next((a for a in self.engine.articles() if a.source == source), None)
        return article_html(info, source, text)

    def upload(self, files: list[str] | None, progress: gr.Progress = _PROGRESS) -> tuple[Any, ...]:
        """Check, store and ingest uploaded articles (incrementally); say what happened."""
        paths = [Path(f) for f in files or []]
        if not paths:
            return ("<p>Choose .txt, .md or .html files to add.</p>", gr.skip(), gr.skip(), None)
        progress(0.1, desc="Checking files")
        stored, rejected = store_uploads(paths, self.settings)
        lines = [f'<p class="error">Rejected {escape(r)}.</p>' for r in rejected]
        if stored:
            progress(0.3, desc=f"Indexing {len(stored)} file(s)")
            try:
                with self._ingest_lock:
                    report = self.engine.ingest([uploads_dir(self.settings)], log=lambda _: None)
            except RagError as exc:
                lines.append(f'<p class="error">{escape(str(exc))}</p>')
            else:
                names = ", ".join(escape(p.name) for p in stored)
                lines.append(f"<p>Indexed {names}: {report.added} added, {report.updated} updated, "
                             f"{report.unchanged} unchanged, {report.chunks_added} chunks embedded "
                             f"in {report.seconds:.1f} s.</p>")
                lines += [f'<p class="error">Skipped {escape(Path(s.path).name)}: {escape(s.reason)}.</p>'
                          for s in report.skipped]
        progress(1.0, desc="Done")
        table, choices = self.article_views()
        return "".join(lines), table, choices, None

    def ask_api(self, question: str, k: int = 0, sources: list[str] | None = None,
                mode: str = "") -> dict[str, Any]:
        """Answer ``question`` from the articles; returns the JSON contract of ``python -m rag ask --json``."""
        try:
            with self._slots:
                answer = self.engine.ask(question, k=k or None, filter=Filter(tuple(sources or ())) or None,
                                         mode=mode or None)
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return answer.to_dict()
