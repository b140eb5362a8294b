"""The answer/refuse model's fit: the regression, the scoring of decisions, and the module it writes."""

from __future__ import annotations

import numpy as np

from rag.answer import fitted
from rag.answer.extract import answer_probability
from rag.evaluation.fit import Example, _module, cross_validate, logistic, right


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
    exec(_module(w, 0.6, cv, cv, 100), namespace)  # noqa: S102 - our own generated source
    assert namespace["DECISION_FEATURES"] == fitted.DECISION_FEATURES
    assert list(namespace["DECISION_WEIGHTS"]) == list(fitted.DECISION_FEATURES)
    assert namespace["ANSWER_THRESHOLD"] == 0.6 and namespace["DECISION_BIAS"] == w[-1]


def test_the_stored_model_answers_a_close_match_and_refuses_a_distant_one() -> None:
    close = dict.fromkeys(fitted.DECISION_FEATURES, 1.0)
    distant = dict.fromkeys(fitted.DECISION_FEATURES, 0.0)
    assert answer_probability(close) >= fitted.ANSWER_THRESHOLD > answer_probability(distant)
