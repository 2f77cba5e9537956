"""``scpo-data train --mode sft``: worked solutions on the gsm8k prompt, the real embedded model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scpo_data.cli.app import app
from scpo_data.domains import get_domain
from scpo_data.errors import ScpoError
from scpo_data.puzzles import generate_arith
from scpo_data.train.sft import build_sft_config, build_sft_trainer, sft_examples


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_examples_use_the_gsm8k_prompt_and_the_solution() -> None:
    record = generate_arith(1, seed=5)[0]
    [example] = sft_examples([record])
    assert example["prompt"] == get_domain("gsm8k").chat(record["question"])
    assert example["completion"] == [{"role": "assistant", "content": record["answer"]}]


def test_tokenized_examples_follow_the_chat_template_with_loss_on_the_solution(tmp_path: Path) -> None:
    record = generate_arith(1, seed=5)[0]
    trainer = build_sft_trainer([record], "embedded", build_sft_config(overrides={"output_dir": str(tmp_path)}))
    tokenizer = trainer.processing_class
    row = trainer.train_dataset[0]
    messages = get_domain("gsm8k").chat(record["question"])
    full = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": record["answer"]}],
                                         tokenize=False)
    assert tokenizer.decode(row["input_ids"]) == full
    trained = tokenizer.decode([label for label in row["labels"] if label != -100])
    assert trained.startswith(record["answer"]) and "#### " in trained
    assert trained.rstrip().endswith(tokenizer.eos_token)  # the model learns to stop
    assert "Problem:" not in trained  # no loss on the prompt


def test_sft_trains_saves_and_reloads(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", generate_arith(8, seed=1))
    options = tmp_path / "sft.yaml"
    options.write_text("max_steps: 2\nlogging_steps: 1\n")
    out = tmp_path / "m0"
    result = invoke("train", "--mode", "sft", "--data", str(data), "--out", str(out), "--batch-size", "1",
                    "--max-length", "256", "--config", str(options))
    assert result.exit_code == 0, result.output
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 2
    losses = [entry["loss"] for entry in state["log_history"] if "loss" in entry]
    assert len(losses) == 2 and all(math.isfinite(loss) and loss > 0 for loss in losses)

    from scpo_data.backends.models import load_model, resolve_model

    ref = resolve_model(str(out))
    model, tokenizer = load_model(ref, device="cpu")
    assert not getattr(model, "is_quantized", False)
    assert tokenizer.chat_template and model.config.use_cache
    assert ref.file_hash != resolve_model("embedded").file_hash


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (None, "no such file"),
        ([{"question": "What is 2 + 2?"}], "has no answer"),
        ([{"question": "What is 2 + 2?", "answer": "  "}], "has no answer"),
        ([{"answer": "#### 4"}], "has no question"),
        ([], "holds no records"),
    ],
)
def test_bad_data_is_one_line_and_exit_2(tmp_path: Path, records: list[dict] | None, message: str) -> None:
    data = tmp_path / "train.jsonl"
    if records is not None:
        write_jsonl(data, records)
    result = invoke("train", "--mode", "sft", "--data", str(data), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_dpo_flags_are_refused_in_sft_mode(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", generate_arith(2, seed=1))
    result = invoke("train", "--mode", "sft", "--data", str(data), "--out", str(tmp_path / "o"), "--beta", "0.1")
    assert result.exit_code == 2 and "--mode sft does not take them" in result.output


def test_unknown_yaml_option_is_an_error(tmp_path: Path) -> None:
    options = tmp_path / "sft.yaml"
    options.write_text("beta: 0.1\n")
    with pytest.raises(ScpoError, match="unknown training option"):
        build_sft_config(options)


def test_prompt_completion_records_are_kept_as_they_are() -> None:
    prompt = [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "5"},
              {"role": "user", "content": "Check it."}]
    completion = [{"role": "assistant", "content": "2 + 2 = 4\n#### 4"}]
    [example] = sft_examples([{"prompt": prompt, "completion": completion, "r1": 0}])
    assert example == {"prompt": prompt, "completion": completion}
    with pytest.raises(ScpoError, match="record 1's completion is not a list"):
        sft_examples([{"prompt": prompt, "completion": "2 + 2 = 4"}])
