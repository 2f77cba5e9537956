"""Votes and pair selection (ScPO, DESIGN.md step 5).

Given the answer keys of the k responses to one problem:

* V(y) = number of responses whose key equals y's key; a response with no answer
  (key None) gets V = 0: it agrees with nothing and can never be chosen.
* chosen = a random response of the most-voted cluster (ties between top clusters
  broken at random); rejected = a random response of the least-voted cluster
  (the no-answer group counts as a cluster with V = 0).
* keep the problem only when V(chosen) >= tau * k; weight w = (V(chosen) - V(rejected)) / k,
  and pairs with w = 0 (ties, a single cluster) are dropped.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: Why a problem produced no pair.
SKIP_NO_ANSWER = "no_answer"
SKIP_SINGLE_CLUSTER = "single_cluster"
SKIP_BELOW_TAU = "below_tau"
SKIP_TIE = "tie"


@dataclass(frozen=True)
class PairChoice:
    """The outcome of voting on one problem.

    Attributes:
        chosen: Index of the chosen response, or None when the problem is skipped.
        rejected: Index of the rejected response, or None when skipped.
        chosen_votes: V(chosen) (the top vote count even when skipped).
        rejected_votes: V(rejected) (the bottom vote count even when skipped).
        weight: (V(chosen) - V(rejected)) / k; 0 when skipped.
        skip: None for a kept pair, else the reason (``no_answer``, ``single_cluster``,
            ``below_tau``, ``tie``).
    """

    chosen: int | None
    rejected: int | None
    chosen_votes: int
    rejected_votes: int
    weight: float
    skip: str | None

    @property
    def kept(self) -> bool:
        """Whether this problem yields a pair."""
        return self.skip is None


def vote_counts(keys: Sequence[str | None]) -> list[int]:
    """V for each response: how many responses share its key (0 for no answer)."""
    counts = Counter(k for k in keys if k is not None)
    return [counts[k] if k is not None else 0 for k in keys]


def select_pair(keys: Sequence[str | None], tau_votes: float, rng: random.Random) -> PairChoice:
    """Choose the (chosen, rejected) pair for one problem's responses.

    Args:
        keys: Canonical answer key of each of the k responses (None: no answer).
        tau_votes: Keep the problem only when V(chosen) >= tau_votes.
        rng: Random source for picking cluster members and breaking top ties.

    Returns:
        The choice, or a skipped choice with the reason.
    """
    k = len(keys)
    votes = vote_counts(keys)
    top = max(votes, default=0)
    bottom = min(votes, default=0)
    if top == 0:
        return PairChoice(None, None, 0, 0, 0.0, SKIP_NO_ANSWER)
    if top == bottom:
        reason = SKIP_SINGLE_CLUSTER if len({x for x in keys}) == 1 else SKIP_TIE
        return PairChoice(None, None, top, bottom, 0.0, reason)
    if top < tau_votes - 1e-9:
        return PairChoice(None, None, top, bottom, 0.0, SKIP_BELOW_TAU)
    top_keys = sorted({key for key, v in zip(keys, votes) if v == top and key is not None})
    winner = rng.choice(top_keys)
    chosen = rng.choice([i for i, key in enumerate(keys) if key == winner])
    rejected = rng.choice([i for i, v in enumerate(votes) if v == bottom])
    return PairChoice(chosen, rejected, top, bottom, (top - bottom) / k, None)
