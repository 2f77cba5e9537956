"""``scpo-data train`` on a tiny model folder: flags reach the trainer, user errors exit cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
from typer.testing import CliRunner

from scpo_data.cli.app import app
from scpo_data.backends.models import resolve_model

PAIRS = [
    ("What is 2 + 2?", "2 + 2 = 4. #### 4", "#### 5", 0.5),
    ("What is 3 * 3?", "3 * 3 = 9. #### 9", "3 * 3 = 6 #### 6", 0.25),
]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved random two-layer Llama with the embedded tokenizer: a model folder for --model."""
    folder = tmp_path_factory.mktemp("tiny-model")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("embedded").path)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        pad_token_id=tokenizer.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run folder as ``scpo-data generate`` leaves it: RUN/dataset/data/train-*.parquet."""
    rows = [
        {
            "prompt": [{"role": "user", "content": q}],
            "chosen": [{"role": "assistant", "content": c}],
            "rejected": [{"role": "assistant", "content": r}],
            "weight": w,
        }
        for q, c, r, w in PAIRS
    ]
    data = tmp_path / "run" / "dataset" / "data"
    data.mkdir(parents=True)
    datasets.Dataset.from_list(rows).to_parquet(str(data / "train-00000-of-00001.parquet"))
    return tmp_path / "run"


def invoke(*args: str) -> object:
    """Run ``scpo-data`` in-process."""
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(("mode", "mean_weight"), [("scpo", 0.375), ("irpo", 1.0)])
def test_train_saves_a_loadable_model_and_honours_the_flags(
    tiny_model_dir: Path, run_dir: Path, tmp_path: Path, mode: str, mean_weight: float
) -> None:
    options = tmp_path / "train.yaml"
    options.write_text("max_steps: 1\nbf16: false\nsave_strategy: 'no'\nreport_to: none\nlearning_rate: 1.0\n")
    out = tmp_path / "out"

    result = invoke(
        "train",
        "--data",
        str(run_dir),
        "--model",
        str(tiny_model_dir),
        "--out",
        str(out),
        "--config",
        str(options),
        "--mode",
        mode,
        "--batch-size",
        "2",
        "--lr",
        "1e-3",
        "--beta",
        "0.3",
    )

    assert result.exit_code == 0, result.output
    assert f"trained model saved to {out}" in result.output
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["log_history"][0]["weight"] == pytest.approx(mean_weight)
    args = torch.load(out / "training_args.bin", weights_only=False)
    assert (args.mode, args.beta, args.learning_rate, args.per_device_train_batch_size) == (mode, 0.3, 1e-3, 2)
    assert resolve_model(str(out)).file_hash != resolve_model(str(tiny_model_dir)).file_hash


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--data", "no/such/dataset/here"], "not a Hub dataset id"),
        (["--mode", "kto"], "'kto' is not one of"),
        (["--model", "no-such-model-folder"], "neither 'embedded'"),
    ],
)
def test_user_errors_exit_with_one_line(run_dir: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    args = {"--data": str(run_dir), "--out": str(tmp_path / "out"), "--model": "embedded"}
    args.update(dict(zip(extra[::2], extra[1::2], strict=True)))

    result = invoke("train", *[item for pair in args.items() for item in pair])

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_config_file_is_a_user_error(run_dir: Path, tmp_path: Path) -> None:
    options = tmp_path / "train.yaml"
    options.write_text("learning_rat: 1e-5\n")

    result = invoke("train", "--data", str(run_dir), "--out", str(tmp_path / "out"), "--config", str(options))

    assert result.exit_code == 2
    assert "unknown training option(s)" in result.output
