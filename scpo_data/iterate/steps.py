"""The resumable steps of one iteration: sample and pair (``run``), train and pick an epoch
(``model``), evaluate (``eval``).

A step is done when its marker file exists, and the marker is always written last:

* ``run/manifest.json`` (``generate`` writes it after the pairs and the dataset);
* ``model/selection.json`` (the chosen checkpoint, renamed into place with the marker inside);
* an eval folder's ``report.json`` (``eval`` writes it after the results).

A re-run skips done steps and redoes the others; generation and evaluation replay every
finished completion from the folder's request cache (``cache.sqlite``), and training
restarts from the step's starting model (its checkpoints are not resumable).
"""

from __future__ import annotations

import collections
import contextlib
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data.backends.cache import CACHE_FILE
from scpo_data.config import EngineOptions
from scpo_data.engines.shard_cache import SHARDS_DIR
from scpo_data.evaluate.run import REPORT_FILE
from scpo_data.iterate.data import ANSWER_FIELD, QUESTION_FIELD
from scpo_data.iterate.recipe import ARM_MODES, Recipe
from scpo_data.records import MANIFEST_FILE, write_json

#: The marker of a finished model step (inside the chosen model folder).
SELECTION_FILE = "selection.json"
#: The marker of finished training (inside the scratch folder).
TRAINED_FILE = "trained.json"


@dataclass(frozen=True)
class Step:
    """Where a step runs and how it is announced: ``arm`` and ``iteration`` of the model it
    serves, and the engine its sampling and evaluation run on."""

    recipe: Recipe
    console: Console
    arm: str
    iteration: int
    engine: EngineOptions = EngineOptions()

    def say(self, stage: str, detail: str = "") -> None:
        """Print one progress line: arm, iteration, stage (and a detail)."""
        head = f"[bold cyan]{self.arm}[/] · iteration {self.iteration}/{self.recipe.iterations} · [bold]{stage}[/]"
        self.console.print(f"{head} {detail}".rstrip(), highlight=False)


def generate_step(step: Step, folder: Path, model: str, problems: Path, labels: str,
                  cache_from: Path | None = None) -> dict[str, Any]:
    """Sample k answers per problem with ``model`` and build pairs with ``labels`` into ``folder``.

    Args:
        step: The arm and iteration (the sampling seed is the recipe seed and the iteration).
        folder: The run folder (``generate --out``).
        model: The model that samples (M(t-1)).
        problems: The pool slice's JSONL file.
        labels: ``none``, ``gold`` or ``mixed``.
        cache_from: A run folder whose request cache is copied in first, so the same
            samples replay (iteration 1: every arm pairs M0's samples).

    Returns:
        The run's manifest (``counts`` holds the pairs and the audit).
    """
    from scpo_data.config import GenerateConfig
    from scpo_data.generate.pipeline import run_generate

    marker = folder / MANIFEST_FILE
    if marker.is_file():
        step.say("pairs", "(done)")
        return _read(marker)
    if cache_from is not None:
        seed_cache(cache_from, folder)
    recipe, sampling = step.recipe, step.recipe.sampling
    step.say("sampling and pairs", f"k={sampling.k}, tau={recipe.tau_at(step.iteration):g}k, labels {labels}")
    run_generate(GenerateConfig(
        problems=str(problems), domain=recipe.domain, model=model, backend=recipe.backend,  # type: ignore[arg-type]
        k=sampling.k, temperature=sampling.temperature, top_p=sampling.top_p, max_tokens=sampling.max_tokens,
        tau=recipe.tau_at(step.iteration), synthesize=0, seed=sample_seed(recipe, step.iteration),
        out=str(folder), question_field=QUESTION_FIELD, answer_field=ANSWER_FIELD,
        batch_size=sampling.batch_size, dtype=sampling.dtype, labels=labels,  # type: ignore[arg-type]
        extra_samples=sampling.extra_samples, extra_temperature=sampling.extra_temperature,
    ), step.console, step.engine)
    return _read(marker)


def eval_step(step: Step, folder: Path, model: str, data: Path, *, maj: bool,
              cache_from: Path | None = None) -> dict[str, Any]:
    """Evaluate ``model`` on ``data`` into ``folder``: greedy only, or greedy and maj@k on the
    first ``eval.maj_n`` problems (``maj``).

    Greedy only runs ``eval`` with k = 1 at temperature 0, whose one "sample" is the greedy
    request itself and replays from the cache.

    Returns:
        The eval report (``overall`` holds the accuracies).
    """
    from scpo_data.evaluate.run import EvalConfig, run_eval

    marker = folder / REPORT_FILE
    if marker.is_file():
        return _read(marker)
    if cache_from is not None:
        seed_cache(cache_from, folder)
    recipe, sampling = step.recipe, step.recipe.sampling
    shape = dict(k=recipe.eval.k, temperature=sampling.temperature, top_p=sampling.top_p, limit=recipe.eval.maj_n) \
        if maj else dict(k=1, temperature=0.0, top_p=1.0, limit=None)
    return run_eval(EvalConfig(
        data=str(data), domain=recipe.domain, model=model, backend=recipe.backend, max_tokens=sampling.max_tokens,
        seed=recipe.seed, out=str(folder), question_field=QUESTION_FIELD, answer_field=ANSWER_FIELD,
        batch_size=sampling.batch_size, dtype=sampling.dtype, engine=step.engine, **shape,  # type: ignore[arg-type]
    ), step.console)


def train_step(step: Step, folder: Path, run: Path, start: str, dev: Path) -> dict[str, Any]:
    """Train M(t) from ``start`` (also the frozen reference) on ``run``'s pairs, one model per
    learning rate of the recipe and a checkpoint per epoch, and keep the (rate, epoch)
    checkpoint best on dev greedy (ties: the fewer epochs, then the rate listed first).

    The chosen checkpoint becomes ``folder/model`` (with ``selection.json``); the others are
    deleted; ``folder/train-lr<rate>`` keep the logs and the dev evals. Without pairs there
    is nothing to train: M(t) is M(t-1) and ``selection.json`` says so.

    Returns:
        The selection: ``path`` (the model), ``learning_rate`` and ``epochs`` (chosen), ``dev``
        (greedy per epoch at the chosen rate), ``dev_grid`` (per rate), ...
    """
    final = folder / "model"
    marker = final / SELECTION_FILE
    rates = step.recipe.train.learning_rate
    scratches = [folder / f"train-lr{rate:g}" for rate in rates]
    if marker.is_file():
        step.say("train", "(done)")
        for scratch in scratches:
            _drop_checkpoints(scratch)
        return _read(marker)
    pairs = int(_read(run / MANIFEST_FILE)["counts"]["pairs"])
    if pairs == 0:
        step.say("train", "no pairs: M(t) is M(t-1)")
        return _write_selection(final, {"trained": False, "path": start, "pairs": 0, "epochs": 0, "dev": []})
    grid: dict[str, list[float]] = {}
    candidates: list[tuple[float, int, int, Path]] = []  # (-score, epoch, rate index, checkpoint)
    trained: dict[str, Any] = {}
    for index, (rate, scratch) in enumerate(zip(rates, scratches)):
        trained[f"{rate:g}"] = _train_once(step, run, start, scratch, rate, pairs)
        checkpoints = sorted(scratch.glob("checkpoint-*"), key=lambda p: int(p.name.rsplit("-", 1)[1]))
        scores = []
        for epoch, checkpoint in enumerate(checkpoints, start=1):
            step.say("dev", f"learning rate {rate:g}, epoch {epoch}/{len(checkpoints)}")
            report = eval_step(step, scratch / f"dev-epoch{epoch}", str(checkpoint), dev, maj=False)
            scores.append(report["overall"]["greedy_accuracy"] or 0.0)
            candidates.append((-scores[-1], epoch, index, checkpoint))
        grid[f"{rate:g}"] = scores
    _, epoch, index, checkpoint = min(candidates, key=lambda c: c[:3])
    rate = f"{rates[index]:g}"
    selection = {"trained": True, "path": str(final.resolve()), "pairs": pairs, "learning_rate": rates[index],
                 "epochs": epoch, "dev": grid[rate], "dev_grid": grid,
                 "train_metrics": trained[rate]["metrics"], "train_seconds": sum(t["seconds"] for t in trained.values())}
    write_json(selection, checkpoint / SELECTION_FILE)
    checkpoint.rename(final)
    for scratch in scratches:
        _drop_checkpoints(scratch)
    step.say("train", f"kept learning rate {rate}, epoch {epoch} (dev greedy "
             + "; ".join(f"{r}: {', '.join(f'{s:.1%}' for s in v)}" for r, v in grid.items()) + ")")
    return selection


def _train_once(step: Step, run: Path, start: str, scratch: Path, rate: float, pairs: int) -> dict[str, Any]:
    """Train one model at ``rate`` into ``scratch`` (a checkpoint per epoch) unless it is done;
    return its ``trained.json`` (metrics and seconds)."""
    if not (scratch / TRAINED_FILE).is_file():
        started = time.perf_counter()
        shutil.rmtree(scratch, ignore_errors=True)
        step.say("train", f"{pairs} pairs, {step.recipe.train.epochs} epoch(s), learning rate {rate:g}, "
                 f"mode {ARM_MODES[step.arm]}")
        metrics = _train(step, run, start, scratch, rate)
        for weights in scratch.glob("*.safetensors"):  # the last epoch's copy; its checkpoint stays
            weights.unlink()
        write_json({"metrics": metrics, "seconds": round(time.perf_counter() - started, 1)}, scratch / TRAINED_FILE)
    return _read(scratch / TRAINED_FILE)


def sample_seed(recipe: Recipe, iteration: int) -> int:
    """The sampling seed of iteration ``iteration``: the same for every arm, new each iteration."""
    return recipe.seed * 1000 + iteration


def seed_cache(source: Path, folder: Path) -> None:
    """Copy ``source``'s request cache (the local engine's file, the Ray engine's shards)
    into ``folder`` unless it has its own."""
    if (source / CACHE_FILE).is_file() and not (folder / CACHE_FILE).exists():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / CACHE_FILE, folder / CACHE_FILE)
    if (source / SHARDS_DIR).is_dir() and not (folder / SHARDS_DIR).exists():
        shutil.copytree(source / SHARDS_DIR, folder / SHARDS_DIR)


def _train(step: Step, run: Path, start: str, scratch: Path, rate: float) -> dict[str, Any]:
    """One training run: the recipe's options plus what this step fixes, in this process
    (:func:`scpo_data.train.trainer.train_model`) or under ``accelerate launch``
    (:func:`_launch`) when the recipe asks for several processes or an accelerate config.

    The trainer's log lines go to stderr with the progress (stdout is the summary's), and
    ``datasets``' progress bars are turned off: the step lines are the progress.
    """
    import datasets

    from scpo_data.train.config import build_config
    from scpo_data.train.trainer import train_model

    datasets.disable_progress_bars()
    options = {**step.recipe.train.options, "save_strategy": "epoch", "save_only_model": True,
               "seed": step.recipe.seed, "report_to": "none", "disable_tqdm": True}
    if step.recipe.train.launched:
        return _launch(step, run, start, scratch, rate, options)
    overrides = {**options, "output_dir": str(scratch), "mode": ARM_MODES[step.arm], "learning_rate": rate,
                 "num_train_epochs": step.recipe.train.epochs}
    with contextlib.redirect_stdout(sys.stderr):
        metrics = train_model(str(run), start, build_config(None, overrides))
    return _numbers(metrics)


def _launch(step: Step, run: Path, start: str, scratch: Path, rate: float, options: dict[str, Any]) -> dict[str, Any]:
    """Run ``scpo-data train`` under ``accelerate launch`` (the recipe's ``processes`` and
    ``accelerate_config``) and return the metrics its ``training.json`` records.

    The options go to the command as a ``--config`` YAML file beside the scratch folder;
    the launched processes' output is streamed to stderr.

    Raises:
        ScpoError: When the launched training fails (its last output lines are in the message).
    """
    import subprocess

    import yaml

    from scpo_data.errors import ScpoError
    from scpo_data.train.trainer import TRAINING_FILE

    spec = step.recipe.train
    scratch.mkdir(parents=True, exist_ok=True)
    config = scratch.with_name(scratch.name + ".options.yaml")
    config.write_text(yaml.safe_dump(options), encoding="utf-8")
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(spec.processes)]
    if spec.accelerate_config:
        launcher += ["--config_file", str(Path(spec.accelerate_config).expanduser())]
    command = [*launcher, "-m", "scpo_data", "train", "--data", str(run), "--model", start, "--out", str(scratch),
               "--mode", ARM_MODES[step.arm], "--lr", f"{rate:g}", "--epochs", str(spec.epochs),
               "--config", str(config), "--no-resume"]
    last: collections.deque[str] = collections.deque(maxlen=3)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stderr.write(line)
            if line.strip():
                last.append(line.strip())
    if process.returncode != 0:
        raise ScpoError(f"accelerate launch of the {step.arm} training step failed (exit {process.returncode}): "
                        + " | ".join(last))
    return _numbers(json.loads((scratch / TRAINING_FILE).read_text(encoding="utf-8"))["metrics"])


def _numbers(metrics: dict[str, Any]) -> dict[str, Any]:
    """The numeric entries of a metrics mapping."""
    return {key: value for key, value in metrics.items() if isinstance(value, (int, float))}


def _write_selection(final: Path, selection: dict[str, Any]) -> dict[str, Any]:
    """Write a selection without a model folder of its own (M(t) is M(t-1))."""
    write_json(selection, final / SELECTION_FILE)
    return selection


def _drop_checkpoints(scratch: Path) -> None:
    """Delete the checkpoints that were not chosen (left behind when a run stopped after the choice)."""
    for checkpoint in scratch.glob("checkpoint-*"):
        shutil.rmtree(checkpoint, ignore_errors=True)


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
