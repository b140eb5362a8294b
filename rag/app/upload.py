"""Articles added through the UI: type and size checks, then a copy under ``<index>/uploads``.

The uploads folder is ingested as a whole, so adding a file again is incremental:
unchanged files are not embedded twice, a changed file replaces its old chunks.

>>> check_upload(Path("notes.exe"), 10)
'notes.exe: only .htm, .html, .md, .txt files can be added'
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..settings import Settings

UPLOAD_SUFFIXES = (".htm", ".html", ".md", ".txt")
MB = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def upload_limit(settings: Settings) -> int:
    """The largest upload in bytes (``max_upload_mb`` in MiB, the unit Gradio's own check shows)."""
    return int(settings.max_upload_mb * MB)


def uploads_dir(settings: Settings) -> Path:
    """The folder that keeps uploaded articles, next to the index."""
    return settings.index_dir / "uploads"


def safe_name(name: str) -> str:
    """A plain file name from an uploaded one: no folders, no odd characters, no leading dot.

    >>> safe_name("../../etc/pass wd.TXT")
    'pass wd.txt'
    """
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "article"
    return f"{stem[:100]}.{suffix.lower()}" if suffix else stem[:100]


def check_upload(path: Path, max_bytes: int, name: str | None = None) -> str | None:
    """Why ``path`` cannot be added (a message for the user), or None when it can."""
    shown = name or path.name
    if path.suffix.lower() not in UPLOAD_SUFFIXES:
        return f"{shown}: only {', '.join(UPLOAD_SUFFIXES)} files can be added"
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"{shown}: cannot read the file ({exc.strerror})"
    if size > max_bytes:
        return f"{shown}: {size / MB:.1f} MB is over the {max_bytes / MB:g} MB limit"
    if size == 0:
        return f"{shown}: the file is empty"
    return None


def store_uploads(paths: list[Path], settings: Settings) -> tuple[list[Path], list[str]]:
    """Copy acceptable files into the uploads folder; returns (stored files, rejection messages)."""
    folder = uploads_dir(settings)
    max_bytes = upload_limit(settings)
    stored: list[Path] = []
    rejected: list[str] = []
    for path in paths:
        name = safe_name(path.name)
        problem = check_upload(path, max_bytes, name=path.name)
        if problem:
            rejected.append(problem)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        shutil.copyfile(path, target)
        stored.append(target)
    return stored, rejected
