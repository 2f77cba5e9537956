"""Voting and pair selection on hand-built vote tables (DESIGN.md step 5)."""

from __future__ import annotations

import random

import pytest

from scpo_data.generate.voting import select_pair, vote_counts


def test_vote_counts_give_zero_to_missing_answers() -> None:
    assert vote_counts(["a", "b", "a", None, "a"]) == [3, 1, 3, 0, 3]


@pytest.mark.parametrize(
    ("keys", "tau", "chosen_key", "rejected_keys", "v_plus", "v_minus"),
    [
        (["a", "a", "a", "b"], 2, "a", {"b"}, 3, 1),
        (["a", "a", "a", "a", "a", "b", "c", "b"], 4, "a", {"c"}, 5, 1),
        (["a", "a", "a", None], 2, "a", {None}, 3, 0),
        (["x", None, "x", "y", "x", "y", None, "x"], 4, "x", {None}, 4, 0),
    ],
)
def test_most_voted_is_chosen_least_voted_rejected(
    keys: list[str | None], tau: float, chosen_key: str, rejected_keys: set[str | None],
    v_plus: int, v_minus: int,
) -> None:
    for seed in range(20):
        choice = select_pair(keys, tau, random.Random(seed))
        assert choice.kept
        assert keys[choice.chosen] == chosen_key
        assert keys[choice.rejected] in rejected_keys
        assert (choice.chosen_votes, choice.rejected_votes) == (v_plus, v_minus)
        assert choice.weight == pytest.approx((v_plus - v_minus) / len(keys))


def test_members_of_a_cluster_are_picked_at_random() -> None:
    keys = ["a", "a", "a", "a", "b"]
    picked = {select_pair(keys, 1, random.Random(s)).chosen for s in range(50)}
    assert picked == {0, 1, 2, 3}


def test_same_seed_same_choice() -> None:
    keys = ["a", "b", "a", "c", "a", "b", None, "d"]
    first = [select_pair(keys, 1, random.Random(7)) for _ in range(3)]
    assert first[0] == first[1] == first[2]


@pytest.mark.parametrize(
    ("keys", "tau", "reason"),
    [
        ([None, None, None, None], 1, "no_answer"),
        (["a", "a", "a", "a"], 1, "single_cluster"),
        (["a", "a", "b", "b"], 1, "tie"),
        (["a", "b", "c", "d"], 1, "tie"),
        (["a", "a", "b", "c", "d", "e", "f", "g"], 4, "below_tau"),
    ],
)
def test_skips(keys: list[str | None], tau: float, reason: str) -> None:
    choice = select_pair(keys, tau, random.Random(0))
    assert not choice.kept
    assert choice.skip == reason
    assert choice.chosen is None and choice.rejected is None
    assert choice.weight == 0.0


def test_missing_answer_is_never_chosen_even_when_most_frequent() -> None:
    keys = [None, None, None, None, "a", "a", "b"]
    for seed in range(20):
        choice = select_pair(keys, 2, random.Random(seed))
        assert keys[choice.chosen] == "a"
        assert keys[choice.rejected] is None
        assert choice.weight == pytest.approx(2 / 7)


def test_top_tie_is_broken_at_random_but_bottom_stays_least() -> None:
    keys = ["a", "a", "b", "b", "c"]
    winners = set()
    for seed in range(40):
        choice = select_pair(keys, 2, random.Random(seed))
        winners.add(keys[choice.chosen])
        assert keys[choice.rejected] == "c"
        assert choice.weight == pytest.approx(1 / 5)
    assert winners == {"a", "b"}


def test_tau_boundary_is_inclusive() -> None:
    keys = ["a"] * 4 + ["b"] * 2 + ["c"] * 2
    assert select_pair(keys, 0.5 * 8, random.Random(0)).kept
    assert not select_pair(keys, 0.6 * 8, random.Random(0)).kept
