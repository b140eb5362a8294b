"""The claim-checker evaluation: rates from hand-made records, and real checks of seed claims
against the passage that holds their evidence."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from rag.evaluation.claims import check, cited_passage, markdown, score
from rag.evaluation.run import check_gate, load_gate
from rag.evaluation.sets import SETS_DIR

RECORDS = [
    {"label": "supported", "kind": "paraphrase", "kept": True, "ms": 10.0},
    {"label": "supported", "kind": "digits", "kept": False, "ms": 12.0},
    {"label": "unsupported", "kind": "date", "kept": False, "ms": 9.0},
    {"label": "unsupported", "kind": "negation", "kept": True, "ms": 11.0},
    {"label": "unsupported", "kind": "negation", "kept": False, "ms": 11.0},
    {"label": "unsupported", "kind": "date", "kept": None},  # evidence not found: not scored
]


def test_rates_per_kind_and_f1() -> None:
    s = score(RECORDS)
    assert (s["claims"], s["checked"]) == (6, 5)
    assert s["keep_rate"] == 0.5 and s["catch_rate"] == pytest.approx(2 / 3)
    assert s["catch_by_kind"] == {"date": 1.0, "negation": 0.5} and s["n_by_kind"] == {"date": 1, "negation": 2}
    precision, recall = 2 / 3, 2 / 3  # 2 caught, 1 false alarm
    assert s["f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    table = markdown({"dev": s})
    assert "| caught: negation | 0.500 (2) |" in table


CLAIMS = [
    {"id": "t1", "corpus": "seeds", "source": "000_4766fbbc71fac3cc.txt", "label": "supported", "kind": "paraphrase",
     "question": "How many joint activities does the 2025 plan include?",
     "claim": "The agreement sets out 79 joint activities, among them military exercises.",
     "evidence": ["The agreement outlines 79 joint activities"]},
    {"id": "t2", "corpus": "seeds", "source": "000_4766fbbc71fac3cc.txt", "label": "unsupported", "kind": "number",
     "question": "How many joint activities does the 2025 plan include?",
     "claim": "The agreement sets out 97 joint activities, among them military exercises.",
     "evidence": ["The agreement outlines 79 joint activities"]},
]


def test_real_claims_against_their_cited_passage(engine) -> None:  # type: ignore[no-untyped-def]
    passage = cited_passage(engine, CLAIMS[0])
    assert passage is not None and CLAIMS[0]["evidence"][0] in passage.text
    kept = {r["id"]: r["kept"] for r in check(engine, CLAIMS)}
    assert kept == {"t1": True, "t2": False}
    missing = dict(CLAIMS[0], evidence=["words no article holds"])
    assert check(engine, [missing])[0]["kept"] is None


def test_sealed_seed_claims_pass_their_gate(engine) -> None:  # type: ignore[no-untyped-def]
    """The gate on the sealed claims over the seeds (run here only to check, never to tune)."""
    rows = [json.loads(line) for line in (ROOT / SETS_DIR / "verify_sealed.jsonl").read_text(encoding="utf-8")
            .splitlines() if line.strip()]
    records = check(engine, [r for r in rows if r["corpus"] == "seeds"])
    assert sum(r["kept"] is not None for r in records) >= 100
    failed = [f"{c['key']} = {c['value']} (needs >= {c['limit']})"
              for c in check_gate(score(records), load_gate(ROOT / SETS_DIR / "gate-claims.toml")) if not c["passed"]]
    assert not failed, "claim-checker gate missed: " + "; ".join(failed) + \
        " -- run `python -m rag eval --claims` and read eval/reports/latest/claims.md"
