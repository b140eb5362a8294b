"""The unseen-set report: the parts side by side with the gap, per category and per shape."""

from __future__ import annotations

import json
from pathlib import Path

from rag.evaluation.sets import CORPORA, breakdown, part_files, side_by_side, write_sets_report


def summary(correct: float, shapes: bool = True) -> dict:
    s = {"answers": {"correctness": correct, "answerable_correctness": correct - 0.1},
         "retrieval": {"hit_at_1": 0.9}, "citations": {"quote_exactness": 1.0},
         "categories": {"single_fact": {"n": 4, "correctness": correct, "abstained": 0.25}}}
    if shapes:
        s["shapes"] = {"compound": {"n": 2, "correctness": 0.5, "abstained": 0.0}}
    return s


def report(correct: float, n: int) -> dict:
    return {"default": "hybrid-160", "configs": {"hybrid-160": {**summary(correct), "questions": []}},
            "meta": {"questions": n, "mode": "auto", "corpus": ["seeds"], "created": "now"}}


def test_gap_is_sealed_minus_dev_and_missing_values_say_so() -> None:
    rows = side_by_side({"dev": summary(0.8), "sealed": summary(0.6)})
    correct = next(r for r in rows if r.startswith("| all questions correct"))
    assert correct == "| all questions correct | 0.800 | 0.600 | -0.200 |"
    assert any(r.startswith("| MRR | n/a | n/a | n/a") for r in rows)
    assert side_by_side({"dev": summary(0.8)})[0] == "| metric | dev |"  # one part: no gap column


def test_breakdown_lists_every_group_of_either_part() -> None:
    rows = breakdown({"dev": summary(0.8), "sealed": {"shapes": {"slot": {"n": 1, "correctness": 1.0}}}},
                     "shapes")
    assert rows[2].startswith("| compound | 2 | 0.500 | 0.000 | 0 | n/a | n/a |")
    assert rows[3].startswith("| slot | 0 | n/a | n/a | 1 | 1.000 | n/a |")


def test_report_files(tmp_path: Path) -> None:
    gate = {"file": "g.toml", "passed": False, "checks": []}
    md, js = write_sets_report("seeds", {"dev": report(0.8, 4), "sealed": report(0.6, 4)}, tmp_path, gate)
    text = md.read_text()
    assert "## Per category" in text and "## Per shape" in text and "**FAILED**" in text
    data = json.loads(js.read_text())
    assert data["parts"]["sealed"]["answers"]["correctness"] == 0.6 and data["gate"]["passed"] is False


def test_every_set_has_both_parts_and_a_corpus() -> None:
    for name in CORPORA:
        assert all(p.is_file() for p in part_files(name).values()), name
