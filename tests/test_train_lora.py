"""``scpo-data train --lora`` on the embedded model (CPU, a few steps): the adapter is small, the
reference is the base with the adapter disabled, the loss is the ScPO formula, ``--merge``
writes the merged model, ``generate`` loads either, and the same for ``--mode sft``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from train_helpers import folder_bytes, write_options, write_pairs
from typer.testing import CliRunner

from scpo_data.backends.models import load_model, resolve_model
from scpo_data.cli.app import app
from scpo_data.train.config import build_config
from scpo_data.train.lora import LoraSpec, load_policy
from scpo_data.train.trainer import ScpoTrainer, scpo_loss


def run_cli(*args: str) -> str:
    """Run ``scpo-data ARGS`` in-process; fail with its output unless it exits 0."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"scpo-data {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"
    return result.output


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pairs(tmp_path_factory.mktemp("lora") / "run")


@pytest.fixture(scope="module")
def adapter(run: Path) -> Path:
    """A LoRA adapter trained for 2 steps (batch 2) on the embedded model."""
    out = run.parent / "adapter"
    run_cli("train", "--data", str(run), "--out", str(out), "--lora", "--lora-r", "8", "--lora-alpha", "16",
            "--batch-size", "2", "--lr", "1e-3", "--config", str(write_options(run.parent / "o.yaml", 2)))
    return out


def _logits(model: Any, tokenizer: Any) -> torch.Tensor:
    ids = tokenizer("What is 2 + 3? #### 5", return_tensors="pt")
    with torch.no_grad():
        return model(**ids).logits


def test_adapter_folder_is_small_and_records_its_settings(adapter: Path) -> None:
    assert (adapter / "adapter_config.json").is_file() and (adapter / "adapter_model.safetensors").is_file()
    assert not (adapter / "model.safetensors").exists()
    full = folder_bytes(Path(resolve_model("embedded").path), "*.safetensors")
    small = folder_bytes(adapter, "adapter_model.safetensors")
    print(f"adapter {small / 2**20:.1f} MiB vs full model {full / 2**20:.1f} MiB ({100 * small / full:.1f}%)")
    assert small < 0.05 * full
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["r"] == 8 and config["lora_alpha"] == 16
    assert {"q_proj", "v_proj", "down_proj"} <= set(config["target_modules"])  # all-linear
    training = json.loads((adapter / "training.json").read_text())
    assert training["lora"] == {"r": 8, "alpha": 16.0, "targets": "all-linear", "dropout": 0.0}
    assert training["mode"] == "scpo" and training["global_step"] == 2 and not training["merged"]
    assert training["base_model_id"] == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_generate_loads_the_adapter_and_it_changed_the_model(adapter: Path, tmp_path: Path) -> None:
    base, tokenizer = load_model(resolve_model("embedded"), device="cpu")
    tuned, _ = load_model(resolve_model(str(adapter)), device="cpu")
    assert type(tuned).__name__ == "LlamaForCausalLM"  # merged into a plain model for generation
    assert not torch.allclose(_logits(base, tokenizer), _logits(tuned, tokenizer), atol=1e-4)

    out = tmp_path / "gen"
    run_cli("generate", "--domain", "gsm8k", "--limit", "1", "--k", "2", "--max-tokens", "8", "--tau", "0",
            "--synthesize", "0", "--model", str(adapter), "--out", str(out))
    model = json.loads((out / "manifest.json").read_text())["model"]
    assert "LoRA adapter on" in model["identity"] and model["path"] == str(adapter.resolve())


def test_reference_is_the_base_with_the_adapter_disabled_and_loss_is_the_formula(run: Path, tmp_path: Path) -> None:
    from scpo_data.train.data import load_pairs

    config = build_config(None, {"output_dir": str(tmp_path / "o"), "bf16": False, "report_to": "none",
                                 "max_length": 128, "per_device_train_batch_size": 2})
    policy, tokenizer, peft_config = load_policy("embedded", LoraSpec(r=4, alpha=8), device="cpu")
    trainer = ScpoTrainer(policy, args=config, train_dataset=load_pairs(str(run)), processing_class=tokenizer,
                          peft_config=peft_config)
    assert trainer.ref_model is None  # no second copy: TRL disables the adapter for the reference
    model = trainer.model
    torch.manual_seed(0)
    with torch.no_grad():  # a non-zero adapter, so the policy differs from the reference
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.02)

    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    with torch.no_grad():
        loss = trainer.compute_loss(model, batch)

    base, _ = load_model(resolve_model("embedded"), device="cpu")  # an independent copy of the reference
    labels = batch["input_ids"].masked_fill(batch["completion_mask"] == 0, -100)

    def summed_logps(net: Any) -> torch.Tensor:
        with torch.no_grad():
            logits = net(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
        target = labels[:, 1:]
        logps = torch.log_softmax(logits.float(), -1).gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        return (logps * (target != -100)).sum(1)

    chosen, rejected = summed_logps(model).chunk(2)
    ref_chosen, ref_rejected = summed_logps(base).chunk(2)
    assert not torch.allclose(chosen, ref_chosen, atol=1e-3)
    lengths = (labels[:, 1:] != -100).sum(1).chunk(2)[0]
    expected, _ = scpo_loss(chosen, rejected, ref_chosen, ref_rejected, lengths, batch["weight"], beta=0.5, alpha=1.0)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4, abs=1e-5)


def test_merge_writes_the_merged_model_and_keeps_the_adapter(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged"
    output = run_cli("train", "--data", str(run), "--out", str(out), "--lora", "--lora-targets", "q_proj,v_proj",
                     "--merge", "--batch-size", "2", "--lr", "1e-3",
                     "--config", str(write_options(tmp_path / "o.yaml", 1)))
    assert f"trained model saved to {out}" in output
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    assert not (out / "adapter_config.json").exists()
    assert json.loads((out / "adapter" / "adapter_config.json").read_text())["target_modules"] in (
        ["q_proj", "v_proj"], ["v_proj", "q_proj"])
    assert json.loads((out / "training.json").read_text())["merged"] is True
    merged, tokenizer = load_model(resolve_model(str(out)), device="cpu")
    applied, _ = load_model(resolve_model(str(out / "adapter")), device="cpu")
    torch.testing.assert_close(_logits(merged, tokenizer), _logits(applied, tokenizer), atol=1e-4, rtol=1e-4)


def test_an_adapter_folder_as_model_trains_that_adapter_further(adapter: Path, run: Path, tmp_path: Path) -> None:
    out = tmp_path / "m2"
    run_cli("train", "--data", str(run), "--model", str(adapter), "--out", str(out), "--lora", "--batch-size", "2",
            "--config", str(write_options(tmp_path / "o.yaml", 1)))
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 8  # the starting adapter's shape, not --lora-r's default
    assert config["base_model_name_or_path"] == json.loads((adapter / "adapter_config.json").read_text())[
        "base_model_name_or_path"]
    log = json.loads((out / "trainer_state.json").read_text())["log_history"][0]
    assert log["rewards/margins"] == pytest.approx(0.0, abs=1e-6)  # step 1: the reference is the starting adapter


def test_sft_lora_saves_an_adapter(tmp_path: Path) -> None:
    records = tmp_path / "sft.jsonl"
    records.write_text("".join(json.dumps({"question": f"What is {i} + 1?", "answer": f"{i} + 1 = {i + 1}\n#### {i + 1}"})
                               + "\n" for i in range(4)))
    out = tmp_path / "sft"
    output = run_cli("train", "--mode", "sft", "--data", str(records), "--out", str(out), "--lora", "--batch-size", "2",
                     "--config", str(write_options(tmp_path / "o.yaml", 1)))
    assert f"trained adapter saved to {out}" in output
    assert (out / "adapter_model.safetensors").is_file() and not (out / "model.safetensors").exists()
    assert json.loads((out / "training.json").read_text())["mode"] == "sft"
    model, _ = load_model(resolve_model(str(out)), device="cpu")
    assert type(model).__name__ == "LlamaForCausalLM"


@pytest.mark.parametrize(("extra", "message"), [
    (["--merge"], "--merge merges a LoRA adapter: use it with --lora"),
    (["--lora", "--lora-r", "0"], "--lora-r must be >= 1"),
    (["--lora", "--lora-targets", " , "], "--lora-targets is empty"),
])
def test_bad_lora_flags_are_one_line_and_write_nothing(run: Path, tmp_path: Path, extra: list[str],
                                                       message: str) -> None:
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["train", "--data", str(run), "--out", str(out), *extra])
    assert result.exit_code == 2 and message in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_one_lora_step_on_gpu(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "gpu"
    options = write_options(tmp_path / "g.yaml", 1, bf16=True)
    run_cli("train", "--data", str(run), "--out", str(out), "--lora", "--batch-size", "2", "--config", str(options))
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 1 and state["log_history"][0]["loss"] > 0
    assert (out / "adapter_model.safetensors").is_file()
