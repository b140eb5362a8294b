"""Load: concurrent gradio_client chat sessions against the real app (``python app.py`` on a copy
of the seed index), through ``rag.loadtest`` (``python -m rag load``).

Default: 5 clients x 4 questions, zero errors. ``make test-long``: 25 clients x 40 questions
(1,000 questions), zero errors, and the server's memory after 1,000 questions close to where
it was after the first 25. Figures: out/reliability/load-*/report.md (p50/p95, RSS).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from crashkit import copy_index

from rag import Settings
from rag.cli import main
from rag.loadtest import LoadReport, load_test, running_app, write_report

REPORTS = ROOT / "out" / "reliability"


def _run(seed_settings: Settings, tmp_path: Path, clients: int, questions: int, name: str) -> LoadReport:
    index = copy_index(seed_settings.index_dir, tmp_path / "index")
    with running_app(index) as (url, pid):
        report = load_test(url, clients, questions, pid=pid)
        if name == "load-small":  # the CLI plugin, against the same app
            assert main(["load", "--url", url, "--pid", str(pid), "--clients", "2", "--questions", "1",
                         "--report", str(tmp_path / "cli")]) == 0
            assert "0 errors" in (tmp_path / "cli" / "report.md").read_text()
    write_report(report, REPORTS / name)
    assert report.asked == clients * questions
    assert report.errors == 0, report.error_samples
    assert report.endpoint == "/respond"  # the chat endpoint, found through view_api
    assert report.rss_start_mb and report.rss_end_mb and report.p95_s >= report.p50_s > 0
    return report


def test_five_chat_clients_get_answers(seed_settings: Settings, tmp_path: Path) -> None:
    _run(seed_settings, tmp_path, 5, 4, "load-small")


@pytest.mark.slow
@pytest.mark.timeout(3 * 3600)
def test_25_clients_1000_questions_no_errors_flat_memory(seed_settings: Settings, tmp_path: Path) -> None:
    report = _run(seed_settings, tmp_path, 25, 40, "load-1000")
    assert report.rss_end_mb is not None and report.rss_start_mb is not None
    assert report.rss_end_mb - report.rss_start_mb < 200, report.summary()  # a leak would grow with questions
