"""The pairs stage: vote per problem and turn the winners and losers into weighted pairs."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from scpo_data.prompts import chat
from scpo_data.records import AnswerRecord, Pair, Problem, Sample
from scpo_data.voting import PairChoice, select_pair


@dataclass
class PairStats:
    """What happened to the problems in the pairs stage."""

    problems: int = 0
    pairs: int = 0
    passing_tau: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def build_pairs(
    problems: Sequence[Problem],
    samples: Sequence[Sample],
    answers: Sequence[AnswerRecord],
    tau_votes: float,
    seed: int,
) -> tuple[list[Pair], PairStats]:
    """Vote on each problem's samples and build one weighted pair per kept problem.

    Args:
        problems: The problems (order decides the output order).
        samples: All samples (any order).
        answers: The answer key of every sample.
        tau_votes: Minimum V(chosen), in votes.
        seed: Seed of the pair-selection random source (one per problem, so results
            do not depend on which other problems are present).

    Returns:
        The pairs and the per-reason counts of skipped problems.
    """
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
        rng = random.Random(f"{seed}:{problem.problem_id}")
        choice = select_pair([a.key for a in records], tau_votes, rng)
        if choice.chosen_votes >= tau_votes - 1e-9 and choice.chosen_votes > 0:
            stats.passing_tau += 1
        if not choice.kept:
            stats.skipped[choice.skip or "unknown"] += 1
            continue
        pairs.append(_pair(problem, records, choice, texts))
    stats.pairs = len(pairs)
    return pairs, stats


def _pair(
    problem: Problem,
    records: list[AnswerRecord],
    choice: PairChoice,
    texts: dict[tuple[str, int], str],
) -> Pair:
    chosen, rejected = records[choice.chosen or 0], records[choice.rejected or 0]

    def reply(a: AnswerRecord) -> list[dict[str, str]]:
        return [{"role": "assistant", "content": texts[(a.problem_id, a.sample_idx)]}]

    return Pair(
        prompt=chat(problem.domain, problem.question),
        chosen=reply(chosen),
        rejected=reply(rejected),
        weight=choice.weight,
        chosen_votes=choice.chosen_votes,
        rejected_votes=choice.rejected_votes,
        k=len(records),
        chosen_answer=chosen.key,
        rejected_answer=rejected.key,
        gold=problem.gold,
        problem_id=problem.problem_id,
        domain=problem.domain,
    )
