"""Loading: decoding, skipping bad files with a reason, HTML main text, PDF, metadata."""

import io
from pathlib import Path

from rag.index.files import decode, discover, find_byline, find_date, html_text, load
from rag.records import Article, Skipped

MB = 10**6


def _load(path: Path, root: Path | None = None) -> Article | Skipped:
    found, skipped = discover([root or path])
    assert not skipped
    return load([f for f in found if f.path == path][0], 20 * MB)


def test_utf8_cp1252_and_utf16_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("Vučić met Orbán.".encode())
    (tmp_path / "b.txt").write_bytes("Café prices rose to £5 – a record.".encode("cp1252"))
    (tmp_path / "c.txt").write_bytes("Zagreb said so.".encode("utf-16"))
    a, b, c = (_load(tmp_path / n, tmp_path) for n in ("a.txt", "b.txt", "c.txt"))
    assert isinstance(a, Article) and a.text == "Vučić met Orbán." and a.encoding == "utf-8"
    assert isinstance(b, Article) and b.text == "Café prices rose to £5 – a record." and b.encoding == "cp1252"
    assert isinstance(c, Article) and c.text == "Zagreb said so."


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "big.txt").write_bytes(b"word " * 300_000)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "ok.md").write_text("# Title\n\nBody text here.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    found, skipped = discover([tmp_path, tmp_path / "missing.txt", tmp_path / "image.png"])
    assert [s.reason for s in skipped][0] == "does not exist"
    assert "unsupported type .png" in skipped[1].reason
    results = {f.source: load(f, 1 * MB) for f in found}
    assert set(results) == {"empty.txt", "binary.txt", "big.txt", "dangling.txt", "ok.md"}
    reasons = {k: v.reason for k, v in results.items() if isinstance(v, Skipped)}
    assert reasons["empty.txt"].startswith("empty")
    assert reasons["binary.txt"].startswith("binary")
    assert "over the 1 MB limit" in reasons["big.txt"]
    assert reasons["dangling.txt"].startswith(("unreadable", "symlink"))
    ok = results["ok.md"]
    assert isinstance(ok, Article) and ok.title == "Title"


def test_html_keeps_the_article_and_drops_navigation() -> None:
    page = """<html><head><title>Pact signed in Tirana</title><script>var x=1;</script></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
    <article><h1>Pact signed in Tirana</h1>
    <p>Croatia, Albania and Kosovo signed a joint declaration on defence cooperation on 18 March 2025.</p>
    <p>The ministers said the agreement was not aimed at any country in the region, but a message.</p>
    <p>Serbia called the move a provocation and demanded explanations from Zagreb and Tirana.</p>
    </article><footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>"""
    text, title = html_text(page)
    assert title == "Pact signed in Tirana"
    assert "joint declaration on defence cooperation" in text
    assert "var x" not in text and "All rights reserved" not in text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.text(0.1, 0.5, "Serbia and Hungary signed a plan in Belgrade.")
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    plt.close(fig)
    (tmp_path / "doc.pdf").write_bytes(buf.getvalue())
    art = _load(tmp_path / "doc.pdf", tmp_path)
    assert isinstance(art, Article) and "signed a plan in Belgrade" in art.text


def test_dates_and_bylines_from_the_seed_articles(tmp_path: Path) -> None:
    assert find_date("Title\n\nWednesday, 26 March 2025 —\n") == "2025-03-26"
    assert find_date("Title\n\nMar.24 - 2025 7:46 AM CET") == "2025-03-24"
    assert find_date("Posted 2024-11-05 by staff") == "2024-11-05"
    assert find_date("The pact was signed on 18 March.") is None  # no year: no date claimed
    assert find_date("31 February 2025") is None
    assert find_byline("Title\n\nWritten by Asger Risom\n\nBody") == "Asger Risom"
    assert find_byline("Title\nBy Jane Doe\nBody") == "Jane Doe"
    assert find_byline("Body text. By the way, nothing here.") is None


def test_decode_prefers_utf8() -> None:
    assert decode("Đurić".encode()) == ("Đurić", "utf-8")
    assert decode(b"\xef\xbb\xbfBOM text") == ("BOM text", "utf-8")
