"""The M0 -> M1 -> ... -> MT loop of ScPO (DESIGN.md step 9), for several arms side by side.

For each iteration t and arm, in ``OUT/<arm>/iter<t>/``:

1. ``run``: M(t-1) samples k answers to pool slice t (fresh problems each iteration) and
   pairs are built at tau_t with the arm's labels: ``scpo`` votes, ``irpo`` gold,
   ``semi`` gold on the labelled fraction and votes elsewhere. In iteration 1 every arm
   starts from M0, so M0 samples once (``OUT/base/iter1/run``, which also gives the tau
   table) and each arm's run replays those samples from a copy of its request cache.
2. ``model``: M(t) is trained from M(t-1), the frozen reference, with a checkpoint per
   epoch and a model per learning rate; the checkpoint best on dev greedy is kept (never
   chosen on test).
3. ``eval``: greedy on all test problems (``eval/test``), maj@k on the first ``maj_n``
   (``eval/maj``).

M0 (``OUT/base/iter0``) is the recipe's model, or the warm-up's model when the recipe has
a ``warmup`` section; it is evaluated on dev and test. Every step is resumable (see
:mod:`scpo_data.iterate.steps`); ``OUT/recipe.json`` pins the recipe, so a re-run with
another recipe into the same folder is refused instead of mixing two runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data.config import EngineOptions
from scpo_data.errors import ScpoError
from scpo_data.iterate.data import Splits, make_splits, semi_slice, write_jsonl
from scpo_data.iterate.recipe import ARM_LABELS, Recipe, warmup_spec
from scpo_data.iterate.report import write_summary
from scpo_data.iterate.steps import Step, eval_step, generate_step, train_step

#: The file that pins an output folder to one recipe.
RECIPE_FILE = "recipe.json"


@dataclass(frozen=True)
class DataFiles:
    """The split files under ``OUT/data``: dev, test, and per iteration the pool slice and its semi copy."""

    dev: Path
    test: Path
    pool: tuple[Path, ...]
    semi: tuple[Path, ...]


def run_iterate(recipe: Recipe, out: Path, console: Console | None = None,
                engine: EngineOptions = EngineOptions()) -> dict[str, Any]:
    """Run (or resume) every arm and iteration of ``recipe`` into ``out`` and write the summary.

    ``engine`` is where sampling and evaluation run (this process, or replicas on a Ray
    cluster); it never changes what is generated, so it is not part of the pinned recipe.

    Everything that can be refused (the recipe's problems, the model, an ``out`` that holds
    another recipe's run) is checked before anything is written.

    Returns:
        The summary (also written to ``out/summary.json``, with ``summary.md`` and ``accuracy.png``).

    Raises:
        ScpoError: On bad input.
    """
    console = console or Console(stderr=True)
    from scpo_data.backends.models import resolve_model

    warm = warmup_spec(recipe)
    splits = make_splits(recipe, warm)
    resolve_model(recipe.model)  # M0, or the warm-up's base
    claim_folder(out, recipe)
    files = write_data(out / "data", splits, recipe)
    if warm is not None:
        from scpo_data.train.warmup import warm_model

        m0 = str(warm_model(warm, console))
    else:
        m0 = recipe.model
    evaluate(Step(recipe, console, "base", 0, engine), out / "base" / "iter0", m0, files, dev=True)
    models = {arm: m0 for arm in recipe.arms}
    shared = out / "base" / "iter1" / "run"
    generate_step(Step(recipe, console, "base", 1, engine), shared, m0, files.pool[0], "none")
    for t in range(1, recipe.iterations + 1):
        for arm in recipe.arms:
            step, folder = Step(recipe, console, arm, t, engine), out / arm / f"iter{t}"
            problems = (files.semi if arm == "semi" else files.pool)[t - 1]
            generate_step(step, folder / "run", models[arm], problems, ARM_LABELS[arm],
                          cache_from=shared if t == 1 else None)
            models[arm] = train_step(step, folder, folder / "run", models[arm], files.dev)["path"]
            evaluate(step, folder, models[arm], files)
    return write_summary(recipe, out, m0, console)


def evaluate(step: Step, folder: Path, model: str, files: DataFiles, dev: bool = False) -> None:
    """Evaluate one model: greedy on all test problems, maj@k on the first ``maj_n``, and
    (``dev``) greedy on dev."""
    recipe = step.recipe
    step.say("eval", f"greedy on {recipe.problems.test} test problems, maj@{recipe.eval.k} on {recipe.eval.maj_n}")
    eval_step(step, folder / "eval" / "test", model, files.test, maj=False)
    eval_step(step, folder / "eval" / "maj", model, files.test, maj=True, cache_from=folder / "eval" / "test")
    if dev:
        eval_step(step, folder / "eval" / "dev", model, files.dev, maj=False)


def claim_folder(out: Path, recipe: Recipe) -> None:
    """Pin ``out`` to ``recipe`` (``recipe.json``), or check that it already holds this recipe's run.

    The arms may differ from the pinned ones: each arm's steps are its own, and all share
    M0, the splits and M0's samples, so an arm can be added to (or left out of) a run
    later; the pinned file then records the arms of the latest call.

    Raises:
        ScpoError: When ``out`` is a file, or holds a run of other settings.
    """
    from scpo_data.records import write_json

    settings = json.loads(json.dumps(recipe.to_dict()))
    pinned = out / RECIPE_FILE
    if out.exists() and not out.is_dir():
        raise ScpoError(f"--out {out} is a file; give a folder")
    if pinned.is_file():
        before = json.loads(pinned.read_text(encoding="utf-8"))
        if not settings_agree({k: v for k, v in before.items() if k != "arms"}, settings):
            raise ScpoError(f"{out} holds an iterate run of other settings (see {pinned}); "
                            "give another --out, or the same recipe and flags to resume it")
        if before.get("arms") == settings["arms"]:
            return
    write_json(settings, pinned)


def settings_agree(pinned: Any, settings: Any) -> bool:
    """Whether every setting a run's ``recipe.json`` pinned has the same value in ``settings``
    (settings that recipes gained after the run was pinned are not compared, so an older
    run still resumes)."""
    if isinstance(pinned, dict) and isinstance(settings, dict):
        return all(key in settings and settings_agree(value, settings[key]) for key, value in pinned.items())
    return bool(pinned == settings)


def write_data(folder: Path, splits: Splits, recipe: Recipe) -> DataFiles:
    """Write the split files (dev, test, each pool slice and its semi-supervised copy)."""
    pool = tuple(write_jsonl(s, folder / f"pool{t}.jsonl") for t, s in enumerate(splits.pool, start=1))
    semi = tuple(write_jsonl(semi_slice(s, recipe.labelled_fraction, recipe.seed, t), folder / f"pool{t}-semi.jsonl")
                 for t, s in enumerate(splits.pool, start=1)) if "semi" in recipe.arms else pool
    return DataFiles(write_jsonl(splits.dev, folder / "dev.jsonl"), write_jsonl(splits.test, folder / "test.jsonl"),
                     pool, semi)
