"""ScpoTrainer on tiny random models: the loss formula, weights, NLL, columns, reference, stock TRL."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import datasets
import pytest
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
from trl import DPOConfig, DPOTrainer

from scpo_data.backends.models import resolve_model
from scpo_data.train.config import MODE_DEFAULTS, ScpoConfig
from scpo_data.train.trainer import WEIGHT, ScpoCollator, ScpoTrainer

QUESTIONS = [
    ("Tom has 3 apples and buys 4 more. How many apples does he have?", "3 + 4 = 7. #### 7", "He has 3. #### 3"),
    ("A box holds 6 eggs. How many eggs are in 2 boxes?", "2 * 6 = 12 eggs. #### 12", "#### 8"),
    ("Sara reads 5 pages a day for 3 days. How many pages?", "5 * 3 = 15. #### 15", "5 + 3 = 8 #### 8"),
    ("What is 10 minus 4?", "10 - 4 = 6 #### 6", "10 - 4 = 5 #### 5"),
]
WEIGHTS = [0.5, 0.0, 1.0, 0.25]


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    """The embedded model's tokenizer (SmolLM2 chat template), loaded offline."""
    return AutoTokenizer.from_pretrained(resolve_model("embedded").path)


def tiny_model(vocab_size: int, seed: int = 0) -> LlamaForCausalLM:
    """A randomly initialised two-layer Llama small enough for 2 CPU cores."""
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=256,
    )
    return LlamaForCausalLM(config)


def pairs_dataset(weights: list[float] = WEIGHTS, with_weight: bool = True) -> datasets.Dataset:
    """A pairs dataset in the exact format ``scpo-data generate`` writes."""
    rows = []
    for (question, chosen, rejected), weight in zip(QUESTIONS, weights, strict=True):
        row = {
            "prompt": [{"role": "user", "content": question}],
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}],
            "chosen_votes": 3,
            "rejected_votes": 1,
            "k": 4,
            "chosen_answer": chosen.rsplit("#### ", 1)[1],
            "rejected_answer": rejected.rsplit("#### ", 1)[1],
            "gold": None,
            "problem_id": question[:10],
            "domain": "gsm8k",
        }
        if with_weight:
            row[WEIGHT] = weight
        rows.append(row)
    return datasets.Dataset.from_list(rows)


def config(tmp_path: Any, **options: Any) -> dict[str, Any]:
    """Training options shared by the tests: fp32, a couple of steps, no saving or reporting."""
    return {
        "output_dir": str(tmp_path / "out"),
        "bf16": False,
        "max_steps": 2,
        "per_device_train_batch_size": 2,
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "dataloader_pin_memory": False,
        **options,
    }


def scpo_trainer(tokenizer: Any, tmp_path: Any, dataset: datasets.Dataset | None = None, **options: Any) -> ScpoTrainer:
    """A ScpoTrainer on a fresh tiny model."""
    return ScpoTrainer(
        tiny_model(len(tokenizer)),
        args=ScpoConfig(**config(tmp_path, **options)),
        train_dataset=dataset if dataset is not None else pairs_dataset(),
        processing_class=tokenizer,
    )


class TableModel(torch.nn.Module):
    """Stands in for a model with TRL's fused LM head: returns fixed per-token log-probs.

    Like the fused head, it reports zero where the label is -100.
    """

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        self.table = torch.nn.Parameter(table.clone())

    def forward(self, input_ids: torch.Tensor, labels: torch.Tensor, **kwargs: Any) -> SimpleNamespace:
        assert kwargs["fused_lm_head"] is True
        return SimpleNamespace(log_probs=self.table * (labels[:, 1:] != -100))


# Pairs of the hand-built batch: (prompt length, chosen length, rejected length, weight).
HAND_PAIRS = [(3, 4, 2, 0.5), (2, 2, 5, 0.0), (4, 3, 4, 1.0)]
SEQ_LEN = 8


def hand_batch() -> dict[str, torch.Tensor]:
    """A collated batch (chosen rows first, then rejected) with varied prompt and response lengths."""
    rows = [(p, c) for p, c, _, _ in HAND_PAIRS] + [(p, r) for p, _, r, _ in HAND_PAIRS]
    completion = torch.zeros(len(rows), SEQ_LEN, dtype=torch.long)
    attention = torch.zeros(len(rows), SEQ_LEN, dtype=torch.long)
    for i, (prompt_len, response_len) in enumerate(rows):
        completion[i, prompt_len : prompt_len + response_len] = 1
        attention[i, : prompt_len + response_len] = 1
    generator = torch.Generator().manual_seed(1)
    return {
        "input_ids": torch.randint(5, 100, (len(rows), SEQ_LEN), generator=generator),
        "attention_mask": attention,
        "completion_mask": completion,
        WEIGHT: torch.tensor([w for *_, w in HAND_PAIRS], dtype=torch.float32),
    }


def log_prob_table(seed: int) -> torch.Tensor:
    """Per-token log-probabilities in (-3, -0.1), float64, one per next-token position."""
    generator = torch.Generator().manual_seed(seed)
    return -0.1 - 2.9 * torch.rand(2 * len(HAND_PAIRS), SEQ_LEN - 1, generator=generator, dtype=torch.float64)


def sequence_logp(table: torch.Tensor, completion: torch.Tensor, row: int) -> float:
    """Sum of the log-probs of one row's response tokens (position t scores token t + 1)."""
    return sum(float(table[row, t]) for t in range(SEQ_LEN - 1) if completion[row, t + 1] == 1)


def expected_loss(policy: torch.Tensor, reference: torch.Tensor, batch: dict, mode: str) -> float:
    """The ScPO formula of DESIGN.md step 7, computed with plain floats."""
    defaults = MODE_DEFAULTS[mode]
    n, completion = len(HAND_PAIRS), batch["completion_mask"]
    total = 0.0
    for i, (_, chosen_len, _, weight) in enumerate(HAND_PAIRS):
        w = weight if defaults.use_weights else 1.0
        chosen, rejected = sequence_logp(policy, completion, i), sequence_logp(policy, completion, n + i)
        ref_chosen, ref_rejected = sequence_logp(reference, completion, i), sequence_logp(reference, completion, n + i)
        margin = (chosen - ref_chosen) - (rejected - ref_rejected)
        log_sigmoid = -math.log1p(math.exp(-defaults.beta * margin))
        total += -w * log_sigmoid - defaults.alpha * w * chosen / chosen_len
    return total / n


def table_trainer(tokenizer: Any, tmp_path: Any, mode: str) -> ScpoTrainer:
    """A trainer whose reference model is replaced by a fixed log-prob table."""
    trainer = scpo_trainer(tokenizer, tmp_path, mode=mode)
    trainer.ref_model = TableModel(log_prob_table(seed=2)).requires_grad_(False)
    return trainer


@pytest.mark.parametrize("mode", ["scpo", "irpo", "dpo"])
def test_loss_equals_formula_on_known_log_probs(tokenizer: Any, tmp_path: Any, mode: str) -> None:
    trainer = table_trainer(tokenizer, tmp_path, mode)
    batch = hand_batch()
    policy = TableModel(log_prob_table(seed=1))

    loss = trainer.compute_loss(policy, batch)

    expected = expected_loss(policy.table.detach(), trainer.ref_model.table, batch, mode)
    assert abs(loss.item() - expected) < 1e-6


@pytest.mark.parametrize(("mode", "zero_grad"), [("scpo", True), ("irpo", False)])
def test_zero_weight_pair_contributes_no_gradient(tokenizer: Any, tmp_path: Any, mode: str, zero_grad: bool) -> None:
    trainer = table_trainer(tokenizer, tmp_path, mode)
    batch = hand_batch()
    policy = TableModel(log_prob_table(seed=1))

    trainer.compute_loss(policy, batch).backward()

    grad, n = policy.table.grad, len(HAND_PAIRS)
    zero_pair = [w for *_, w in HAND_PAIRS].index(0.0)
    rows_of_zero_pair = grad[[zero_pair, n + zero_pair]]
    assert bool((rows_of_zero_pair == 0).all()) is zero_grad  # in irpo the same pair has w = 1
    other_rows = [i for i in range(2 * n) if i not in (zero_pair, n + zero_pair)]
    assert (grad[other_rows].abs().sum(dim=1) > 0).all()


def test_nll_is_per_sequence_and_divided_by_chosen_length(tokenizer: Any, tmp_path: Any) -> None:
    trainer = table_trainer(tokenizer, tmp_path, "scpo")
    batch = hand_batch()
    policy = TableModel(log_prob_table(seed=1))

    trainer.compute_loss(policy, batch)

    completion, table = batch["completion_mask"], policy.table.detach()
    per_sequence = [
        -sequence_logp(table, completion, i) / chosen_len for i, (_, chosen_len, _, _) in enumerate(HAND_PAIRS)
    ]
    token_mean = -sum(sequence_logp(table, completion, i) for i in range(len(HAND_PAIRS))) / sum(
        chosen_len for _, chosen_len, _, _ in HAND_PAIRS
    )
    logged = trainer._metrics["train"]["nll"][-1]
    assert logged == pytest.approx(sum(per_sequence) / len(per_sequence), abs=1e-6)
    assert abs(logged - token_mean) > 1e-3  # the batch tells the two normalisations apart


def test_collator_carries_weight_as_float_tensor() -> None:
    collator = ScpoCollator(pad_token_id=0)
    examples = [
        {"prompt_ids": [1, 2], "chosen_ids": [3], "rejected_ids": [4, 5], WEIGHT: 0.75},
        {"prompt_ids": [6], "chosen_ids": [7, 8], "rejected_ids": [9], WEIGHT: 0.0},
    ]

    batch = collator(examples)
    unweighted = collator([{k: v for k, v in ex.items() if k != WEIGHT} for ex in examples])

    assert batch[WEIGHT].dtype == torch.float32
    assert batch[WEIGHT].tolist() == [0.75, 0.0]
    assert WEIGHT not in unweighted
    assert torch.equal(unweighted["input_ids"], batch["input_ids"])


def test_weight_column_survives_column_pruning(tokenizer: Any, tmp_path: Any) -> None:
    trainer = scpo_trainer(tokenizer, tmp_path, per_device_train_batch_size=len(WEIGHTS))

    batch = next(iter(trainer.get_train_dataloader()))

    assert sorted(batch[WEIGHT].tolist()) == sorted(WEIGHTS)
    assert not {"chosen_votes", "domain", "gold", "prompt"} & set(batch)


@pytest.mark.parametrize(
    ("mode", "with_weight", "mean_weight"),
    [
        ("scpo", True, sum(WEIGHTS) / len(WEIGHTS)),
        ("scpo", False, 1.0),
        ("irpo", True, 1.0),
    ],
)
def test_training_uses_weights_only_in_scpo_mode_with_the_column(
    tokenizer: Any, tmp_path: Any, mode: str, with_weight: bool, mean_weight: float
) -> None:
    dataset = pairs_dataset(with_weight=with_weight)
    trainer = scpo_trainer(tokenizer, tmp_path, dataset, mode=mode, max_steps=1, per_device_train_batch_size=4)

    trainer.train()

    logs = trainer.state.log_history[0]
    assert logs["weight"] == pytest.approx(mean_weight)
    assert {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "nll"} <= set(logs)
    assert math.isfinite(logs["loss"])


def test_reference_is_a_frozen_copy_of_the_starting_model(tokenizer: Any, tmp_path: Any) -> None:
    trainer = scpo_trainer(tokenizer, tmp_path, learning_rate=1e-2)
    start = {name: p.detach().clone() for name, p in trainer.model.named_parameters()}

    trainer.train()

    reference = dict(trainer.ref_model.named_parameters())
    assert trainer.ref_model is not trainer.model
    assert all(torch.equal(reference[name], value) for name, value in start.items())
    assert not any(p.requires_grad for p in reference.values())
    assert any(not torch.equal(p, start[name]) for name, p in trainer.model.named_parameters())


def test_precomputed_reference_log_probs_with_weights(tokenizer: Any, tmp_path: Any) -> None:
    model = tiny_model(len(tokenizer))
    trainer = ScpoTrainer(
        model,
        args=ScpoConfig(**config(tmp_path, precompute_ref_log_probs=True, max_steps=1, per_device_train_batch_size=4)),
        train_dataset=pairs_dataset(),
        processing_class=tokenizer,
        data_collator=ScpoCollator(pad_token_id=tokenizer.pad_token_id),
    )

    trainer.train()

    assert trainer.ref_model is None
    assert {"ref_chosen_logps", "ref_rejected_logps", WEIGHT} <= set(trainer.train_dataset.column_names)
    logs = trainer.state.log_history[0]
    assert logs["weight"] == pytest.approx(sum(WEIGHTS) / len(WEIGHTS))
    assert logs["rewards/chosen"] == 0.0  # the first step's policy is the reference


def test_rejects_a_plain_dpo_config(tokenizer: Any, tmp_path: Any) -> None:
    with pytest.raises(TypeError, match="ScpoConfig"):
        ScpoTrainer(
            tiny_model(len(tokenizer)),
            args=DPOConfig(**config(tmp_path)),
            train_dataset=pairs_dataset(),
            processing_class=tokenizer,
        )


def test_pairs_dataset_trains_unchanged_with_stock_dpo_trainer(tokenizer: Any, tmp_path: Any) -> None:
    model = tiny_model(len(tokenizer))
    start = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainer = DPOTrainer(
        model,
        ref_model=tiny_model(len(tokenizer)),
        args=DPOConfig(**config(tmp_path, learning_rate=1e-2)),
        train_dataset=pairs_dataset(),
        processing_class=tokenizer,
    )

    trainer.train()

    assert math.isfinite(trainer.state.log_history[0]["loss"])
    assert any(not torch.equal(p, start[name]) for name, p in model.named_parameters())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_one_training_step_on_gpu(tokenizer: Any, tmp_path: Any) -> None:
    torch.manual_seed(0)
    small = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
    )
    trainer = ScpoTrainer(
        LlamaForCausalLM(small),
        args=ScpoConfig(**{**config(tmp_path, max_steps=1, per_device_train_batch_size=4), "bf16": None}),
        train_dataset=pairs_dataset(),
        processing_class=tokenizer,
    )

    trainer.train()

    assert trainer.model.device.type == "cuda"
    logs = trainer.state.log_history[0]
    assert math.isfinite(logs["loss"])
    assert logs["weight"] == pytest.approx(sum(WEIGHTS) / len(WEIGHTS))
