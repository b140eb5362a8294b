"""The chat window: Gradio Blocks over one shared ``Engine``. ``python app.py`` launches it.

Only the library's public API is used (``Engine.ask/articles/article_text/ingest``,
``Filter``); answer logic stays in the engine, HTML comes from ``rag.render`` (which
escapes every piece of article and user text).

>>> from rag import Engine, Settings
>>> settings = Settings.from_env()                    # doctest: +SKIP
>>> demo = build_ui(Engine.open(settings), settings)  # doctest: +SKIP
>>> launch(demo, settings)                            # doctest: +SKIP
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from .engine import ChatSession, Engine
from .errors import RagError
from .feedback import FeedbackStore, feedback_path
from .render import (
    CSS,
    answer_html,
    article_html,
    articles_html,
    error_html,
    escape,
    message_html,
    sources_html,
    timings_html,
)
from .retrieve import Filter
from .settings import Settings
from .types import Answer
from .ui_upload import UPLOAD_SUFFIXES, store_uploads, upload_limit, uploads_dir

EXAMPLES = (  # about the seed articles that `python app.py` indexes by default
    "How many joint activities does the Serbia-Hungary plan include?",
    "Who signed the military cooperation plan for Serbia and Hungary?",
    "Where was the Croatia, Albania and Kosovo defence memorandum signed?",
    "What is the capital of France?",
)
CONCURRENCY = 2  # answers computed at once (the machine this runs on has 2 cores)
QUEUE_SIZE = 64  # requests waiting beyond that are refused with a clear error
STREAM_STEPS = 30  # a finished answer is revealed in at most this many steps...
STREAM_STEP_S = 0.03  # ...this far apart, when the engine cannot stream tokens itself
_PROGRESS = gr.Progress()  # marks the upload handler's progress parameter for Gradio
SOURCES_EMPTY = '<p class="hint">The sources of each answer appear here.</p>'
HINT = '<p class="hint">Click a [n] in an answer, or a source card, to open the article at the quote.</p>'

SOURCES_JS = """
const open = (turn, n) => trigger('cite', {turn: Number(turn), n: Number(n)});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.open-article');
  if (b) open(b.dataset.turn, b.dataset.n);
});
// The [n] links live in the chat window, outside this element: one handler on the document.
if (window.__ragCiteClick) document.removeEventListener('click', window.__ragCiteClick, true);
window.__ragCiteClick = (e) => {
  const a = e.target.closest ? e.target.closest('a.cite') : null;
  const m = a ? /^#cite-(\\d+)-(\\d+)$/.exec(a.getAttribute('href') || '') : null;
  if (!m) return;
  e.preventDefault();
  e.stopPropagation();
  open(m[1], m[2]);
};
document.addEventListener('click', window.__ragCiteClick, true);
"""
VIEWER_JS = """
watch('value', () => {
  const m = element.querySelector('mark.quote');
  if (m) m.scrollIntoView({block: 'center'});
});
"""
PICK_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.pick');
  if (b) trigger('pick', {source: b.dataset.source});
});
"""


@dataclass
class ChatState:
    """One browser session's conversation: the answers shown, in order."""

    session: ChatSession
    answers: list[Answer] = field(default_factory=list)


def answer_modes(settings: Settings) -> tuple[list[str], str]:
    """The answer modes the UI offers (``llm`` only when one is configured) and the default."""
    modes = ["extractive", "llm"] if settings.llm_configured else ["extractive"]
    default = "llm" if settings.mode in ("auto", "llm") and "llm" in modes else "extractive"
    return modes, default


def launch_options(settings: Settings) -> dict[str, Any]:
    """``Blocks.launch`` arguments: local-only, no share link, no file serving, upload limit."""
    auth = tuple(settings.ui_auth.split(":", 1)) if settings.ui_auth else None
    return {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port,
        "share": False,  # a share link needs Gradio's relay on the internet
        "auth": auth,
        "allowed_paths": [],  # the app never returns files: serve none of ours
        "blocked_paths": [str(settings.index_dir.resolve())],
        "max_file_size": upload_limit(settings),
        "show_error": False,  # tracebacks stay in the server log
        "run_history": False,  # Gradio's run history can be sent to a Hugging Face bucket
        "footer_links": ["api", "settings"],
        "ssr_mode": False,
        "mcp_server": False,
        "quiet": True,
        "css": CSS,
    }


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True) -> str:
    """Start the app with a bounded queue; prints and returns the address to open."""
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    _, url, _ = demo.launch(prevent_thread_lock=True, **launch_options(settings))
    print(f"Open {url} in your browser.", flush=True)
    if block:
        demo.block_thread()
    return str(url)


class ChatApp:
    """The event handlers; one instance shares the engine between all sessions."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.feedback = FeedbackStore(feedback_path(settings))
        self._ingest_lock = threading.Lock()

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
        yield "", history, gr.skip(), HINT, gr.skip(), state
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
                yield "", history, gr.skip(), gr.skip(), gr.skip(), state
        except RagError as exc:
            history[-1] = {"role": "assistant", "content": error_html(str(exc))}
            yield "", history, gr.skip(), gr.skip(), gr.skip(), state
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
        for item in stream(question, **options) if stream else ():
            if isinstance(item, Answer):
                answer = item
                break
            if isinstance(item, str):
                streamed = True
                yield item
        if answer is None:
            answer = state.session.ask(question, **options)
        if not streamed:
            pieces = re.findall(r"\S+\s*", answer.text)
            size = max(1, -(-len(pieces) // STREAM_STEPS))
            for i in range(0, len(pieces), size):
                yield "".join(pieces[i:i + size])
                time.sleep(STREAM_STEP_S)
        yield answer

    def _texts(self, answer: Answer) -> dict[str, str]:
        texts: dict[str, str] = {}
        for c in answer.citations:
            if c.source not in texts:
                try:
                    texts[c.source] = self.engine.article_text(c.source)
                except RagError:
                    texts[c.source] = ""
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
            answer = self.engine.ask(question, k=k or None, filter=Filter(tuple(sources or ())) or None,
                                     mode=mode or None)
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return answer.to_dict()


def _example_text(evt: gr.SelectData) -> str:
    return str(evt.value["text"])


def build_ui(engine: Engine, settings: Settings, *, examples: tuple[str, ...] = EXAMPLES) -> gr.Blocks:
    """The whole interface: a Chat tab (answers, sources, article viewer) and an Articles tab."""
    app = ChatApp(engine, settings)
    modes, default_mode = answer_modes(settings)
    table, _ = app.article_views()
    mb = f"{settings.max_upload_mb:g}"
    with gr.Blocks(title="Grounded news QA") as demo:
        state = gr.State(None)
        gr.Markdown("## Grounded news QA\nEvery answer sentence cites an exact quote from the "
                    "articles; when they don't answer, the bot says so.")
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    elem_id="chat", label="Chat", height=460, render_markdown=False,
                    sanitize_html=True, latex_delimiters=[], buttons=["copy"],
                    examples=[{"text": q} for q in examples],
                    placeholder="Ask a question about the articles, or pick an example.")
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="Ask about the articles…",
                                     elem_id="question", scale=5, max_length=settings.max_question_chars)
                    send = gr.Button("Ask", variant="primary", elem_id="send", scale=1)
                clear = gr.Button("Clear chat", elem_id="clear", size="sm")
                with gr.Accordion("Settings", open=False):
                    mode = gr.Radio(modes, value=default_mode, label="Answer mode",
                                    info=None if "llm" in modes else "LLM mode needs an LLM configured")
                    k = gr.Slider(1, max(20, settings.top_k), value=settings.top_k, step=1,
                                  label="Passages to retrieve (k)")
                    only = gr.Dropdown(choices=app.choices(), multiselect=True, value=[],
                                       label="Only these articles (none = all)")
                with gr.Accordion("Timings", open=False, elem_id="timings-box"):
                    timings = gr.HTML(timings_html({}), elem_id="timings", js_on_load=None)
            with gr.Column(scale=2):
                gr.Markdown("**Sources**", elem_classes="panel-title")
                sources = gr.HTML(SOURCES_EMPTY, elem_id="sources", js_on_load=SOURCES_JS, max_height=420)
                gr.Markdown("**Article**", elem_classes="panel-title")
                viewer = gr.HTML(HINT, elem_id="viewer", js_on_load=VIEWER_JS, max_height=460)
        with gr.Tab("Articles"):
            articles = gr.HTML(table, elem_id="articles-table", js_on_load=PICK_JS)
            files = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES), elem_id="upload",
                            label=f"Add articles: {', '.join(UPLOAD_SUFFIXES)}, at most {mb} MB each")
            status = gr.HTML("", elem_id="upload-status", js_on_load=None)
            browse = gr.HTML("", elem_id="browse-viewer", js_on_load=None, max_height=520)

        ask_in = [box, chatbot, state, mode, k, only]
        ask_out = [box, chatbot, sources, viewer, timings, state]
        box.submit(app.respond, ask_in, ask_out, api_name="respond")
        send.click(app.respond, ask_in, ask_out, api_visibility="private")
        chatbot.example_select(_example_text, None, box, api_visibility="private",
                               queue=False).then(app.respond, ask_in, ask_out, api_visibility="private")
        clear.click(app.clear, None, [chatbot, sources, viewer, timings, state], api_visibility="private",
                    queue=False)
        chatbot.clear(app.clear, None, [chatbot, sources, viewer, timings, state], api_visibility="private",
                      queue=False)
        chatbot.like(app.like, [state, chatbot], None, api_visibility="private")
        sources.cite(app.open_citation, [state], [sources, viewer], api_visibility="private")
        articles.pick(app.pick, None, browse, api_visibility="private")
        files.upload(app.upload, files, [status, articles, only, files], api_name="upload",
                     concurrency_limit=1, concurrency_id="ingest")
        demo.load(app.article_views, None, [articles, only], api_visibility="private")
        gr.api(app.ask_api, api_name="ask")
    return demo
