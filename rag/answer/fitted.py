"""Weights fitted on labelled questions: written by ``python -m rag.evaluation.fit --write``.

The answer/refuse decision is a logistic model over ``extract.decision_features`` (each in [0, 1]).
Rerun the fit after changing the features or the answerer; do not edit the numbers by hand.
"""

# The features, in the order the fit reads them.
DECISION_FEATURES = ("context_cover", "best_similarity", "sentence_cover", "sentence_similarity",
                     "focus_in_sentence")

# Fitted 2026-12-01 on 285 development questions (seeds dev, eval/questions.jsonl, BBC dev).
# 5-fold CV x 5, this model (the hand-set rule it replaced): right decisions 0.657
# (0.660), answerable answered 0.913 (0.882),
# unanswerable refused 0.495 (0.579).
DECISION_WEIGHTS: dict[str, float] = {
    "context_cover": 0.415,
    "best_similarity": 1.481,
    "sentence_cover": 2.084,
    "sentence_similarity": 1.937,
    "focus_in_sentence": 0.637,
}
DECISION_BIAS = -2.359
ANSWER_THRESHOLD = 0.65  # the cross-validated best of 0.20..0.80
