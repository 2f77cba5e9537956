"""``scpo-data train``: train the next iteration's model on a pairs dataset with the ScPO loss."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scpo_data.cli.common import ModelOpt, clean_errors

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
    model: ModelOpt = "embedded",
    mode: Annotated[
        str | None, typer.Option("--mode", help="Loss preset: scpo, irpo or dpo.", show_default="scpo")
    ] = None,
    beta: Annotated[float | None, typer.Option("--beta", help="DPO temperature.", show_default="the mode's")] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="Weight of the chosen NLL.", show_default="the mode's")
    ] = None,
    epochs: Annotated[float | None, typer.Option("--epochs", help="Training epochs.", show_default="3")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate (cosine).", show_default="5e-6")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Pairs per device per step.", show_default="8")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="Token limit of prompt + response.", show_default="1024")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML file of ScpoConfig/DPOConfig options; the flags above win over it."),
    ] = None,
) -> None:
    """Train a model on a pairs dataset with the weighted ScPO loss (or IRPO / DPO).

    Loss: -w * log sigmoid(beta * margin) - alpha * w * log pi(y+|x) / |y+|.
    w is the pair's weight column in scpo mode, 1 in irpo and dpo modes.
    --model is the starting model and the frozen reference (previous iteration).
    Any TRL DPOConfig field can be set in the --config YAML file (max_steps,
    gradient_accumulation_steps, precompute_ref_log_probs, bf16, ...).
    The model and trainer_state.json (the log history) are written to --out.
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
    with clean_errors():
        summary = train_model(data, model, build_config(config, overrides))
    shown = ", ".join(f"{key} {summary[key]:.4g}" for key in SUMMARY_KEYS if key in summary)
    typer.echo(f"trained model saved to {out} ({shown})")
