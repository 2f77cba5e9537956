"""Gold labels for pairs: correctness of answers and IRPO's correct-vs-incorrect pairing.

A response is *correct* when its answer key equals the problem's canonical gold key; a
response without an answer (key None: none found, truncated, partial grid) is incorrect.
Without a gold key correctness is unknown (None).

Gold mode (IRPO, Pang et al. 2024) builds up to K pairs per problem from the correct
list C and the incorrect list W (both in sample order) by cycling them side by side:
pair i is ``(C[i mod |C|], W[(i + i // L) mod |W|])`` with L = lcm(|C|, |W|). The shift
after every L pairs means no pair repeats until all |C| x |W| combinations are used, so
K is capped at |C| x |W|.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import lcm

#: Why a problem yields no gold pair.
SKIP_NO_GOLD = "no_gold"
SKIP_NO_CORRECT = "no_correct"
SKIP_NO_INCORRECT = "no_incorrect"


def is_correct(key: str | None, gold_key: str | None) -> bool | None:
    """Whether an answer key is the gold key (None when there is no gold key)."""
    if gold_key is None:
        return None
    return key is not None and key == gold_key


def split_by_gold(keys: Sequence[str | None], gold_key: str) -> tuple[list[int], list[int]]:
    """The indices of the correct and of the incorrect responses, each in sample order."""
    correct = [i for i, key in enumerate(keys) if is_correct(key, gold_key)]
    incorrect = [i for i, key in enumerate(keys) if not is_correct(key, gold_key)]
    return correct, incorrect


def cycle_pairs(correct: Sequence[int], incorrect: Sequence[int], count: int) -> list[tuple[int, int]]:
    """Up to ``count`` distinct (chosen, rejected) index pairs by cycling both lists.

    See the module docstring for the order; empty when either list is empty.
    """
    if not correct or not incorrect or count < 1:
        return []
    period = lcm(len(correct), len(incorrect))
    total = min(count, len(correct) * len(incorrect))
    return [(correct[i % len(correct)], incorrect[(i + i // period) % len(incorrect)]) for i in range(total)]


def gold_skip(keys: Sequence[str | None], gold_key: str | None) -> str | None:
    """Why gold mode makes no pair for these responses (None when it makes at least one)."""
    if gold_key is None:
        return SKIP_NO_GOLD
    correct, incorrect = split_by_gold(keys, gold_key)
    if not correct:
        return SKIP_NO_CORRECT
    if not incorrect:
        return SKIP_NO_INCORRECT
    return None
