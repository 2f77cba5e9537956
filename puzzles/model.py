"""The puzzle model: N houses in a row, M attributes, each with N values placed one per house.

An *entity* is one value of one attribute, written ``(attribute index, value index)``.
A *solution* gives the house (0-based) of every entity: ``solution[a][v]``; each
``solution[a]`` is a permutation of ``range(N)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scpo_data.puzzles.clues import Clue

__all__ = ["Attribute", "Puzzle", "Solution", "MIN_SIZE", "MAX_SIZE", "parse_size"]

#: Smallest and largest number of houses and of attributes.
MIN_SIZE, MAX_SIZE = 2, 6

#: House (0-based) of every entity: ``solution[attribute][value]``.
Solution = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Attribute:
    """One characteristic of the people in the houses.

    Attributes:
        name: Column name in the solution table (``Name``, ``CarModel``, ...).
        values: Its N values, in the order the puzzle text lists them.
    """

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Puzzle:
    """A grid puzzle: houses, attributes and clues.

    Attributes:
        n_houses: N, the number of houses.
        attributes: The M attributes, each with N values.
        clues: The clues, in the order they are numbered.
    """

    n_houses: int
    attributes: tuple[Attribute, ...]
    clues: tuple[Clue, ...]

    @property
    def size(self) -> str:
        """ZebraLogic's size string, ``"N*M"``."""
        return f"{self.n_houses}*{len(self.attributes)}"

    def table(self, solution: Solution) -> dict[str, list]:
        """A solution as ZebraLogic's table: ``{"header": ["House", ...], "rows": [["1", ...], ...]}``."""
        rows = [[str(h + 1)] for h in range(self.n_houses)]
        for attribute, houses in zip(self.attributes, solution, strict=True):
            for value, house in zip(attribute.values, houses, strict=True):
                rows[house].append(value)
        return {"header": ["House", *(a.name for a in self.attributes)], "rows": rows}


def parse_size(text: str) -> tuple[int, int]:
    """Read a size such as ``"3x4"`` or ``"3*4"`` as (houses, attributes), each within 2..6.

    Raises:
        ValueError: When the text is not a size or a number is out of range.
    """
    parts = text.lower().replace("*", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"not a size: {text!r} (write NxM, e.g. 3x4)")
    n, m = (int(p) for p in parts)
    if not (MIN_SIZE <= n <= MAX_SIZE and MIN_SIZE <= m <= MAX_SIZE):
        raise ValueError(f"size {text!r} out of range: houses and attributes go from {MIN_SIZE} to {MAX_SIZE}")
    return n, m
