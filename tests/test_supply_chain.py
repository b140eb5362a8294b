"""Supply chain: the lock matches what runs, Gradio is past the known file-access and SSRF
advisories, and the CI audit (tests/audit_lock.py) decides honestly. No network here: the
audit's decisions are checked on PyPI pages recorded from the real API (chromadb 1.5.9).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from packaging.version import Version

from audit_lock import Result, audit_pin, parse_lock, report
from conftest import ROOT

LOCK = dict(parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8")))

# Gradio advisories about reading files or making requests it should not, with the first
# release that fixes each (sources: GitHub advisories, NVD; see SECURITY.md).
GRADIO_ADVISORIES = [
    ("GHSA-j36p-7w88-g82j", "FileExplorer path traversal outside root_dir", "6.16.0"),
    ("CVE-2026-28414 GHSA-39mp-8hj3-5c49", "absolute path traversal via /static/ (Windows, Py 3.13)", "6.7.0"),
    ("CVE-2026-28416 GHSA-jmh7-g254-2cq9", "SSRF: gr.load() trusts a Space's proxy_url", "6.6.0"),
    ("CVE-2026-28415", "fixed in the same release as CVE-2026-28416", "6.6.0"),
    ("CVE-2026-27167", "fixed in the same release as CVE-2026-28416", "6.6.0"),
    ("CVE-2024-47167", "SSRF through URL fetching in /queue/join", "5.0.0"),
    ("CVE-2024-47871 GHSA-279j-x4gx-hfrh", "share=True tunnel without HTTPS", "5.0.0"),
    ("CVE-2024-4940", "open redirect through the file parameter", "4.37.1"),
    ("CVE-2024-34511 GHSA-34rf-p3r3-58x2", "component server calls functions not meant for the network", "4.13.0"),
    ("CVE-2023-51449", "path traversal in /file= routes", "4.11.0"),
]


@pytest.mark.parametrize("name", ["gradio", "gradio_client", "chromadb", "llama-index-core", "safehttpx"])
def test_the_lock_pins_what_is_installed(name: str) -> None:
    pinned = LOCK.get(name) or LOCK.get(name.replace("_", "-"))
    assert pinned == version(name), f"requirements.lock pins {name}=={pinned}, {version(name)} is installed"


@pytest.mark.parametrize(("advisory", "what", "fixed"), GRADIO_ADVISORIES)
def test_gradio_is_past_the_file_access_and_ssrf_advisories(advisory: str, what: str, fixed: str) -> None:
    assert Version(LOCK["gradio"]) >= Version(fixed), f"{advisory} ({what}) is fixed in {fixed}"


def test_gradio_no_longer_redirects_file_urls() -> None:
    """gradio#13593 / #13608 (open redirect and client SSRF via /gradio_api/file=<url>, seen up to
    6.17.3, no advisory id): the installed file route refuses a URL instead of redirecting to it."""
    from gradio.route_utils import file_fetch
    from starlette.exceptions import HTTPException

    with pytest.raises(HTTPException) as refused:
        file_fetch("https://attacker.invalid/x", None, None, None)
    assert refused.value.status_code == 403


CHROMA_PAGE = {  # /pypi/chromadb/json as PyPI served it on 2026-11-22 (trimmed)
    "info": {"version": "1.5.9"},
    "vulnerabilities": [
        {"id": "GHSA-f4j7-r4q5-qw2c", "aliases": ["CVE-2026-45829", "PYSEC-2026-311"], "fixed_in": [],
         "details": "A pre-authentication, code injection vulnerability ...", "withdrawn": None},
        {"id": "GHSA-old", "aliases": [], "fixed_in": ["0.4.0"], "details": "withdrawn", "withdrawn": "2026-01-01"},
    ],
}


def _fetch(pages: dict[str, Any]):  # type: ignore[no-untyped-def]
    return lambda url: pages.get(url)


def test_audit_uses_the_release_page_then_the_latest_release_and_says_what_it_skipped() -> None:
    base = "https://pypi.org/pypi"
    pages = {f"{base}/chromadb/json": CHROMA_PAGE, f"{base}/numpy/json": {"info": {"version": "2.5.5"}},
             f"{base}/tqdm/4.67.1/json": {"info": {"version": "4.67.1"}, "vulnerabilities": []}}
    chroma = audit_pin("chromadb", "1.5.9", _fetch(pages))
    assert [v["id"] for v in chroma.vulns] == ["GHSA-f4j7-r4q5-qw2c"]  # the withdrawn one is dropped
    numpy = audit_pin("numpy", "2.4.6", _fetch(pages))
    assert numpy.unaudited and "2.5.5" in numpy.unaudited and not numpy.vulns
    assert audit_pin("tqdm", "4.67.1", _fetch(pages)).source == "release page"
    assert audit_pin("gone", "1.0", _fetch(pages)).unaudited


def test_audit_report_fails_on_open_advisories_and_counts_accepted_ones() -> None:
    results = [audit_pin("chromadb", "1.5.9", _fetch({"https://pypi.org/pypi/chromadb/json": CHROMA_PAGE})),
               Result("numpy", "2.4.6", unaudited="not the latest")]
    lines, open_, accepted, unaudited = report(results, {})
    assert (open_, accepted, unaudited) == (1, 0, 1) and lines[0].startswith("VULNERABLE chromadb")
    lines, open_, accepted, _ = report(results, {"CVE-2026-45829": "server mode only"})  # an alias works too
    assert (open_, accepted) == (0, 1) and "server mode only" in lines[0]
    assert "1 of 2 pins audited" in lines[-1]
