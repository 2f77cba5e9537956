"""The thin SCoRe trainer: TRL's ``GRPOTrainer`` with a two-attempt rollout and a per-attempt KL.

``scpo-data train --mode score --stage 1|2`` (SCoRe, Kumar et al., arXiv 2409.12917).
Rollouts come from :class:`scpo_data.train.score_rollout.TwoAttemptRollout` through TRL's
``rollout_func`` (attempt 1, the masked correction instruction, attempt 2, sampled with the
policy itself); rewards from :mod:`scpo_data.train.score_rewards`, weighted by stage
(:func:`scpo_data.train.score_config.stage_weights`). TRL computes the group-normalised
advantages, the clipped policy loss and a KL of coefficient ``beta`` on every model token.

TRL's KL has one coefficient for the whole completion. Stage 1 needs ``beta2`` on attempt
1's tokens, so :class:`ScoreTrainer` adds ``(beta2 - beta) * KL`` on those tokens, with
TRL's estimator (k3) and TRL's normalisation for the configured ``loss_type``, the way
:class:`scpo_data.train.trainer.ScpoTrainer` adds its weights: the policy's per-token
log-probabilities of the loss's own forward pass are reused, nothing is recomputed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from trl import GRPOTrainer

from scpo_data.errors import ScpoError
from scpo_data.records import Problem
from scpo_data.train.lora import is_adapter, load_policy
from scpo_data.train.score_config import ScoreConfig
from scpo_data.train.score_rewards import reward_function
from scpo_data.train.score_rollout import Generator, TwoAttemptRollout, hf_generate
from scpo_data.train.trainer import RunOptions, frozen_copy, train_and_save, training_info


def kl_per_token(logps: torch.Tensor, ref_logps: torch.Tensor) -> torch.Tensor:
    """TRL's per-token KL estimate (k3): exp(ref - logp) - (ref - logp) - 1."""
    return torch.exp(ref_logps - logps) - (ref_logps - logps) - 1


def first_attempt_mask(tool_mask: torch.Tensor, completion_mask: torch.Tensor) -> torch.Tensor:
    """1 on attempt 1's tokens: the completion tokens before the first masked (bridge) token."""
    return torch.cumprod(tool_mask, dim=1) * completion_mask


def score_dataset(problems: Sequence[Problem], domain: str) -> Any:
    """The training prompts: one row per problem with a gold answer.

    Columns: ``prompt`` (the domain's one-turn chat), ``problem_id``, ``question`` and
    ``label`` (the canonical gold key the rewards compare against).

    Raises:
        ScpoError: When no problem has a gold answer.
    """
    import datasets

    from scpo_data.domains import get_domain
    from scpo_data.generate.answers import gold_keys

    spec = get_domain(domain)
    labels = gold_keys(problems, domain)
    rows = [{"prompt": spec.chat(p.question), "problem_id": p.problem_id, "question": p.question,
             "label": labels[p.problem_id]} for p in problems if labels[p.problem_id] is not None]
    if not rows:
        raise ScpoError("SCoRe training rewards attempts against gold answers, and none of the problems has one "
                        "(a file needs an answer column)")
    return datasets.Dataset.from_list(rows)


class ScoreTrainer(GRPOTrainer):
    """``GRPOTrainer`` for SCoRe: the two-attempt rollout, the attempt rewards, and stage 1's KL on attempt 1.

    Takes ``GRPOTrainer``'s arguments except ``reward_funcs`` and ``rollout_func``, which
    follow from ``args`` (a :class:`ScoreConfig`). The reference is a frozen copy of
    ``model`` as passed (TRL would reload it from its path), or, with PEFT, the policy with
    the adapter disabled. Logged beside TRL's metrics: ``kl/attempt_1`` and
    ``kl/attempt_2``, the mean KL per token of each attempt (when ``beta`` > 0).

    Args:
        generate: How the rollout samples (default: the policy through transformers).
    """

    _tag_names = ["trl", "grpo", "score"]
    _name = "SCoRe"
    _paper = {
        "title": "Training Language Models to Self-Correct via Reinforcement Learning",
        "id": "2409.12917",
        "citation": (
            "@article{kumar2024training,\n"
            "    title   = {{Training Language Models to Self-Correct via Reinforcement Learning}},\n"
            "    author  = {Aviral Kumar and Vincent Zhuang and Rishabh Agarwal and Yi Su and John D. Co-Reyes and "
            "Avi Singh and Kate Baumli and Shariq Iqbal and Colton Bishop and Rebecca Roelofs and Lei M. Zhang and "
            "Kay McKinney and Disha Shrivastava and Cosmin Paduraru and George Tucker and Doina Precup and Feryal "
            "Behbahani and Aleksandra Faust},\n"
            "    year    = 2024,\n"
            "    eprint  = {arXiv:2409.12917},\n"
            "}"
        ),
    }

    def __init__(self, model: Any, args: ScoreConfig, generate: Generator = hf_generate, **kwargs: Any) -> None:
        if not isinstance(args, ScoreConfig):
            raise TypeError(f"args must be a ScoreConfig, got {type(args).__name__}")
        own_reference = (isinstance(model, torch.nn.Module) and args.beta != 0 and kwargs.get("peft_config") is None
                         and not is_adapter(model))
        initial = frozen_copy(model) if own_reference else None
        rewards = [reward_function(args.domain, "first"), reward_function(args.domain, "second")]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="You are using 'rollout_func'")
            super().__init__(model, reward_funcs=rewards, args=args,
                             rollout_func=TwoAttemptRollout(args.domain, args.instruction, generate), **kwargs)
        if initial is not None:
            self.ref_model = self._prepared_reference(initial)
        self._keep_logps = False
        self._kept_logps: torch.Tensor | None = None

    def _prepared_reference(self, reference: torch.nn.Module) -> Any:
        """``reference`` with TRL's fused LM head, placed as TRL places its own (DeepSpeed, FSDP, or the device)."""
        from trl.models import prepare_deepspeed, prepare_fsdp
        from trl.trainer.utils import add_fused_lm_head

        add_fused_lm_head(reference, temperature=self.temperature, cast_lm_head_to_fp32=self.args.cast_lm_head_to_fp32)
        if self.is_deepspeed_enabled:
            return prepare_deepspeed(reference, self.accelerator)
        if self.is_fsdp_enabled:
            return prepare_fsdp(reference, self.accelerator)
        return self.accelerator.prepare_model(reference, evaluation_mode=True)

    def _get_per_token_logps_and_entropies(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        """TRL's per-token log-probabilities, kept while the loss is computed (for the attempt-1 KL)."""
        result = super()._get_per_token_logps_and_entropies(model, *args, **kwargs)
        if self._keep_logps:
            self._kept_logps = result[0]
        return result

    def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> torch.Tensor:
        """TRL's loss, plus ``(beta2 - beta) * KL`` on attempt 1's tokens in stage 1; logs the KL per attempt."""
        self._keep_logps = True
        try:
            loss = super()._compute_loss(model, inputs)
        finally:
            self._keep_logps = False
        logps, self._kept_logps = self._kept_logps, None
        if "ref_per_token_logps" not in inputs:
            return loss
        kl = kl_per_token(logps, inputs["ref_per_token_logps"])
        mask = inputs["completion_mask"] * inputs["tool_mask"]
        first = first_attempt_mask(inputs["tool_mask"], inputs["completion_mask"])
        self._log_attempt_kl(kl.detach(), first, mask - first)
        extra = self.args.beta2 - self.beta if self.args.stage == 1 else 0.0
        if extra:
            loss = loss + extra * self.aggregate(kl * first, mask, inputs)
        return loss

    def aggregate(self, per_token: torch.Tensor, mask: torch.Tensor, inputs: dict[str, Any]) -> torch.Tensor:
        """Reduce a per-token term to a scalar exactly as TRL reduces its loss for ``args.loss_type``.

        ``mask`` is TRL's loss mask (``completion_mask * tool_mask``): its sums are the
        normalisers; ``per_token`` is summed where it is non-zero and ``mask`` is 1.
        """
        training = self.model.training
        accumulation = self.current_gradient_accumulation_steps if training else 1.0
        masked = per_token * mask
        loss_type = self.loss_type
        if loss_type in ("grpo", "sapo"):
            return (masked.sum(-1) / mask.sum(-1).clamp(min=1.0)).mean() / accumulation
        if loss_type == "bnpo":
            return masked.sum() / mask.sum().clamp(min=1.0) / accumulation
        if loss_type == "dr_grpo":
            return masked.sum() / (masked.size(0) * self.max_completion_length) / accumulation
        if loss_type == "luspo":
            return masked.sum(-1).mean() / accumulation
        normalizer = inputs["num_items_in_batch"].clamp(min=1.0) / self.accelerator.num_processes  # dapo, cispo, vespo
        if training:
            normalizer = normalizer * accumulation / self.args.steps_per_generation
        return masked.sum() / normalizer

    def _log_attempt_kl(self, kl: torch.Tensor, first: torch.Tensor, second: torch.Tensor) -> None:
        """Record the mean KL per token of attempt 1 and of attempt 2 (gathered over processes)."""
        mode = "train" if self.model.training else "eval"
        for name, mask in (("kl/attempt_1", first), ("kl/attempt_2", second)):
            totals = self.accelerator.gather(torch.stack([(kl * mask).sum(), mask.sum()]).float().reshape(1, 2))
            total, count = totals.sum(dim=0).tolist()
            self._metrics[mode][name].append(total / max(count, 1.0))


def load_score_problems(data: str | Path, config: ScoreConfig) -> list[Problem]:
    """The training problems of ``--data``: ``builtin`` (the domain's own, as many as its
    ``builtin_count``, drawn with the training seed), a .jsonl/.parquet/.csv file, or
    ``hf:OWNER/NAME[:CONFIG][@SPLIT]``.

    Raises:
        ScpoError: When the source is unusable.
    """
    from scpo_data.config import GenerateConfig
    from scpo_data.domains import get_domain
    from scpo_data.generate.pipeline import _seed_problems as seed_problems

    count = get_domain(config.domain).builtin_count
    return seed_problems(GenerateConfig(problems=str(data), domain=config.domain, seed=config.seed, count=count))


def train_score(data: str | Path | Sequence[Problem], model: str, config: ScoreConfig,
                options: RunOptions = RunOptions()) -> dict[str, float]:
    """Train ``model`` with SCoRe (stage ``config.stage``) on the problems in ``data``; save to ``config.output_dir``.

    The saved folder (weights or a LoRA adapter, tokenizer, ``trainer_state.json``,
    ``training.json``) loads with ``--model OUT``, so ``scpo-data eval --self-correct`` can
    measure it and a stage 2 run can start from a stage 1 model.

    Args:
        data: A problem source (:func:`load_score_problems`) or the problems themselves.
        model: ``embedded``, ``embedded-arith``, a local model or adapter folder, or a Hub model id.
        config: The training configuration.
        options: LoRA, merge and resume (:class:`scpo_data.train.trainer.RunOptions`).

    Returns:
        The last logged training metrics merged with the run summary.

    Raises:
        ScpoError: When the problems or the model cannot be loaded, or no problem has gold.
    """
    from scpo_data.backends.models import resolve_model

    problems = load_score_problems(data, config) if isinstance(data, (str, Path)) else list(data)
    dataset = score_dataset(problems, config.domain)
    policy, tokenizer, peft_config = load_policy(model, options.lora, device="cpu" if config.use_cpu else None)
    use_cache = policy.config.use_cache
    trainer = ScoreTrainer(policy, args=config, train_dataset=dataset, processing_class=tokenizer,
                           peft_config=peft_config)
    info = {"mode": "score", "stage": config.stage, "domain": config.domain, "alpha": config.alpha,
            "beta1": config.beta, "beta2": config.beta2, "reward_weights": config.reward_weights,
            "problems": len(dataset), "num_generations": config.num_generations,
            **training_info(str(data) if isinstance(data, (str, Path)) else "problems", resolve_model(model),
                            options.lora)}
    return train_and_save(trainer, config.output_dir, use_cache, options=options, info=info)
