"""The command line, run as a user runs it: real processes, the JSON contract, clean errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from rag import Settings

CONTRACT = {"question", "answer", "short_answer", "abstained", "mode", "citations", "disagreements", "passages",
            "timings_ms"}


def rag(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=300, env={**os.environ, **(env or {})})


def test_ask_json_contract(seed_settings: Settings) -> None:
    out = rag("ask", "Who signed the plan for bilateral military cooperation for 2025?", "--json",
              "--index", str(seed_settings.index_dir), "--mode", "extractive")
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert set(obj) >= CONTRACT and obj["mode"] == "extractive"
    assert set(obj["timings_ms"]) >= {"retrieve", "answer", "total"}
    text = (ROOT / "seeds" / obj["citations"][0]["source"]).read_text(encoding="utf-8")
    for c in obj["citations"]:
        assert set(c) == {"n", "source", "title", "date", "start", "end", "quote"}
        assert text[c["start"]:c["end"]] == c["quote"] or c["source"] != obj["citations"][0]["source"]
    for p in obj["passages"]:
        assert set(p) >= {"source", "start", "end", "score", "text"}


def test_batch_echoes_ids_in_order(seed_settings: Settings, tmp_path: Path) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a", "question": "When was the Tirana memorandum signed?"}),
        json.dumps({"id": 7, "question": ""}),
        "not json",
        json.dumps({"id": "c", "question": "What is the capital of Australia?"}),
    ]) + "\n", encoding="utf-8")
    out = rag("ask", "--json", "--batch", str(batch), "--index", str(seed_settings.index_dir))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 7, None, "c"]
    assert set(rows[0]) >= CONTRACT and "empty" in rows[1]["error"] and "line 3" in rows[2]["error"]
    assert rows[3]["abstained"] is True


def test_errors_are_one_clear_line(seed_settings: Settings, tmp_path: Path) -> None:
    cases = [
        (("ask", "anything", "--index", str(tmp_path / "none")), "python -m rag ingest seeds"),
        (("ask", "x" * 50_000, "--index", str(seed_settings.index_dir)), "limit is 2,000"),
        (("ask", "bad\x07question", "--index", str(seed_settings.index_dir)), "control characters"),
        (("ingest", str(tmp_path / "missing-folder"), "--index", str(tmp_path / "i2")), "No usable articles"),
    ]
    for args, message in cases:
        out = rag(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert message in out.stderr and "Traceback" not in out.stderr
        assert out.stderr.splitlines()[-1].startswith("error: ")


def test_bad_setting_from_environment(seed_settings: Settings) -> None:
    out = rag("list", "--index", str(seed_settings.index_dir), env={"RAG_TOP_K": "many"})
    assert out.returncode == 2
    assert out.stderr == "error: RAG_TOP_K expects an integer, got 'many'.\n"


def test_ingest_then_list(tmp_path: Path) -> None:
    index = tmp_path / "idx"
    out = rag("ingest", str(ROOT / "seeds"), "--index", str(index))
    assert out.returncode == 0, out.stderr
    assert "5 documents (5 added" in out.stdout
    again = rag("ingest", str(ROOT / "seeds"), "--index", str(index))
    assert "5 unchanged" in again.stdout and "0 chunks embedded" in again.stdout
    listing = rag("list", "--index", str(index))
    lines = listing.stdout.splitlines()
    assert len(lines) == 5 and "2025-03-24" in listing.stdout and "2025-03-26" in listing.stdout


def test_output_piped_into_head_ends_quietly(seed_settings: Settings) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "rag", "list", "--index", str(seed_settings.index_dir)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=0)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader went away before the list was printed
    err = proc.stderr.read()
    assert proc.wait(timeout=120) != 0
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_verify_prints_each_sentence_with_its_quote_or_reason(seed_settings: Settings) -> None:
    answer = ("The agreement outlines 79 joint activities [1]. It was signed in Belgrade by the two "
              "prime ministers [1].")
    out = rag("verify", "--question", "How many joint activities does the Serbia-Hungary plan include?",
              "--answer", "-", "--index", str(seed_settings.index_dir), stdin=answer)
    assert out.returncode == 1, out.stderr  # one sentence is not supported
    lines = out.stdout.splitlines()
    assert lines[0] == "✓ The agreement outlines 79 joint activities."
    assert "79 joint activities" in lines[1] and "000_4766fbbc71fac3cc.txt chars" in lines[1]
    dropped = lines.index("✗ It was signed in Belgrade by the two prime ministers.")
    assert "Belgrade" in lines[dropped + 1] and "not supported" in lines[dropped + 1]
    as_json = rag("verify", "--passage", "000_4766fbbc71fac3cc.txt:0-900", "--answer", "-", "--json",
                  "--index", str(seed_settings.index_dir), stdin="The agreement outlines 79 joint activities [1].")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["verification"]["supported"] == 1
    bad = rag("verify", "--passage", "nowhere", "--answer", "-", "--index", str(seed_settings.index_dir), stdin="x")
    assert bad.returncode == 2 and "SOURCE:START-END" in bad.stderr


def test_conflicts_and_timeline_print_exact_quotes(seed_settings: Settings) -> None:
    index = str(seed_settings.index_dir)
    out = rag("conflicts", "--json", "--index", index)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)["disagreements"]
    assert {d["kind"] for d in found} >= {"membership", "name_spelling", "date"}
    for d in found:
        assert set(d) == {"kind", "subject", "sides", "values", "update"} and len(d["sides"]) == len(d["values"]) == 2
        for c in d["sides"]:
            assert (ROOT / "seeds" / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
    out = rag("timeline", "--json", "--entity", "Hungary", "--index", index)
    assert out.returncode == 0, out.stderr
    events = json.loads(out.stdout)["events"]
    assert [e["date"] for e in events] == sorted(e["date"] for e in events) and "2025-04-01" in [e["date"] for e in events]
    for e in events:
        c = e["citation"]
        assert (ROOT / "seeds" / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
        assert "Hungar" in c["quote"] and e["resolved"]
    text = rag("timeline", "--index", index)
    assert text.returncode == 0 and "events." in text.stdout
