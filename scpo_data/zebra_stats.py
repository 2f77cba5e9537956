"""Run statistics for the ``zebra`` domain: ZebraLogic metrics and chosen/rejected agreement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from scpo_data.extractors.zebra import compare_cells
from scpo_data.puzzles import zebra_metrics
from scpo_data.records import AnswerRecord, Pair, Problem


def fits_size(key: str, size: str) -> bool:
    """Whether a grid key has exactly the puzzle's houses 1..N, each with M attributes.

    Args:
        key: A zebra answer key (compact JSON grid).
        size: The puzzle size as ZebraLogic writes it, ``"N*M"``.
    """
    n_houses, n_attributes = (int(x) for x in size.split("*"))
    grid = json.loads(key)
    return set(grid) == {str(h) for h in range(1, n_houses + 1)} and all(
        len(house) == n_attributes for house in grid.values()
    )


def cell_agreement(pairs: Sequence[Pair]) -> float | None:
    """Mean share of the chosen grid's cells that the rejected grid also has (None: no pairs).

    A rejected response without a grid agrees on no cell.
    """
    scores = []
    for pair in pairs:
        chosen = json.loads(pair.chosen_answer or "{}")
        rejected = json.loads(pair.rejected_answer) if pair.rejected_answer else {}
        score = compare_cells(rejected, chosen)
        scores.append(score.correct / score.total if score.total else 0.0)
    return sum(scores) / len(scores) if scores else None


def zebra_summary(problems: Sequence[Problem], answers: Sequence[AnswerRecord],
                  pairs: Sequence[Pair]) -> dict[str, Any]:
    """ZebraLogic metrics of all samples and of the chosen responses against gold, plus agreement."""
    by_id = {p.problem_id: p for p in problems if p.gold is not None}
    sizes = {pid: json.loads(p.meta).get("size", "?") for pid, p in by_id.items()}
    samples = [(sizes[a.problem_id], a.key, by_id[a.problem_id].gold)
               for a in answers if a.problem_id in by_id]
    chosen = [(sizes[p.problem_id], p.chosen_answer, by_id[p.problem_id].gold)
              for p in pairs if p.problem_id in by_id]
    return {
        "cell_agreement": cell_agreement(pairs),
        "samples": asdict(zebra_metrics(samples)) if samples else None,
        "chosen": asdict(zebra_metrics(chosen)) if chosen else None,
    }
