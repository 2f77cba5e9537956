"""The audit: expected chosen/rejected correctness, the tau sweep, and accuracy of actual pairs."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from scpo_data import records as rec
from scpo_data.evaluate.audit import (
    VoteTable,
    accuracy,
    chosen_rejected_correct,
    load_vote_tables,
    lower_taus,
    pair_accuracy,
    pair_tau_sweep,
    tau_sweep,
)
from scpo_data.cli.generate import no_pairs_hint
from scpo_data.config import GenerateConfig
from scpo_data.publish.dataset import export_dataset
from scpo_data.generate.pairs import build_pairs
from scpo_data.generate.voting import select_pair

#: k = 4 vote tables whose sweep is worked out by hand in the tests below.
TABLES = [
    VoteTable("p0", ("a", "a", "a", "b"), "a"),  # V 3 vs 1: kept up to tau 0.75; chosen right, rejected wrong
    VoteTable("p1", ("a", "a", "b", "c"), "b"),  # V 2 vs 1: kept up to 0.5; chosen wrong, rejected b or c
    VoteTable("p2", ("a", "b", "c", "c"), None),  # V 2 vs 1, no gold
    VoteTable("p3", ("a", "a", "a", "a"), "a"),  # one cluster: never a pair
]


def write_run(folder: Path, tables: Sequence[VoteTable], domain: str = "gsm8k", tau: float = 0.25,
              raw_gold: dict[str, str] | None = None) -> Path:
    """A run folder with real stage files for the given vote tables (keys stand in for answers).

    ``raw_gold`` gives each problem's gold as the source wrote it (default: the table's key).
    """
    raw_gold = raw_gold or {t.problem_id: t.gold for t in tables if t.gold is not None}
    k = len(tables[0].keys)
    problems = [rec.Problem(t.problem_id, domain, f"Question {t.problem_id}?", raw_gold.get(t.problem_id), "test")
                for t in tables]
    samples = [rec.Sample(t.problem_id, i, f"I think so.\n#### {key}", "stop", 9, 0.7, 0)
               for t in tables for i, key in enumerate(t.keys)]
    answers = [rec.AnswerRecord(t.problem_id, i, key, "ok" if key is not None else "no_answer")
               for t in tables for i, key in enumerate(t.keys)]
    pairs, stats = build_pairs(problems, samples, answers, tau * k, seed=0)
    rec.write_records(problems, rec.Problem, folder / rec.PROBLEMS_FILE)
    rec.write_records(samples, rec.Sample, folder / rec.SAMPLES_FILE)
    rec.write_records(answers, rec.AnswerRecord, folder / rec.ANSWERS_FILE)
    rec.write_records(pairs, rec.Pair, folder / rec.PAIRS_FILE)
    parsed = sum(a.key is not None for a in answers)
    manifest = {
        "created": "2026-01-01T00:00:00+00:00",
        "config": {"domain": domain, "k": k, "tau": tau, "problems": "builtin", "backend": "hf",
                   "temperature": 0.7, "top_p": 0.9, "max_tokens": 64, "seed": 0},
        "versions": {"scpo-data": "0.1.0"},
        "model": {"spec": "embedded", "identity": "test-model", "file_hash": "0" * 64},
        "seeds": {"master": 0},
        "counts": {"problems": len(problems), "samples": len(samples), "parsed": parsed,
                   "parse_rate": parsed / len(answers),
                   "answer_status": dict(pl.Series([a.status for a in answers]).value_counts().iter_rows()),
                   "passing_tau": stats.passing_tau, "pairs": stats.pairs, "skipped": dict(stats.skipped)},
    }
    export_dataset(pairs, manifest, folder / "dataset")
    rec.write_json(manifest, folder / rec.MANIFEST_FILE)
    return folder


def test_expected_correctness_per_cluster() -> None:
    assert chosen_rejected_correct(TABLES[0]) == (1.0, 0.0)
    assert chosen_rejected_correct(TABLES[1]) == (0.0, 0.5)
    # top clusters tie (a, b): chosen is right half the time; rejected is the no-answer response
    assert chosen_rejected_correct(VoteTable("t", ("a", "a", "b", "b", None), "a")) == (0.5, 0.0)


def test_expected_correctness_matches_random_pair_selection() -> None:
    rng = random.Random(7)
    for _ in range(20):
        keys = tuple(rng.choice(["a", "b", "c", None]) for _ in range(6))
        table = VoteTable("t", keys, "a")
        choices = [select_pair(keys, 0, random.Random(seed)) for seed in range(600)]
        kept = [c for c in choices if c.kept]
        if not kept:
            continue
        chosen = sum(keys[c.chosen] == "a" for c in kept) / len(kept)  # type: ignore[index]
        rejected = sum(keys[c.rejected] == "a" for c in kept) / len(kept)  # type: ignore[index]
        expected = chosen_rejected_correct(table)
        assert chosen == pytest.approx(expected[0], abs=0.08)
        assert rejected == pytest.approx(expected[1], abs=0.08)


def test_tau_sweep_by_hand() -> None:
    rows = {round(r.tau, 2): r for r in tau_sweep(TABLES, (0.25, 0.5, 0.75, 0.9))}
    assert [rows[t].accuracy.pairs for t in (0.25, 0.5, 0.75, 0.9)] == [3, 3, 1, 0]
    low = rows[0.25].accuracy
    assert (low.with_gold, low.chosen, low.rejected, low.gap) == (2, 0.5, 0.25, 0.25)
    high = rows[0.75].accuracy
    assert (high.with_gold, high.chosen, high.rejected, high.gap) == (1, 1.0, 0.0, 1.0)
    assert rows[0.75].tau_votes == 3.0
    assert rows[0.9].accuracy.chosen is None and rows[0.9].accuracy.gap is None
    assert accuracy(TABLES[:2]).pairs == 2  # tau None: every table counts as a pair


def test_tau_sweep_thresholds_follow_the_runs_k_not_the_extra_samples() -> None:
    # k = 4 draws agreed on "a"; 4 extra draws at a higher temperature gave "a", "b", "b", "c".
    # Pair building needs tau * k = 3 votes at tau 0.75 (5 "a" votes pass); counting the
    # extra draws in k would ask for 6 and drop the problem.
    table = VoteTable("p0", ("a",) * 4 + ("a", "b", "b", "c"), "a")
    [run_k] = tau_sweep([table], (0.75,), k=4)
    assert (run_k.tau_votes, run_k.accuracy.pairs) == (3.0, 1)
    [own_k] = tau_sweep([table], (0.75,))
    assert (own_k.tau_votes, own_k.accuracy.pairs) == (6.0, 0)


def test_load_vote_tables_canonicalises_gold(tmp_path: Path) -> None:
    tables = [VoteTable("p0", ("1200", "1200", "7", None), "1200"), VoteTable("p1", ("3", "4", "4", "4"), None)]
    run = write_run(tmp_path, tables, raw_gold={"p0": "1,200"})
    loaded = load_vote_tables(run)
    assert loaded == tables
    assert tau_sweep(loaded, (0.5,))[0].accuracy.chosen == 1.0


def test_lower_taus_lists_the_thresholds_that_keep_pairs() -> None:
    # by hand: 3 votes keep p0; 2 and 1 keep p0, p1, p2; p3 never
    assert lower_taus(TABLES, 4, 4.0) == [(0.75, 1), (0.5, 3), (0.25, 3)]
    assert lower_taus(TABLES, 4, 2.0) == [(0.25, 3)]  # only thresholds below the run's
    assert lower_taus(TABLES, 4, 2.5) == [(0.5, 3), (0.25, 3)]  # 2.5 votes: 2 is the next lower
    assert lower_taus(TABLES[3:], 4, 4.0) == []


def test_load_vote_tables_without_gold(tmp_path: Path) -> None:
    tables = [VoteTable("p0", ("1200", "1200", "7", None), "1200")]
    loaded = load_vote_tables(write_run(tmp_path, tables), gold=False)
    assert loaded == [VoteTable("p0", ("1200", "1200", "7", None), None)]


def test_no_pairs_hint_names_the_lower_taus_that_keep_pairs(tmp_path: Path) -> None:
    run = write_run(tmp_path / "votes", TABLES, tau=1.0)
    hint = no_pairs_hint(run, GenerateConfig(k=4, tau=1.0))
    assert "no problem reached tau 1" in hint
    assert "--tau 0.75 keeps 1, --tau 0.5 keeps 3, --tau 0.25 keeps 3" in hint and f"inspect {run}" in hint
    assert f"`--out {run} --tau 0.75`" in hint
    flat = write_run(tmp_path / "flat", TABLES[3:], tau=0.5)
    assert "at any tau" in no_pairs_hint(flat, GenerateConfig(k=4, tau=0.5))
    assert "gold pair" in no_pairs_hint(run, GenerateConfig(k=4, tau=1.0, labels="gold"))


def test_pair_accuracy_prefers_recorded_flags_and_falls_back_to_gold_keys() -> None:
    frame = pl.DataFrame({
        "chosen_answer": ["18", "5", "1", "x"], "rejected_answer": ["7", None, "1", "y"],
        "gold": ["18.0", "6", None, "anything"], "domain": ["gsm8k"] * 4,
        "chosen_correct": [None, None, None, True], "rejected_correct": [None, None, None, False],
    })
    acc = pair_accuracy(frame)
    assert (acc.pairs, acc.with_gold, acc.chosen, acc.rejected) == (4, 3, 2 / 3, 0.0)
    assert pair_accuracy(frame.drop("chosen_correct", "rejected_correct")).chosen == 1 / 3


def test_pair_sweep_skips_taus_below_the_run(tmp_path: Path) -> None:
    run = write_run(tmp_path, TABLES, tau=0.5)
    pairs = pl.read_parquet(run / rec.PAIRS_FILE)
    rows = pair_tau_sweep(pairs, (0.25, 0.5, 0.75), min_tau=0.5)
    assert [r.tau for r in rows] == [0.5, 0.75]
    assert [r.accuracy.pairs for r in rows] == [3, 1]
    # the kept pairs' actual answers: p0 chosen right / rejected wrong, p1 chosen wrong
    assert rows[0].accuracy.chosen == 0.5 and rows[1].accuracy.chosen == 1.0
    assert json.loads((run / rec.MANIFEST_FILE).read_text())["counts"]["pairs"] == 3
