"""Clue families of ZebraLogic and the relation each one states between house positions.

Unary families place one entity: ``found_at`` (in house h), ``not_at`` (not in house h).
Binary families relate the houses ``p`` of ``first`` and ``q`` of ``second``:

=============  =============================  ========================
family         text                           relation
=============  =============================  ========================
same_house     X is Y                         p == q
direct_left    X is directly left of Y        q == p + 1
left_of        X is somewhere to the left ..  p < q
right_of       X is somewhere to the right .  p > q
next_to        X and Y are next to each other |p - q| == 1
one_between    one house between X and Y      |p - q| == 2
two_between    two houses between X and Y     |p - q| == 3
=============  =============================  ========================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations, permutations

__all__ = [
    "Entity",
    "Clue",
    "FAMILIES",
    "UNARY_FAMILIES",
    "BINARY_FAMILIES",
    "RELATIONS",
    "holds",
    "true_clues",
]

#: One value of one attribute: (attribute index, value index).
Entity = tuple[int, int]

#: Binary relations on the (0-based) houses p of the first and q of the second entity.
RELATIONS: dict[str, Callable[[int, int], bool]] = {
    "same_house": lambda p, q: p == q,
    "direct_left": lambda p, q: q == p + 1,
    "left_of": lambda p, q: p < q,
    "right_of": lambda p, q: p > q,
    "next_to": lambda p, q: abs(p - q) == 1,
    "one_between": lambda p, q: abs(p - q) == 2,
    "two_between": lambda p, q: abs(p - q) == 3,
}
UNARY_FAMILIES: tuple[str, ...] = ("found_at", "not_at")
BINARY_FAMILIES: tuple[str, ...] = tuple(RELATIONS)
#: All clue families, unary first.
FAMILIES: tuple[str, ...] = UNARY_FAMILIES + BINARY_FAMILIES
#: Families whose relation is symmetric: (X, Y) and (Y, X) state the same thing.
_SYMMETRIC = frozenset({"same_house", "next_to", "one_between", "two_between"})


@dataclass(frozen=True)
class Clue:
    """One clue.

    Attributes:
        family: One of :data:`FAMILIES`.
        first: The entity the clue is about.
        second: The other entity (binary families), else None.
        house: The house, 0-based (unary families), else None.
    """

    family: str
    first: Entity
    second: Entity | None = None
    house: int | None = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown clue family {self.family!r}")
        if (self.family in UNARY_FAMILIES) != (self.house is not None and self.second is None):
            raise ValueError(
                f"{self.family} clue needs {'a house' if self.family in UNARY_FAMILIES else 'a second entity'}"
            )


def holds(clue: Clue, solution: Sequence[Sequence[int]]) -> bool:
    """Whether a clue is true of a solution (``solution[a][v]`` = house of value v of attribute a)."""
    p = solution[clue.first[0]][clue.first[1]]
    if clue.family == "found_at":
        return p == clue.house
    if clue.family == "not_at":
        return p != clue.house
    assert clue.second is not None
    return RELATIONS[clue.family](p, solution[clue.second[0]][clue.second[1]])


def true_clues(solution: Sequence[Sequence[int]], families: Sequence[str] = FAMILIES) -> Iterator[Clue]:
    """Every clue of the given families that is true of a solution and not trivially so.

    Same-attribute pairs are left out of ``same_house`` (never true) but kept for the
    positional families ("Alice is directly left of Eric"). Symmetric families yield each
    unordered pair once.

    Args:
        solution: House of every entity, ``solution[a][v]``.
        families: The families to enumerate.

    Yields:
        The true clues, in a deterministic order.
    """
    n = len(solution[0])
    entities = [(a, v) for a in range(len(solution)) for v in range(n)]
    for family in families:
        if family in UNARY_FAMILIES:
            for a, v in entities:
                houses = [solution[a][v]] if family == "found_at" else [h for h in range(n) if h != solution[a][v]]
                for h in houses:
                    yield Clue(family, (a, v), house=h)
            continue
        relation = RELATIONS[family]
        pairs = combinations(entities, 2) if family in _SYMMETRIC else permutations(entities, 2)
        for x, y in pairs:
            if family == "same_house" and x[0] == y[0]:
                continue
            if relation(solution[x[0]][x[1]], solution[y[0]][y[1]]):
                yield Clue(family, x, y)
