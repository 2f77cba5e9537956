"""End to end: ``scpo-data eval`` with the real embedded model on a small ARC-Challenge slice."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from scpo_data.evaluate.scoring import majority

from helpers import SHARED_DATA as DATA, assert_refused, needs_shared_data, scpo

ARC = DATA / "arc" / "ARC-Challenge-test.jsonl"
ARGS = ("eval", "--data", str(ARC), "--domain", "arc", "--limit", "2", "--k", "3",
        "--max-tokens", "96", "--seed", "2")


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "arc"
    result = scpo(*ARGS, "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "greedy accuracy" in result.stdout and "maj@3 accuracy" in result.stdout
    return out


@needs_shared_data
def test_report_matches_the_per_problem_results(eval_dir: Path) -> None:
    report = json.loads((eval_dir / "report.json").read_text())
    results = pl.read_parquet(eval_dir / "results.parquet")
    assert results.height == 2 and report["overall"]["problems"] == 2
    assert set(results["gold"]) <= set("ABCDE")
    assert report["overall"]["greedy_accuracy"] == pytest.approx(results["greedy_correct"].mean())
    assert report["overall"]["maj_accuracy"] == pytest.approx(results["maj_correct"].mean())
    assert report["config"]["k"] == 3 and report["model"]["spec"] == "embedded"


@needs_shared_data
def test_greedy_is_one_temperature_zero_sample_and_maj_votes_k(eval_dir: Path) -> None:
    greedy = pl.read_parquet(eval_dir / "greedy_samples.parquet")
    samples = pl.read_parquet(eval_dir / "samples.parquet")
    assert greedy.height == 2 and set(greedy["temperature"]) == {0.0}
    assert samples.height == 6 and set(samples["temperature"]) == {0.7}
    answers = pl.read_parquet(eval_dir / "answers.parquet").sort("problem_id", "sample_idx")
    results = pl.read_parquet(eval_dir / "results.parquet")
    for row in results.iter_rows(named=True):
        keys = answers.filter(pl.col("problem_id") == row["problem_id"])["key"].to_list()
        assert majority(keys) == (row["maj_answer"], row["maj_votes"])
        assert row["maj_correct"] == (row["maj_answer"] == row["gold"])
    parsed = answers["key"].is_not_null().mean()
    report = json.loads((eval_dir / "report.json").read_text())
    assert report["overall"]["sample_parse_rate"] == pytest.approx(parsed)


@needs_shared_data
def test_a_rerun_replays_every_sample_from_the_cache(eval_dir: Path) -> None:
    before = pl.read_parquet(eval_dir / "samples.parquet")["text"].to_list()
    result = scpo(*ARGS, "--out", str(eval_dir))
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((eval_dir / "report.json").read_text())
    assert report["cache"]["completions_generated"] == 0
    assert report["cache"]["completions_replayed"] == 2 + 6
    assert pl.read_parquet(eval_dir / "samples.parquet")["text"].to_list() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.jsonl", "--domain", "gsm8k"], "problems file not found"),
    ],
)
def test_bad_input_gives_one_line_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    assert_refused(scpo("eval", *args, "--out", str(out)), message, out)


def test_data_without_gold_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "q.jsonl"
    src.write_text('{"question": "What is 1+1?"}\n')
    out = tmp_path / "out"
    result = scpo("eval", "--data", str(src), "--domain", "gsm8k", "--out", str(out))
    assert result.returncode == 2 and "no gold answers" in result.stderr
    assert not out.exists()
