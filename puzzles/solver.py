"""Exact solver: counts the solutions of a clue set up to a limit, so uniqueness is decided.

Every entity (attribute value) has a domain, a bit mask of the houses it may occupy.
Propagation runs to a fixed point:

* unary clues cut a domain once, at the start;
* each binary clue is made arc-consistent through two lookup tables indexed by a whole
  domain mask (the houses of Y that some house of X supports, and back), so one clue
  costs two table lookups;
* the values of one attribute are all different: a value placed in a house is removed
  from the others, and a house only one value can take gets that value.

Search branches on the entity with the smallest open domain. With at most six houses
every domain fits in 6 bits and the tables have 64 entries.

(The pure-Python solver was measured against the SAT route, which needs a CNF encoding
and a C extension; on these sizes propagation solves most puzzles without branching,
so it was kept: see ``benchmarks/puzzle_bench.py``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from scpo_data.puzzles.clues import RELATIONS, Clue
from scpo_data.puzzles.model import Solution

__all__ = ["solve", "count_solutions", "is_unique"]

_Tables = tuple[tuple[int, ...], tuple[int, ...]]


@cache
def _tables(family: str, n: int) -> _Tables:
    """Support tables of a binary relation on n houses: forward[mask_x] -> houses of Y, backward[mask_y] -> X."""
    relation = RELATIONS[family]
    forward, backward = [], []
    for mask in range(1 << n):
        fwd = bwd = 0
        for p in range(n):
            if mask >> p & 1:
                for q in range(n):
                    if relation(p, q):
                        fwd |= 1 << q
                    if relation(q, p):
                        bwd |= 1 << q
        forward.append(fwd)
        backward.append(bwd)
    return tuple(forward), tuple(backward)


class _Search:
    """State of one solve: the problem and the solutions found so far."""

    def __init__(self, n_houses: int, n_attributes: int, clues: Sequence[Clue], limit: int) -> None:
        self.n = n_houses
        self.m = n_attributes
        self.limit = limit
        self.solutions: list[Solution] = []
        full = (1 << n_houses) - 1
        self.initial = [full] * (n_houses * n_attributes)
        self.binary: list[tuple[int, int, tuple[int, ...], tuple[int, ...]]] = []
        for clue in clues:
            x = clue.first[0] * n_houses + clue.first[1]
            if clue.second is None:
                bit = 1 << clue.house  # type: ignore[operator]
                self.initial[x] &= bit if clue.family == "found_at" else full & ~bit
            else:
                y = clue.second[0] * n_houses + clue.second[1]
                forward, backward = _tables(clue.family, n_houses)
                self.binary.append((x, y, forward, backward))
        self.groups = [range(a * n_houses, (a + 1) * n_houses) for a in range(n_attributes)]

    def propagate(self, dom: list[int]) -> bool:
        """Narrow the domains in place to a fixed point; False on a contradiction."""
        n = self.n
        changed = True
        while changed:
            changed = False
            for x, y, forward, backward in self.binary:
                dx, dy = dom[x], dom[y]
                ny = dy & forward[dx]
                nx = dx & backward[ny]
                if nx != dx or ny != dy:
                    if not nx or not ny:
                        return False
                    dom[x], dom[y] = nx, ny
                    changed = True
            for group in self.groups:
                placed = 0
                for e in group:
                    d = dom[e]
                    if not d:
                        return False
                    if d & (d - 1) == 0:
                        if placed & d:
                            return False
                        placed |= d
                seen_once = seen_more = 0
                for e in group:
                    d = dom[e]
                    if d & (d - 1):
                        nd = d & ~placed
                        if nd != d:
                            if not nd:
                                return False
                            dom[e] = d = nd
                            changed = True
                    seen_more |= seen_once & d
                    seen_once |= d
                if seen_once != (1 << n) - 1:
                    return False
                hidden = seen_once & ~seen_more & ~placed
                if hidden:
                    for e in group:
                        d = dom[e] & hidden
                        if d and dom[e] != d:
                            if d & (d - 1):
                                return False  # one value would need two houses
                            dom[e] = d
                            changed = True
        return True

    def run(self, dom: list[int]) -> None:
        """Depth-first search from a domain state, recording solutions up to the limit."""
        if not self.propagate(dom):
            return
        best, best_count = -1, self.n + 1
        for e, d in enumerate(dom):
            if d & (d - 1):
                count = d.bit_count()
                if count < best_count:
                    best, best_count = e, count
                    if count == 2:
                        break
        if best < 0:
            n = self.n
            self.solutions.append(
                tuple(tuple(dom[a * n + v].bit_length() - 1 for v in range(n)) for a in range(self.m))
            )
            return
        d = dom[best]
        while d and len(self.solutions) < self.limit:
            bit = d & -d
            d ^= bit
            child = dom.copy()
            child[best] = bit
            self.run(child)


def solve(n_houses: int, n_attributes: int, clues: Sequence[Clue], limit: int = 2) -> list[Solution]:
    """Find up to ``limit`` solutions of a clue set.

    Args:
        n_houses: N, the number of houses (2..6).
        n_attributes: M, the number of attributes.
        clues: The clues; entity indices must be within ``(M, N)``.
        limit: Stop after this many solutions (2 decides uniqueness).

    Returns:
        The solutions found (``solution[a][v]`` = 0-based house), at most ``limit``.
    """
    search = _Search(n_houses, n_attributes, clues, limit)
    if all(search.initial):
        search.run(search.initial)
    return search.solutions


def count_solutions(n_houses: int, n_attributes: int, clues: Sequence[Clue], limit: int = 2) -> int:
    """Count the solutions of a clue set, stopping at ``limit``."""
    return len(solve(n_houses, n_attributes, clues, limit))


def is_unique(n_houses: int, n_attributes: int, clues: Sequence[Clue]) -> bool:
    """Whether a clue set has exactly one solution."""
    return count_solutions(n_houses, n_attributes, clues, limit=2) == 1
