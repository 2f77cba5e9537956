"""Paired comparisons of two models on the same problems: the accuracy gain and its bootstrap CI.

Both models answer the same test problems, so the gain is estimated from per-problem
differences ``d_i = correct_new_i - correct_base_i`` (each -1, 0 or 1) and its uncertainty
from a paired bootstrap: resample the problems with replacement, recompute the mean
difference, and take the 2.5th and 97.5th percentiles. Pairing removes the variance that
comes from which problems happen to be easy, which an unpaired comparison would keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Bootstrap resamples (enough for stable 2.5/97.5 percentiles).
RESAMPLES = 10_000
#: The seed of the bootstrap's resampling, fixed so summaries are reproducible.
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Gain:
    """The mean paired difference and its 95% percentile-bootstrap interval.

    Attributes:
        n: Problems compared.
        mean: The mean difference (new - base), a fraction from -1 to 1.
        low: The 2.5th percentile of the bootstrap distribution of the mean.
        high: The 97.5th percentile.
    """

    n: int
    mean: float
    low: float
    high: float


def paired_bootstrap(
    new: Sequence[bool], base: Sequence[bool], resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> Gain:
    """The gain of ``new`` over ``base`` (per-problem correctness, same problems in the same order).

    Args:
        new: Whether the new model got each problem right.
        base: Whether the base model got the same problem right.
        resamples: Bootstrap resamples.
        seed: Seed of the resampling (the result is deterministic).

    Raises:
        ValueError: When the sequences differ in length or are empty.
    """
    if len(new) != len(base):
        raise ValueError(f"paired samples differ in length: {len(new)} vs {len(base)}")
    if not new:
        raise ValueError("no problems to compare")
    diffs = np.asarray(new, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    chunk = max(1, 2_000_000 // len(diffs))  # bound the index matrix's memory
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        means[start:stop] = diffs[rng.integers(0, len(diffs), size=(stop - start, len(diffs)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Gain(len(diffs), float(diffs.mean()), float(low), float(high))


def paired_gain(new: Mapping[str, bool], base: Mapping[str, bool]) -> Gain:
    """:func:`paired_bootstrap` over the problem ids both results share (sorted by id).

    Raises:
        ValueError: When the two share no problem.
    """
    shared = sorted(set(new) & set(base))
    return paired_bootstrap([new[i] for i in shared], [base[i] for i in shared])
