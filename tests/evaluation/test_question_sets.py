"""Checks that the evaluation question sets are well formed and grounded in their sources.

The question files are data (``eval/questions.jsonl`` over the seed articles,
``eval/bbc_questions.jsonl`` over the BBC corpus); these tests need nothing from
the ``rag`` package. Every evidence quote must be a verbatim substring of one of
its gold source files, and every required answer string must be supported by the
evidence or the gold answer.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from conftest import ROOT as REPO

SEEDS = REPO / "seeds"
BBC = REPO.parent / "shared" / "corpora" / "bbc"
SEED_FILE = REPO / "eval" / "questions.jsonl"
BBC_FILE = REPO / "eval" / "bbc_questions.jsonl"

KEYS = {"id", "category", "question", "expected", "gold_answer", "must_contain",
        "must_not_contain", "gold_sources", "evidence", "notes"}
SEED_CATEGORIES = {"single_fact", "numbers_dates", "multi_article", "comparison", "who_said",
                   "unanswerable", "false_premise", "off_topic", "injection"}
EXPECTED = {"answer", "abstain", "correct"}
BBC_FOLDERS = {"business", "entertainment", "politics", "sport", "tech"}
LIST_KEYS = ("must_contain", "must_not_contain", "gold_sources", "evidence")


def load(path: Path) -> list[dict]:
    """Parse a JSONL file, failing with the line number of the first bad line."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            pytest.fail(f"{path.name}:{n}: not valid JSON: {e}")
    return rows


SEED_ROWS = load(SEED_FILE)
BBC_ROWS = load(BBC_FILE)
ALL_ROWS = SEED_ROWS + BBC_ROWS


@cache
def read_source(base: Path, name: str) -> str:
    """Source text exactly as an engine would read it: the file's bytes decoded as UTF-8."""
    return (base / name).read_bytes().decode("utf-8")


def base_for(row: dict) -> Path:
    return BBC if row["category"] == "bbc" else SEEDS


def need_bbc() -> None:
    if not BBC.is_dir():
        pytest.skip(f"BBC corpus not found at {BBC}; BBC source checks need it")


def by_id(rows):
    return pytest.mark.parametrize("row", rows, ids=[r.get("id", "?") for r in rows])


# ------------------------------------------------------------------ file-level checks

def test_ids_unique_across_both_files():
    counts = Counter(r["id"] for r in ALL_ROWS)
    assert not [i for i, c in counts.items() if c > 1], "duplicate ids"


def test_seed_question_counts():
    assert len(SEED_ROWS) >= 60
    counts = Counter(r["category"] for r in SEED_ROWS)
    assert set(counts) == SEED_CATEGORIES, set(counts) ^ SEED_CATEGORIES
    assert all(c >= 6 for c in counts.values()), counts


def test_bbc_question_counts_and_spread():
    assert len(BBC_ROWS) >= 30
    folders = Counter(r["gold_sources"][0].split("/")[0] for r in BBC_ROWS)
    assert set(folders) == BBC_FOLDERS, folders
    assert all(c >= 6 for c in folders.values()), folders


def test_seed_folder_present():
    assert SEEDS.is_dir() and any(SEEDS.glob("*.txt")), f"no seed articles in {SEEDS}"


# ------------------------------------------------------------------ per-question checks

@by_id(ALL_ROWS)
def test_schema(row):
    assert set(row) == KEYS, set(row) ^ KEYS
    for key in ("id", "category", "question", "expected", "gold_answer", "notes"):
        assert isinstance(row[key], str), key
    for key in LIST_KEYS:
        assert isinstance(row[key], list) and all(isinstance(s, str) and s for s in row[key]), key
    assert row["question"].strip()
    assert row["expected"] in EXPECTED
    for group in row["must_contain"]:
        assert all(alt.strip() for alt in group.split("|")), f"empty alternative in {group!r}"


@by_id(SEED_ROWS)
def test_seed_category_and_expectation(row):
    assert row["id"].startswith("q")
    cat, exp = row["category"], row["expected"]
    assert cat in SEED_CATEGORIES
    if cat in {"unanswerable", "off_topic"}:
        assert exp == "abstain"
    elif cat == "false_premise":
        assert exp == "correct"
    elif cat == "injection":
        assert exp in {"answer", "abstain"}
    else:
        assert exp == "answer"
    if cat == "off_topic":
        assert row["gold_sources"] == []


@by_id(BBC_ROWS)
def test_bbc_category_and_expectation(row):
    assert row["category"] == "bbc"
    assert row["expected"] == "answer"
    for src in row["gold_sources"]:
        folder, _, name = src.partition("/")
        assert folder in BBC_FOLDERS and name.endswith(".txt"), src
        assert src != "sport/199.txt", "sport/199.txt is not valid UTF-8"


@by_id(ALL_ROWS)
def test_expectation_fields(row):
    if row["expected"] == "abstain":
        assert row["gold_answer"] == ""
        assert row["must_contain"] == []
    else:
        assert row["gold_answer"].strip()
        assert row["must_contain"], "answer/correct questions need must_contain"
        assert row["gold_sources"]
    if row["expected"] == "answer":
        assert row["evidence"], "answerable questions need evidence"


@by_id(ALL_ROWS)
def test_gold_sources_exist(row):
    if row["category"] == "bbc":
        need_bbc()
    for src in row["gold_sources"]:
        assert (base_for(row) / src).is_file(), f"missing source {src}"


@by_id(ALL_ROWS)
def test_evidence_is_verbatim(row):
    if row["category"] == "bbc":
        need_bbc()
    texts = [read_source(base_for(row), s) for s in row["gold_sources"]]
    for quote in row["evidence"]:
        assert any(quote in t for t in texts), f"not verbatim in {row['gold_sources']}: {quote!r}"


@by_id([r for r in ALL_ROWS if r["expected"] in {"answer", "correct"}])
def test_must_contain_supported(row):
    haystack = "\n".join(row["evidence"] + [row["gold_answer"]]).casefold()
    for group in row["must_contain"]:
        alts = group.split("|")
        assert any(a.casefold() in haystack for a in alts), f"{group!r} not in evidence or gold_answer"


@by_id([r for r in ALL_ROWS if r["must_not_contain"] and r["expected"] != "abstain"])
def test_must_not_contain_absent_from_gold(row):
    gold = row["gold_answer"].casefold()
    for bad in row["must_not_contain"]:
        assert bad.casefold() not in gold, f"gold_answer contains forbidden {bad!r}"
