"""Vulnerability audit of the locked dependency set, honest about what it could not check.

    python tests/audit_lock.py [requirements.lock] [--ignore tests/audit_ignore.json] [--strict]

Why not plain ``pip-audit``: on machines that reach only the package index, pip-audit's
default service asks ``https://pypi.org/pypi/NAME/VERSION/json``, which answers 404 there,
so it skips every package and still prints "No known vulnerabilities found" with exit code
0; its OSV and ecosyste.ms services need hosts that do not resolve. This script asks the same
PyPI JSON API for the pinned version, and when that is refused, the project's page
(``/pypi/NAME/json``), whose ``vulnerabilities`` (from OSV) describe the latest release:
valid for a pin that *is* the latest release. Anything it could not check is listed.

Exit codes: 0 no open vulnerability; 1 a vulnerability not accepted in the ignore file;
2 nothing could be audited (no connection); 3 with ``--strict``, some pins were not audited.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PYPI = "https://pypi.org/pypi"
HERE = Path(__file__).resolve().parent


@dataclass
class Result:
    """The audit of one pin: its advisories, or why it could not be checked."""

    name: str
    version: str
    vulns: list[dict[str, Any]] = field(default_factory=list)
    unaudited: str | None = None  # the reason, when no advisory data applies to this version
    source: str = ""


def parse_lock(text: str) -> list[tuple[str, str]]:
    """``name==version`` pins of a pip-freeze file (comments, options and URLs skipped).

    >>> parse_lock("# c\\ngradio==6.31.0\\n-e .\\nfoo @ file:///x\\nBar==1.0 ; python_version>'3'\\n")
    [('gradio', '6.31.0'), ('Bar', '1.0')]
    """
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = (part.strip() for part in line.split("==", 1))
            pins.append((name, version))
    return pins


def audit_pin(name: str, version: str, fetch: Any) -> Result:
    """Advisories for one pin; ``fetch(url) -> dict | None`` (None: 404 or no connection)."""
    exact = fetch(f"{PYPI}/{name}/{version}/json")
    if exact is not None:
        return Result(name, version, _open(exact), source="release page")
    project = fetch(f"{PYPI}/{name}/json")
    if project is None:
        return Result(name, version, unaudited="PyPI's JSON API did not answer")
    latest = project.get("info", {}).get("version")
    if latest != version:
        return Result(name, version, unaudited=f"pinned {version}; PyPI here serves advisories only "
                                                f"for the latest release, {latest}")
    return Result(name, version, _open(project), source="project page (pin is the latest release)")


def _open(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in page.get("vulnerabilities") or [] if not v.get("withdrawn")]


def report(results: list[Result], ignore: dict[str, str]) -> tuple[list[str], int, int, int]:
    """Printable lines, and counts of open vulnerabilities, accepted ones and unaudited pins."""
    lines, open_, accepted = [], 0, 0
    for r in results:
        for v in r.vulns:
            ids = [v["id"], *v.get("aliases", [])]
            reason = next((ignore[i] for i in ids if i in ignore), None)
            fixed = ", ".join(v.get("fixed_in") or []) or "no fixed version"
            if reason:
                accepted += 1
                lines.append(f"accepted  {r.name}=={r.version} {v['id']} ({fixed}): {reason}")
            else:
                open_ += 1
                summary = (v.get("summary") or v.get("details") or "").strip().replace("\n", " ")[:160]
                lines.append(f"VULNERABLE {r.name}=={r.version} {' / '.join(ids)} (fixed in: {fixed}): {summary}")
    unaudited = [r for r in results if r.unaudited]
    lines += [f"not audited {r.name}=={r.version}: {r.unaudited}" for r in unaudited]
    audited = len(results) - len(unaudited)
    lines.append(f"{audited} of {len(results)} pins audited against PyPI's advisories (OSV); "
                 f"{open_} open, {accepted} accepted, {len(unaudited)} not audited")
    return lines, open_, accepted, len(unaudited)


def _fetch(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)  # type: ignore[no-any-return]
    except (urllib.error.URLError, TimeoutError, ValueError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lock", nargs="?", type=Path, default=HERE.parent / "requirements.lock")
    parser.add_argument("--ignore", type=Path, default=HERE / "audit_ignore.json",
                        help="JSON {advisory id: why it is accepted}")
    parser.add_argument("--strict", action="store_true", help="fail when any pin could not be audited")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    pins = parse_lock(args.lock.read_text(encoding="utf-8"))
    ignore = json.loads(args.ignore.read_text(encoding="utf-8")) if args.ignore.exists() else {}
    ignore = {k: v for k, v in ignore.items() if not k.startswith("_")}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: audit_pin(p[0], p[1], _fetch), pins))
    lines, open_, _, unaudited = report(results, ignore)
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1) + "\n")
    if unaudited == len(results):
        print("error: nothing could be audited - is https://pypi.org reachable?", file=sys.stderr)
        return 2
    if open_:
        return 1
    return 3 if args.strict and unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
