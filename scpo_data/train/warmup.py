"""The warm M0: a base model fine-tuned on generated arithmetic word problems, built once and cached.

The embedded SmolLM2-135M cannot do arithmetic, so it keeps no ScPO pairs. A short SFT on
the ``warmup`` split of :func:`scpo_data.puzzles.make_arith_splits` makes it weak but not
hopeless: M0. ``warm_model(WarmupSpec())`` returns the folder, building it on first use;
``--model embedded-arith`` names the default one.

Splits convention (shared with ``scpo-data iterate``): every split comes from **one**
``make_arith_splits`` call with the spec's master ``seed`` and ``arith`` options, the
warm-up split drawn **first** under the name :data:`WARMUP_SPLIT` with ``count`` problems;
the later splits (``pool``, ``dev``, ``test``) then never repeat a warm-up question.
:func:`arith_splits` makes exactly that call. Drawing the warm-up split alone (as the
build does) gives the same records, because the first split excludes nothing.

Cache: ``cache_dir()/models/warm-<key>``, where the key hashes the spec (arith options
included), :data:`RECIPE_VERSION` and the base model's weight hash. A build trains in a
temporary sibling folder and renames it into place only when finished: a killed build
leaves no folder under the final name, and the next call rebuilds it. The folder holds the
model, ``trainer_state.json`` and ``warmup.json`` (the spec, the key, the weight hash,
the build time and the final training loss).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data.errors import ScpoError
from scpo_data.puzzles import ARITH_PRESETS, ArithOptions

#: The name of the warm-up split in ``make_arith_splits`` (drawn first).
WARMUP_SPLIT = "warmup"
#: Bump when the build changes in a way the spec does not show (invalidates cached models).
RECIPE_VERSION = 1
#: The file in a warm model's folder that describes how it was built.
INFO_FILE = "warmup.json"


@dataclass(frozen=True)
class WarmupSpec:
    """Everything that determines a warm M0.

    The defaults (the ``embedded-arith`` model) were chosen on a dev split: SmolLM2-135M,
    one epoch over 320 problems of the ``default`` arith preset (1-2 steps, numbers <= 50),
    40 steps of 8 at lr 1e-4, loss on the solutions, scored 42.5% greedy and 47.5% maj@8
    (100% parsed) on 40 dev problems (``eval --k 8 --max-tokens 96``).

    Attributes:
        base: The model to warm up: ``embedded``, a local folder, or a Hub id.
        count: Warm-up problems (the ``warmup`` split's size).
        seed: Master seed of the arithmetic splits, and the training seed.
        arith: The problems' difficulty (:class:`scpo_data.puzzles.ArithOptions`).
        steps: Optimizer steps (the data is cycled when ``steps * batch_size > count``).
        lr: Peak learning rate (AdamW, cosine schedule).
        batch_size: Examples per step.
        max_length: Token limit of prompt + solution.
    """

    base: str = "embedded"
    count: int = 320
    seed: int = 0
    arith: ArithOptions = field(default_factory=lambda: ARITH_PRESETS["default"])
    steps: int = 40
    lr: float = 1e-4
    batch_size: int = 8
    max_length: int = 256

    def __post_init__(self) -> None:
        for name in ("count", "steps", "batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise ScpoError(f"warm-up {name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ScpoError(f"warm-up lr must be positive, got {self.lr}")

    def describe(self) -> str:
        """One line: ``"embedded, 320 problems (steps 1-2, ...), 40 steps x 8, lr 0.0001, seed 0"``."""
        return (f"{self.base}, {self.count} problems ({self.arith.describe()}), {self.steps} steps x "
                f"{self.batch_size}, lr {self.lr:g}, seed {self.seed}")


def arith_splits(spec: WarmupSpec, sizes: Mapping[str, int]) -> dict[str, list[dict[str, str]]]:
    """The warm-up split and the given later splits, disjoint, from the spec's seed and options.

    Args:
        spec: The warm-up; its ``count`` problems come first, as :data:`WARMUP_SPLIT`.
        sizes: The other splits, in order (e.g. ``{"pool": 960, "dev": 200, "test": 500}``).

    Raises:
        ScpoError: When ``sizes`` names the warm-up split, or the options cannot make that many problems.
    """
    from scpo_data.puzzles import ArithError, make_arith_splits

    if WARMUP_SPLIT in sizes:
        raise ScpoError(f"the {WARMUP_SPLIT!r} split is the warm-up's: give only the later splits")
    try:
        return make_arith_splits({WARMUP_SPLIT: spec.count, **sizes}, spec.seed, spec.arith)
    except ArithError as exc:
        raise ScpoError(str(exc)) from None


def warm_model(spec: WarmupSpec, console: Console | None = None) -> Path:
    """The folder of the warm M0 for ``spec``, building it first when it is not cached.

    A cached model is returned at once. A build generates the warm-up split, fine-tunes
    ``spec.base`` on it (:func:`scpo_data.train.sft.train_sft`, loss on the solutions) and
    moves the result into the cache atomically; with a ``console`` it shows a progress bar.

    Raises:
        ScpoError: When the base model or the options are unusable.
    """
    from scpo_data.backends.models import cache_dir, resolve_model

    base = resolve_model(spec.base)
    if base.file_hash is None:
        raise ScpoError(f"cannot warm up {spec.base!r}: a Hub id has no weight hash to key the cache; "
                        "download it and pass its folder")
    key = cache_key(spec, base.file_hash)
    folder = cache_dir() / "models" / f"warm-{key[:16]}"
    if (folder / INFO_FILE).is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".warm-", dir=folder.parent))
    try:
        info = _build(spec, tmp, console or Console(stderr=True))
        info.update(key=key, base_hash=base.file_hash, base_identity=base.identity)
        (tmp / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp's 0o700 would hide the model from other users of a shared cache
        try:
            tmp.rename(folder)
        except OSError:  # another process finished the same build first
            if not (folder / INFO_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def cache_key(spec: WarmupSpec, base_hash: str) -> str:
    """SHA-256 of the spec, the recipe version and the base model's weight hash."""
    payload = json.dumps({"spec": asdict(spec), "recipe": RECIPE_VERSION, "base": base_hash}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def warm_info(folder: str | Path) -> dict[str, Any] | None:
    """The ``warmup.json`` of a warm model folder, or None when the folder is not one."""
    path = Path(folder) / INFO_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _build(spec: WarmupSpec, out: Path, console: Console) -> dict[str, Any]:
    """Fine-tune ``spec.base`` on the warm-up split into ``out``; the build's facts for ``warmup.json``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    from scpo_data.backends.models import weights_hash
    from scpo_data.train.sft import build_sft_config, train_sft

    records = arith_splits(spec, {})[WARMUP_SPLIT]
    config = build_sft_config(overrides={
        "output_dir": str(out),
        "max_steps": spec.steps,
        "learning_rate": spec.lr,
        "per_device_train_batch_size": spec.batch_size,
        "max_length": spec.max_length,
        "seed": spec.seed,
        "data_seed": spec.seed,
        "logging_steps": max(1, spec.steps // 10),
        "disable_tqdm": True,
    })
    console.print(f"warming up M0: {spec.describe()}", highlight=False)
    started = time.perf_counter()
    columns = (TextColumn("[bold]warm-up SFT"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    every = max(1, spec.steps // 10)  # without a terminal (logs, CI): a line per tenth of the steps

    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("warm-up", total=spec.steps)

        def on_step(step: int, total: int) -> None:
            progress.update(task, completed=step)
            if not console.is_terminal and (step % every == 0 or step == total):
                console.print(f"warm-up SFT: step {step}/{total} ({time.perf_counter() - started:.0f}s)")

        summary = train_sft(records, spec.base, config, on_step=on_step)
    seconds = time.perf_counter() - started
    console.print(f"warm-up done in {seconds:.0f}s (train loss {summary.get('train_loss', float('nan')):.3f})",
                  highlight=False)
    (out / "training_args.bin").unlink(missing_ok=True)  # pickled, not part of the model
    return {"spec": asdict(spec), "recipe": RECIPE_VERSION, "seconds": round(seconds, 1),
            "train_loss": summary.get("train_loss"), "weights_hash": weights_hash(out)}
