"""The thin ScPO trainer: TRL's ``DPOTrainer`` with a per-pair weight and a per-sequence NLL term.

TRL 1.16 has neither a per-example weight nor a length-normalised, per-sequence NLL
on the chosen response (its ``"sft"`` loss is a batch-mean token NLL). This module
adds both and nothing else: data preparation, reference handling (a frozen copy, a
PEFT adapter, or precomputed log-probs), logging and saving stay TRL's.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from trl import DPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference

from scpo_data.train.config import ScpoConfig

logger = logging.getLogger(__name__)

#: The dataset column (and batch key) that holds each pair's weight w = (V+ - V-) / k.
WEIGHT = "weight"


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
    previous iteration's model. The ``weight`` column survives TRL's column pruning and
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


def train_model(data: str, model: str, config: ScpoConfig) -> dict[str, float]:
    """Train ``model`` on the pairs in ``data`` and save the result to ``config.output_dir``.

    The saved folder (weights, tokenizer, ``trainer_state.json`` with the log history)
    is a model that ``resolve_model`` / ``scpo-data generate --model`` loads for the next
    iteration. The starting model is also the frozen reference.

    Args:
        data: A run folder, a dataset folder, or a Hub dataset id (see :func:`scpo_data.train.data.load_pairs`).
        model: ``embedded``, a local model folder, or a Hub model id (see :func:`scpo_data.backends.models.resolve_model`).
        config: The training configuration.

    Returns:
        The last logged training metrics merged with the run summary (``train_loss``, ``train_runtime`` ...).

    Raises:
        ScpoError: When the data or the model cannot be loaded.
    """
    from scpo_data.backends.models import load_model, resolve_model
    from scpo_data.train.data import load_pairs

    pairs = load_pairs(data)
    if config.use_weights and WEIGHT not in pairs.column_names:
        logger.warning("%s has no %r column: training with w = 1", data, WEIGHT)
    policy, tokenizer = load_model(resolve_model(model), dtype="float32")
    use_cache = policy.config.use_cache
    trainer = ScpoTrainer(policy, args=config, train_dataset=pairs, processing_class=tokenizer)
    return train_and_save(trainer, config.output_dir, use_cache)


def train_and_save(trainer: Any, output_dir: str, use_cache: bool | None = None) -> dict[str, float]:
    """Train, save the model and the trainer state to ``output_dir``, and return the last logged metrics.

    Args:
        trainer: A transformers/TRL trainer.
        output_dir: Where the model and ``trainer_state.json`` go.
        use_cache: The model's KV-cache setting to save (Trainer turns it off for training;
            the saved model generates with it); None keeps what the model has.
    """
    trainer.train()
    if use_cache is not None:
        trainer.model.config.use_cache = use_cache
    trainer.save_model(output_dir)
    trainer.save_state()
    summary: dict[str, float] = {}
    for entry in trainer.state.log_history:
        summary.update(entry)
    return summary
