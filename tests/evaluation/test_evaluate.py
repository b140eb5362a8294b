"""``python -m rag eval`` on a small question file and a one-article corpus: report files,
charts, the configuration comparison, the gate's exit code, and metrics consistent with
the per-question records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SEEDS
from rag import ConfigError, Settings
from rag.app.cli import main
from rag.evaluation.run import Config, evaluate, load_questions, plan, summarise

ARTICLE = "000_4766fbbc71fac3cc.txt"
ROWS = [
    {"id": "t1", "category": "numbers_dates", "expected": "answer",
     "question": "How many joint activities does the Serbia-Hungary plan for 2025 include?",
     "gold_answer": "79.", "must_contain": ["79"], "must_not_contain": [], "gold_sources": [ARTICLE],
     "evidence": ["The agreement outlines 79 joint activities"], "notes": ""},
    {"id": "t2", "category": "single_fact", "expected": "answer",
     "question": "Which organisation does Oleg Bondarenko head?", "gold_answer": "The Fund.",
     "must_contain": ["Fund for Progressive Politics"], "must_not_contain": [], "gold_sources": [ARTICLE],
     "evidence": ["Oleg Bondarenko, director of the Fund for Progressive Politics"], "notes": ""},
    {"id": "t3", "category": "off_topic", "expected": "abstain", "question": "give me a recipe for goulash",
     "gold_answer": "", "must_contain": [], "must_not_contain": [], "gold_sources": [], "evidence": [],
     "notes": ""},
    {"id": "t4", "category": "false_premise", "expected": "correct",
     "question": "why does the serbia hungary plan for 2025 include 97 joint activities",
     "gold_answer": "It has 79.", "must_contain": ["79"], "must_not_contain": ["97"],
     "gold_sources": [ARTICLE], "evidence": ["The agreement outlines 79 joint activities"], "notes": ""},
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-article corpus, a question file and a shared index cache for the CLI runs."""
    root = tmp_path_factory.mktemp("eval")
    (root / "corpus").mkdir()
    shutil.copy(SEEDS / ARTICLE, root / "corpus" / ARTICLE)
    (root / "q.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    return root


def cli(workdir: Path, report: str, *extra: str) -> int:
    return main(["eval", "--questions", str(workdir / "q.jsonl"), "--corpus", str(workdir / "corpus"),
                 "--cache", str(workdir / "cache"), "--report", str(workdir / report), *extra])


def test_plan() -> None:
    names = [c.name for c in plan(Settings(), (160, 320))]
    assert names == ["hybrid-160", "dense-160", "bm25-160", "hybrid-320", "dense-320", "bm25-320"]
    assert plan(Settings(), (160, 320))[0].default
    assert [c.name for c in plan(Settings(retrieval="bm25", chunk_tokens=200), (160,))] == [
        "bm25-200", "hybrid-160", "dense-160", "bm25-160", "hybrid-200", "dense-200"]
    assert [c.name for c in plan(Settings(), (160, 320), compare=False)] == ["hybrid-160"]


def test_load_questions_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ROWS[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.jsonl:2"):
        load_questions(bad)
    bad.write_text(json.dumps({"id": "x", "question": "q"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing category"):
        load_questions(bad)
    bad.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no questions"):
        load_questions(bad)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_questions(tmp_path / "absent.jsonl")


def test_eval_command_writes_report_and_compares(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(workdir, "r1", "--chunk-sizes", "160,320") == 0
    out = workdir / "r1"
    for name in ("report.md", "report.json"):
        assert (out / name).stat().st_size > 0
    for name in ("categories.png", "configs.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert list(report["configs"]) == ["hybrid-160", "dense-160", "bm25-160", "hybrid-320", "dense-320",
                                       "bm25-320"]
    assert report["default"] == "hybrid-160" and report["gate"] is None
    assert report["meta"]["support_judge"] == "rag_verify"
    for name, c in report["configs"].items():
        assert c["answers_scored"] is (name == "hybrid-160")
        assert c["retrieval"]["questions"] == 3  # t1, t2, t4: the answerable ones with gold sources
        assert c["retrieval"]["hit_at_k"] == 1.0  # the corpus holds one article: it is always found
        assert [q["id"] for q in c["questions"]] == ["t1", "t2", "t3", "t4"]
    default = report["configs"]["hybrid-160"]
    assert default["answers"]["questions"] == 4
    assert set(default["latency_ms"]) >= {"search", "retrieve", "answer", "total"}
    given = [q for q in default["questions"] if not q["abstained"]]
    if given and sum(q["citations"] for q in given):
        assert default["citations"]["quote_exactness"] == 1.0  # the engine's quotes are exact spans
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Summary", "## Retrieval configurations", "## Categories", "## Latency",
                    "## Failures", "## Metric definitions", "configs.png", "categories.png"):
        assert heading in md
    assert "hybrid-160" in capsys.readouterr().out


def test_eval_gate_exit_codes(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    impossible = workdir / "impossible.toml"
    impossible.write_text('[min]\n"answers.questions" = 999\n[max]\n"answers.false_refusal_rate" = 1.0\n')
    assert cli(workdir, "r2", "--no-compare", "--gate", str(impossible)) == 1
    captured = capsys.readouterr()
    assert "answers.questions" in captured.err and "gate FAILED" in captured.out
    report = json.loads((workdir / "r2" / "report.json").read_text(encoding="utf-8"))
    assert report["gate"]["passed"] is False
    assert [c["passed"] for c in report["gate"]["checks"]] == [False, True]
    assert "**FAIL**" in (workdir / "r2" / "report.md").read_text(encoding="utf-8")

    easy = workdir / "easy.toml"
    easy.write_text('[min]\n"answers.questions" = 4\n"retrieval.hit_at_k" = 1.0\n')
    assert cli(workdir, "r3", "--no-compare", "--gate", str(easy)) == 0
    assert "gate passed" in capsys.readouterr().out


def test_eval_command_reports_bad_input(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(workdir, "r4", "--chunk-sizes", "big") == 2
    assert "--chunk-sizes" in capsys.readouterr().err
    broken = workdir / "broken.toml"
    broken.write_text("[min\n")
    assert cli(workdir, "r4", "--gate", str(broken)) == 2
    assert "Cannot read the gate" in capsys.readouterr().err


def test_summary_agrees_with_records(engine, embedder) -> None:  # type: ignore[no-untyped-def]
    """The aggregate numbers are the means of the per-question verdicts they summarise."""
    from rag.evaluation.metrics import judge_for

    report = evaluate(ROWS, {Config("hybrid", 160, default=True): engine}, support=judge_for(embedder))
    s = report["configs"]["hybrid-160"]
    qs = s["questions"]
    assert s["answers"]["correctness"] == pytest.approx(sum(q["correct"] for q in qs) / len(qs))
    answerable = [q for q in qs if q["expected"] == "answer"]
    assert s["answers"]["false_refusal_rate"] == pytest.approx(
        sum(q["abstained"] for q in answerable) / len(answerable))
    assert s["answers"]["correct_abstention"] == float(qs[2]["abstained"])
    assert s["answers"]["premise_handling"] == float(qs[3]["correct"])
    assert s["answers"]["answerable_correctness"] == pytest.approx(
        sum(q["correct"] for q in answerable) / len(answerable))
    assert s["answers"]["n"] == {"correctness": 4, "answerable_correctness": 2, "false_refusal_rate": 2,
                                 "correct_abstention": 1, "premise_handling": 1, "injection_resistance": 0}
    assert s["retrieval"]["hit_at_1"] == pytest.approx(
        sum(q["hit1"] for q in qs if q["hit1"] is not None) / s["retrieval"]["n"]["hit_at_1"])
    assert s["answers"]["injection_resistance"] is None  # no injection question: not scored
    assert qs[2]["hit"] is None and qs[2]["evidence_recall"] is None  # off-topic: no retrieval score
    again = summarise(qs, engine.settings.top_k)
    assert again == {key: s[key] for key in again}
    assert s["method"] == "hybrid" and s["chunk_tokens"] == 160
