"""Fit the extractive answerer's two small models on the development questions, report their
cross-validated figures beside what they replace, and (``--write``) store the weights in
``rag/answer/fitted.py``.

    python -m rag.evaluation.fit --cache DIR --bbc-index DIR --ranker [--write]   # the sentence ranker
    python -m rag.evaluation.fit --cache DIR --bbc-index DIR [--write]            # answer or refuse

The sentence ranker (``--ranker``): for each answerable question with evidence quotes, every
sentence the answerer weighs, its ranking features, and whether it holds a gold quote. A linear
score fitted as a conditional logit (softmax over one question's sentences, L2, gradient descent)
is scored by how often its first sentence holds a gold quote, under the same cross-validation and
trained without one question file and tested on it (the BBC questions are another corpus).
Fit the ranker first: the decision is made on the sentence it chooses.

Questions: ``eval/sets/seeds_dev.jsonl`` and ``eval/questions.jsonl`` on an index of the seeds,
``eval/sets/bbc_dev.jsonl`` on an index of seeds + BBC (skipped without ``--bbc-index``). The
sealed parts are never read here. For each question the answerer chooses its sentence as usual
(names, kind and slot checks included) and ``decision_features`` describes the choice. The
target is what answering would earn: 1 where the question is answerable and the chosen answer
is judged correct, 0 where the question should be refused; an answerable question whose chosen
answer is wrong is wrong either way and teaches nothing, and false-premise questions accept either
(both left out of the fit, counted in the figures).

A logistic regression (L2, Newton's method: ten features do not need a library) is scored by
5-fold cross-validation repeated over 5 shuffles; the threshold on its probability is the one
that maximises the cross-validated count of right decisions.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..answer import fitted
from ..answer.compose import compose
from ..answer.fitted import DECISION_FEATURES, SENTENCE_FEATURES
from ..embed import make_embedder
from ..engine import Engine
from ..settings import Settings
from . import metrics as m
from .run import load_questions, open_engines, plan
from .sets import CORPORA, SETS_DIR

FITTED = Path(__file__).resolve().parent.parent / "answer" / "fitted.py"
L2 = 1.0  # ridge penalty on the weights (features are in [0, 1]); not tuned
FOLDS, REPEATS = 5, 5
THRESHOLDS = np.round(np.arange(0.2, 0.81, 0.05), 2)
RANK_L2 = 0.1  # the ranker's ridge penalty (per question); 0.01 and 1.0 cross-validated within 0.005
HAND_RANKER = (0.35, 0.15, 0.35, 0.15, 0.15)  # the hand-set sentence weights the fitted ones replaced
GOLD_SHARE = 0.7  # a sentence holds a gold quote that it contains, or this share of the quote's words


@dataclass(frozen=True)
class Example:
    """One development question at the answerer's decision."""

    id: str
    features: np.ndarray
    answerable: bool  # expected "answer"
    premise: bool  # expected "correct": answering with the correction or refusing are both right
    right_if_answered: bool  # the answer it would give is judged correct
    old_rule: bool  # the hand-set rule this model replaced would answer


def collect(engine: Engine, rows: Sequence[dict]) -> list[Example]:
    """The decision features of each question that reaches the decision (the names, kind and slot
    checks refuse the others before it)."""
    out = []
    for row in rows:
        q, passages, extraction = engine.extraction(row["question"])
        if extraction.features is None:
            continue
        answer = compose(q, passages, extraction, mode="extractive")
        f = extraction.features
        out.append(Example(row["id"], np.array([f[name] for name in DECISION_FEATURES]),
                           row["expected"] == "answer", row["expected"] == "correct",
                           m.judge(row, answer.text, False).passed,
                           f["context_cover"] + 1.5 * f["best_similarity"] >= 1.2
                           and f["sentence_cover"] + 1.5 * f["sentence_similarity"] >= 0.9))
    return out


def logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 30) -> np.ndarray:
    """Weights (bias last) of an L2-penalised logistic regression, by Newton's method."""
    x = np.c_[x, np.ones(len(x))]
    w = np.zeros(x.shape[1])
    penalty = l2 * np.diag([1.0] * (x.shape[1] - 1) + [0.0])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        w -= np.linalg.solve((x.T * (p * (1 - p))) @ x + penalty, x.T @ (p - y) + penalty @ w)
    return w


def _train(examples: Sequence[Example]) -> np.ndarray:
    used = [e for e in examples if not e.premise and (e.right_if_answered or not e.answerable)]
    return logistic(np.array([e.features for e in used]), np.array([float(e.answerable) for e in used]))


def _prob(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ w[:-1] + w[-1])))


def right(examples: Sequence[Example], answers: np.ndarray) -> dict[str, float]:
    """Decisions scored as the evaluation scores answers: right answers, right refusals."""
    ok = [(e.answerable and a and e.right_if_answered) or (not e.answerable and not e.premise and not a)
          or (e.premise and (not a or e.right_if_answered)) for e, a in zip(examples, answers)]
    answerable = [a for e, a in zip(examples, answers) if e.answerable]
    refusable = [a for e, a in zip(examples, answers) if not e.answerable and not e.premise]
    return {"right": float(np.mean(ok)),
            "answered_answerable": float(np.mean(answerable)) if answerable else 0.0,
            "refused_unanswerable": 1.0 - float(np.mean(refusable)) if refusable else 0.0}


def cross_validate(examples: list[Example], seed: int = 0) -> dict[float, np.ndarray]:
    """Held-out probability of answering for each example, per repeat (rows) -> averaged per threshold."""
    rng = np.random.default_rng(seed)
    probs = np.zeros((REPEATS, len(examples)))
    for r in range(REPEATS):
        fold = rng.permutation(len(examples)) % FOLDS
        for k in range(FOLDS):
            train = [e for e, f in zip(examples, fold) if f != k]
            test = np.array([e.features for e, f in zip(examples, fold) if f == k])
            probs[r, fold == k] = _prob(_train(train), test)
    return {float(t): probs >= t for t in THRESHOLDS}


@dataclass(frozen=True)
class Ranking:
    """One answerable development question's weighed sentences."""

    id: str
    features: np.ndarray  # one row per sentence: fitted.SENTENCE_FEATURES, discounted
    gold: np.ndarray  # 1.0 where the sentence holds a gold evidence quote


def holds(sentence: str, evidence: Sequence[str]) -> bool:
    """Whether ``sentence`` holds one of the gold ``evidence`` quotes (folded, or most of its words)."""
    s = m.normalise(sentence)
    for quote in evidence:
        n = m.normalise(quote)
        if n and (n in s or (len(s) > 20 and s in n)):
            return True
        words = set(n.split())
        if len(words) >= 4 and len(words & set(s.split())) >= GOLD_SHARE * len(words):
            return True
    return False


def collect_ranking(engine: Engine, rows: Sequence[dict]) -> list[Ranking]:
    """The weighed sentences of each answerable question with evidence, where one holds a gold quote."""
    out = []
    for row in rows:
        if row["expected"] != "answer" or not row.get("evidence"):
            continue
        passages, sentences = engine.sentence_features(row["question"])
        gold = np.array([float(holds(passages[pi].text[s - passages[pi].start: e - passages[pi].start],
                                     row["evidence"])) for pi, s, e, _ in sentences])
        if gold.any():
            out.append(Ranking(row["id"], np.array([f for *_, f in sentences]), gold))
    return out


def conditional_logit(examples: Sequence[Ranking], l2: float = RANK_L2, steps: int = 300,
                      rate: float = 5.0) -> np.ndarray:
    """Weights of a linear sentence score whose softmax over each question's sentences puts the
    most probability on the gold ones (gradient descent: five weights need no library)."""
    w = np.full(len(SENTENCE_FEATURES), 1.0)
    for _ in range(steps):
        grad = l2 * w / len(examples)
        for e in examples:
            z = e.features @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += e.features.T @ (p - e.gold / e.gold.sum()) / len(examples)
        w -= rate * grad
    return w


def first_is_gold(examples: Sequence[Ranking], w: np.ndarray) -> float:
    """Share of questions whose highest-scoring sentence holds a gold quote."""
    return float(np.mean([e.gold[int(np.argmax(e.features @ w))] > 0 for e in examples])) if examples else 0.0


def fit_ranker(groups: dict[str, list[Ranking]], write: bool) -> None:
    """Cross-validate the ranker against the weights in use, print, and (``write``) store it."""
    examples = [e for g in groups.values() for e in g]
    current = np.array([fitted.SENTENCE_WEIGHTS[n] for n in SENTENCE_FEATURES])
    rng = np.random.default_rng(0)
    held, cur, hand = [], [], []
    for _ in range(REPEATS):
        fold = rng.permutation(len(examples)) % FOLDS
        for k in range(FOLDS):
            w = conditional_logit([e for e, f in zip(examples, fold) if f != k])
            test = [e for e, f in zip(examples, fold) if f == k]
            held.append(first_is_gold(test, w))
            cur.append(first_is_gold(test, current))
            hand.append(first_is_gold(test, np.array(HAND_RANKER)))
    print(f"{len(examples)} answerable questions with a gold sentence among those weighed")
    print("| sentence ranker | first sentence holds gold evidence |\n|---|---|")
    print(f"| hand-set weights | {np.mean(hand):.3f} |\n| weights in use (fitted.py) | {np.mean(cur):.3f} |\n"
          f"| fitted ({FOLDS}-fold CV x {REPEATS}) | {np.mean(held):.3f} |")
    for name, group in groups.items():
        if len(groups) > 1:
            w = conditional_logit([e for n, g in groups.items() if n != name for e in g])
            print(f"  trained without {name}, tested on it ({len(group)}): fitted {first_is_gold(group, w):.3f}, "
                  f"hand-set {first_is_gold(group, np.array(HAND_RANKER)):.3f}")
    w = conditional_logit(examples)
    w = w / w.sum()  # only the order and ratios of scores matter
    print("weights: " + ", ".join(f"{n} {v:.3f}" for n, v in zip(SENTENCE_FEATURES, w)))
    if write:
        weights = "\n".join(f'    "{n}": {v:.3f},' for n, v in zip(SENTENCE_FEATURES, w))
        block = f"""SENTENCE_FEATURES = ({_joined(SENTENCE_FEATURES)})
# Fitted {datetime.date.today()} on {len(examples)} answerable development questions ({", ".join(groups)}).
# First sentence holds gold evidence, {FOLDS}-fold CV x {REPEATS}: {np.mean(held):.3f} (hand-set {HAND_RANKER}: {np.mean(hand):.3f}).
SENTENCE_WEIGHTS: dict[str, float] = {{
{weights}
}}
"""
        _replace_block("sentence ranker", block)
        print(f"wrote {FITTED}")


def _replace_block(name: str, block: str) -> None:
    """Replace the text between ``# --- <name>`` and ``# --- end <name>`` in fitted.py."""
    text = FITTED.read_text(encoding="utf-8")
    pattern = re.compile(rf"(# --- {re.escape(name)}\n).*?(# --- end {re.escape(name)}\n)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{FITTED} has no '# --- {name}' block; restore it from git and fit again")
    FITTED.write_text(pattern.sub(lambda mt: mt.group(1) + block + mt.group(2), text), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.evaluation.fit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("eval/report/cache"),
                        help="where the seeds evaluation index lives (built if missing)")
    parser.add_argument("--bbc-index", type=Path, help="an index of seeds + BBC for eval/sets/bbc_dev.jsonl")
    parser.add_argument("--ranker", action="store_true", help="fit the sentence ranker instead of the decision")
    parser.add_argument("--write", action="store_true", help=f"store the fitted weights in {FITTED}")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    embedder = make_embedder(settings)
    (seeds,) = open_engines(plan(settings, compare=False), settings, corpus=CORPORA["seeds"], cache=args.cache,
                            embedder=embedder, log=lambda _: None).values()
    files = [SETS_DIR / "seeds_dev.jsonl", Path("eval/questions.jsonl")]
    examples: list[Example] = []
    spans: dict[str, tuple[int, int]] = {}
    sources = [(f, seeds) for f in files]
    if args.bbc_index:
        files.append(SETS_DIR / "bbc_dev.jsonl")
        sources.append((files[-1], Engine.open(settings.replace(index_dir=args.bbc_index), embedder=embedder)))
    if args.ranker:
        fit_ranker({f.name: collect_ranking(engine, load_questions(f)) for f, engine in sources}, args.write)
        return 0
    for f, engine in sources:
        got = collect(engine, load_questions(f))
        spans[str(f)] = (len(examples), len(examples) + len(got))
        examples += got
    print(f"{len(examples)} questions reach the decision ({', '.join(str(f) for f in files)})")
    held_out = cross_validate(examples)
    scores = {t: [right(examples, a) for a in answers] for t, answers in held_out.items()}
    mean = {t: {k: float(np.mean([s[k] for s in runs])) for k in runs[0]} for t, runs in scores.items()}
    best = max(mean, key=lambda t: (mean[t]["right"], -abs(t - 0.5)))
    rule = right(examples, np.array([e.old_rule for e in examples]))
    in_use = np.array([fitted.DECISION_WEIGHTS[n] for n in DECISION_FEATURES] + [fitted.DECISION_BIAS])
    before = right(examples, _prob(in_use, np.array([e.features for e in examples])) >= fitted.ANSWER_THRESHOLD)
    print("| decision | right decisions | answerable answered | unanswerable refused |\n|---|---|---|---|")
    print(f"| hand-set rule (coverage + 1.5 x similarity >= 1.2 / 0.9) | {rule['right']:.3f} | "
          f"{rule['answered_answerable']:.3f} | {rule['refused_unanswerable']:.3f} |")
    print(f"| weights in use (in-sample) | {before['right']:.3f} | {before['answered_answerable']:.3f} | "
          f"{before['refused_unanswerable']:.3f} |")
    for t in (0.5, best):
        print(f"| fitted, threshold {t:.2f} ({FOLDS}-fold CV x {REPEATS}) | {mean[t]['right']:.3f} | "
              f"{mean[t]['answered_answerable']:.3f} | {mean[t]['refused_unanswerable']:.3f} |")
    for name, (lo, hi) in spans.items():  # per question file: the rule was set on eval/questions.jsonl
        part = examples[lo:hi]
        held = float(np.mean([right(part, a[lo:hi])["right"] for a in held_out[best]]))
        old = right(part, np.array([e.old_rule for e in part]))["right"]
        print(f"  {name}: {hi - lo} questions, right decisions: rule {old:.3f}, fitted {held:.3f}")
    w = _train(examples)
    print("weights: " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(DECISION_FEATURES, w[:-1])) + f", bias {w[-1]:+.2f}")
    if args.write:
        _replace_block("answer/refuse decision", _decision_block(w, best, mean[best], before, len(examples)))
        print(f"wrote {FITTED}")
    return 0


def _decision_block(w: np.ndarray, threshold: float, cv: dict[str, float], before: dict[str, float], n: int) -> str:
    weights = "\n".join(f'    "{name}": {v:.3f},' for name, v in zip(DECISION_FEATURES, w[:-1]))
    return f'''# The features, in the order the fit reads them.
DECISION_FEATURES = ({_joined(DECISION_FEATURES)})

# Fitted {datetime.date.today()} on {n} development questions (seeds dev, eval/questions.jsonl, BBC dev).
# {FOLDS}-fold CV x {REPEATS}, this model (the weights before it, in-sample): right decisions {cv["right"]:.3f}
# ({before["right"]:.3f}), answerable answered {cv["answered_answerable"]:.3f} ({before["answered_answerable"]:.3f}),
# unanswerable refused {cv["refused_unanswerable"]:.3f} ({before["refused_unanswerable"]:.3f}).
DECISION_WEIGHTS: dict[str, float] = {{
{weights}
}}
DECISION_BIAS = {w[-1]:.3f}
ANSWER_THRESHOLD = {threshold:.2f}  # the cross-validated best of {THRESHOLDS[0]:.2f}..{THRESHOLDS[-1]:.2f}
'''


def _joined(names: Sequence[str]) -> str:
    """A tuple's items, wrapped under 110 characters."""
    lines, line = [], ""
    for name in names:
        item = f'"{name}", '
        if len(line) + len(item) > 80:
            lines.append(line.rstrip())
            line = ""
        line += item
    return "\n                     ".join([*lines, line.rstrip(", ")])


if __name__ == "__main__":
    sys.exit(main())
