"""``scpo-data train``: train the next iteration's model on a pairs dataset with the ScPO loss."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scpo_data.errors import ScpoError

#: Metrics printed after training, in this order, when they were logged.
SUMMARY_KEYS = (
    "train_loss",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/margins",
    "rewards/accuracies",
    "nll",
    "weight",
    "train_runtime",
)


def train(
    data: Annotated[
        str, typer.Option("--data", help="Pairs: a run folder (RUN/dataset is used), a dataset folder, or a Hub id.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the trained model (loadable with --model OUT).")],
    model: Annotated[
        str, typer.Option("--model", help="Starting model and frozen reference: 'embedded', a folder, or a Hub id.")
    ] = "embedded",
    mode: Annotated[
        str | None, typer.Option("--mode", help="Loss preset: scpo (default), irpo or dpo.", show_default=False)
    ] = None,
    beta: Annotated[float | None, typer.Option("--beta", help="DPO temperature [default: the mode's]")] = None,
    alpha: Annotated[float | None, typer.Option("--alpha", help="Weight of the chosen NLL [default: the mode's]")] = None,
    epochs: Annotated[float | None, typer.Option("--epochs", help="Training epochs [default: 3]")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate (cosine) [default: 5e-6]")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Pairs per device per step [default: 8]")] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="Token limit of prompt + response [default: 1024]")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML file of ScpoConfig/DPOConfig options; the flags above win over it."),
    ] = None,
) -> None:
    """Train a model on a pairs dataset with the weighted ScPO loss (or IRPO / DPO).

    The loss is -w * log sigmoid(beta * margin) - alpha * w * log pi(y+|x) / |y+|, with w the
    pair's weight column in scpo mode (1 in irpo and dpo modes). Every TRL DPOConfig field
    can be set in the --config YAML file (e.g. max_steps, gradient_accumulation_steps,
    precompute_ref_log_probs, activation_checkpointing). The trained model and its log
    history (trainer_state.json) are written to --out.
    """
    from scpo_data.train_config import build_config
    from scpo_data.trainer import train_model

    overrides = {
        "output_dir": str(out),
        "mode": mode,
        "beta": beta,
        "alpha": alpha,
        "num_train_epochs": epochs,
        "learning_rate": lr,
        "per_device_train_batch_size": batch_size,
        "max_length": max_length,
    }
    try:
        summary = train_model(data, model, build_config(config, overrides))
    except ScpoError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    shown = ", ".join(f"{key} {summary[key]:.4g}" for key in SUMMARY_KEYS if key in summary)
    typer.echo(f"trained model saved to {out} ({shown})")
