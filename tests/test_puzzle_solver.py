"""The exact solver against brute force, and generated puzzles re-checked by an independent counter."""

from __future__ import annotations

import random
from itertools import permutations, product

import pytest

from scpo_data.puzzles.clues import FAMILIES, Clue, holds, true_clues
from scpo_data.puzzles.generator import generate_puzzle, puzzle_seed
from scpo_data.puzzles.solver import count_solutions, is_unique, solve

SMALL_SIZES = [(n, m) for n in (2, 3) for m in (2, 3, 4)]
SEEDS = range(6)


def brute_force(n: int, m: int, clues: list[Clue]) -> list[tuple[tuple[int, ...], ...]]:
    """Every assignment of houses that satisfies all clues, by enumeration."""
    found = []
    for solution in product(permutations(range(n)), repeat=m):
        if all(holds(clue, solution) for clue in clues):
            found.append(solution)
    return found


def backtrack_count(n: int, m: int, clues: list[Clue], limit: int = 2) -> int:
    """An independent counter: attribute by attribute, a clue is checked once its attributes are placed."""
    by_last: dict[int, list[Clue]] = {a: [] for a in range(m)}
    for clue in clues:
        attrs = [clue.first[0]] + ([clue.second[0]] if clue.second else [])
        by_last[max(attrs)].append(clue)
    perms = list(permutations(range(n)))
    partial: list[tuple[int, ...]] = []
    count = 0

    def place(a: int) -> None:
        nonlocal count
        if count >= limit:
            return
        if a == m:
            count += 1
            return
        for perm in perms:
            partial.append(perm)
            if all(holds(c, partial) for c in by_last[a]):
                place(a + 1)
            partial.pop()

    place(0)
    return count


@pytest.mark.parametrize(("n", "m"), SMALL_SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_small_puzzles_match_brute_force(n: int, m: int, seed: int) -> None:
    rng = random.Random(puzzle_seed(seed, n, m, 0))
    puzzle, solution = generate_puzzle(n, m, rng)
    clues = list(puzzle.clues)
    assert brute_force(n, m, clues) == [solution]
    assert solve(n, m, clues, limit=10) == [solution]
    # Dropping clues gives several solutions: the solver must count exactly those.
    for keep in range(len(clues)):
        subset = clues[:keep]
        expected = brute_force(n, m, subset)
        assert sorted(solve(n, m, subset, limit=10_000)) == sorted(expected)


@pytest.mark.parametrize(("n", "m"), SMALL_SIZES)
def test_random_clue_sets_counted_like_brute_force(n: int, m: int) -> None:
    rng = random.Random(f"random-clues-{n}x{m}")
    for _ in range(8):
        truth = tuple(tuple(rng.sample(range(n), n)) for _ in range(m))
        pool = list(true_clues(truth, FAMILIES))
        # Mix in false clues too, so some sets have no solution at all.
        other = tuple(tuple(rng.sample(range(n), n)) for _ in range(m))
        pool += rng.sample(list(true_clues(other, FAMILIES)), 3)
        clues = rng.sample(pool, min(len(pool), rng.randint(1, 2 * n)))
        expected = brute_force(n, m, clues)
        assert count_solutions(n, m, clues, limit=10_000) == len(expected)
        assert count_solutions(n, m, clues, limit=2) == min(2, len(expected))


@pytest.mark.parametrize(("n", "m"), [(4, 4), (4, 5), (5, 4), (5, 3), (6, 2), (6, 3)])
def test_generated_puzzles_unique_by_independent_count(n: int, m: int) -> None:
    for seed in range(3):
        puzzle, solution = generate_puzzle(n, m, random.Random(puzzle_seed(seed, n, m, 1)))
        clues = list(puzzle.clues)
        assert all(holds(c, solution) for c in clues)
        assert backtrack_count(n, m, clues) == 1


@pytest.mark.parametrize(("n", "m"), [(3, 3), (4, 4), (6, 6)])
def test_generated_clue_sets_are_minimal(n: int, m: int) -> None:
    puzzle, _ = generate_puzzle(n, m, random.Random(f"minimal-{n}x{m}"))
    clues = list(puzzle.clues)
    assert is_unique(n, m, clues)
    for i in range(len(clues)):
        assert not is_unique(n, m, clues[:i] + clues[i + 1 :]), f"clue {i} is redundant"


def test_contradictory_clues_have_no_solution() -> None:
    clues = [Clue("found_at", (0, 0), house=0), Clue("found_at", (0, 1), house=0)]
    assert solve(3, 2, clues) == []
    assert solve(3, 2, [Clue("direct_left", (0, 0), (1, 0)), Clue("found_at", (0, 0), house=2)]) == []
