"""The fits of rag/answer/fitted.py: the regression and ranker, the scoring of decisions, and the blocks they write."""

from __future__ import annotations

import numpy as np

from rag.answer import fitted
from rag.answer.extract import answer_probability
from rag.evaluation import fit
from rag.evaluation.fit import (
    Example,
    Ranking,
    _decision_block,
    conditional_logit,
    cross_validate,
    first_is_gold,
    holds,
    logistic,
    right,
)


def test_logistic_regression_finds_the_direction_that_separates() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((200, 2))
    y = (x[:, 0] > 0.5).astype(float)  # the first feature decides, the second is noise
    w = logistic(x, y)
    assert w[0] > 3 and abs(w[1]) < 1 and w[2] < 0  # bias last


def ex(answerable: bool, right_if_answered: bool = True, premise: bool = False) -> Example:
    return Example("x", np.zeros(len(fitted.DECISION_FEATURES)), answerable, premise, right_if_answered, True)


def test_decisions_are_scored_as_answers_are() -> None:
    examples = [ex(True), ex(True, right_if_answered=False), ex(False), ex(False, premise=True)]
    got = right(examples, np.array([True, True, True, False]))
    # right: the correct answer, the refused premise; wrong: the wrong answer, the answered unanswerable
    assert got == {"right": 0.5, "answered_answerable": 1.0, "refused_unanswerable": 0.0}


def test_cross_validation_predicts_every_example_held_out() -> None:
    rng = np.random.default_rng(2)
    examples = [Example(str(i), rng.random(len(fitted.DECISION_FEATURES)), bool(i % 3), False, True, True)
                for i in range(40)]
    held = cross_validate(examples)
    assert set(held) >= {0.5} and all(a.shape == (5, 40) for a in held.values())


def test_the_written_module_holds_what_the_answerer_reads() -> None:
    w = np.arange(len(fitted.DECISION_FEATURES) + 1, dtype=float) / 10
    cv = {"right": 0.7, "answered_answerable": 0.9, "refused_unanswerable": 0.5}
    namespace: dict = {}
    exec(_decision_block(w, 0.6, cv, cv, 100), namespace)  # noqa: S102 - our own generated source
    assert namespace["DECISION_FEATURES"] == fitted.DECISION_FEATURES
    assert list(namespace["DECISION_WEIGHTS"]) == list(fitted.DECISION_FEATURES)
    assert namespace["ANSWER_THRESHOLD"] == 0.6 and namespace["DECISION_BIAS"] == w[-1]


def test_the_stored_model_answers_a_close_match_and_refuses_a_distant_one() -> None:
    close = dict.fromkeys(fitted.DECISION_FEATURES, 1.0)
    distant = dict.fromkeys(fitted.DECISION_FEATURES, 0.0)
    assert answer_probability(close) >= fitted.ANSWER_THRESHOLD > answer_probability(distant)


def test_the_ranker_learns_which_feature_marks_the_gold_sentence() -> None:
    rng = np.random.default_rng(3)
    examples = []
    for i in range(60):
        x = rng.random((8, len(fitted.SENTENCE_FEATURES)))
        gold = np.zeros(8)
        gold[int(np.argmax(x[:, 2]))] = 1.0  # the third feature decides which sentence holds the evidence
        examples.append(Ranking(str(i), x, gold))
    w = conditional_logit(examples)
    assert int(np.argmax(w)) == 2
    assert first_is_gold(examples, w) > 0.9 > first_is_gold(examples, np.eye(len(w))[0])


def test_a_sentence_holds_a_gold_quote_whole_or_mostly() -> None:
    assert holds("The agreement outlines 79 joint activities, including exercises.", ["The agreement outlines 79 joint activities"])
    assert holds("It outlines 79 joint activities for the year.", ["The agreement outlines 79 joint activities"])
    assert not holds("In 2023, the two countries had 48 joint activities.", ["The agreement outlines 79 joint activities"])


def test_a_fit_replaces_only_its_own_block(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    module = tmp_path / "fitted.py"
    module.write_text("A = 1\n# --- sentence ranker\nOLD = 1\n# --- end sentence ranker\nB = 2\n", encoding="utf-8")
    monkeypatch.setattr(fit, "FITTED", module)
    fit._replace_block("sentence ranker", "NEW = 2\n")
    assert module.read_text(encoding="utf-8") == "A = 1\n# --- sentence ranker\nNEW = 2\n# --- end sentence ranker\nB = 2\n"
