"""Named arithmetic splits from one master seed: own seeds, deterministic, never sharing a question."""

from __future__ import annotations

import pytest

import scpo_data.puzzles.arith_splits as arith_splits
from scpo_data.puzzles import ARITH_PRESETS, ArithError, check_disjoint, generate_arith, make_arith_splits
from scpo_data.puzzles.arith_splits import split_seed

SIZES = {"warmup": 64, "pool": 96, "dev": 20, "test": 50}


def _questions(records: list[dict[str, str]]) -> set[str]:
    return {r["question"] for r in records}


def test_splits_have_their_sizes_ids_and_no_shared_question() -> None:
    splits = make_arith_splits(SIZES, seed=0)
    assert {name: len(records) for name, records in splits.items()} == SIZES
    assert list(splits) == list(SIZES)
    for name, records in splits.items():
        assert [r["id"] for r in records] == [f"{name}-{i}" for i in range(SIZES[name])]
    names = list(splits)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not _questions(splits[a]) & _questions(splits[b]), (a, b)
    check_disjoint(splits)


def test_splits_are_deterministic_and_each_comes_from_its_own_seed() -> None:
    splits = make_arith_splits(SIZES, seed=4)
    assert splits == make_arith_splits(SIZES, seed=4)
    assert _questions(splits["test"]) != _questions(make_arith_splits(SIZES, seed=5)["test"])
    # No collision here, so a split is exactly the generator's output for its derived seed.
    for name, size in SIZES.items():
        assert splits[name] == generate_arith(size, split_seed(4, name), id_prefix=name)
    # A split does not depend on the sizes of the others.
    assert make_arith_splits({"warmup": 10, "test": 50}, seed=4)["test"] == splits["test"]
    assert len({split_seed(4, name) for name in SIZES}) == len(SIZES)


def test_a_question_already_taken_is_redrawn(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every split on the same seed: without de-duplication the splits would be copies.
    monkeypatch.setattr(arith_splits, "split_seed", lambda seed, name: 99)
    splits = make_arith_splits({"a": 30, "b": 30}, seed=0, options=ARITH_PRESETS["easy"])
    assert len(splits["b"]) == 30
    assert not _questions(splits["a"]) & _questions(splits["b"])
    assert [r["question"] for r in splits["b"]] == [r["question"] for r in generate_arith(60, 99, ARITH_PRESETS["easy"])[30:]]


def test_check_disjoint_raises_on_overlap() -> None:
    records = generate_arith(5, seed=1)
    check_disjoint({"x": records[:3], "y": records[3:]})
    twin = dict(records[0], id="y-9", question="  " + records[0]["question"].upper())
    with pytest.raises(ArithError, match="question y-9 of split y repeats question arith-1-0 of split x"):
        check_disjoint({"x": records[:3], "y": [*records[3:], twin]})
    with pytest.raises(ArithError, match="repeats"):
        check_disjoint({"x": [records[0], records[0]]})


@pytest.mark.parametrize(("sizes", "message"), [
    ({}, "at least one split"),
    ({"dev": 0}, "size >= 1"),
    ({"a/b": 3}, "bad split name"),
    ({"": 3}, "bad split name"),
])
def test_bad_split_requests_are_refused(sizes: dict[str, int], message: str) -> None:
    with pytest.raises(ArithError, match=message):
        make_arith_splits(sizes, seed=0)
