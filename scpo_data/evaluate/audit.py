"""Audits of vote tables and pairs against gold: the tau sweep and chosen/rejected accuracy.

The input is a list of :class:`VoteTable` (one per problem: the answer key of each of
its k samples, and the canonical gold key when the problem has one), built from a run
folder by :func:`load_vote_tables` or by hand. Voting itself is
:mod:`scpo_data.generate.voting`'s; this module only measures it.

Pair selection picks a random member of the chosen and rejected clusters, so the
accuracies here are *expected* values over that choice (exact and deterministic):

* chosen is correct with probability (top clusters whose key is gold) / (top clusters);
* rejected is correct with probability (bottom-vote responses whose key is gold) /
  (bottom-vote responses), the no-answer responses counting as V = 0.

On MATH M1 data the ScPO paper reports that the chosen-vs-rejected gap grows with tau
while the number of pairs falls; :func:`tau_sweep` prints that table for any run.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scpo_data.generate.answers import gold_keys
from scpo_data.errors import ScpoError
from scpo_data.domains import find_domain
from scpo_data.records import ANSWERS_FILE, PROBLEMS_FILE, AnswerRecord, Problem, read_records
from scpo_data.generate.voting import select_pair, vote_counts

#: Default tau values of the sweep, as fractions of k.
DEFAULT_TAUS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class VoteTable:
    """One problem's votes: the key of each sample (None: no answer) and the gold key."""

    problem_id: str
    keys: tuple[str | None, ...]
    gold: str | None = None


@dataclass(frozen=True)
class Accuracy:
    """Chosen and rejected accuracy against gold over the pairs that have gold.

    Attributes:
        pairs: Pairs measured.
        with_gold: Pairs whose problem has a gold key.
        chosen: Fraction of those whose chosen answer is gold (None when no gold).
        rejected: Same for the rejected answer.
    """

    pairs: int
    with_gold: int
    chosen: float | None
    rejected: float | None

    @property
    def gap(self) -> float | None:
        """chosen - rejected (None when no pair has gold)."""
        if self.chosen is None or self.rejected is None:
            return None
        return self.chosen - self.rejected


@dataclass(frozen=True)
class TauRow:
    """One line of the tau sweep: the pairs a threshold keeps and their accuracy."""

    tau: float
    tau_votes: float
    accuracy: Accuracy


def chosen_rejected_correct(table: VoteTable) -> tuple[float, float]:
    """Expected correctness (0..1) of the chosen and the rejected response of one table.

    Requires ``table.gold``; the result does not depend on pair selection's random draws.
    """
    votes = vote_counts(table.keys)
    top, bottom = max(votes, default=0), min(votes, default=0)
    top_keys = {key for key, v in zip(table.keys, votes) if v == top and key is not None}
    bottom_keys = [key for key, v in zip(table.keys, votes) if v == bottom]
    chosen = sum(key == table.gold for key in top_keys) / max(1, len(top_keys))
    rejected = sum(key == table.gold for key in bottom_keys) / max(1, len(bottom_keys))
    return chosen, rejected


def kept(table: VoteTable, tau_votes: float, rng: random.Random | None = None) -> bool:
    """Whether voting keeps a pair for this problem at threshold ``tau_votes``.

    The answer never depends on the random draws, so any ``rng`` will do.
    """
    return select_pair(table.keys, tau_votes, rng or random.Random(0)).kept


def accuracy(tables: Iterable[VoteTable], tau: float | None = None) -> Accuracy:
    """Expected chosen/rejected accuracy over the problems voting keeps at ``tau``.

    Args:
        tables: Per-problem vote tables.
        tau: Threshold as a fraction of each problem's k (as in ``generate``); None
            measures every table (when they are already the kept pairs).
    """
    rng = random.Random(0)
    chosen = [t for t in tables if tau is None or kept(t, tau * len(t.keys), rng)]
    return _summarise(len(chosen), [chosen_rejected_correct(t) for t in chosen if t.gold is not None])


def tau_sweep(tables: Sequence[VoteTable], taus: Sequence[float] = DEFAULT_TAUS,
              k: int | None = None) -> list[TauRow]:
    """For each tau (a fraction of k): the pairs voting keeps and their expected accuracy.

    Args:
        tables: One vote table per problem.
        taus: The thresholds to try.
        k: The run's samples per problem: the threshold is tau * k votes, as pair building
            uses it (extra samples drawn for unanimous problems do not raise the bar).
            None: each problem's own number of votes.
    """
    shown = k or max((len(t.keys) for t in tables), default=0)
    scored = [(t, chosen_rejected_correct(t) if t.gold is not None else None) for t in tables]
    rng = random.Random(0)
    rows = []
    for tau in taus:
        kept_scores = [score for t, score in scored if kept(t, tau * (k or len(t.keys)), rng)]
        rows.append(TauRow(tau, tau * shown, _summarise(len(kept_scores), [s for s in kept_scores if s is not None])))
    return rows


def lower_taus(tables: Sequence[VoteTable], k: int, tau_votes: float) -> list[tuple[float, int]]:
    """What lower thresholds would keep: ``(tau, pairs)`` for each whole number of votes
    below ``tau_votes`` that keeps at least one pair, highest tau first (tau = votes / k).
    """
    rows = []
    for votes in range(math.ceil(tau_votes - 1e-9) - 1, 0, -1):
        pairs = sum(kept(t, votes) for t in tables)
        if pairs:
            rows.append((votes / k, pairs))
    return rows


def _summarise(pairs: int, scores: Sequence[tuple[float, float]]) -> Accuracy:
    """Mean chosen / rejected correctness of the labelled pairs among ``pairs``."""
    if not scores:
        return Accuracy(pairs, 0, None, None)
    return Accuracy(pairs, len(scores), sum(c for c, _ in scores) / len(scores),
                    sum(r for _, r in scores) / len(scores))


def vote_tables(
    problems: Sequence[Problem], answers: Sequence[AnswerRecord], golds: dict[str, str | None]
) -> list[VoteTable]:
    """Group answer records into one vote table per problem (samples in index order).

    Args:
        problems: The problems (their order is kept; problems without answers are left out).
        answers: Every sample's answer record.
        golds: Canonical gold key per problem id (see :func:`scpo_data.generate.answers.gold_keys`).
    """
    by_problem: dict[str, list[AnswerRecord]] = defaultdict(list)
    for a in answers:
        by_problem[a.problem_id].append(a)
    tables = []
    for p in problems:
        records = sorted(by_problem.get(p.problem_id, []), key=lambda a: a.sample_idx)
        if records:
            tables.append(VoteTable(p.problem_id, tuple(a.key for a in records), golds.get(p.problem_id)))
    return tables


def load_vote_tables(run_dir: Path, gold: bool = True) -> list[VoteTable]:
    """The vote tables of a run folder (``problems.parquet`` + ``answers.parquet``).

    Gold answers are canonicalised with the domain's extractor so they compare with keys;
    ``gold=False`` leaves them out (votes only, no extractor started).

    Raises:
        ScpoError: When the folder lacks the files.
    """
    for name in (PROBLEMS_FILE, ANSWERS_FILE):
        if not (run_dir / name).is_file():
            raise ScpoError(f"{run_dir} has no {name}: not a run folder")
    problems = read_records(run_dir / PROBLEMS_FILE, Problem)
    answers = read_records(run_dir / ANSWERS_FILE, AnswerRecord)
    golds: dict[str, str | None] = {}
    if gold:
        by_domain: dict[str, list[Problem]] = defaultdict(list)
        for p in problems:
            by_domain[p.domain].append(p)
        for domain, group in by_domain.items():
            golds.update(_gold_keys_or_none(group, domain))
    return vote_tables(problems, answers, golds)


def with_gold_keys(pairs: pl.DataFrame) -> pl.DataFrame:
    """Add a ``gold_key`` column: each row's raw ``gold`` canonicalised for its ``domain``.

    Rows whose correctness the pipeline already recorded (``chosen_correct`` not null)
    are not canonicalised again (their ``gold_key`` is left null).
    """
    cache: dict[tuple[str, str], str | None] = {}
    keys = []
    judged = pairs["chosen_correct"] if "chosen_correct" in pairs.columns else pl.repeat(None, pairs.height, eager=True)
    for (gold, domain), flag in zip(pairs.select("gold", "domain").iter_rows(), judged):
        if gold is None or flag is not None:
            keys.append(None)
            continue
        if (domain, gold) not in cache:
            cache[(domain, gold)] = canonical_gold(gold, domain)
        keys.append(cache[(domain, gold)])
    return pairs.with_columns(pl.Series("gold_key", keys, dtype=pl.String))


def pair_accuracy(pairs: pl.DataFrame) -> Accuracy:
    """Accuracy of the actual chosen and rejected answers of a pairs frame against gold.

    The frame needs ``chosen_answer``, ``rejected_answer``, ``gold`` and ``domain`` (the
    pairs file or a dataset's train Parquet). Where the pipeline recorded
    ``chosen_correct`` / ``rejected_correct``, those are used; elsewhere the answer keys
    are compared with the canonicalised gold.
    """
    if "gold_key" not in pairs.columns:
        pairs = with_gold_keys(pairs)
    has_gold = pl.col("gold_key").is_not_null()
    sides = []
    for side in ("chosen", "rejected"):
        by_key = pl.when(has_gold).then((pl.col(f"{side}_answer") == pl.col("gold_key")).fill_null(False))
        flag = f"{side}_correct"
        sides.append((pl.coalesce(pl.col(flag), by_key) if flag in pairs.columns else by_key).alias(side))
    labelled = pairs.select(sides).drop_nulls()
    if labelled.is_empty():
        return Accuracy(pairs.height, 0, None, None)
    return Accuracy(pairs.height, labelled.height, float(labelled["chosen"].mean()),  # type: ignore[arg-type]
                    float(labelled["rejected"].mean()))  # type: ignore[arg-type]


def pair_tau_sweep(pairs: pl.DataFrame, taus: Sequence[float], min_tau: float = 0.0) -> list[TauRow]:
    """The tau sweep from pairs alone (a dataset folder without its run).

    A pair survives tau when ``chosen_votes >= tau * k``; taus below the run's own
    ``min_tau`` are left out, since the pairs they would add were never made.
    """
    pairs = with_gold_keys(pairs)
    k = int(pairs["k"].max() or 0) if pairs.height else 0
    rows = []
    for tau in taus:
        if tau < min_tau - 1e-9:
            continue
        kept_pairs = pairs.filter(pl.col("chosen_votes") >= tau * pl.col("k") - 1e-9)
        rows.append(TauRow(tau, tau * k, pair_accuracy(kept_pairs)))
    return rows


def canonical_gold(gold: str, domain: str) -> str | None:
    """The canonical key of a raw gold answer (None when the domain is not registered here)."""
    spec = find_domain(domain)
    return spec.gold_key(gold) if spec else None


def _gold_keys_or_none(problems: Sequence[Problem], domain: str) -> dict[str, str | None]:
    if find_domain(domain) is None:
        return {p.problem_id: None for p in problems}
    return gold_keys(problems, domain)
