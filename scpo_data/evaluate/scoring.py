"""Scoring eval answers against gold: per-problem results, maj@k, accuracy and its groups.

Shared by the eval run (:mod:`scpo_data.evaluate.run`) and the domains' report
breakdowns (:mod:`scpo_data.domains`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scpo_data.generate.voting import vote_counts
from scpo_data.records import AnswerRecord, Problem


@dataclass(frozen=True)
class ProblemResult:
    """One problem's outcome: the greedy and the majority answer, and whether each is gold."""

    problem_id: str
    gold: str | None
    greedy_answer: str | None
    greedy_correct: bool
    maj_answer: str | None
    maj_votes: int
    maj_correct: bool


def majority(keys: Sequence[str | None]) -> tuple[str | None, int]:
    """The most-voted key and its votes; ties go to the key answered first; (None, 0) without answers."""
    votes = vote_counts(keys)
    top = max(votes, default=0)
    if top == 0:
        return None, 0
    first = next(i for i, v in enumerate(votes) if v == top)
    return keys[first], top


def score(
    problems: Sequence[Problem],
    greedy: Sequence[AnswerRecord],
    sampled: Sequence[AnswerRecord],
    gold: Mapping[str, str | None],
) -> list[ProblemResult]:
    """Score each problem that has a gold key: its greedy answer and its maj@k answer.

    Args:
        problems: The problems (order kept; those without a gold key are left out).
        greedy: The greedy answer record of each problem.
        sampled: The answer records of the k samples of each problem.
        gold: Canonical gold key per problem id.
    """
    greedy_key = {a.problem_id: a.key for a in greedy}
    keys: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
    for a in sampled:
        keys[a.problem_id].append((a.sample_idx, a.key))
    results = []
    for p in problems:
        gold_key = gold.get(p.problem_id)
        if gold_key is None:
            continue
        answer = greedy_key.get(p.problem_id)
        maj, votes = majority([key for _, key in sorted(keys.get(p.problem_id, []))])
        results.append(ProblemResult(p.problem_id, gold_key, answer, answer == gold_key, maj, votes,
                                     maj == gold_key))
    return results


def accuracy(results: Sequence[ProblemResult]) -> dict[str, Any]:
    """Problems, greedy accuracy and maj@k accuracy of a group of results."""
    return {
        "problems": len(results),
        "greedy_accuracy": rate([r.greedy_correct for r in results]),
        "maj_accuracy": rate([r.maj_correct for r in results]),
    }


def grouped(results: Sequence[ProblemResult], group: Callable[[ProblemResult], Any]) -> dict[str, Any]:
    """Accuracy per group value (groups sorted; results without a value go under ``"?"``)."""
    groups: dict[str, list[ProblemResult]] = defaultdict(list)
    for r in results:
        value = group(r)
        groups["?" if value is None else str(value)].append(r)
    return {name: accuracy(groups[name]) for name in sorted(groups)}


def rate(flags: Sequence[bool]) -> float | None:
    """The share of true flags (None for no flags)."""
    return sum(flags) / len(flags) if flags else None
