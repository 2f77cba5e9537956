"""Checkpoints and resume: a training killed after a checkpoint, re-run with the same command,
continues from that step (and says so), and ends where an uninterrupted run ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ENV
from train_helpers import write_options, write_pairs

from scpo_data.train.trainer import last_checkpoint

STEPS, SAVE_EVERY = 4, 2


def train_command(run: Path, out: Path, options: Path) -> list[str]:
    return [sys.executable, "-m", "scpo_data", "train", "--data", str(run), "--out", str(out), "--lora",
            "--batch-size", "2", "--lr", "1e-3", "--save-steps", str(SAVE_EVERY), "--config", str(options)]


def losses(out: Path) -> dict[int, float]:
    """The logged training loss of each step."""
    history = json.loads((out / "trainer_state.json").read_text())["log_history"]
    return {entry["step"]: entry["loss"] for entry in history if "loss" in entry}


def test_a_killed_run_resumes_from_its_last_checkpoint(tmp_path: Path) -> None:
    run = write_pairs(tmp_path / "run")
    options = write_options(tmp_path / "o.yaml", STEPS)
    out = tmp_path / "out"
    env = {**ENV, "OMP_NUM_THREADS": "1"}

    first = subprocess.Popen(train_command(run, out, options), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while last_checkpoint(out) is None and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # let the state file that marks the checkpoint complete be written out
        assert first.poll() is None, "the run ended before it could be killed"
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        first.wait(timeout=60)
    checkpoint = last_checkpoint(out)
    assert checkpoint is not None and checkpoint.step == SAVE_EVERY
    assert not (out / "trainer_state.json").exists()  # it never finished

    second = subprocess.run(train_command(run, out, options), env=env, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"resuming from step {SAVE_EVERY} ({checkpoint.path})" in second.stderr
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == STEPS
    assert json.loads((out / "training.json").read_text())["resumed_from_step"] == SAVE_EVERY

    whole = tmp_path / "whole"
    third = subprocess.run(train_command(run, whole, options), env=env, capture_output=True, text=True, timeout=900)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "resuming" not in third.stderr
    resumed, uninterrupted = losses(out), losses(whole)
    assert set(uninterrupted) == set(range(1, STEPS + 1))
    for step in range(1, STEPS + 1):  # the resumed steps saw the same batches, weights and optimizer state
        assert resumed[step] == pytest.approx(uninterrupted[step], rel=1e-5), (step, resumed, uninterrupted)


def test_last_checkpoint_skips_one_cut_short(tmp_path: Path) -> None:
    assert last_checkpoint(tmp_path / "missing") is None
    for step, complete in ((2, True), (4, True), (6, False), (10, False)):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        if complete:
            (folder / "trainer_state.json").write_text("{}")
    (tmp_path / "checkpoint-x").mkdir()
    found = last_checkpoint(tmp_path)
    assert found is not None and found.step == 4 and found.path == tmp_path / "checkpoint-4"


def test_no_resume_starts_over(tmp_path: Path) -> None:
    """``--no-resume`` ignores the checkpoints (the run trains every step itself)."""
    run = write_pairs(tmp_path / "run")
    out = tmp_path / "out"
    options = write_options(tmp_path / "o.yaml", 1)
    (out / "checkpoint-1").mkdir(parents=True)
    (out / "checkpoint-1" / "trainer_state.json").write_text("{}")  # would break a resume
    result = subprocess.run([*train_command(run, out, options), "--no-resume"], env={**ENV, "OMP_NUM_THREADS": "1"},
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resuming" not in result.stderr
    assert json.loads((out / "trainer_state.json").read_text())["global_step"] == 1
