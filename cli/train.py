"""``scpo-data train``: train the next iteration's model on a pairs dataset with the ScPO loss, or
fine-tune a model on worked solutions (``--mode sft``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from scpo_data.cli.common import ModelOpt, TrainModeOpt, clean_errors
from scpo_data.errors import ScpoError

if TYPE_CHECKING:
    from scpo_data.train.trainer import RunOptions

#: Metrics printed after training, in this order, when they were logged.
SUMMARY_KEYS = (
    "train_loss",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/margins",
    "rewards/accuracies",
    "nll",
    "weight",
    "mean_token_accuracy",
    "rewards/attempt_1/mean",
    "rewards/attempt_2/mean",
    "kl/attempt_1",
    "kl/attempt_2",
    "train_runtime",
)


def train(
    data: Annotated[
        str, typer.Option("--data", help="Pairs: a run folder (RUN/dataset is used), a dataset folder, or a Hub id. "
                     "--mode sft: a .jsonl/.parquet file or a dataset folder of {question, answer} records or "
                     "prompt-completion conversations. "
                     "--mode score: problems with gold answers ('builtin', a .jsonl/.parquet/.csv file, hf:...).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the trained model (loadable with --model OUT).")],
    data_config: Annotated[
        Optional[str], typer.Option("--data-config", help="The config of a dataset with several (load_dataset(DATA, "
                                    "NAME)), e.g. a `scpo-data correct` run's star or pair_sft (--mode sft) or "
                                    "preference (--mode dpo).", show_default="its only one")
    ] = None,
    model: ModelOpt = "embedded",
    mode: TrainModeOpt = None,
    beta: Annotated[float | None, typer.Option("--beta", help="DPO temperature.", show_default="the mode's")] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="Weight of the chosen NLL.", show_default="the mode's")
    ] = None,
    epochs: Annotated[float | None, typer.Option("--epochs", help="Training epochs.", show_default="3")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate (cosine).", show_default="5e-6; sft 5e-5")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Pairs (sft: examples) per device per step.", show_default="8")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="Token limit of prompt + response.", show_default="1024; sft 512")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML file of ScpoConfig/DPOConfig options (--mode sft: SftConfig/SFTConfig); "
                     "the flags above win over it."),
    ] = None,
    lora: Annotated[bool, typer.Option("--lora", help="Train a LoRA adapter (peft) instead of every weight.")] = False,
    lora_r: Annotated[int, typer.Option("--lora-r", help="LoRA rank.")] = 16,
    lora_alpha: Annotated[float, typer.Option("--lora-alpha", help="LoRA scaling numerator (scale alpha / r).")] = 32.0,
    lora_targets: Annotated[
        str, typer.Option("--lora-targets", help="'all-linear' or comma-separated module names (q_proj,v_proj).")
    ] = "all-linear",
    merge: Annotated[
        bool, typer.Option("--merge", help="With --lora: write the merged model to --out (the adapter to OUT/adapter).")
    ] = False,
    save_steps: Annotated[
        int | None, typer.Option("--save-steps", help="Save a resumable checkpoint every N optimizer steps.",
                                 show_default="the config's")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume/--no-resume", help="Continue from the last checkpoint in --out when there is one.")
    ] = True,
    stage: Annotated[
        Optional[int], typer.Option("--stage", min=1, max=2, help="--mode score: SCoRe stage 1 (reward r2, KL "
                                    "beta2 on attempt 1) or 2 (r1 + r2 + alpha * (r2 - r1)).", show_default="2")
    ] = None,
    domain: Annotated[
        Optional[str], typer.Option("--domain", help="--mode score: the problems' domain (prompt, correction "
                                    "instruction, extractor).", show_default="arith")
    ] = None,
) -> None:
    """Train a model on a pairs dataset with the weighted ScPO loss (or IRPO / DPO), or fine-tune it (SFT).

    Loss: -w * log sigmoid(beta * margin) - alpha * w * log pi(y+|x) / |y+|.
    w is the pair's weight column in scpo mode, 1 in irpo and dpo modes.
    --model is the starting model and the frozen reference (previous iteration).
    Any TRL DPOConfig field can be set in the --config YAML file (max_steps,
    gradient_accumulation_steps, precompute_ref_log_probs, bf16, ...).

    --mode sft: supervised fine-tuning on {question, answer} records (GSM8K format,
    e.g. scpo-data puzzles arith): the gsm8k prompt of the question, then the worked
    solution, with the loss on the solution (lr 5e-5 cosine by default; any TRL
    SFTConfig field in --config). Prompt-completion conversations are trained as they
    are: SCoRe's offline baselines are `--data RUN --data-config star` (or pair_sft) on
    a `scpo-data correct` run, and `--mode dpo --data-config preference`.

    --lora trains a LoRA adapter (rank --lora-r, --lora-alpha, on --lora-targets): the
    reference is the starting model (the policy with the adapter disabled, no second
    copy in memory); --out gets the adapter, which --model loads like a model folder.
    A --model that is an adapter folder trains that adapter further with --lora, and is
    merged into its base for full fine-tuning without it.

    Checkpoints (every --save-steps steps, or the config's save_strategy) go to
    OUT/checkpoint-STEP; re-running the same command after a kill resumes from the last
    one and says so. Several processes: accelerate launch [--config_file
    examples/accelerate/fsdp.yaml] -m scpo_data train ... (--batch-size is per process).

    --mode score: SCoRe's online two-attempt RL (TRL GRPOTrainer) on the problems in
    --data ('builtin', a .jsonl/.parquet/.csv file or hf:..., with gold answers): attempt 1,
    the domain's correction instruction (masked from the loss), attempt 2, both sampled
    by the policy. --stage 1 rewards attempt 2 with a KL of beta2 (0.1) on attempt 1;
    --stage 2 rewards r1 + r2 + alpha * (r2 - r1) (--alpha, 10). --beta is the KL on every
    attempt (beta1, 0.01); lr 5e-6; any GRPOConfig field (num_generations,
    max_completion_length per attempt, temperature, max_steps, ...) in --config.

    The model, trainer_state.json (the log history) and training.json (the settings,
    for `scpo-data push --model`) are written to --out.
    """
    overrides = {
        "output_dir": str(out),
        "num_train_epochs": epochs,
        "learning_rate": lr,
        "per_device_train_batch_size": batch_size,
        "max_length": max_length,
        **({"save_strategy": "steps", "save_steps": save_steps} if save_steps is not None else {}),
    }
    with clean_errors():
        from scpo_data.train.lora import LoraSpec
        from scpo_data.train.trainer import RunOptions

        spec = LoraSpec(r=lora_r, alpha=lora_alpha, targets=lora_targets) if lora else None
        options = RunOptions(lora=spec, merge=merge, resume=resume, announce=_say, subset=data_config)
        if mode == "score" and data_config is not None:
            raise ScpoError("--data-config names a dataset config; --mode score reads problems, not a dataset")
        if mode != "score" and (stage is not None or domain is not None):
            raise ScpoError("--stage and --domain are --mode score options")
        if mode == "sft":
            summary = _train_sft(data, model, config, overrides, beta=beta, alpha=alpha, options=options)
        elif mode == "score":
            summary = _train_score(data, model, config, overrides, options,
                                   beta=beta, alpha=alpha, stage=stage, domain=domain)
        else:
            from scpo_data.train.config import build_config
            from scpo_data.train.trainer import train_model

            summary = train_model(data, model, build_config(config, {**overrides, "mode": mode, "beta": beta,
                                                                        "alpha": alpha}), options)
    shown = ", ".join(f"{key} {summary[key]:.4g}" for key in SUMMARY_KEYS if key in summary)
    _say(f"trained {'adapter' if lora and not merge else 'model'} saved to {out} ({shown})", err=False)


def _say(message: str, err: bool = True) -> None:
    """Print one line, once: on the main process of an ``accelerate launch`` (RANK 0) or a plain run."""
    if os.environ.get("RANK", "0") == "0":
        typer.echo(message, err=err)


def _train_sft(data: str, model: str, config: Path | None, overrides: dict[str, Any],
               beta: float | None, alpha: float | None, options: RunOptions) -> dict[str, float]:
    """Run ``--mode sft`` with the LoRA / resume ``options`` of :func:`scpo_data.train.sft.train_sft`;
    the DPO-only flags are refused."""
    from scpo_data.train.sft import build_sft_config, train_sft

    if beta is not None or alpha is not None:
        raise ScpoError("--beta and --alpha are DPO settings; --mode sft does not take them")
    return train_sft(data, model, build_sft_config(config, overrides), options=options)


def _train_score(data: str, model: str, config: Path | None, overrides: dict[str, Any], options: RunOptions,
                 **score: Any) -> dict[str, float]:
    """Run ``--mode score`` (:func:`scpo_data.train.score.train_score`) with the SCoRe flags in ``score``
    (``beta``, ``alpha``, ``stage``, ``domain``); ``--max-length`` is refused (GRPO limits each attempt)."""
    from scpo_data.train.score import train_score
    from scpo_data.train.score_config import build_score_config

    if overrides.get("max_length") is not None:
        raise ScpoError("--mode score limits each attempt: set max_completion_length in --config, not --max-length")
    values = {key: value for key, value in overrides.items() if key != "max_length"}
    return train_score(data, model, build_score_config(config, {**values, **score}), options)
