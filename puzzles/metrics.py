"""ZebraLogic's metrics: puzzle accuracy, cell accuracy, and the easy / hard split.

A puzzle is *easy* when its size is 2x2 ... 2x6, 3x2 or 3x3 (ZebraLogic's split), *hard*
otherwise. Puzzle accuracy counts puzzles with every cell right; cell accuracy is the
share of all gold cells that are right (summed over puzzles). A missing answer gets no cell.
Values are compared after the extractor's normalisation (:mod:`scpo_data.extractors.zebra`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scpo_data.extractors.zebra import Grid, canonical_grid, compare_cells
from scpo_data.puzzles.model import parse_size

__all__ = ["ZebraMetrics", "is_easy", "zebra_metrics"]


def is_easy(size: str) -> bool:
    """Whether a size (``"3*3"`` or ``"3x3"``) is in ZebraLogic's easy group (2xM, 3x2, 3x3)."""
    n, m = parse_size(size)
    return n == 2 or (n == 3 and m <= 3)


@dataclass(frozen=True)
class ZebraMetrics:
    """Accuracy over a set of puzzles (fractions in 0..1; 0 when a group is empty).

    Attributes:
        puzzles: Number of puzzles.
        puzzle_accuracy: Share of puzzles solved completely.
        cell_accuracy: Share of gold cells right.
        easy_puzzles, easy_accuracy: Count and puzzle accuracy of the easy group.
        hard_puzzles, hard_accuracy: Count and puzzle accuracy of the hard group.
        no_answer: Share of puzzles without a predicted grid.
    """

    puzzles: int
    puzzle_accuracy: float
    cell_accuracy: float
    easy_puzzles: int
    easy_accuracy: float
    hard_puzzles: int
    hard_accuracy: float
    no_answer: float


def _grid(value: Grid | Mapping | str | None) -> Grid | None:
    """A canonical grid from a grid, a ``{header, rows}`` table, an answer key (JSON text) or None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return canonical_grid(value)


def zebra_metrics(records: Iterable[tuple[str, Grid | Mapping | str | None, Grid | Mapping | str]]) -> ZebraMetrics:
    """Compute ZebraLogic's metrics.

    Args:
        records: ``(size, predicted, gold)`` per puzzle; ``size`` as ``"N*M"`` or ``"NxM"``;
            ``predicted`` a canonical grid, an extractor key (JSON text) or None (no answer);
            ``gold`` ZebraLogic's ``{header, rows}`` table, a grid, or either as JSON text.

    Returns:
        The metrics.

    Raises:
        ValueError: When a gold solution has no house.
    """
    solved = {True: 0, False: 0}
    counts = {True: 0, False: 0}
    correct_cells = total_cells = missing = 0
    for size, predicted, gold in records:
        gold_grid = _grid(gold)
        if not gold_grid:
            raise ValueError(f"gold solution without houses: {gold!r}")
        predicted_grid = _grid(predicted)
        missing += predicted_grid is None
        score = compare_cells(predicted_grid, gold_grid)
        easy = is_easy(size)
        counts[easy] += 1
        solved[easy] += score.all_correct
        correct_cells += score.correct
        total_cells += score.total
    n = counts[True] + counts[False]

    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    return ZebraMetrics(
        puzzles=n,
        puzzle_accuracy=share(solved[True] + solved[False], n),
        cell_accuracy=share(correct_cells, total_cells),
        easy_puzzles=counts[True],
        easy_accuracy=share(solved[True], counts[True]),
        hard_puzzles=counts[False],
        hard_accuracy=share(solved[False], counts[False]),
        no_answer=share(missing, n),
    )
