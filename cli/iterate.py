"""``scpo-data iterate``: the ScPO loop M0 -> M1 -> ... in one resumable command, arms side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from scpo_data.cli.common import (
    Backend,
    CpusPerReplicaOpt,
    EngineOpt,
    GpusPerReplicaOpt,
    RayAddressOpt,
    ReplicasOpt,
    clean_errors,
    engine_options,
    err_console,
)


def iterate(
    recipe: Annotated[
        str, typer.Option("--recipe", help="A shipped recipe (laptop, laptop-quick, tiny) or a YAML file.")
    ] = "laptop-quick",
    model: Annotated[
        Optional[str], typer.Option("--model", help="M0 (or the warm-up's base): 'embedded', a folder or a Hub id.",
                                    show_default="the recipe's")
    ] = None,
    backend: Annotated[
        Optional[Backend], typer.Option("--backend", help="hf or vllm.", show_default="the recipe's")
    ] = None,
    problems: Annotated[
        Optional[str],
        typer.Option("--problems", help="arith, a .jsonl/.parquet/.csv file or hf:OWNER/NAME[:CONFIG][@SPLIT], "
                     "cut into pool, dev and test.", show_default="the recipe's"),
    ] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Master random seed.",
                                                show_default="the recipe's")] = None,
    arms: Annotated[
        Optional[str], typer.Option("--arms", help="Comma-separated arms: scpo, irpo, semi.",
                                    show_default="the recipe's")
    ] = None,
    iterations: Annotated[
        Optional[int], typer.Option("--iterations", min=1, help="Iterations T (M1..MT).",
                                    show_default="the recipe's")
    ] = None,
    warmup: Annotated[
        bool, typer.Option("--warmup/--no-warmup", help="Warm M0 up as the recipe says, or use --model as M0.")
    ] = True,
    processes: Annotated[
        Optional[int], typer.Option("--processes", min=1, help="Train each step under accelerate launch with this "
                                    "many processes (the recipe's per_device_train_batch_size is per process).",
                                    show_default="the recipe's (1: in this process)")
    ] = None,
    accelerate_config: Annotated[
        Optional[Path], typer.Option("--accelerate-config", help="An accelerate config file for the training steps "
                                     "(e.g. examples/accelerate/fsdp.yaml); implies accelerate launch.",
                                     show_default="the recipe's")
    ] = None,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    replicas: ReplicasOpt = 1,
    gpus_per_replica: GpusPerReplicaOpt = 0.0,
    cpus_per_replica: CpusPerReplicaOpt = 1.0,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Output folder; run again with the same one to resume.",
                                     show_default="scpo-iterate/RECIPE-seedSEED")
    ] = None,
) -> None:
    """Run ScPO's iterations: sample with M(t-1), pair by votes (or gold), train M(t), evaluate.

    Arms side by side from the same M0: scpo (votes only), irpo (gold pairs), semi (gold on
    a labelled fraction, votes elsewhere). Each iteration samples a fresh slice of the pool,
    builds pairs at that iteration's tau, trains from M(t-1) (also the reference), one model per
    learning rate of the recipe, and keeps the (rate, epoch) best on dev greedy, then evaluates on test (greedy; maj@k on a subset).
    --engine ray runs the sampling and evaluation steps on Ray replicas (the same samples).
    --processes N / --accelerate-config FILE run each training step as accelerate launch
    -m scpo_data train (data parallel, or FSDP / DeepSpeed as the config says).
    Writes OUT/summary.json, OUT/summary.md (the paper's Table 1 shape, the tau table)
    and OUT/accuracy.png. A killed run resumes where it stopped when run again.
    """
    from scpo_data.iterate import load_recipe, run_iterate

    overrides = {"model": model, "backend": backend, "problems": problems, "seed": seed, "iterations": iterations,
                 "arms": [a.strip() for a in arms.split(",") if a.strip()] if arms is not None else None,
                 "warmup": None if warmup else False, "processes": processes,
                 "accelerate_config": str(accelerate_config) if accelerate_config is not None else None}
    with clean_errors():
        settings = load_recipe(recipe, overrides)
        folder = out or Path("scpo-iterate") / f"{settings.name}-seed{settings.seed}"
        engine_settings = engine_options(engine, ray_address, replicas, gpus_per_replica, cpus_per_replica)
        run_iterate(settings, folder, err_console, engine_settings)
        typer.echo((folder / "summary.md").read_text(encoding="utf-8"))
