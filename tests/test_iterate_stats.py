"""The paired bootstrap behind iterate's gains: exact edge cases and a case with a known interval."""

from __future__ import annotations

import math

import pytest

from scpo_data.iterate.stats import paired_bootstrap, paired_gain


def test_identical_models_gain_nothing_with_a_zero_width_interval() -> None:
    gain = paired_bootstrap([True, False, True, False], [True, False, True, False])
    assert (gain.n, gain.mean, gain.low, gain.high) == (4, 0.0, 0.0, 0.0)


def test_a_model_right_everywhere_the_base_is_wrong_gains_exactly_one() -> None:
    gain = paired_bootstrap([True] * 20, [False] * 20)
    assert (gain.mean, gain.low, gain.high) == (1.0, 1.0, 1.0)


def test_interval_matches_the_normal_approximation_of_a_known_case() -> None:
    # 100 problems: 30 fixed, 10 broken, 60 unchanged. d has mean 0.2 and variance
    # 0.4 - 0.2^2 = 0.36, so the mean's standard error is 0.6 / 10 = 0.06 and the 95%
    # interval is about 0.2 +- 1.96 * 0.06 = [0.082, 0.318].
    new = [True] * 30 + [False] * 10 + [True] * 30 + [False] * 30
    base = [False] * 30 + [True] * 10 + [True] * 30 + [False] * 30
    gain = paired_bootstrap(new, base)
    assert gain.mean == pytest.approx(0.2)
    assert gain.low == pytest.approx(0.2 - 1.96 * 0.06, abs=0.015)
    assert gain.high == pytest.approx(0.2 + 1.96 * 0.06, abs=0.015)


def test_pairing_narrows_the_interval_when_the_models_agree_on_most_problems() -> None:
    # Both right on 50, both wrong on 40, the new one alone right on 10: an unpaired
    # interval would be about +-0.14 wide; the paired one is about +-0.06.
    new = [True] * 60 + [False] * 40
    base = [True] * 50 + [False] * 50
    gain = paired_bootstrap(new, base)
    assert gain.mean == pytest.approx(0.1)
    half_width = 1.96 * math.sqrt(0.1 - 0.1**2) / 10
    assert (gain.high - gain.low) / 2 == pytest.approx(half_width, abs=0.015)
    assert gain.low > 0


def test_the_same_seed_gives_the_same_interval_and_another_seed_a_close_one() -> None:
    new = [i % 3 == 0 for i in range(50)]
    base = [i % 4 == 0 for i in range(50)]
    assert paired_bootstrap(new, base) == paired_bootstrap(new, base)
    other = paired_bootstrap(new, base, seed=1)
    assert other.low == pytest.approx(paired_bootstrap(new, base).low, abs=0.02)


def test_paired_gain_joins_results_on_problem_ids_in_any_order() -> None:
    new = {"b": True, "a": True, "c": False, "extra": True}
    base = {"a": False, "b": True, "c": False, "other": False}
    gain = paired_gain(new, base)
    assert (gain.n, gain.mean) == (3, pytest.approx(1 / 3))


@pytest.mark.parametrize(("new", "base"), [([True], [True, False]), ([], [])])
def test_unpaired_or_empty_input_is_refused(new: list[bool], base: list[bool]) -> None:
    with pytest.raises(ValueError):
        paired_bootstrap(new, base)
