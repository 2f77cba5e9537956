"""Two processes on CPU (gloo) through ``accelerate launch`` and the shipped DDP config give the
same loss curve as one process with the same global batch, with the ScPO weights intact, for full
fine-tuning and for LoRA."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import ENV
from train_helpers import WEIGHTS, write_options, write_pairs

ROOT = Path(__file__).resolve().parents[1]
DDP_CONFIG = ROOT / "examples" / "accelerate" / "ddp.yaml"
FSDP_CONFIG = ROOT / "examples" / "accelerate" / "fsdp.yaml"
STEPS, GLOBAL_BATCH = 2, 4  # one epoch of the 8 pairs


def log(out: Path) -> list[dict[str, float]]:
    """The per-step log entries of a finished run."""
    return [entry for entry in json.loads((out / "trainer_state.json").read_text())["log_history"] if "loss" in entry]


def train(launcher: list[str], run: Path, out: Path, options: Path, batch: int,
          extra: list[str]) -> subprocess.CompletedProcess[str]:
    command = [*launcher, "-m", "scpo_data", "train", "--data", str(run), "--out", str(out), "--batch-size",
               str(batch), "--config", str(options), *extra]
    return subprocess.run(command, env={**ENV, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize(("extra", "weights_file"), [
    (["--lr", "1e-5"], "model.safetensors"),
    (["--lora", "--lr", "1e-3"], "adapter_model.safetensors"),
], ids=["full", "lora"])
def test_two_processes_match_one_with_the_same_global_batch(tmp_path: Path, extra: list[str],
                                                            weights_file: str) -> None:
    run = write_pairs(tmp_path / "run")
    options = write_options(tmp_path / "o.yaml", STEPS, save_strategy="no")
    one, two = tmp_path / "one", tmp_path / "two"

    single = train([sys.executable], run, one, options, GLOBAL_BATCH, extra)
    assert single.returncode == 0, single.stderr[-3000:]
    accelerate = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(DDP_CONFIG),
                  "--num_processes", "2"]
    double = train(accelerate, run, two, options, GLOBAL_BATCH // 2, extra)
    assert double.returncode == 0, double.stderr[-3000:]
    assert double.stdout.count(f"saved to {two}") == 1  # said once, by the main process

    assert json.loads((one / "training.json").read_text())["world_size"] == 1
    assert json.loads((two / "training.json").read_text())["world_size"] == 2
    single_log, double_log = log(one), log(two)
    print("1 process :", [round(e["loss"], 6) for e in single_log])
    print("2 processes:", [round(e["loss"], 6) for e in double_log])
    assert [e["step"] for e in double_log] == list(range(1, STEPS + 1))
    for a, b in zip(single_log, double_log, strict=True):
        for key in ("loss", "grad_norm", "rewards/margins", "nll", "weight"):
            assert b[key] == pytest.approx(a[key], rel=1e-4, abs=1e-5), (key, a, b)
    # the weight column reached the loss on both processes: the step means cover every pair once
    weights = [e["weight"] for e in double_log]
    assert sum(weights) / len(weights) == pytest.approx(sum(WEIGHTS) / len(WEIGHTS), rel=1e-6)
    assert all(w != pytest.approx(1.0) for w in weights)
    assert (two / weights_file).is_file() and not list(two.glob("checkpoint-*"))


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA GPUs")
def test_one_fsdp_step_on_two_gpus(tmp_path: Path) -> None:
    """The shipped FSDP config trains a step on two GPUs and saves one loadable model folder."""
    from scpo_data.backends.models import load_model, resolve_model

    run = write_pairs(tmp_path / "run")
    options = write_options(tmp_path / "o.yaml", 1, save_strategy="no", bf16=True)
    accelerate = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(FSDP_CONFIG),
                  "--num_processes", "2"]
    result = train(accelerate, run, tmp_path / "fsdp", options, 2, ["--lr", "1e-5"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((tmp_path / "fsdp" / "training.json").read_text())["world_size"] == 2
    assert log(tmp_path / "fsdp")[0]["loss"] > 0
    load_model(resolve_model(str(tmp_path / "fsdp")), device="cpu")
