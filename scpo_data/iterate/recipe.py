"""Recipes: every setting of an ``iterate`` run, in one YAML file.

A recipe is a shipped name (``laptop``, ``laptop-quick``, ``tiny``: the files in
``scpo_data/iterate/recipes/``) or a path to a user's YAML file with the same keys::

    description: one line saying what the recipe is for
    model: embedded          # M0 (or, with warmup:, the model the warm-up starts from)
    backend: hf              # hf | vllm (iterate loads the models it trains itself)
    domain: gsm8k
    seed: 0
    arms: [scpo, irpo, semi] # scpo: votes; irpo: gold pairs; semi: gold on a fraction, votes elsewhere
    labelled_fraction: 0.5   # semi: the share of pool problems that keep their gold
    iterations: 2
    tau: [0.5, 0.7]          # tau_t as a fraction of k; the last value repeats
    problems:
      source: arith          # arith (generated, exact gold), a .jsonl/.parquet/.csv file, or hf:OWNER/NAME[:CONFIG][@SPLIT]
      test_source: null      # optional: test problems from their own source (e.g. an official test split)
      arith: {preset: default, steps: [1, 2]}   # source arith: a preset and ArithOptions overrides
      pool_per_iteration: 120                   # fresh unlabelled problems sampled in each iteration
      dev: 100               # epoch selection (greedy)
      test: 500              # greedy on all of them
    sampling: {k: 8, temperature: 0.7, top_p: 0.9, max_tokens: 96, batch_size: 64, dtype: auto,
               extra_samples: 8, extra_temperature: 1.2}  # extra: more draws for unanimous problems
    train: {epochs: 3, learning_rate: [1.0e-5, 5.0e-5], per_device_train_batch_size: 8, max_length: 256,
            processes: 1, accelerate_config: null}   # processes > 1 or a config: accelerate launch
    eval: {maj_n: 200, k: 8}  # maj@k on the first maj_n test problems
    warmup: {...}             # optional: M0 = the model warmed up by SFT (scpo_data.train.warmup)

``train`` takes ``epochs`` (a checkpoint after each epoch), ``learning_rate`` (one rate or a
list: a model is trained per rate, and the (rate, epoch) checkpoint best on dev greedy is
kept; never chosen on test) and any :class:`~scpo_data.train.config.ScpoConfig` option except those the driver
sets itself (:data:`DRIVER_TRAIN_OPTIONS`). Unknown keys, wrong types and bad values are
refused with one line naming the key.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from scpo_data.errors import ScpoError

#: The arms and the label mode of their pairs.
ARM_LABELS: dict[str, str] = {"scpo": "none", "irpo": "gold", "semi": "mixed"}
#: The arms and the training loss preset of their models (semi's gold pairs carry w = 1).
ARM_MODES: dict[str, str] = {"scpo": "scpo", "irpo": "irpo", "semi": "scpo"}
#: Training options the driver sets for each step; a recipe may not.
DRIVER_TRAIN_OPTIONS = frozenset({"output_dir", "mode", "num_train_epochs", "max_steps", "save_strategy",
                                  "save_steps", "save_only_model", "save_total_limit", "seed"})
#: The backends iterate runs: it samples with the models it trains, so no remote server.
BACKENDS: tuple[str, ...] = ("hf", "vllm")
#: Where a problem source means the generated arithmetic word problems.
ARITH = "arith"


@dataclass(frozen=True)
class ProblemsSpec:
    """Where the problems come from and how many each split takes (see the module docstring)."""

    source: str = ARITH
    test_source: str | None = None
    arith: dict[str, Any] = field(default_factory=dict)
    pool_per_iteration: int = 120
    dev: int = 100
    test: int = 500


@dataclass(frozen=True)
class SamplingSpec:
    """How answers are sampled from the pool (and the engine's batch and dtype)."""

    k: int = 8
    temperature: float = 0.7
    top_p: float = 0.9
    max_tokens: int = 256
    batch_size: int = 64
    dtype: str = "auto"
    extra_samples: int = 0
    extra_temperature: float = 1.2


@dataclass(frozen=True)
class TrainSpec:
    """Epochs to try (a checkpoint after each), learning rates to try (a model each; the
    (rate, epoch) best on dev is kept), how training is launched (``processes`` > 1 or an
    ``accelerate_config``: ``accelerate launch``; ``per_device_train_batch_size`` is then per
    process) and other ScPO trainer options."""

    epochs: int = 3
    learning_rate: tuple[float, ...] = (5e-6,)
    processes: int = 1
    accelerate_config: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def launched(self) -> bool:
        """Whether each training step runs under ``accelerate launch`` (a process group)."""
        return self.processes > 1 or self.accelerate_config is not None


@dataclass(frozen=True)
class EvalSpec:
    """Test evaluation: maj@k on the first ``maj_n`` test problems (greedy runs on all)."""

    maj_n: int = 200
    k: int = 8


@dataclass(frozen=True)
class Recipe:
    """An ``iterate`` run's settings (see the module docstring for the YAML keys)."""

    name: str
    description: str = ""
    model: str = "embedded"
    backend: str = "hf"
    domain: str = "gsm8k"
    seed: int = 0
    arms: tuple[str, ...] = ("scpo", "irpo", "semi")
    labelled_fraction: float = 0.5
    iterations: int = 2
    tau: tuple[float, ...] = (0.5, 0.7)
    problems: ProblemsSpec = ProblemsSpec()
    sampling: SamplingSpec = SamplingSpec()
    train: TrainSpec = TrainSpec()
    eval: EvalSpec = EvalSpec()
    warmup: dict[str, Any] | None = None

    def tau_at(self, iteration: int) -> float:
        """tau (a fraction of k) of iteration ``iteration`` (1-based); the schedule's last value repeats."""
        return self.tau[min(iteration, len(self.tau)) - 1]

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain JSON-serialisable data."""
        return dataclasses.asdict(self)


def shipped_recipes() -> list[str]:
    """Names of the recipes shipped in the package."""
    folder = resources.files("scpo_data.iterate") / "recipes"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_recipe(spec: str, overrides: Mapping[str, Any] | None = None) -> Recipe:
    """Read a recipe by shipped name or YAML path and apply command-line overrides.

    Args:
        spec: A shipped recipe name (:func:`shipped_recipes`) or a YAML file.
        overrides: Top-level keys (``model``, ``backend``, ``seed``, ``arms``, ``iterations``),
            ``problems`` (the source), ``processes`` and ``accelerate_config`` (the ``train``
            launch) and ``warmup`` (False drops the section); None values are ignored.

    Raises:
        ScpoError: A missing file, invalid YAML, an unknown key, a wrong type or a bad value.
    """
    import yaml

    path = Path(spec).expanduser()
    if spec in shipped_recipes():
        text = (resources.files("scpo_data.iterate") / "recipes" / f"{spec}.yaml").read_text("utf-8")
        label, name = f"recipe {spec}", spec
    elif path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ScpoError(f"cannot read recipe {spec}: {exc.strerror}") from exc
        label, name = f"recipe {spec}", path.stem
    else:
        raise ScpoError(f"unknown recipe {spec!r}: give a YAML file or one of {', '.join(shipped_recipes())}")
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScpoError(f"{label} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(values, dict):
        raise ScpoError(f"{label} must hold a mapping of key: value, got {type(values).__name__}")
    values = {"name": name, **values}
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "warmup":
            if not value:
                values.pop("warmup", None)
        elif key == "problems":
            values["problems"] = {**(values.get("problems") or {}), "source": value}
        elif key in ("processes", "accelerate_config"):
            values["train"] = {**(values.get("train") or {}), key: value}
        else:
            values[key] = value
    recipe = _build(Recipe, values, label, "")
    check_recipe(recipe, label)
    return recipe


def arith_options(recipe: Recipe) -> Any:
    """The recipe's :class:`~scpo_data.puzzles.ArithOptions`: ``problems.arith.preset`` and its overrides.

    Raises:
        ScpoError: An unknown preset or option, or a bad value.
    """
    from scpo_data.puzzles import ARITH_PRESETS, ArithError

    options = dict(recipe.problems.arith)
    preset = options.pop("preset", "default")
    if preset not in ARITH_PRESETS:
        raise ScpoError(f"problems.arith.preset must be one of {', '.join(ARITH_PRESETS)}, got {preset!r}")
    try:
        return dataclasses.replace(ARITH_PRESETS[preset],
                                   **{k: tuple(v) if isinstance(v, list) else v for k, v in options.items()})
    except (ArithError, TypeError) as exc:
        raise ScpoError(f"problems.arith: {exc}") from None


def warmup_spec(recipe: Recipe, label: str = "recipe") -> Any:
    """The :class:`~scpo_data.train.warmup.WarmupSpec` of the recipe's ``warmup`` section (None without one).

    The section sets the warm-up's own knobs (``count``, ``steps``, ``lr``, ``batch_size``,
    ``max_length``); the base model, the seed and the arithmetic options are the recipe's
    ``model``, ``seed`` and ``problems.arith``, so the splits never repeat a warm-up question.

    Raises:
        ScpoError: An unknown key, a wrong type, a bad value, or a problem source other than arith.
    """
    if recipe.warmup is None:
        return None
    from scpo_data.train.warmup import WarmupSpec

    if recipe.problems.source != ARITH:
        raise ScpoError(f"{label}: warmup trains on arithmetic problems, so it needs problems.source arith "
                        f"(got {recipe.problems.source}); drop the warm-up with --no-warmup")
    shared = {"base": "model", "seed": "seed", "arith": "problems.arith"}
    hints = get_type_hints(WarmupSpec)
    for key in map(str, recipe.warmup):
        if key in shared:
            raise ScpoError(f"{label}: warmup.{key} is the recipe's {shared[key]}; set it there")
        if key not in hints:
            raise ScpoError(f"{label}: unknown key warmup.{key}")
    values = {key: _convert(hints[key], value, label, f"warmup.{key}") for key, value in recipe.warmup.items()}
    return WarmupSpec(base=recipe.model, seed=recipe.seed, arith=arith_options(recipe), **values)


def check_recipe(recipe: Recipe, label: str = "recipe") -> None:
    """Check the values a type cannot: arms, ranges, the train options.

    Raises:
        ScpoError: On the first bad value, naming its key.
    """
    unknown_arms = [a for a in recipe.arms if a not in ARM_LABELS]
    if not recipe.arms or unknown_arms or len(set(recipe.arms)) != len(recipe.arms):
        raise ScpoError(f"{label}: arms must be distinct names from {', '.join(ARM_LABELS)}, "
                        f"got {', '.join(recipe.arms) or 'none'}")
    if recipe.backend not in BACKENDS:
        raise ScpoError(f"{label}: backend must be one of {', '.join(BACKENDS)} (iterate samples with the models "
                        f"it trains, so it runs them itself), got {recipe.backend!r}")
    checks = [
        ("iterations", recipe.iterations >= 1, "at least 1"),
        ("labelled_fraction", 0.0 < recipe.labelled_fraction < 1.0, "between 0 and 1"),
        ("tau", bool(recipe.tau) and all(0.0 <= t <= 1.0 for t in recipe.tau), "fractions of k from 0 to 1"),
        ("problems.pool_per_iteration", recipe.problems.pool_per_iteration >= 1, "at least 1"),
        ("problems.dev", recipe.problems.dev >= 1, "at least 1"),
        ("problems.test", recipe.problems.test >= 1, "at least 1"),
        ("sampling.k", recipe.sampling.k >= 2, "at least 2"),
        ("sampling.max_tokens", recipe.sampling.max_tokens >= 1, "at least 1"),
        ("sampling.batch_size", recipe.sampling.batch_size >= 1, "at least 1"),
        ("sampling.extra_samples", recipe.sampling.extra_samples >= 0, "0 or more"),
        ("sampling.extra_temperature", recipe.sampling.extra_temperature > 0, "above 0"),
        ("train.epochs", recipe.train.epochs >= 1, "at least 1"),
        ("train.processes", recipe.train.processes >= 1, "at least 1"),
        ("train.accelerate_config", recipe.train.accelerate_config is None
         or Path(recipe.train.accelerate_config).expanduser().is_file(), "an existing accelerate config file"),
        ("train.learning_rate", bool(recipe.train.learning_rate) and all(r > 0 for r in recipe.train.learning_rate)
         and len(set(recipe.train.learning_rate)) == len(recipe.train.learning_rate), "distinct rates above 0"),
        ("eval.maj_n", 1 <= recipe.eval.maj_n <= recipe.problems.test, "from 1 to problems.test"),
        ("eval.k", recipe.eval.k >= 1, "at least 1"),
    ]
    for key, ok, want in checks:
        if not ok:
            raise ScpoError(f"{label}: {key} must be {want}")
    if recipe.problems.source == ARITH:
        arith_options(recipe)
    warmup_spec(recipe, label)
    if recipe.train.options:
        from scpo_data.train.config import config_fields

        reserved = sorted(set(recipe.train.options) & DRIVER_TRAIN_OPTIONS)
        unknown = sorted(set(recipe.train.options) - config_fields())
        if reserved:
            raise ScpoError(f"{label}: train.{reserved[0]} is set by iterate for each step; remove it")
        if unknown:
            raise ScpoError(f"{label}: unknown key train.{unknown[0]} (not a ScpoConfig option)")


def _build(cls: type, values: Any, label: str, where: str) -> Any:
    """Build dataclass ``cls`` from a mapping, checking every key and type."""
    if not isinstance(values, dict):
        raise ScpoError(f"{label}: {where.rstrip('.') or 'the recipe'} must be a mapping, "
                        f"got {type(values).__name__}")
    if cls is TrainSpec:  # a flat mapping: the driver's keys, then trainer options
        own = ("epochs", "learning_rate", "processes", "accelerate_config")
        values = {"epochs": values.get("epochs", TrainSpec.epochs),
                  "learning_rate": values.get("learning_rate", list(TrainSpec.learning_rate)),
                  "processes": values.get("processes", TrainSpec.processes),
                  "accelerate_config": values.get("accelerate_config"),
                  "options": {k: v for k, v in values.items() if k not in own}}
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, values)) - names)
    if unknown:
        raise ScpoError(f"{label}: unknown key {where}{unknown[0]}")
    return cls(**{key: _convert(hints[key], value, label, f"{where}{key}") for key, value in values.items()})


def _convert(hint: Any, value: Any, label: str, key: str) -> Any:
    """``value`` checked against type ``hint`` (nested recipes built, lists made tuples)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (hint,) = [a for a in args if a is not type(None)]
        return _convert(hint, value, label, key)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value if value is not None else {}, label, f"{key}.")
    if origin is tuple:
        items = value if isinstance(value, list) else [value]
        return tuple(_convert(args[0], item, label, key) for item in items)
    want = origin or hint
    ok = isinstance(value, want) and not (isinstance(value, bool) and want in (int, float))
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        names = {int: "an integer", float: "a number", str: "a string", dict: "a mapping", bool: "true or false"}
        raise ScpoError(f"{label}: {key} must be {names.get(want, want.__name__)}, got {value!r}")
    return value
