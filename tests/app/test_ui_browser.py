"""The chat app in a real headless Chromium (Debian's ``chromium`` driven by Playwright).

The app runs as ``python app.py`` in a subprocess on a copy of the seed index. A screenshot
of a cited answer is saved under ``$TEST_OUTPUT_DIR`` (default: out/ui/, git-ignored).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ui import XSS, AppServer

from conftest import OUT as TEST_OUT
from conftest import SEEDS

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic"]
OUT = TEST_OUT / "ui"
BOT = '#chat [data-testid="bot"]'
QUESTION = "How many joint activities does the plan include?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seed_settings: Any) -> Iterator[AppServer]:
    work = tmp_path_factory.mktemp("ui-browser")
    shutil.copytree(seed_settings.index_dir, work / "index", symlinks=True)
    app = AppServer(work / "index", work, {"RAG_MAX_UPLOAD_MB": "0.05"})
    yield app
    app.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run `bash .ci/system-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A fresh page on the app that records dialogs and any request leaving 127.0.0.1."""

    def __init__(self, browser: Any, url: str) -> None:
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        self.page.goto(url)
        self.page.wait_for_selector("#question textarea", timeout=60_000)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def ask(self, question: str) -> None:
        self.page.fill("#question textarea", question)
        self.page.press("#question textarea", "Enter")

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def shared_page(browser: Any, server: AppServer) -> Iterator[Page]:
    page = Page(browser, server.url)  # loading the app takes seconds: one page for the module
    yield page
    page.close()


@pytest.fixture
def ui(shared_page: Page) -> Iterator[Page]:
    """The shared page, back on an empty Chat tab; no dialog or outside request may happen."""
    shared_page.page.get_by_role("tab", name="Chat").click()
    shared_page.page.click("#clear")
    shared_page.page.locator(BOT).first.wait_for(state="detached", timeout=10_000)
    yield shared_page
    assert shared_page.dialogs == [] and shared_page.outside == []


WATCH_BOT = """(sel) => { window.__lens = [];
  new MutationObserver(() => { const b = document.querySelectorAll(sel);
    if (b.length) window.__lens.push(b[b.length - 1].innerText.trim().length); })
  .observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true}); }"""


def test_answer_streams_citation_opens_the_quote_and_feedback_is_saved(ui: Page, server: AppServer) -> None:
    page = ui.page
    page.evaluate(WATCH_BOT, BOT)
    ui.ask(QUESTION)
    page.wait_for_selector(f"{BOT} a.cite", timeout=60_000)
    final = page.locator(BOT).last.inner_text().strip()
    growing = {n for n in page.evaluate("window.__lens") if 0 < n < len(final)}
    assert len(growing) >= 3, f"no streaming seen: {sorted(growing)}"
    assert "79 joint activities" in final

    page.locator(f"{BOT} a.cite").first.click()
    mark = page.locator("#viewer mark.quote")
    mark.wait_for(timeout=30_000)
    quote = mark.inner_text().strip()
    assert "79 joint activities" in quote
    assert quote in (SEEDS / "000_4766fbbc71fac3cc.txt").read_text(encoding="utf-8")
    assert page.locator("#sources #cite-0-1 mark").inner_text().strip() == quote
    page.wait_for_function("() => { const m = document.querySelector('#viewer mark.quote');"
                           " const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "cited_answer.png"), full_page=True)

    page.get_by_text("Timings").click()
    page.locator("#timings").get_by_text("retrieve").wait_for(timeout=10_000)

    page.locator('#chat button[aria-label="Like"]').last.click()  # thumbs up -> feedback.jsonl
    rows = _feedback_rows(server.index / "feedback.jsonl")
    assert rows and rows[-1]["rating"] == "up" and rows[-1]["question"] == QUESTION
    assert rows[-1]["citations"][0]["quote"] == quote


def _feedback_rows(path: Path, wait_s: float = 15) -> list[dict[str, Any]]:
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        if path.exists() and path.read_text().strip():
            return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        time.sleep(0.2)
    return []


def test_example_question_abstains_and_shows_nearest_passages(ui: Page) -> None:
    ui.page.locator("#chat").get_by_text("What is the capital of France?").click()  # an example
    ui.page.locator(BOT).last.get_by_text("don't answer").wait_for(timeout=60_000)
    sources = ui.page.locator("#sources")
    sources.get_by_text("The nearest passages were").wait_for(timeout=10_000)
    assert "score 0." in sources.inner_text()


def test_upload_rejections_are_explained(ui: Page, tmp_path: Path) -> None:
    page = ui.page
    page.get_by_role("tab", name="Articles").click()
    (tmp_path / "notes.csv").write_text("a,b\n")
    page.set_input_files("#upload input[type=file]", str(tmp_path / "notes.csv"))
    page.get_by_text("Invalid file type").first.wait_for(timeout=15_000)
    (tmp_path / "huge.txt").write_text("word " * 20_000)  # 100 kB > the 0.05 MB limit
    page.set_input_files("#upload input[type=file]", str(tmp_path / "huge.txt"))
    page.get_by_text("exceed the maximum allowed size").first.wait_for(timeout=15_000)


def test_uploaded_article_is_answerable_and_its_html_stays_inert(ui: Page, server: AppServer,
                                                                  tmp_path: Path) -> None:
    page = ui.page
    article = tmp_path / "zorblat_xss.txt"
    article.write_text(XSS, encoding="utf-8")
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#upload input[type=file]", str(article))
    page.locator("#upload-status").get_by_text("Indexed zorblat_xss.txt").wait_for(timeout=60_000)
    page.locator("#articles-table button.pick", has_text="Zorblat").click()
    page.locator("#browse-viewer .article-body").wait_for(timeout=15_000)
    assert "<img src=x onerror=" in page.locator("#browse-viewer").inner_text()

    page.get_by_role("tab", name="Chat").click()
    ui.ask("How many footbridges did the Zorblat council approve?")
    page.wait_for_selector(f"{BOT} a.cite", timeout=60_000)
    page.locator(f"{BOT} a.cite").last.click()
    page.locator("#viewer mark.quote").wait_for(timeout=30_000)
    assert "17 new footbridges <img src=x onerror=" in page.locator("#viewer mark.quote").inner_text()
    assert "<script>alert('title')</script>" in page.locator("#sources").inner_text()

    found = page.evaluate("""() => ({
      onerror: document.querySelectorAll('[onerror]').length,
      imgs: [...document.querySelectorAll('img')].map(i => i.getAttribute('src'))
              .filter(s => !s.startsWith('data:')),
      scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
      jslinks: document.querySelectorAll('a[href^="javascript:"]').length,
      katex: document.querySelectorAll('.katex').length })""")
    assert found == {"onerror": 0, "imgs": [], "scripts": 0, "jslinks": 0, "katex": 0}
    time.sleep(0.5)  # give any injected handler a chance to fire before the fixture checks dialogs
    assert ui.dialogs == [] and ui.outside == []


def test_the_disagreements_and_timeline_tabs_mark_their_quotes(ui: Page) -> None:
    page = ui.page
    page.get_by_role("tab", name="Disagreements").click()
    box = page.locator("#disagreements")
    box.locator(".conflict").first.wait_for(timeout=60_000)
    text = box.inner_text()
    assert "Szalay-Bobrovniczky" in text and "Szalay-Bobrovniczzy" in text and "cannot join NATO" in text
    assert box.locator("mark").count() == 2 * box.locator(".conflict").count()  # both sides, quoted
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "disagreements.png"), full_page=True)

    page.get_by_role("tab", name="Timeline").click()
    page.locator("#timeline .event").first.wait_for(timeout=60_000)
    dates = page.locator("#timeline .when strong").all_inner_texts()
    assert dates == sorted(dates) and {"2023", "2025-03-18", "2025-03-24", "2025-03-26", "2025-04-01"} <= set(dates)
    page.fill("#timeline-entity textarea", "Hungary")
    page.click("#timeline-show")
    page.wait_for_function(f"() => document.querySelectorAll('#timeline .event').length < {len(dates)}")
    assert all("Hungar" in e for e in page.locator("#timeline .event .passage mark").all_inner_texts())
