"""Seeded generator of ZebraLogic-style puzzles with a proven-unique solution and a minimal clue set.

For one puzzle:

1. draw M attributes (``Name`` first, as in ZebraLogic) and N values of each from the
   lexicon's value lists, and a random solution (one permutation of the houses per
   attribute);
2. list every true candidate clue of the enabled families (all of them together pin the
   solution down);
3. remove clues one at a time, in a random order weighted by family, keeping a removal
   only while the solution stays unique (decided by the exact solver); every clue that is
   left is needed, so the clue set is minimal.

Step 3 tests removals in growing blocks (a block is dropped when the clue set without it
is still unique, and split when not); because removing fewer clues can only keep a
unique puzzle unique, this gives exactly the clue set of the one-at-a-time procedure, in
far fewer solver calls.

``family_weights`` sets the clue-family mix: a family with a larger weight is removed
later, so it survives more often; weight 0 leaves a family out.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from scpo_data.puzzles.clues import FAMILIES, Clue, true_clues
from scpo_data.puzzles.lexicon import GENERATION_SPECS
from scpo_data.puzzles.model import MAX_SIZE, MIN_SIZE, Attribute, Puzzle, Solution
from scpo_data.puzzles.render import to_record
from scpo_data.puzzles.solver import is_unique

__all__ = [
    "DEFAULT_FAMILY_WEIGHTS",
    "GeneratorOptions",
    "generate_puzzle",
    "generate_record",
    "generate_records",
    "puzzle_seed",
    "family_counts",
]

#: Keep-weights of the clue families (larger: kept more often). These give about ZebraLogic's
#: mix (same_house 40%, found_at 12%, not_at 12%, direct_left 10%, left/right 7% each,
#: next_to 6%, one_between 4%, two_between 2%) and its clue counts per size.
DEFAULT_FAMILY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "found_at": 2.2,
        "not_at": 2.0,
        "same_house": 2.4,
        "direct_left": 1.15,
        "left_of": 1.0,
        "right_of": 1.0,
        "next_to": 1.15,
        "one_between": 1.05,
        "two_between": 0.85,
    }
)


@dataclass(frozen=True)
class GeneratorOptions:
    """Options of the puzzle generator.

    Attributes:
        family_weights: Keep-weight per clue family (see the module docstring); missing
            families get weight 0.
        id_prefix: Prefix of record ids, ``{prefix}-{N}x{M}-{seed}-{index}``.
    """

    family_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FAMILY_WEIGHTS))
    id_prefix: str = "scpo-zebra"

    def __post_init__(self) -> None:
        unknown = set(self.family_weights) - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown clue families: {', '.join(sorted(unknown))}")
        if any(w < 0 for w in self.family_weights.values()):
            raise ValueError("family weights must be >= 0")
        if not any(w > 0 for w in self.family_weights.values()):
            raise ValueError("at least one clue family needs a positive weight")


def puzzle_seed(seed: int, n_houses: int, n_attributes: int, index: int) -> str:
    """The seed of one puzzle: each puzzle is reproducible on its own, in any order or process."""
    return f"{seed}:{n_houses}x{n_attributes}:{index}"


def _draw(n_houses: int, n_attributes: int, rng: random.Random) -> tuple[tuple[Attribute, ...], Solution]:
    """Random attributes, values and solution."""
    name, others = GENERATION_SPECS[0], GENERATION_SPECS[1:]
    specs = [name, *rng.sample(others, n_attributes - 1)]
    attributes = tuple(Attribute(spec.key, tuple(rng.sample(spec.values, n_houses))) for spec in specs)
    solution = tuple(tuple(rng.sample(range(n_houses), n_houses)) for _ in attributes)
    return attributes, solution


def _removal_order(candidates: Sequence[Clue], weights: Mapping[str, float], rng: random.Random) -> list[Clue]:
    """Candidates in a random removal order, low keep-weight families tending to come first.

    Uses weighted sampling without replacement (key ``u ** keep_weight``, largest first,
    i.e. each next clue is drawn with probability proportional to ``1 / keep_weight``).
    """
    keyed = [(rng.random() ** weights[c.family], i) for i, c in enumerate(candidates)]
    keyed.sort(reverse=True)
    return [candidates[i] for _, i in keyed]


def _minimise(n_houses: int, n_attributes: int, order: list[Clue]) -> list[Clue]:
    """Remove clues in ``order`` while the clue set keeps a unique solution; return the kept ones."""
    kept: list[Clue] = []
    pending = order
    block = 8
    while pending:
        block = min(block, len(pending))
        if is_unique(n_houses, n_attributes, kept + pending[block:]):
            pending = pending[block:]
            block *= 2
        elif block == 1:
            kept.append(pending[0])
            pending = pending[1:]
        else:
            block //= 2
    return kept


def generate_puzzle(
    n_houses: int, n_attributes: int, rng: random.Random, options: GeneratorOptions | None = None
) -> tuple[Puzzle, Solution]:
    """Generate one puzzle with a unique solution and a minimal clue set.

    Args:
        n_houses: N, from 2 to 6.
        n_attributes: M, from 2 to 6.
        rng: The random source (``random.Random(puzzle_seed(...))`` for reproducible puzzles).
        options: Family weights; the defaults when None.

    Returns:
        The puzzle (clues in random order) and its solution (``solution[a][v]`` = 0-based house).

    Raises:
        ValueError: When a size is out of range.
    """
    if not (MIN_SIZE <= n_houses <= MAX_SIZE and MIN_SIZE <= n_attributes <= MAX_SIZE):
        raise ValueError(f"size {n_houses}x{n_attributes} out of range {MIN_SIZE}..{MAX_SIZE}")
    options = options or GeneratorOptions()
    weights = {f: options.family_weights.get(f, 0.0) for f in FAMILIES}
    attributes, solution = _draw(n_houses, n_attributes, rng)
    families = [f for f in FAMILIES if weights[f] > 0]
    candidates = list(true_clues(solution, families))
    if not is_unique(n_houses, n_attributes, candidates):
        # Possible only when the enabled families cannot pin the solution down (e.g. same_house
        # alone); found_at clues always can, so fall back on them.
        candidates += [c for c in true_clues(solution, ["found_at"]) if c not in candidates]
    kept = _minimise(n_houses, n_attributes, _removal_order(candidates, weights, rng))
    rng.shuffle(kept)
    return Puzzle(n_houses, attributes, tuple(kept)), solution


def generate_records(
    sizes: Iterable[tuple[int, int]], count: int, seed: int, options: GeneratorOptions | None = None
) -> Iterator[dict]:
    """Generate ZebraLogic records (``id``, ``size``, ``puzzle``, ``solution``), ``count`` per size.

    Args:
        sizes: (houses, attributes) pairs.
        count: Puzzles per size.
        seed: Base seed; puzzle i of size NxM uses :func:`puzzle_seed` ``(seed, N, M, i)``.
        options: Generator options.

    Yields:
        One record per puzzle, sizes in the given order.
    """
    options = options or GeneratorOptions()
    for n, m in sizes:
        for index in range(count):
            yield generate_record(n, m, seed, index, options)


def generate_record(n_houses: int, n_attributes: int, seed: int, index: int, options: GeneratorOptions) -> dict:
    """Generate the one record with this size, seed and index (deterministic)."""
    rng = random.Random(puzzle_seed(seed, n_houses, n_attributes, index))
    puzzle, solution = generate_puzzle(n_houses, n_attributes, rng, options)
    puzzle_id = f"{options.id_prefix}-{n_houses}x{n_attributes}-{seed}-{index}"
    return to_record(puzzle_id, puzzle, solution)


def family_counts(puzzle: Puzzle) -> dict[str, int]:
    """Count a puzzle's clues by family."""
    counts = dict.fromkeys(FAMILIES, 0)
    for clue in puzzle.clues:
        counts[clue.family] += 1
    return counts
