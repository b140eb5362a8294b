"""Fit the extractive answerer's answer/refuse model on the development questions, report its
cross-validated figures beside the rule it replaced, and (``--write``) store the weights in
``rag/answer/fitted.py``.

    python -m rag.evaluation.fit --cache DIR --bbc-index DIR [--write]

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
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..answer.compose import compose
from ..answer.fitted import DECISION_FEATURES
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.evaluation.fit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("eval/report/cache"),
                        help="where the seeds evaluation index lives (built if missing)")
    parser.add_argument("--bbc-index", type=Path, help="an index of seeds + BBC for eval/sets/bbc_dev.jsonl")
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
    print("| decision | right decisions | answerable answered | unanswerable refused |\n|---|---|---|---|")
    print(f"| hand-set rule (coverage + 1.5 x similarity >= 1.2 / 0.9) | {rule['right']:.3f} | "
          f"{rule['answered_answerable']:.3f} | {rule['refused_unanswerable']:.3f} |")
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
        FITTED.write_text(_module(w, best, mean[best], rule, len(examples)), encoding="utf-8")
        print(f"wrote {FITTED}")
    return 0


def _module(w: np.ndarray, threshold: float, cv: dict[str, float], rule: dict[str, float], n: int) -> str:
    weights = "\n".join(f'    "{name}": {v:.3f},' for name, v in zip(DECISION_FEATURES, w[:-1]))
    return f'''"""Weights fitted on labelled questions: written by ``python -m rag.evaluation.fit --write``.

The answer/refuse decision is a logistic model over ``extract.decision_features`` (each in [0, 1]).
Rerun the fit after changing the features or the answerer; do not edit the numbers by hand.
"""

# The features, in the order the fit reads them.
DECISION_FEATURES = ({_joined(DECISION_FEATURES)})

# Fitted {datetime.date.today()} on {n} development questions (seeds dev, eval/questions.jsonl, BBC dev).
# {FOLDS}-fold CV x {REPEATS}, this model (the hand-set rule it replaced): right decisions {cv["right"]:.3f}
# ({rule["right"]:.3f}), answerable answered {cv["answered_answerable"]:.3f} ({rule["answered_answerable"]:.3f}),
# unanswerable refused {cv["refused_unanswerable"]:.3f} ({rule["refused_unanswerable"]:.3f}).
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
