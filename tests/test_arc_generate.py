"""End to end: ``scpo-data generate --domain arc --labels mixed`` with the real embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from helpers import SHARED_DATA, assert_refused, needs_shared_data, scpo

ARC = SHARED_DATA / "arc" / "ARC-Challenge-test.jsonl"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("arc") / "run"
    result = scpo("generate", "--problems", str(ARC), "--domain", "arc", "--limit", "2", "--k", "4",
                  "--max-tokens", "96", "--tau", "0.25", "--labels", "mixed", "--pairs-per-problem", "2",
                  "--seed", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@needs_shared_data
def test_answers_are_option_letters(run_dir: Path) -> None:
    answers = pl.read_parquet(run_dir / "answers.parquet")
    assert answers.height == 8
    assert set(answers["key"].drop_nulls()) <= set("ABCDE")


@needs_shared_data
def test_labelled_problems_get_gold_pairs_with_correctness(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    counts = manifest["counts"]
    pairs = pl.read_parquet(run_dir / "pairs.parquet")
    assert manifest["config"]["labels"] == "mixed" and manifest["config"]["pairs_per_problem"] == 2
    # every ARC problem has gold, so mixed mode uses gold everywhere
    assert set(counts["pairs_by_label"]) <= {"gold"}
    assert set(counts["skipped"]) <= {"no_correct", "no_incorrect"}
    paired = pairs["problem_id"].n_unique()
    assert paired + sum(counts["skipped"].values()) == 2
    assert pairs.height == counts["pairs"] <= 2 * paired
    for row in pairs.iter_rows(named=True):
        assert row["weight"] == 1.0 and row["chosen_correct"] is True and row["rejected_correct"] is False
        assert row["chosen_answer"] == row["gold"] != row["rejected_answer"]


@needs_shared_data
def test_the_audit_is_in_the_manifest(run_dir: Path) -> None:
    audit = json.loads((run_dir / "manifest.json").read_text())["counts"]["audit"]
    assert audit["problems_with_gold"] == 2
    assert audit["pairs_with_gold"] == pl.read_parquet(run_dir / "pairs.parquet").height
    assert [round(row["tau"], 1) for row in audit["tau_sweep"]] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert 0.0 <= (audit["vote_winner_wrong"] or 0.0) <= 1.0


def test_gold_labels_without_gold_answers_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "q.jsonl"
    src.write_text('{"question": "What is 1+1?"}\n')
    out = tmp_path / "out"
    result = scpo("generate", "--problems", str(src), "--labels", "gold", "--out", str(out))
    assert_refused(result, "--labels gold needs gold answers", out)


def test_arc_without_a_multiple_choice_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = scpo("generate", "--domain", "arc", "--out", str(out))
    assert result.returncode == 2 and "--domain arc needs multiple-choice problems" in result.stderr
    assert not out.exists()
