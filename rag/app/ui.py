"""The chat window: Gradio Blocks over one shared ``Engine``. ``python app.py`` launches it.

Only the library's public API is used (``Engine.ask/articles/article_text/ingest``,
``Filter``); answer logic stays in the engine, HTML comes from ``rag.app.render`` (which
escapes every piece of article and user text).

>>> from rag import Engine, Settings
>>> settings = Settings.from_env()                    # doctest: +SKIP
>>> demo = build_ui(Engine.open(settings), settings)  # doctest: +SKIP
>>> launch(demo, settings)                            # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..engine import Engine
from ..settings import ANSWER_MODES, Settings
from .chat import HINT, SOURCES_EMPTY, ChatApp
from .render import CSS, timings_html
from .upload import UPLOAD_SUFFIXES, upload_limit

EXAMPLES = (  # about the seed articles that `python app.py` indexes by default
    "How many joint activities does the Serbia-Hungary plan include?",
    "Who signed the military cooperation plan for Serbia and Hungary?",
    "Where was the Croatia, Albania and Kosovo defence memorandum signed?",
    "What is the capital of France?",
)
CONCURRENCY = 2  # answers computed at once, over all ways of asking (rag/app/chat.py; 4 measured no better)
SESSIONS = 32  # chat events in flight (waiting for a slot, or revealing a finished answer, which needs none)
QUEUE_SIZE = 64  # requests waiting beyond that are refused with a clear error

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


def answer_modes(settings: Settings) -> tuple[list[str], str]:
    """The answer modes the UI offers (``llm`` only when one is configured) and the default."""
    modes = list(ANSWER_MODES if settings.llm_configured else ANSWER_MODES[:1])
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


def queue(demo: gr.Blocks) -> gr.Blocks:
    """The app's bounded queue (for ``launch`` here and ``gr.mount_gradio_app`` in rag/app/serve.py)."""
    return demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True) -> str:
    """Start the app with a bounded queue; prints and returns the address to open."""
    queue(demo)
    _, url, _ = demo.launch(prevent_thread_lock=True, **launch_options(settings))
    print(f"Open {url} in your browser.", flush=True)
    if block:
        demo.block_thread()
    return str(url)


def _example_text(evt: gr.SelectData) -> str:
    return str(evt.value["text"])


def build_ui(engine: Engine, settings: Settings, *, examples: tuple[str, ...] = EXAMPLES) -> gr.Blocks:
    """The whole interface: a Chat tab (answers, sources, article viewer), an Articles tab, a
    Disagreements tab and a Timeline tab."""
    app = ChatApp(engine, settings, slots=CONCURRENCY)
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
        with gr.Tab("Disagreements") as conflicts_tab:  # filled when opened: found once per index
            gr.Markdown("Where the articles state different values about one subject (numbers, dates, names, "
                        "memberships, signings), both quotes marked.")
            conflicts = gr.HTML("", elem_id="disagreements", js_on_load=None)
        with gr.Tab("Timeline") as timeline_tab:
            with gr.Row():
                entity = gr.Textbox(show_label=False, placeholder="Only events naming… (e.g. Hungary)",
                                    elem_id="timeline-entity", scale=5)
                show = gr.Button("Show", elem_id="timeline-show", scale=1)
            events = gr.HTML("", elem_id="timeline", js_on_load=None)

        # The answer itself takes one of ChatApp's CONCURRENCY slots; the event holds none while it waits
        # for one or reveals a finished answer, so a reveal never keeps another question waiting.
        answering: dict[str, Any] = {"concurrency_limit": SESSIONS, "concurrency_id": "answer"}
        ask_in = [box, chatbot, state, mode, k, only]
        ask_out = [box, chatbot, sources, viewer, timings, state]
        box.submit(app.respond, ask_in, ask_out, api_name="respond", **answering)
        send.click(app.respond, ask_in, ask_out, api_visibility="private", **answering)
        chatbot.example_select(_example_text, None, box, api_visibility="private",
                               queue=False).then(app.respond, ask_in, ask_out, api_visibility="private", **answering)
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
        conflicts_tab.select(app.disagreements_view, None, conflicts, api_visibility="private")
        timeline_tab.select(app.timeline_view, entity, events, api_visibility="private")
        entity.submit(app.timeline_view, entity, events, api_visibility="private")
        show.click(app.timeline_view, entity, events, api_visibility="private")
        gr.api(app.ask_api, api_name="ask", **answering)
    return demo
