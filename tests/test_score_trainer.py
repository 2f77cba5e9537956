"""``scpo-data train --mode score``: SCoRe's two-attempt rollout, its masks and rewards, and real steps."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from typer.testing import CliRunner

from scpo_data.cli.app import app
from scpo_data.correct.labels import shaped_reward
from scpo_data.domains import get_domain
from scpo_data.puzzles import generate_arith
from scpo_data.records import Problem
from scpo_data.train.score import ScoreTrainer, first_attempt_mask, kl_per_token, score_dataset
from scpo_data.train.score_config import build_score_config, stage_weights
from scpo_data.train.score_rewards import reward_function
from scpo_data.train.score_rollout import TwoAttemptRollout, bridge_ids, chat_ids, join_attempts

QUESTION = "Tom has 3 apples and buys 4 more. How many apples does he have?"
RIGHT, WRONG = "3 + 4 = 7. #### 7", "3 + 4 = 8. #### 8"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from scpo_data.backends.models import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model("embedded").path)


def scripted(tokenizer, firsts: list[str], seconds: list[str], cut: int | None = None):
    """A generator that answers the first call with ``firsts`` and the second with ``seconds``
    (each ending with the end token; attempt 1 cut after ``cut`` tokens when given), recording the contexts."""
    calls: list[list[list[int]]] = []
    end = tokenizer.eos_token_id

    def generate(trainer, contexts: list[list[int]]) -> list[list[int]]:
        calls.append(contexts)
        texts = firsts if len(calls) == 1 else seconds
        ids = [tokenizer(t, add_special_tokens=False)["input_ids"] + [end] for t in texts]
        return [i[:cut] for i in ids] if cut is not None and len(calls) == 1 else ids

    generate.calls = calls
    return generate


def rollout_fields(tokenizer, firsts: list[str], seconds: list[str], cut: int | None = None):
    generate = scripted(tokenizer, firsts, seconds, cut)
    trainer = SimpleNamespace(processing_class=tokenizer, eos_token_ids=[tokenizer.eos_token_id])
    prompts = [get_domain("arith").chat(QUESTION)] * len(firsts)
    return TwoAttemptRollout("arith", generate=generate)(prompts, trainer), generate.calls, prompts


@pytest.mark.parametrize("stage", [1, 2])
@pytest.mark.parametrize("r1,r2", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_stage_weights_give_the_paper_rewards(stage: int, r1: int, r2: int) -> None:
    w1, w2 = stage_weights(stage, 10.0)
    expected = r2 if stage == 1 else r1 + shaped_reward(r1, r2, 10.0)  # r1 + r2 + alpha * (r2 - r1)
    assert w1 * r1 + w2 * r2 == pytest.approx(expected)


def test_join_masks_the_bridge_and_keeps_a_generated_end_token() -> None:
    bridge = [2, 198, 1, 4093, 2, 198]
    ids, mask = join_attempts([5, 6, 2], bridge, [7, 2], end_ids=[2])
    assert ids == [5, 6, 2, 198, 1, 4093, 2, 198, 7, 2]
    assert mask == [1, 1, 1, 0, 0, 0, 0, 0, 1, 1]
    ids, mask = join_attempts([5, 6], bridge, [7, 2], end_ids=[2])  # cut off: the turn's end is the template's
    assert ids == [5, 6, *bridge, 7, 2] and mask == [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]


def test_attempt_two_sees_exactly_the_domains_correction_chat(tokenizer) -> None:
    fields, calls, prompts = rollout_fields(tokenizer, [WRONG], [RIGHT])
    expected = chat_ids(tokenizer, get_domain("arith").correction_chat(QUESTION, WRONG))
    assert calls[0] == [chat_ids(tokenizer, prompts[0])]
    assert calls[1] == [expected]  # prompt + attempt 1 as generated + bridge == the template of the conversation
    assert fields["prompt_ids"][0] + fields["completion_ids"][0][: len(expected) - len(fields["prompt_ids"][0])] \
        == expected


def test_rollout_masks_only_the_instruction(tokenizer) -> None:
    fields, _, _ = rollout_fields(tokenizer, [WRONG, RIGHT], [RIGHT, RIGHT])
    bridge = bridge_ids(tokenizer, "arith")
    for ids, mask, first in zip(fields["completion_ids"], fields["env_mask"], fields["first"], strict=True):
        n1 = len(tokenizer(first, add_special_tokens=False)["input_ids"]) + 1  # attempt 1 and its end token
        assert mask == [1] * n1 + [0] * (len(bridge) - 1) + [1] * (len(mask) - n1 - len(bridge) + 1)
        masked = tokenizer.decode([t for t, m in zip(ids, mask, strict=True) if m == 0])
        assert get_domain("arith").correction_instruction in masked
        trained = tokenizer.decode([t for t, m in zip(ids, mask, strict=True) if m == 1])
        assert "Review your solution" not in trained and "#### 7" in trained
    assert fields["first"] == [WRONG, RIGHT] and fields["second"] == [RIGHT, RIGHT]
    assert fields["first_finish"] == fields["second_finish"] == ["stop", "stop"]
    assert fields["logprobs"] is None


def test_rewards_read_each_attempt_with_the_domain_extractor(tokenizer) -> None:
    fields, _, _ = rollout_fields(tokenizer, [WRONG, RIGHT, RIGHT, WRONG], [RIGHT, WRONG, RIGHT, "no idea"])
    columns = {"problem_id": ["p"] * 4, "question": [QUESTION] * 4, "label": ["7"] * 4,
               "prompts": None, "completions": None, **fields}
    r1 = reward_function("arith", "first")(**columns)
    r2 = reward_function("arith", "second")(**columns)
    assert (r1, r2) == ([0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0])
    w1, w2 = stage_weights(2, 10.0)
    assert [w1 * a + w2 * b for a, b in zip(r1, r2, strict=True)] == [11.0, -9.0, 2.0, 0.0]
    assert reward_function("arith", "first").__name__ == "attempt_1"


def test_a_cut_off_attempt_has_no_answer(tokenizer) -> None:
    fields, _, _ = rollout_fields(tokenizer, [RIGHT], [RIGHT], cut=len(tokenizer(RIGHT, add_special_tokens=False)["input_ids"]))
    assert fields["first_finish"] == ["length"] and fields["first"] == [RIGHT]
    columns = {"problem_id": ["p"], "question": [QUESTION], "label": ["7"], **fields}
    assert reward_function("arith", "first")(**columns) == [0.0]
    assert fields["env_mask"][0].count(0) == len(bridge_ids(tokenizer, "arith"))  # its end token is masked


def test_first_attempt_mask_stops_at_the_bridge() -> None:
    tool = torch.tensor([[1, 1, 0, 0, 1, 1], [1, 0, 0, 1, 1, 1]])
    completion = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]])
    assert first_attempt_mask(tool, completion).tolist() == [[1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]


def test_problems_without_gold_are_left_out_and_none_is_an_error() -> None:
    problems = [Problem("a", "arith", QUESTION, "7", "t"), Problem("b", "arith", QUESTION, None, "t")]
    rows = score_dataset(problems, "arith")
    assert rows["label"] == ["7"] and rows["prompt"] == [get_domain("arith").chat(QUESTION)]
    from scpo_data.errors import ScpoError

    with pytest.raises(ScpoError, match="gold"):
        score_dataset(problems[1:], "arith")


def test_config_defaults_are_the_papers_and_yaml_reaches_grpo_fields(tmp_path: Path) -> None:
    options = tmp_path / "score.yaml"
    options.write_text("num_generations: 4\nloss_type: grpo\nstage: 1\n")
    config = build_score_config(options, {"output_dir": str(tmp_path)})
    assert (config.beta, config.beta2, config.alpha, config.learning_rate, config.temperature) == \
        (0.01, 0.1, 10.0, 5e-6, 1.0)
    assert (config.num_generations, config.loss_type, config.reward_weights) == (4, "grpo", [0.0, 1.0])
    assert config.max_completion_length == get_domain("arith").max_tokens
    assert build_score_config(None, {"output_dir": str(tmp_path)}).reward_weights == [-9.0, 11.0]


def test_builtin_problems_are_the_domains_count_drawn_with_the_training_seed(tmp_path: Path) -> None:
    from scpo_data.train.score import load_score_problems

    drawn = load_score_problems("builtin", build_score_config(None, {"output_dir": str(tmp_path), "seed": 7}))
    assert len(drawn) == get_domain("arith").builtin_count
    assert drawn[0].problem_id.startswith("generate-7-") and all(p.gold for p in drawn)


def small_config(tmp_path: Path, **extra: object):
    values = {"output_dir": str(tmp_path / "out"), "num_generations": 2, "per_device_train_batch_size": 4,
              "max_steps": 2, "max_completion_length": 12, "logging_steps": 1, "bf16": False,
              "disable_tqdm": True, "save_strategy": "no", "dataloader_pin_memory": False, **extra}
    return build_score_config(None, values)


def problems(n: int = 2) -> list[Problem]:
    return [Problem(r["id"], "arith", r["question"], r["answer"].split("####")[-1].strip(), "t")
            for r in generate_arith(n, seed=3)]


def test_stage_one_kl_on_attempt_one_is_trls_kl_reduction(tmp_path: Path, tokenizer) -> None:
    """Stage 1's extra term is TRL's own KL term restricted to attempt 1: for every loss type,
    TRL's loss at beta b + x minus at b equals x times :meth:`ScoreTrainer.aggregate` of the KL."""
    from scpo_data.train.lora import load_policy

    policy, tok, _ = load_policy("embedded", None, device="cpu")
    generate = scripted(tokenizer, [WRONG, RIGHT, WRONG, RIGHT], [RIGHT, RIGHT, WRONG, WRONG])
    trainer = ScoreTrainer(policy, args=small_config(tmp_path, stage=1), generate=generate, processing_class=tok,
                           train_dataset=score_dataset(problems(), "arith"))
    with torch.no_grad():  # move the policy off its reference so the KL is not zero
        for parameter in trainer.model.parameters():
            parameter.add_(0.01 * torch.randn_like(parameter))
    trainer.model.eval()
    batch = trainer._generate_and_score_completions([dict(row) for row in trainer.train_dataset for _ in range(2)])
    first = first_attempt_mask(batch["tool_mask"], batch["completion_mask"])
    mask = batch["completion_mask"] * batch["tool_mask"]
    assert 0 < first.sum() < mask.sum()
    with torch.no_grad():
        ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
        attention = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
        logps = trainer._get_per_token_logps_and_entropies(trainer.model, ids, attention,
                                                           batch["completion_ids"].size(1))[0]
        kl = kl_per_token(logps, batch["ref_per_token_logps"])
        for loss_type in ("dapo", "grpo", "bnpo", "dr_grpo"):
            trainer.loss_type = loss_type
            trainer.args.stage = 2
            plain = []
            for beta in (0.01, 0.11):
                trainer.beta = beta
                plain.append(trainer._compute_loss(trainer.model, batch))
            assert (plain[1] - plain[0]) / 0.1 == pytest.approx(trainer.aggregate(kl, mask, batch).item(), rel=1e-3)
            trainer.args.stage, trainer.beta = 1, 0.01
            staged = trainer._compute_loss(trainer.model, batch)
            expected = plain[0] + (0.1 - 0.01) * trainer.aggregate(kl * first, mask, batch)
            assert staged.item() == pytest.approx(expected.item(), rel=1e-4)
    assert trainer._metrics["eval"]["kl/attempt_1"][-1] > 0


def test_two_real_steps_on_the_embedded_model(tmp_path: Path) -> None:
    from scpo_data.train.score import train_score

    summary = train_score(problems(), "embedded", small_config(tmp_path, stage=1))
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    assert record["mode"] == "score" and record["stage"] == 1 and record["beta2"] == 0.1
    assert record["global_step"] == 2 and record["trainer"] == "ScoreTrainer"
    for key in ("rewards/attempt_1/mean", "rewards/attempt_2/mean", "kl/attempt_1", "kl/attempt_2"):
        assert key in summary
    assert (tmp_path / "out" / "model.safetensors").is_file()


def write_problems(path: Path, n: int, gold: bool = True) -> Path:
    records = generate_arith(n, seed=4)
    path.write_text("".join(json.dumps({"question": r["question"], **({"answer": r["answer"]} if gold else {})})
                            + "\n" for r in records), encoding="utf-8")
    return path


def test_cli_stage_two_trains_and_the_model_reloads(tmp_path: Path) -> None:
    options = tmp_path / "score.yaml"
    options.write_text("max_steps: 1\nnum_generations: 2\nmax_completion_length: 12\nlogging_steps: 1\n"
                       "bf16: false\nsave_strategy: 'no'\n")
    out = tmp_path / "m1"
    result = CliRunner().invoke(app, ["train", "--mode", "score", "--stage", "2", "--data",
                                      str(write_problems(tmp_path / "p.jsonl", 2)), "--model", "embedded",
                                      "--domain", "arith", "--out", str(out), "--batch-size", "2",
                                      "--config", str(options)])
    assert result.exit_code == 0, result.output
    assert "rewards/attempt_2/mean" in result.output
    record = json.loads((out / "training.json").read_text())
    assert record["stage"] == 2 and record["reward_weights"] == [-9.0, 11.0] and record["alpha"] == 10.0
    from scpo_data.backends.models import load_model, resolve_model

    load_model(resolve_model(str(out)), device="cpu")


def test_cli_lora_trains_an_adapter_that_generate_loads(tmp_path: Path) -> None:
    options = tmp_path / "score.yaml"
    options.write_text("max_steps: 1\nnum_generations: 2\nmax_completion_length: 12\nlogging_steps: 1\n"
                       "bf16: false\nsave_strategy: 'no'\n")
    out = tmp_path / "adapter"
    result = CliRunner().invoke(app, ["train", "--mode", "score", "--stage", "1", "--lora", "--lora-r", "4",
                                      "--data", str(write_problems(tmp_path / "p.jsonl", 2)), "--model", "embedded",
                                      "--domain", "arith", "--out", str(out), "--batch-size", "2",
                                      "--config", str(options)])
    assert result.exit_code == 0, result.output
    assert (out / "adapter_model.safetensors").is_file() and not (out / "model.safetensors").exists()
    record = json.loads((out / "training.json").read_text())
    assert record["mode"] == "score" and record["lora"]["r"] == 4
    from scpo_data.backends.models import load_model, resolve_model

    model, _ = load_model(resolve_model(str(out)), device="cpu")
    assert model.num_parameters() > 100_000_000  # the base with the adapter applied


@pytest.mark.parametrize("args,message", [
    (["--stage", "1"], "--mode score options"),
    (["--mode", "score", "--max-length", "64"], "max_completion_length"),
    (["--mode", "score", "--domain", "nope"], "nope"),
    (["--mode", "score", "--data-nogold"], "gold"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    data = write_problems(tmp_path / "p.jsonl", 2, gold="--data-nogold" not in args)
    args = [a for a in args if a != "--data-nogold"]
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--model", "embedded",
                                      "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_one_step_on_the_gpu(tmp_path: Path) -> None:
    from scpo_data.train.score import train_score

    config = small_config(tmp_path, stage=2, max_steps=1, bf16=torch.cuda.is_bf16_supported())
    assert not config.use_cpu
    summary = train_score(problems(), "embedded", config)
    assert summary["train_runtime"] > 0 and (tmp_path / "out" / "training.json").is_file()
