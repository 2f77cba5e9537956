"""The thin ScPO trainer: TRL's ``DPOTrainer`` with a per-pair weight and a per-sequence NLL term.

TRL 1.16 has neither a per-example weight nor a length-normalised, per-sequence NLL
on the chosen response (its ``"sft"`` loss is a batch-mean token NLL). This module
adds both and nothing else: data preparation, reference handling (a frozen copy, a
PEFT adapter, or precomputed log-probs), logging and saving stay TRL's.

:func:`train_and_save` is shared with SFT: it resumes from the output folder's last
checkpoint when asked, saves the model (or the LoRA adapter, merged on request), and
writes ``training.json``, the settings and results the model card reports.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from trl import DPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference

from scpo_data.publish.model_card import TRAINING_FILE
from scpo_data.train.config import ScpoConfig
from scpo_data.train.lora import ADAPTER_SUBDIR, LoraSpec, is_adapter, load_policy, merge_adapter

logger = logging.getLogger(__name__)

#: The dataset column (and batch key) that holds each pair's weight w = (V+ - V-) / k.
WEIGHT = "weight"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


@dataclass(frozen=True)
class RunOptions:
    """How a training run treats its model and its output folder (ScPO and SFT alike).

    Attributes:
        lora: Train a LoRA adapter of this shape instead of every weight (None: full fine-tuning).
        merge: With ``lora``, write the merged model to the output folder (the adapter to ``OUT/adapter``).
        resume: Continue from the output folder's last checkpoint (:func:`last_checkpoint`) when there is
            one and the checkpoints hold the optimizer state (not ``save_only_model``).
        announce: Called on the main process with a one-line message when training resumes.
        subset: The config of a dataset folder or Hub dataset to train on (``--data-config``),
            e.g. ``star`` or ``preference`` of a ``scpo-data correct`` run; None: its only one.
    """

    lora: LoraSpec | None = None
    merge: bool = False
    resume: bool = False
    announce: Callable[[str], None] | None = None
    subset: str | None = None

    def __post_init__(self) -> None:
        """Refuse ``merge`` without ``lora`` (ScpoError), before anything loads or is written."""
        from scpo_data.errors import ScpoError

        if self.merge and self.lora is None:
            raise ScpoError("--merge merges a LoRA adapter: use it with --lora")


@dataclass
class ScpoCollator(DataCollatorForPreference):
    """TRL's preference collator that also carries each pair's ``weight`` as a float32 tensor.

    Examples without a ``weight`` key give the same batch as ``DataCollatorForPreference``.
    """

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        """Collate ``examples`` into TRL's padded batch, plus ``weight`` of shape ``(batch,)`` when present."""
        batch = super().torch_call(examples)
        if WEIGHT in examples[0]:
            batch[WEIGHT] = torch.tensor([float(example[WEIGHT]) for example in examples], dtype=torch.float32)
        return batch


def scpo_loss(
    chosen_logps: torch.Tensor,
    rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    chosen_lengths: torch.Tensor,
    weights: torch.Tensor,
    beta: float,
    alpha: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The weighted DPO + length-normalised NLL loss of ScPO (DESIGN.md step 7).

    ``L = mean_i [ -w_i * log sigmoid(beta * margin_i) + alpha * w_i * nll_i ]`` with
    ``margin_i = (log pi(y+) - log ref(y+)) - (log pi(y-) - log ref(y-))`` and
    ``nll_i = -log pi(y+) / |y+|``.

    Args:
        chosen_logps: Summed log-probabilities of each chosen response under the policy, ``(batch,)``.
        rejected_logps: The same for each rejected response.
        ref_chosen_logps: Summed log-probabilities of each chosen response under the reference.
        ref_rejected_logps: The same for each rejected response.
        chosen_lengths: Number of scored tokens of each chosen response (clamped to at least 1).
        weights: Per-pair weights ``w``.
        beta: The DPO temperature.
        alpha: The coefficient of the NLL term.

    Returns:
        ``(loss, nll)``: the scalar loss and the per-pair length-normalised NLL of the chosen response.
    """
    margin = (chosen_logps - ref_chosen_logps) - (rejected_logps - ref_rejected_logps)
    nll = -chosen_logps / chosen_lengths.clamp(min=1)
    per_pair = weights * (-F.logsigmoid(beta * margin) + alpha * nll)
    return per_pair.mean(), nll


def frozen_copy(model: torch.nn.Module) -> torch.nn.Module:
    """A deep copy of ``model`` in eval mode with every parameter frozen (the reference policy)."""
    reference = copy.deepcopy(model)
    reference.requires_grad_(False)
    return reference.eval()


class ScpoTrainer(DPOTrainer):
    """``DPOTrainer`` with the ScPO loss: per-pair weights from the data and a weighted per-sequence NLL.

    Takes the same arguments as ``trl.DPOTrainer`` with ``args`` a :class:`ScpoConfig`.
    When no ``ref_model`` is given (and neither PEFT nor precomputed reference
    log-probs are used), the reference is a frozen copy of ``model`` as passed in: the
    previous iteration's model. With PEFT (a ``peft_config``, or a ``PeftModel``) there is
    no copy: TRL computes the reference with the adapter disabled (or with a frozen
    ``ref`` copy of a pre-trained adapter). The ``weight`` column survives TRL's column pruning and
    reaches the loss through :class:`ScpoCollator`; a dataset without it trains with
    w = 1, as do the ``irpo`` and ``dpo`` modes.

    Logged metrics: ``rewards/chosen``, ``rewards/rejected``, ``rewards/margins``,
    ``rewards/accuracies``, ``logps/chosen``, ``logps/rejected``, ``nll`` (the mean
    length-normalised NLL of the chosen responses) and ``weight`` (the mean pair weight).
    """

    _tag_names = ["trl", "dpo", "scpo"]
    _name = "ScPO"
    _paper = {
        "title": "Self-Consistency Preference Optimization",
        "id": "2411.04109",
        "citation": (
            "@inproceedings{prasad2025self,\n"
            "    title     = {{Self-Consistency Preference Optimization}},\n"
            "    author    = {Archiki Prasad and Weizhe Yuan and Richard Yuanzhe Pang and Jing Xu and Maryam "
            "Fazel-Zarandi and Mohit Bansal and Sainbayar Sukhbaatar and Jason Weston and Jane Yu},\n"
            "    year      = 2025,\n"
            "    booktitle = {Forty-second International Conference on Machine Learning, ICML 2025},\n"
            "}"
        ),
    }

    def __init__(self, model: Any, ref_model: Any = None, args: ScpoConfig | None = None, **kwargs: Any) -> None:
        if not isinstance(args, ScpoConfig):
            raise TypeError(f"args must be a ScpoConfig, got {type(args).__name__}")
        if (
            ref_model is None
            and isinstance(model, torch.nn.Module)
            and kwargs.get("peft_config") is None
            and not is_adapter(model)
            and not args.precompute_ref_log_probs
        ):
            ref_model = frozen_copy(model)
        super().__init__(model, ref_model=ref_model, args=args, **kwargs)
        if type(self.data_collator) is DataCollatorForPreference:
            self.data_collator = ScpoCollator(**vars(self.data_collator))

    def _set_signature_columns_if_needed(self) -> None:
        """Keep the ``weight`` column when TRL prunes the columns the model does not take."""
        super()._set_signature_columns_if_needed()
        if WEIGHT not in self._signature_columns:
            self._signature_columns.append(WEIGHT)

    def compute_ref_log_probs(self, model: Any, inputs: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """TRL's reference log-probs of a batch, with the ``weight`` entry kept away from the model."""
        return super().compute_ref_log_probs(model, {k: v for k, v in inputs.items() if k != WEIGHT})

    def _compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool) -> Any:
        """The ScPO loss of one batch (TRL's ``compute_loss`` calls this), recording the batch's metrics."""
        mode = "train" if self.model.training else "eval"
        model_kwargs = {
            "input_ids": inputs["input_ids"],
            "attention_mask": inputs["attention_mask"],
            "use_cache": False,
        }
        if self.aux_loss_enabled:
            model_kwargs["output_router_logits"] = True
        completion_mask = inputs["completion_mask"]
        labels = inputs["input_ids"].masked_fill(completion_mask == 0, -100)
        outputs = model(**model_kwargs, labels=labels, fused_lm_head=True)
        scored = completion_mask[:, 1:]  # the fused head's log-probs are already zero off the completion
        per_token_logps = outputs.log_probs[:, -scored.size(1) :]
        chosen_logps, rejected_logps = per_token_logps.sum(dim=1).chunk(2, dim=0)
        chosen_lengths = scored.chunk(2, dim=0)[0].sum(dim=1)

        if self.precompute_ref_logps:
            ref_chosen_logps, ref_rejected_logps = inputs["ref_chosen_logps"], inputs["ref_rejected_logps"]
        else:
            reference = self.ref_model if self.ref_model is not None else self.model
            ref_chosen_logps, ref_rejected_logps = self.compute_ref_log_probs(reference, inputs)

        weights = self._pair_weights(inputs, chosen_logps)
        loss, nll = scpo_loss(
            chosen_logps,
            rejected_logps,
            ref_chosen_logps,
            ref_rejected_logps,
            chosen_lengths,
            weights,
            beta=self.beta,
            alpha=self.args.alpha,
        )
        if self.aux_loss_enabled:
            loss = loss + self.router_aux_loss_coef * outputs.aux_loss
        self._record_metrics(
            mode,
            chosen_rewards=self.beta * (chosen_logps - ref_chosen_logps),
            rejected_rewards=self.beta * (rejected_logps - ref_rejected_logps),
            chosen_logps=chosen_logps,
            rejected_logps=rejected_logps,
            nll=nll,
            weights=weights,
        )
        if return_outputs:  # TRL's deprecated path for compute_metrics: logits need a plain forward
            with torch.no_grad():
                outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
            return loss, outputs
        return loss

    def _pair_weights(self, inputs: dict[str, Any], like: torch.Tensor) -> torch.Tensor:
        """The batch's pair weights: the ``weight`` column in ``scpo`` mode when present, else ones."""
        if self.args.use_weights and WEIGHT in inputs:
            return inputs[WEIGHT].to(device=like.device, dtype=like.dtype)
        return torch.ones_like(like)

    def _record_metrics(
        self,
        mode: str,
        *,
        chosen_rewards: torch.Tensor,
        rejected_rewards: torch.Tensor,
        chosen_logps: torch.Tensor,
        rejected_logps: torch.Tensor,
        nll: torch.Tensor,
        weights: torch.Tensor,
    ) -> None:
        """Append this batch's means (gathered over processes) to the metrics that ``log`` reports."""
        per_pair = {
            "rewards/chosen": chosen_rewards,
            "rewards/rejected": rejected_rewards,
            "rewards/margins": chosen_rewards - rejected_rewards,
            "rewards/accuracies": (chosen_rewards > rejected_rewards).float(),
            "logps/chosen": chosen_logps,
            "logps/rejected": rejected_logps,
            "nll": nll,
            "weight": weights,
        }
        gather = self.accelerator.gather_for_metrics
        means = torch.stack([gather(values.detach()).float().mean() for values in per_pair.values()]).tolist()
        for name, mean in zip(per_pair, means, strict=True):  # one device sync for all of them
            self._metrics[mode][name].append(mean)


def train_model(
    data: str,
    model: str,
    config: ScpoConfig,
    options: RunOptions = RunOptions(),
) -> dict[str, float]:
    """Train ``model`` on the pairs in ``data`` and save the result to ``config.output_dir``.

    The saved folder (weights or a LoRA adapter, tokenizer, ``trainer_state.json`` with the
    log history, ``training.json``) is a model that ``resolve_model`` / ``scpo-data generate
    --model`` loads for the next iteration. The starting model is also the frozen
    reference (with LoRA: the policy with its new adapter disabled).

    Args:
        data: A run folder, a dataset folder, or a Hub dataset id (see :func:`scpo_data.train.data.load_pairs`).
        model: ``embedded``, a local model or adapter folder, or a Hub model id (see
            :func:`scpo_data.backends.models.resolve_model`).
        config: The training configuration.
        options: LoRA, merge and resume (:class:`RunOptions`; default: full fine-tuning from scratch).

    Returns:
        The last logged training metrics merged with the run summary (``train_loss``, ``train_runtime`` ...).

    Raises:
        ScpoError: When the data or the model cannot be loaded.
    """
    from scpo_data.backends.models import resolve_model
    from scpo_data.train.data import load_pairs

    pairs = load_pairs(data, options.subset)
    if config.use_weights and WEIGHT not in pairs.column_names:
        logger.warning("%s has no %r column: training with w = 1", data, WEIGHT)
    policy, tokenizer, peft_config = load_policy(model, options.lora, device="cpu" if config.use_cpu else None)
    use_cache = policy.config.use_cache
    trainer = ScpoTrainer(policy, args=config, train_dataset=pairs, processing_class=tokenizer,
                          peft_config=peft_config)
    info = {"mode": config.mode, "beta": config.beta, "alpha": config.alpha, "use_weights": config.use_weights,
            **training_info(data, resolve_model(model), options.lora)}
    return train_and_save(trainer, config.output_dir, use_cache, options=options, info=info)


def training_info(data: str, model: Any, lora: LoraSpec | None) -> dict[str, Any]:
    """What every training run records about its inputs: the data, the starting model, the adapter.

    Args:
        data: The ``--data`` the user gave.
        model: The resolved starting model (a :class:`scpo_data.backends.models.ModelRef`).
        lora: The adapter shape, or None for full fine-tuning.
    """
    return {"data": data, "base_model": model.identity, "base_model_id": _hub_model_id(model),
            "lora": lora.describe() if lora is not None else None}


def _hub_model_id(model: Any) -> str | None:
    """The Hub id a model descends from: its own, the embedded model's, or the one its ``training.json`` names."""
    from scpo_data.backends.models import EMBEDDED, EMBEDDED_ARITH, EMBEDDED_NAME

    if model.spec in (EMBEDDED, EMBEDDED_ARITH):
        return EMBEDDED_NAME
    if model.identity.startswith("hub:"):
        return model.spec
    record = Path(model.path) / TRAINING_FILE
    return json.loads(record.read_text(encoding="utf-8")).get("base_model_id") if record.is_file() else None


@dataclass(frozen=True)
class Checkpoint:
    """A resumable checkpoint folder and the optimizer step it was saved at."""

    path: Path
    step: int


def last_checkpoint(output_dir: str | Path) -> Checkpoint | None:
    """The output folder's latest complete checkpoint (one with its ``trainer_state.json``), or None.

    A checkpoint cut short by a kill lacks the trainer state and is passed over.
    """
    folder = Path(output_dir)
    found = [(int(m.group(1)), p) for p in folder.glob("checkpoint-*") if (m := _CHECKPOINT.match(p.name))]
    for step, path in sorted(found, reverse=True):
        if (path / "trainer_state.json").is_file():
            return Checkpoint(path, step)
    return None


def train_and_save(
    trainer: Any,
    output_dir: str,
    use_cache: bool | None = None,
    *,
    options: RunOptions = RunOptions(),
    info: Mapping[str, Any] | None = None,
) -> dict[str, float]:
    """Train, save the model and the trainer state to ``output_dir``, and return the last logged metrics.

    Args:
        trainer: A transformers/TRL trainer.
        output_dir: Where the model (or adapter), ``trainer_state.json`` and ``training.json`` go.
        use_cache: The model's KV-cache setting to save (Trainer turns it off for training;
            the saved model generates with it); None keeps what the model has.
        options: Merge (for a model with an adapter) and resume; ``lora`` is the trainer's business.
        info: Settings to record in ``training.json`` beside the trainer's own.
    """
    model = trainer.accelerator.unwrap_model(trainer.model)
    merge = options.merge and is_adapter(model)
    resume = options.resume and not trainer.args.save_only_model
    checkpoint = last_checkpoint(output_dir) if resume else None
    if checkpoint is not None and options.announce is not None and trainer.is_world_process_zero():
        options.announce(f"resuming from step {checkpoint.step} ({checkpoint.path})")
    trainer.train(resume_from_checkpoint=str(checkpoint.path) if checkpoint else None)
    if use_cache is not None:
        model.config.use_cache = use_cache
    output = Path(output_dir)
    trainer.save_model(str(output / ADAPTER_SUBDIR if merge else output))
    trainer.save_state()
    summary: dict[str, float] = {}
    for entry in trainer.state.log_history:
        summary.update(entry)
    if trainer.is_world_process_zero():
        if merge:
            merge_adapter(output / ADAPTER_SUBDIR, output)
        _write_training_info(output, trainer, info or {}, summary, merged=merge,
                             resumed_from=checkpoint.step if checkpoint else None)
    trainer.accelerator.wait_for_everyone()
    return summary


def _write_training_info(output: Path, trainer: Any, info: Mapping[str, Any], summary: Mapping[str, float],
                         merged: bool, resumed_from: int | None) -> None:
    """Write ``training.json``: ``info``, the optimisation settings, the process count and the final metrics."""
    from scpo_data.manifest import package_versions

    args = trainer.args
    record = {
        **info,
        "trainer": type(trainer).__name__,
        "merged": merged,
        "learning_rate": args.learning_rate,
        "lr_scheduler_type": str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
        "num_train_epochs": args.num_train_epochs,
        "max_steps": args.max_steps,
        "global_step": trainer.state.global_step,
        "per_device_train_batch_size": args.per_device_train_batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "world_size": args.world_size,
        "max_length": getattr(args, "max_length", None),
        "seed": args.seed,
        "resumed_from_step": resumed_from,
        "metrics": {key: value for key, value in summary.items() if isinstance(value, (int, float))},
        "versions": package_versions(),
    }
    (output / TRAINING_FILE).write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
