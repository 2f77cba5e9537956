"""The M0 -> M1 loop on CPU: generate (tiny) -> train (2 steps, the embedded model) -> generate with M1."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
from typer.testing import CliRunner

from scpo_data.cli.app import app

# 2 problems x 4 samples. The embedded model rarely finishes within 64 tokens and truncated
# samples have no answer, so tau 0 keeps any problem where one sample answered (w = 1/4 or more).
GENERATE = ["generate", "--domain", "gsm8k", "--limit", "2", "--k", "4", "--max-tokens", "64", "--tau", "0", "--synthesize", "0"]


def run_cli(*args: str) -> None:
    """Run one ``scpo-data`` command in-process and fail with its output when it fails."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"scpo-data {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def test_generate_train_generate_closes_the_loop(tmp_path: Path) -> None:
    m0_run, m1, m1_run = tmp_path / "m0-run", tmp_path / "m1", tmp_path / "m1-run"
    options = tmp_path / "train.yaml"
    options.write_text("max_steps: 2\nper_device_train_batch_size: 1\nsave_strategy: 'no'\nreport_to: none\n")

    run_cli(*GENERATE, "--model", "embedded", "--out", str(m0_run))
    m0_hash = json.loads((m0_run / "manifest.json").read_text())["model"]["file_hash"]
    pairs = datasets.load_dataset(str(m0_run / "dataset"), split="train")
    assert pairs.num_rows > 0, "the tiny M0 run produced no pairs to train on"

    run_cli("train", "--data", str(m0_run), "--model", "embedded", "--out", str(m1), "--config", str(options))
    state = json.loads((m1 / "trainer_state.json").read_text())
    assert state["global_step"] == 2
    assert {"rewards/chosen", "rewards/margins", "nll", "weight"} <= set(state["log_history"][0])
    assert (m1 / "config.json").is_file() and (m1 / "model.safetensors").is_file()

    run_cli(*GENERATE, "--model", str(m1), "--out", str(m1_run))
    m1_model = json.loads((m1_run / "manifest.json").read_text())["model"]
    assert m1_model["path"] == str(m1.resolve())
    assert m1_model["file_hash"] != m0_hash  # the trained weights, not M0's
    assert list((m1_run / "dataset" / "data").glob("train-*.parquet"))
