"""End to end: ``scpo-data generate`` with the real embedded model, and its clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import polars as pl
import pytest

from helpers import assert_refused, scpo


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    result = scpo("generate", "--domain", "gsm8k", "--limit", "2", "--k", "4", "--max-tokens", "160",
                  "--synthesize", "0", "--tau", "0.25", "--seed", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "pairs" in result.stderr and "answer parse rate" in result.stderr
    return out


def test_stage_files_hold_every_sample(run_dir: Path) -> None:
    problems = pl.read_parquet(run_dir / "problems.parquet")
    samples = pl.read_parquet(run_dir / "samples.parquet")
    answers = pl.read_parquet(run_dir / "answers.parquet")
    assert problems.height == 2
    assert samples.height == answers.height == 8
    assert sorted(samples["sample_idx"].to_list()) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert set(samples["finish_reason"]) <= {"stop", "length"}
    assert (samples["n_tokens"] <= 160).all() and (samples["n_tokens"] > 0).all()
    truncated = samples.filter(pl.col("finish_reason") == "length")["sample_idx"].len()
    assert answers.filter(pl.col("status") == "truncated").height == truncated


def test_manifest_records_config_model_and_counts(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["config"]["k"] == 4 and manifest["config"]["seed"] == 1
    assert manifest["model"]["spec"] == "embedded"
    assert len(manifest["model"]["file_hash"]) == 64
    assert manifest["versions"]["transformers"]
    assert manifest["counts"]["samples"] == 8
    assert set(manifest["timings"]) >= {"load", "sampling", "answers", "pairs"}


def test_dataset_loads_with_datasets_and_matches_pairs(run_dir: Path) -> None:
    ds = datasets.load_dataset(str(run_dir / "dataset"))
    assert list(ds) == ["train"]
    pairs = pl.read_parquet(run_dir / "pairs.parquet")
    assert ds["train"].num_rows == pairs.height
    assert set(ds["train"].column_names) == {
        "prompt", "chosen", "rejected", "weight", "chosen_votes", "rejected_votes", "k",
        "chosen_answer", "rejected_answer", "gold", "problem_id", "domain", "chosen_correct",
        "rejected_correct"}
    for row in ds["train"]:
        assert row["prompt"][0]["role"] == "user"
        assert row["chosen"][0]["role"] == row["rejected"][0]["role"] == "assistant"
        assert row["weight"] == pytest.approx((row["chosen_votes"] - row["rejected_votes"]) / 4)
        assert row["weight"] > 0 and row["chosen_answer"] is not None
    card = (run_dir / "dataset" / "README.md").read_text()
    assert card.startswith("---\n") and "scpo" in card and "2411.04109" in card


def test_same_seed_gives_the_same_samples(run_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = scpo("generate", "--domain", "gsm8k", "--limit", "2", "--k", "4", "--max-tokens", "160",
                  "--synthesize", "0", "--tau", "0.25", "--seed", "1", "--out", str(again))
    assert result.returncode == 0, result.stderr[-2000:]
    first = pl.read_parquet(run_dir / "samples.parquet")["text"].to_list()
    assert pl.read_parquet(again / "samples.parquet")["text"].to_list() == first


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (None, [], "problems file not found"),
        ('{"text": "What is 1+1?"}\n', [], "no question field"),
        ('{"question": "What is 1+1?"}\n', ["--question-field", "prompt"], "no question field 'prompt'"),
    ],
)
def test_bad_problems_give_one_line_and_write_nothing(
    tmp_path: Path, content: str | None, extra: list[str], message: str
) -> None:
    src = tmp_path / "problems.jsonl"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "out"
    result = scpo("generate", "--domain", "gsm8k", "--problems", str(src), "--out", str(out), *extra)
    assert_refused(result, message, out)
    assert "Traceback" not in result.stderr
