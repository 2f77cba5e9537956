"""``scpo-data warmup``: build (or find) the warm M0 and print its folder."""

from __future__ import annotations

from typing import Annotated

import typer

from scpo_data.cli.common import ModelOpt, clean_errors, err_console
from scpo_data.train.warmup import WarmupSpec

_DEFAULT = WarmupSpec()


def warmup(
    model: ModelOpt = _DEFAULT.base,
    count: Annotated[int, typer.Option("--count", min=1, help="Warm-up problems.")] = _DEFAULT.count,
    seed: Annotated[int, typer.Option("--seed", help="Master seed of the arithmetic splits and of training.")]
    = _DEFAULT.seed,
    preset: Annotated[
        str | None,
        typer.Option("--preset", help="Arithmetic difficulty: easy, default or hard (scpo-data puzzles arith).",
                     show_default="the warm-up's own"),
    ] = None,
    steps: Annotated[int, typer.Option("--steps", min=1, help="Optimizer steps.")] = _DEFAULT.steps,
    lr: Annotated[float, typer.Option("--lr", min=0.0, help="Peak learning rate (cosine).")] = _DEFAULT.lr,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Examples per step.")]
    = _DEFAULT.batch_size,
    max_length: Annotated[int, typer.Option("--max-length", min=1, help="Token limit of prompt + solution.")]
    = _DEFAULT.max_length,
) -> None:
    """Fine-tune the model on the warm-up split of generated arithmetic word problems; print the folder.

    The defaults build the model that --model embedded-arith names. A build happens once:
    the result is cached under a hash of these settings and the base model's weights, and
    a second call prints the same folder at once. Later splits of the same --seed (pool,
    dev, test) never repeat a warm-up question.
    """
    from dataclasses import replace

    from scpo_data.errors import ScpoError
    from scpo_data.puzzles import ARITH_PRESETS
    from scpo_data.train.warmup import warm_model

    with clean_errors():
        if preset is not None and preset not in ARITH_PRESETS:
            raise ScpoError(f"unknown --preset {preset!r}: choose {', '.join(ARITH_PRESETS)}")
        spec = replace(_DEFAULT, base=model, count=count, seed=seed, steps=steps, lr=lr, batch_size=batch_size,
                       max_length=max_length, arith=ARITH_PRESETS[preset] if preset else _DEFAULT.arith)
        folder = warm_model(spec, err_console)
    typer.echo(str(folder))
