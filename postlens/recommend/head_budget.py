"""Keeping the most-liked items to a budget of the recommendation slots, the cheaper of two
ways the model's own validation data can tell apart.

* The **hard cap** (:func:`postlens.recommend.rerank.cap_head`): every list gives at most
  ``budget`` of its slots to the short head (the 2% most-liked items); the head items beyond
  that leave from the bottom of the list.
* A **penalty** on the short head's scores, in units of each list's score spread: the same
  budget spent on average over all lists rather than in each, so a head item stays where the
  list's scores put it far ahead and goes where it barely won (a personalised re-ranking in
  the spirit of Abdollahpouri et al., 2019).

Which one costs less relevance depends on the data: on MovieLens' temporal split people's
later ratings go to less-liked films and the penalty costs less; on a random split the cap
does. A model that tunes on validation (the hybrid) learns, for each of :data:`BUDGETS`, the
smallest penalty that keeps its validation lists' head share within the budget on average,
and keeps it only when its validation NDCG@10 beats the cap's by :data:`MIN_GAIN`
(the rule that guards the hybrid's blend). Otherwise, for other budgets and for every other
model, the cap applies.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from postlens.recommend.metrics import mean_ndcg
from postlens.recommend.rerank import row_spread, select_top, top_k_columns

BUDGETS = (0.4, 0.5, 0.6)  # head shares a penalty is learned for (others: the cap)
PENALTIES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0)
MIN_GAIN = 0.01  # relative validation NDCG a penalty needs over the cap
K = 10


def penalise_head(scores: np.ndarray, head: np.ndarray, penalty: float) -> np.ndarray:
    """Subtract ``penalty`` x each row's score spread from the short head's scores."""
    spread = row_spread(scores)
    return (scores - penalty * spread * head.astype(np.float32)).astype(np.float32)


def keep_head_to(scores: np.ndarray, head: np.ndarray, budget: float,
                 penalties: Mapping[float, float]) -> tuple[np.ndarray, np.ndarray | None]:
    """(scores, head mask for the cap or None): the learned penalty for ``budget`` when the
    model has one (no cap then), else the scores unchanged and the head for the cap."""
    penalty = penalties.get(round(float(budget), 2))
    if penalty:
        return penalise_head(scores, head, penalty), None
    return scores, head


def learn_head_penalties(scores: np.ndarray, head: np.ndarray, catalogue: np.ndarray,
                         relevant: list[set[int]]) -> dict[float, float]:
    """Per budget, the penalty to serve instead of the cap (budgets without one are left out).

    ``scores``: validation users x catalogue, items each user had already seen at -inf;
    ``relevant``: each user's held-out item ids."""
    def quality(top: np.ndarray) -> tuple[float, float]:
        return mean_ndcg(top, catalogue, relevant, K), float(head[top].mean())

    width = min(K, scores.shape[1])
    curve = [(p, *quality(top_k_columns(penalise_head(scores, head, p), width)))
             for p in PENALTIES]
    learned = {}
    for budget in BUDGETS:
        capped, _ = select_top(scores, width, None, 0.0, head, budget)
        cap_ndcg = quality(capped)[0]
        within = [(p, ndcg) for p, ndcg, share in curve if share <= budget]
        if within and within[0][1] >= cap_ndcg * (1 + MIN_GAIN):
            learned[budget] = within[0][0]
    return learned
