"""Weights fitted on labelled questions: written by ``python -m rag.evaluation.fit [--ranker] --write``.

Two small models. The sentence ranker: a sentence's score is a weighted sum of its ranking
features (``extract._rank_values``) times its discount, the weights fitted as a conditional logit
on which of the weighed sentences holds a gold evidence quote. The answer/refuse decision: a
logistic model over ``extract.decision_features`` (each in [0, 1]). Rerun a fit after changing its
features or the answerer; do not edit the numbers by hand (the writer replaces its block only).
"""

# --- sentence ranker
SENTENCE_FEATURES = ("sentence_cover", "context_cover", "similarity", "kind", "slot")
# Hand-set (2026-12-01). A conditional logit fitted on 332 answerable development questions put a
# gold sentence first more often (5-fold CV x 5: 0.698 vs 0.678; trained without the BBC questions,
# on them: 0.573 vs 0.509) but answered 3 fewer of 569 development questions end to end (the rules
# after the ranking were set on these weights), so these stay. Refit: python -m rag.evaluation.fit --ranker.
SENTENCE_WEIGHTS: dict[str, float] = {
    "sentence_cover": 0.35,
    "context_cover": 0.15,
    "similarity": 0.35,
    "kind": 0.15,
    "slot": 0.15,
}
# --- end sentence ranker

# --- answer/refuse decision

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
# --- end answer/refuse decision
