"""The reward label of each problem: its gold answer, or the majority of its first attempts.

Without gold, the label is the most-voted answer key of the problem's first attempts
(ScPO's self-consistency as a reward; ties go to the answer given first) and its vote
share is kept, so a user can trust only labels with a large share. Attempt 1 rewards
against a vote label are optimistic: the attempts that made the label are scored by it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from scpo_data.evaluate.scoring import majority
from scpo_data.records import AnswerRecord, Problem

LabelSource = Literal["gold", "vote", "none"]


@dataclass(frozen=True)
class Label:
    """A problem's reward label.

    Attributes:
        key: The canonical answer key a correct attempt must give (None: no label).
        source: ``gold``, ``vote`` (the first attempts' majority) or ``none`` (no gold and
            no first attempt with an answer).
        vote_share: The share of the first attempts that give the majority answer (None
            without first attempts).
    """

    key: str | None
    source: LabelSource
    vote_share: float | None


def reward_labels(
    problems: Sequence[Problem], first: Sequence[AnswerRecord], gold: Mapping[str, str | None]
) -> dict[str, Label]:
    """The label of each problem: its gold key when it has one, else its first attempts' majority.

    Args:
        problems: The problems.
        first: The answer records of the first attempts.
        gold: The canonical gold key per problem id (None: no gold).
    """
    keys: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
    for answer in first:
        keys[answer.problem_id].append((answer.sample_idx, answer.key))
    labels = {}
    for problem in problems:
        ordered = [key for _, key in sorted(keys.get(problem.problem_id, []))]
        top, votes = majority(ordered)
        share = votes / len(ordered) if ordered else None
        gold_key = gold.get(problem.problem_id)
        if gold_key is not None:
            labels[problem.problem_id] = Label(gold_key, "gold", share)
        else:
            labels[problem.problem_id] = Label(top, "vote" if top is not None else "none", share)
    return labels


def reward(key: str | None, label: Label) -> int | None:
    """1 when ``key`` is the label's key, 0 when it is not (no answer is wrong), None without a label."""
    if label.key is None:
        return None
    return int(key == label.key)


def shaped_reward(r1: int | None, r2: int | None, alpha: float) -> float | None:
    """SCoRe's Stage II reward of attempt 2: r2 + alpha * (r2 - r1) (None without a label)."""
    if r1 is None or r2 is None:
        return None
    return r2 + alpha * (r2 - r1)
