"""The quality gate: threshold checks on hand-made summaries, and the real gate on the dev set
(``eval/questions.jsonl`` against ``eval/gate.toml``), which fails the build on a regression."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from rag import ConfigError
from rag.evaluation.metrics import judge_for
from rag.evaluation.run import DEFAULT_GATE, Config, check_gate, evaluate, load_gate, load_questions
from rag.evaluation.sets import SETS_DIR, part_files

SUMMARY = {"answers": {"correctness": 0.7, "false_refusal_rate": 0.2, "questions": 104,
                       "injection_resistance": None},
           "categories": {"single_fact": {"correctness": 0.9}}}


def test_check_gate_min_and_max() -> None:
    gate = {"min": {"answers.correctness": 0.7, "categories.single_fact.correctness": 0.95},
            "max": {"answers.false_refusal_rate": 0.25}}
    checks = {c["key"]: c for c in check_gate(SUMMARY, gate)}
    assert checks["answers.correctness"]["passed"]  # equal to the threshold passes
    assert not checks["categories.single_fact.correctness"]["passed"]
    assert checks["categories.single_fact.correctness"]["value"] == 0.9
    assert checks["answers.false_refusal_rate"]["passed"]
    assert not check_gate(SUMMARY, {"max": {"answers.false_refusal_rate": 0.1}})[0]["passed"]


def test_check_gate_unknown_or_unmeasured_metric_fails() -> None:
    checks = check_gate(SUMMARY, {"min": {"answers.corectness": 0.1, "answers.injection_resistance": 0.0,
                                          "answers": 0.0}})
    assert [c["passed"] for c in checks] == [False, False, False]
    assert [c["value"] for c in checks][:2] == [None, None]


def test_load_gate(tmp_path: Path) -> None:
    path = tmp_path / "gate.toml"
    path.write_text('version = 1\n[min]\n"answers.correctness" = 0.5\n[max]\n"x.y" = 2\n')
    assert load_gate(path) == {"min": {"answers.correctness": 0.5}, "max": {"x.y": 2}}
    for text in ("[min\n", "version = 1\n", '[minimum]\n"a" = 1\n'):
        path.write_text(text)
        with pytest.raises(ConfigError):
            load_gate(path)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_gate(tmp_path / "absent.toml")


def gate_misses(engine, embedder, questions: Path, gate_file: Path) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """(thresholds checked, the ones missed) for the default configuration on a question file."""
    settings = engine.settings
    report = evaluate(load_questions(questions), {Config(settings.retrieval, settings.chunk_tokens, default=True): engine},
                      support=judge_for(embedder))
    checks = check_gate(report["configs"][report["default"]], load_gate(gate_file))
    return len(checks), [f"{c['key']} = {c['value']} (needs {'>=' if c['bound'] == 'min' else '<='} {c['limit']})"
                         for c in checks if not c["passed"]]


def test_dev_set_passes_the_gate(engine, embedder) -> None:  # type: ignore[no-untyped-def]
    """The CI gate: the default configuration on the dev set meets every threshold in eval/gate.toml."""
    # The thresholds were measured on the seed articles alone.
    assert sorted(a.source for a in engine.articles()) == sorted(p.name for p in SEEDS.glob("*.txt"))
    n, failed = gate_misses(engine, embedder, ROOT / "eval" / "questions.jsonl", ROOT / DEFAULT_GATE)
    assert n >= 10
    assert not failed, "quality gate missed: " + "; ".join(failed) + \
        " -- run `python -m rag eval` and read eval/reports/latest/report.md"


def test_sealed_seed_set_passes_its_gate(engine, embedder) -> None:  # type: ignore[no-untyped-def]
    """The gate on the sealed part of the unseen seed set (run here only to check, never to tune)."""
    n, failed = gate_misses(engine, embedder, ROOT / part_files("seeds")["sealed"],
                            ROOT / SETS_DIR / "gate-seeds.toml")
    assert n >= 8
    assert not failed, "sealed-set gate missed: " + "; ".join(failed) + \
        " -- run `python -m rag eval --set seeds` and read eval/reports/latest/sets.md"
