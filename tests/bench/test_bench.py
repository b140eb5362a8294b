"""The benchmark: a real smoke run on a slice of the BBC corpus (so it cannot rot), and its
corpus and metric helpers. Timings go to the report; they are never asserted here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from rag.bench.corpus import EvalQuestion, article_order, hit_and_rank, link_view, load_questions, quality

SEEDS = ROOT / "seeds"
BBC = ROOT.parent / "shared" / "corpora" / "bbc"

needs_bbc = pytest.mark.skipif(not BBC.is_dir(), reason=f"the BBC corpus is not at {BBC}")


@needs_bbc
def test_article_order_leads_with_given_then_round_robin() -> None:
    order = article_order(BBC, ["tech/010.txt", "business/001.txt", "nope/1.txt"])
    assert order[:2] == ["tech/010.txt", "business/001.txt"]
    assert len(order) == len(set(order)) == 2225
    categories = [s.split("/")[0] for s in order[2:7]]
    assert sorted(categories) == ["business", "entertainment", "politics", "sport", "tech"]


@needs_bbc
def test_link_view_grows_and_shrinks_without_copying(tmp_path: Path) -> None:
    order = article_order(BBC, [])
    added = link_view(tmp_path, BBC, order[:4])
    assert len(added) == 4 and all(p.is_symlink() for p in added)
    assert (tmp_path / order[0]).read_bytes() == (BBC / order[0]).read_bytes()
    assert len(link_view(tmp_path, BBC, order[:6])) == 2
    link_view(tmp_path, BBC, order[1:3])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.txt")) == sorted(order[1:3])


def test_quality_counts_only_answerable_questions_with_gold_present() -> None:
    qs = [EvalQuestion("a", "?", frozenset({"x.txt"}), True),
          EvalQuestion("b", "?", frozenset({"y.txt", "z.txt"}), True),
          EvalQuestion("c", "?", frozenset(), False),
          EvalQuestion("d", "?", frozenset({"gone.txt"}), True)]
    results = {"a": ["x.txt", "q.txt"], "b": ["q.txt", "r.txt", "z.txt"], "c": ["x.txt"], "d": []}
    assert hit_and_rank(results["b"], {"z.txt"}) == (True, 3)
    got = quality(results, qs, present={"x.txt", "y.txt", "z.txt"})
    assert got == {"n": 2, "hit_at_k": 1.0, "mrr": pytest.approx((1 + 1 / 3) / 2)}
    assert quality(results, qs)["n"] == 3  # without a corpus filter "d" counts, and misses


def test_eval_questions_load_with_gold_sources() -> None:
    seeds = load_questions(ROOT / "eval" / "questions.jsonl")
    assert sum(q.answerable for q in seeds) >= 30
    assert all(q.gold for q in seeds if q.answerable)


@needs_bbc
def test_quick_benchmark_writes_a_sane_report(tmp_path: Path) -> None:
    from rag.app.cli import main

    report = tmp_path / "report"
    # 20 articles rather than --quick's 60: the same steps and figures, a minute less of the default test run
    rc = main(["bench", "--quick", "--articles", "20", "--corpus", str(BBC), "--seeds", str(SEEDS),
               "--questions", str(ROOT / "eval" / "questions.jsonl"),
               "--bbc-questions", str(ROOT / "eval" / "bbc_questions.jsonl"),
               "--report", str(report), "--work", str(tmp_path / "work")])
    assert rc == 0
    assert (report / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (report / "bench.md").read_text()
    assert "| metric | ours | llama-index peer | floor |" in md and "| target |" in md
    result = json.loads((report / "bench.json").read_text())

    n_seeds = len([p for p in SEEDS.iterdir() if p.is_file()])
    steps = result["steps"]
    assert [s["articles"] for s in steps][0] == 0 and steps[-1]["articles"] > 0
    assert steps[0]["documents"] == n_seeds
    assert steps[-1]["documents"] == n_seeds + steps[-1]["articles"]
    assert all(a["chunks"] < b["chunks"] for a, b in zip(steps, steps[1:]))
    totals = result["totals"]
    # Ours, the floor and the peer each embedded every document once.
    assert totals["ours"]["documents"] == steps[-1]["documents"]
    assert totals["ours"]["chunks"] == totals["floor"]["chunks"] == steps[-1]["chunks"]
    assert totals["peer"]["documents"] == steps[-1]["documents"]
    assert 0 < totals["peer"]["chunks"] <= totals["ours"]["chunks"]
    assert totals["ours"]["read_share"] == 1.0  # our chunks fit the embedder's window
    assert 0 < totals["peer"]["read_share"] <= 1.0
    assert 100 < totals["ours"]["peak_rss_mb"] < 100_000
    # The unchanged re-ingest embedded nothing.
    assert result["reingest"]["added"] == 0 and result["reingest"]["chunks"] == 0
    assert result["reingest"]["unchanged"] == steps[-1]["documents"]
    for step in steps:
        for stats in (step["ours"]["search"], step["ours"]["ask"], step["floor"]["retrieve"],
                      step["peer"]["retrieve"]):
            assert 0 < stats["p50"] <= stats["p95"]
    assert steps[-1]["ours"]["cold_s"] > 0 and steps[-1]["peer"]["cold_s"] > 0
    # The disagreements are found at every step and timed: the seeds' own at the first.
    assert steps[0]["ours"]["disagreements"] > 0 and all(s["ours"]["disagreements_s"] > 0 for s in steps)
    assert "disagreements: statements extracted and compared" in md
    # Retrieval quality: the seed articles are found, with and without distractors.
    assert steps[0]["ours"]["seeds"]["n"] >= 30
    assert steps[0]["ours"]["seeds"]["hit_at_k"] >= 0.8
    assert steps[-1]["ours"]["seeds"]["hit_at_k"] >= 0.8
    bbc = steps[-1]["ours"]["bbc"]
    assert bbc["n"] >= 10 and 0.5 <= bbc["hit_at_k"] <= 1.0 and 0 < bbc["mrr"] <= bbc["hit_at_k"]
    assert {t["target"] for t in result["targets"]} and all(isinstance(t["met"], bool)
                                                           for t in result["targets"])
    assert len(result["targets"]) == 10
