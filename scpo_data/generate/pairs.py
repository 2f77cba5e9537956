"""The pairs stage: vote per problem and turn the winners and losers into weighted pairs.

Three label modes (DESIGN.md step 5):

* ``none`` (ScPO): one pair per problem by vote (:mod:`scpo_data.generate.voting`), w = (V+ - V-) / k;
* ``gold`` (IRPO): up to ``pairs_per_problem`` pairs of a correct and an incorrect
  response (:mod:`scpo_data.generate.labels`), w = 1; problems without gold, without a correct
  or without an incorrect response are skipped and counted;
* ``mixed`` (semi-supervised ScPO): gold mode where the problem has a gold key, vote elsewhere.

Whenever a problem has a gold key (in every mode) each pair records whether its chosen
and rejected answers are correct.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scpo_data.generate.labels import cycle_pairs, gold_skip, is_correct, split_by_gold
from scpo_data.config import LABEL_MODES
from scpo_data.domains import get_domain
from scpo_data.records import AnswerRecord, Pair, Problem, Sample
from scpo_data.generate.voting import select_pair, vote_counts



@dataclass
class PairStats:
    """What happened to the problems in the pairs stage."""

    problems: int = 0
    pairs: int = 0
    passing_tau: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    #: Pairs made by each rule (``vote``, ``gold``).
    by_label: Counter[str] = field(default_factory=Counter)

    def add(self, other: "PairStats") -> None:
        """Add another chunk's counts to these."""
        self.problems += other.problems
        self.pairs += other.pairs
        self.passing_tau += other.passing_tau
        self.skipped.update(other.skipped)
        self.by_label.update(other.by_label)


def build_pairs(
    problems: Sequence[Problem],
    samples: Sequence[Sample],
    answers: Sequence[AnswerRecord],
    tau_votes: float,
    seed: int,
    *,
    labels: str = "none",
    pairs_per_problem: int = 1,
    gold: Mapping[str, str | None] | None = None,
) -> tuple[list[Pair], PairStats]:
    """Build the pairs of every problem: by vote, by gold, or mixed (see the module docstring).

    Args:
        problems: The problems (order decides the output order).
        samples: All samples (any order).
        answers: The answer key of every sample.
        tau_votes: Minimum V(chosen), in votes.
        seed: Seed of the pair-selection random source (one per problem, so results
            do not depend on which other problems are present).
        labels: ``none``, ``gold`` or ``mixed``.
        pairs_per_problem: Most pairs per problem in gold mode (vote mode makes one).
        gold: Canonical gold key per problem id (see :func:`scpo_data.generate.answers.gold_keys`);
            None: no problem has gold.

    Returns:
        The pairs and the per-reason counts of skipped problems.

    Raises:
        ValueError: On an unknown label mode.
    """
    if labels not in LABEL_MODES:
        raise ValueError(f"labels must be one of {', '.join(LABEL_MODES)}, not {labels!r}")
    gold = gold or {}
    texts = {(s.problem_id, s.sample_idx): s.text for s in samples}
    by_problem: dict[str, list[AnswerRecord]] = defaultdict(list)
    for a in answers:
        by_problem[a.problem_id].append(a)
    stats = PairStats(problems=len(problems))
    pairs: list[Pair] = []
    for problem in problems:
        records = sorted(by_problem.get(problem.problem_id, []), key=lambda a: a.sample_idx)
        if not records:
            stats.skipped["no_samples"] += 1
            continue
        keys = [a.key for a in records]
        gold_key = gold.get(problem.problem_id)
        rng = random.Random(f"{seed}:{problem.problem_id}")
        choice = select_pair(keys, tau_votes, rng)
        if choice.chosen_votes >= tau_votes - 1e-9 and choice.chosen_votes > 0:
            stats.passing_tau += 1
        if labels == "gold" or (labels == "mixed" and gold_key is not None):
            skip = gold_skip(keys, gold_key)
            if skip is not None:
                stats.skipped[skip] += 1
                continue
            votes = vote_counts(keys)
            for c, r in cycle_pairs(*split_by_gold(keys, gold_key or ""), pairs_per_problem):
                pairs.append(_pair(problem, records, (c, r), (votes[c], votes[r]), 1.0, gold_key, texts))
                stats.by_label["gold"] += 1
            continue
        if not choice.kept or choice.chosen is None or choice.rejected is None:
            stats.skipped[choice.skip or "unknown"] += 1
            continue
        pairs.append(_pair(problem, records, (choice.chosen, choice.rejected),
                           (choice.chosen_votes, choice.rejected_votes), choice.weight, gold_key, texts))
        stats.by_label["vote"] += 1
    stats.pairs = len(pairs)
    return pairs, stats


def _pair(
    problem: Problem,
    records: list[AnswerRecord],
    indices: tuple[int, int],
    votes: tuple[int, int],
    weight: float,
    gold_key: str | None,
    texts: dict[tuple[str, int], str],
) -> Pair:
    chosen, rejected = records[indices[0]], records[indices[1]]

    def reply(a: AnswerRecord) -> list[dict[str, str]]:
        return [{"role": "assistant", "content": texts[(a.problem_id, a.sample_idx)]}]

    return Pair(
        prompt=get_domain(problem.domain).chat(problem.question),
        chosen=reply(chosen),
        rejected=reply(rejected),
        weight=weight,
        chosen_votes=votes[0],
        rejected_votes=votes[1],
        k=len(records),
        chosen_answer=chosen.key,
        rejected_answer=rejected.key,
        gold=problem.gold,
        problem_id=problem.problem_id,
        domain=problem.domain,
        chosen_correct=is_correct(chosen.key, gold_key),
        rejected_correct=is_correct(rejected.key, gold_key),
    )
