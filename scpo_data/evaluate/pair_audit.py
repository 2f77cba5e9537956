"""The pair-quality audit of a run with gold answers (recorded as ``counts["audit"]``).

Whenever problems carry gold (in every label mode) a run reports:

* pair accuracy: the share of labelled pairs whose chosen answer is correct *and* whose
  rejected answer is wrong (from the pairs' ``chosen_correct`` / ``rejected_correct``);
* chosen and rejected accuracy of those pairs;
* how often the vote winner is wrong: over labelled problems with at least one answer,
  the expected share whose most-voted answer is not gold (a tie between top clusters
  counts each tied answer equally, as pair selection picks one at random);
* the tau sweep of :func:`scpo_data.evaluate.audit.tau_sweep` (pairs kept, chosen accuracy,
  rejected accuracy and gap per tau), so tau can be chosen from data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scpo_data.evaluate.audit import chosen_rejected_correct, tau_sweep, vote_tables
from scpo_data.records import AnswerRecord, Pair, Problem


def audit_summary(
    problems: Sequence[Problem],
    answers: Sequence[AnswerRecord],
    pairs: Sequence[Pair],
    gold: Mapping[str, str | None],
    k: int | None = None,
) -> dict[str, Any] | None:
    """The audit of one run, as plain JSON data; None when no problem has a gold key.

    Args:
        problems: The run's problems.
        answers: Every sample's answer record.
        pairs: The run's pairs (with correctness flags, see :mod:`scpo_data.generate.pairs`).
        gold: Canonical gold key per problem id.
        k: The run's samples per problem, for the tau sweep's thresholds (see
            :func:`scpo_data.evaluate.audit.tau_sweep`).
    """
    tables = vote_tables(problems, answers, dict(gold))
    labelled = [t for t in tables if t.gold is not None]
    if not labelled:
        return None
    judged = [p for p in pairs if p.chosen_correct is not None]
    answered = [t for t in labelled if any(key is not None for key in t.keys)]
    winner_right = sum(chosen_rejected_correct(t)[0] for t in answered)
    return {
        "problems_with_gold": len(labelled),
        "pairs_with_gold": len(judged),
        "pair_accuracy": _share(sum(bool(p.chosen_correct) and p.rejected_correct is False for p in judged),
                                len(judged)),
        "chosen_accuracy": _share(sum(bool(p.chosen_correct) for p in judged), len(judged)),
        "rejected_accuracy": _share(sum(bool(p.rejected_correct) for p in judged), len(judged)),
        "vote_winner_problems": len(answered),
        "vote_winner_wrong": _share(len(answered) - winner_right, len(answered)),
        "tau_sweep": [
            {"tau": row.tau, "tau_votes": row.tau_votes, "pairs": row.accuracy.pairs,
             "with_gold": row.accuracy.with_gold, "chosen_accuracy": row.accuracy.chosen,
             "rejected_accuracy": row.accuracy.rejected, "gap": row.accuracy.gap}
            for row in tau_sweep(tables, k=k)
        ],
    }


def _share(part: float, whole: int) -> float | None:
    return part / whole if whole else None
