"""Files -> ``Article``s: discovery, decoding, main-text extraction and metadata.

Bad files never stop a run: each is returned as a ``Skipped`` with a reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..records import Article, Skipped

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}


@dataclass(frozen=True)
class Found:
    """A candidate file: where it is and the name it will be known by."""

    path: Path
    source: str  # relative to root
    root: str


def discover(paths: list[Path]) -> tuple[list[Found], list[Skipped]]:
    """Supported files under ``paths`` (folders are walked, symlinks to folders not followed)."""
    found: list[Found] = []
    skipped: list[Skipped] = []
    for given in paths:
        if not given.exists():
            skipped.append(Skipped(str(given), "does not exist"))
        elif given.is_dir():
            root = given.resolve()
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    path = Path(dirpath) / name
                    if path.suffix.lower() in SUFFIXES:
                        found.append(Found(path, path.relative_to(root).as_posix(), str(root)))
        elif given.suffix.lower() in SUFFIXES:
            found.append(Found(given, given.name, str(given.resolve().parent)))
        else:
            skipped.append(Skipped(str(given), f"unsupported type {given.suffix or '(none)'}: "
                                   f"use {', '.join(sorted(SUFFIXES))}"))
    return found, skipped


def load(found: Found, max_bytes: int) -> Article | Skipped:
    """Read, decode and describe one file, or say why it was skipped."""
    try:
        if found.path.is_symlink() and not found.path.resolve(strict=True).is_file():
            return Skipped(str(found.path), "symlink to something that is not a file")
        st = found.path.stat()
        if not stat.S_ISREG(st.st_mode):  # reading a FIFO would wait forever for a writer
            return Skipped(str(found.path), "not a regular file (a pipe, socket or device)")
        size = st.st_size
        if size > max_bytes:
            return Skipped(str(found.path), f"{size / 1e6:.1f} MB is over the "
                           f"{max_bytes / 1e6:.0f} MB limit (raise RAG_MAX_FILE_MB)")
        raw = found.path.read_bytes()
    except (OSError, RuntimeError) as exc:  # permissions, symlink loops, vanished files
        return Skipped(str(found.path), f"unreadable: {exc.strerror or exc}"
                       if isinstance(exc, OSError) else f"unreadable: {exc}")
    suffix = found.path.suffix.lower()
    if suffix == ".pdf":
        text, encoding, title = _pdf_text(raw), "pdf", None
    else:
        if _looks_binary(raw):
            return Skipped(str(found.path), "binary file, not text")
        text, encoding = decode(raw)
        title = None
        if suffix in (".html", ".htm"):
            text, title = html_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return Skipped(str(found.path), "empty: no text to index")
    return Article(
        source=found.source,
        root=found.root,
        text=text,
        title=title or _title(text, suffix),
        date=find_date(text),
        byline=find_byline(text),
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=encoding,
    )


def load_all(found: list[Found], max_bytes: int) -> Iterator[Article | Skipped]:
    for f in found:
        yield load(f, max_bytes)


def decode(raw: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252.

    >>> decode("Vučić".encode("utf-8"))
    ('Vučić', 'utf-8')
    >>> decode("café £5".encode("cp1252"))
    ('café £5', 'cp1252')
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _TEXT_BYTES))  # what is left: control bytes (C speed)
    return len(head) > 0 and controls / len(head) > 0.1


_TEXT_BYTES = bytes([9, 10, 12, 13, *range(32, 256)])


def html_text(html: str) -> tuple[str, str | None]:
    """The main text of a news page (no navigation, scripts or footers) and its title."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False,
                               deduplicate=False) or ""
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta is not None and meta.title else None
    if not text.strip():
        text = _plain_html_text(html)
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n\n{text}"
    return text, title


def _plain_html_text(html: str) -> str:
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        skip = {"script", "style", "nav", "header", "footer", "aside", "noscript", "form"}

        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.depth = 0

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag in self.skip:
                self.depth += 1
            elif tag in ("p", "br", "h1", "h2", "h3", "li", "div", "title"):
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in self.skip and self.depth:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if not self.depth:
                self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _pdf_text(raw: bytes) -> str:
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except Exception:  # a broken PDF is skipped as empty, never fatal
        return ""


def _title(text: str, suffix: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 160 else line[:157].rsplit(" ", 1)[0] + "..."
    return ""


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE_PATTERNS = [
    # 2025-03-26
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    # 26 March 2025, Wednesday, 26 March 2025
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+(\d{{4}})\b"), ("d", "M", "y")),
    # March 26, 2025 / Mar. 24, 2025 / Mar.24 - 2025
    (re.compile(rf"\b{_MONTH}\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*[,\-–]?\s*(\d{{4}})\b"), ("M", "d", "y")),
]


def find_date(text: str, head_chars: int = 600) -> str | None:
    """The publication date stated near the top of an article, as ISO ``yyyy-mm-dd``.

    >>> find_date("Title\\n\\nMar.24 - 2025 7:46 AM CET")
    '2025-03-24'
    >>> find_date("Headline\\nWednesday, 26 March 2025 —")
    '2025-03-26'
    """
    head = text[:head_chars]
    best: tuple[int, str] | None = None
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(head):
            parts = dict(zip(order, m.groups()))
            try:
                month = int(parts["m"]) if "m" in parts else _MONTHS[parts["M"][:3].lower()]
                iso = date(int(parts["y"]), month, int(parts["d"])).isoformat()
            except (ValueError, KeyError):
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), iso)
    return best[1] if best else None


_BYLINE = re.compile(
    r"^[ \t]*(?:Written by|By|Words by|Reporting by)[: \t]+"
    r"((?:[A-Z][\w.'’\-]+)(?:[ \t]+[A-Z][\w.'’\-]+){0,3})[ \t]*$",
    re.MULTILINE,
)


def header_lines(text: str, head_chars: int = 600) -> dict[str, tuple[int, int]]:
    """Spans of an article's header lines: ``title`` (the first line), ``author`` (the byline
    line), ``date`` (the line stating the publication date, with its time when given).

    >>> text = "Title\\n\\nWritten by Asger Risom\\n\\nMar.24 - 2025 7:46 AM CET\\nBody"
    >>> {k: text[s:e] for k, (s, e) in header_lines(text).items()}
    {'title': 'Title', 'author': 'Written by Asger Risom', 'date': 'Mar.24 - 2025 7:46 AM CET'}
    """
    head = text[:head_chars]
    out: dict[str, tuple[int, int]] = {}
    first = re.search(r"\S[^\n]*", head)
    if first:
        out["title"] = (first.start(), first.start() + len(first.group().rstrip()))
    m = _BYLINE.search(head)
    if m:
        out["author"] = (m.start() + len(m.group()) - len(m.group().lstrip()), m.end())
    if find_date(head, head_chars):
        starts = [m.start() for pattern, _ in _DATE_PATTERNS for m in pattern.finditer(head)]
        at = min(starts)
        start = head.rfind("\n", 0, at) + 1
        end = head.find("\n", at)
        line = head[start: len(head) if end < 0 else end]
        out["date"] = (start + len(line) - len(line.lstrip()), start + len(line.rstrip()))
    return out


def find_byline(text: str, head_chars: int = 600) -> str | None:
    """The author named in a ``By ...`` / ``Written by ...`` line near the top.

    >>> find_byline("Title\\n\\nWritten by Asger Risom\\n\\nBody")
    'Asger Risom'
    """
    m = _BYLINE.search(text[:head_chars])
    return m.group(1) if m else None
