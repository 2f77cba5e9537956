"""``ScpoConfig``: TRL's ``DPOConfig`` plus the ScPO loss settings, and YAML loading.

The ScPO objective (DESIGN.md step 7) is

    L = mean over pairs of [ -w * log sigmoid(beta * margin) - alpha * w * log pi(y+|x) / |y+| ]

where ``margin`` is the chosen log-ratio minus the rejected log-ratio against the
reference model. Three modes pick the paper defaults:

========  ===================  ======  =======
mode      w                    beta    alpha
========  ===================  ======  =======
``scpo``  the ``weight`` column  0.5     1.0
``irpo``  1                    0.1     1.0
``dpo``   1                    0.1     0.0
========  ===================  ======  =======

An explicit ``beta`` or ``alpha`` overrides the mode's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import torch
from trl import DPOConfig

from scpo_data.config import TrainMode as Mode
from scpo_data.errors import ScpoError

_Config = TypeVar("_Config")


@dataclass(frozen=True)
class ModeDefaults:
    """The defaults one training mode brings.

    Attributes:
        beta: The DPO temperature.
        alpha: The coefficient of the length-normalised NLL term on the chosen response.
        use_weights: Whether the per-pair ``weight`` column scales the loss (else w = 1).
    """

    beta: float
    alpha: float
    use_weights: bool


MODE_DEFAULTS: dict[str, ModeDefaults] = {
    "scpo": ModeDefaults(beta=0.5, alpha=1.0, use_weights=True),
    "irpo": ModeDefaults(beta=0.1, alpha=1.0, use_weights=False),
    "dpo": ModeDefaults(beta=0.1, alpha=0.0, use_weights=False),
}

#: DPOConfig fields that select another loss, with the only values the ScPO loss accepts.
_FIXED_LOSS_FIELDS: dict[str, Any] = {
    "loss_type": ["sigmoid"],
    "loss_weights": None,
    "ld_alpha": None,
    "f_divergence_type": "reverse_kl",
    "use_weighting": False,
}


def bf16_supported() -> bool:
    """Whether bfloat16 mixed precision is worth using on this machine.

    True on a CUDA GPU that supports bf16, and on a CPU with native bf16 instructions
    (AVX512-BF16 or AMX); False elsewhere (where bf16 would be emulated and slow).
    """
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    if torch.accelerator.is_available():  # MPS, XPU...: leave precision to the user
        return False
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def apply_device_defaults(config: Any) -> None:
    """Fill a training config's hardware defaults before ``TrainingArguments.__post_init__`` runs.

    ``bf16`` (when unset and not ``fp16``) follows :func:`bf16_supported`. Without an
    accelerator ``use_cpu`` is set: transformers accepts bf16 on a CPU only with it, and
    only with it does a multi-process launch (``torchrun``) join a gloo process group
    instead of training one independent copy per process.
    """
    if config.bf16 is None and not config.fp16:
        config.bf16 = bf16_supported()
    if not torch.accelerator.is_available():
        config.use_cpu = True


@dataclass
class ScpoConfig(DPOConfig):
    """Configuration of :class:`scpo_data.train.trainer.ScpoTrainer`: every ``DPOConfig`` field plus the ScPO loss.

    Defaults that differ from ``DPOConfig``: ``learning_rate`` 5e-6 with a cosine
    schedule (the ScPO paper), ``beta`` and ``alpha`` from the mode, ``bf16`` only
    where the hardware supports it (:func:`bf16_supported`), and activation
    checkpointing off (turn it on with ``activation_checkpointing: true`` for big
    models). The loss-selecting fields of ``DPOConfig`` (``loss_type``,
    ``loss_weights``, ``ld_alpha``, ``f_divergence_type``, ``use_weighting``) must keep
    their defaults: this trainer computes its own loss.
    """

    mode: Mode = field(
        default="scpo",
        metadata={
            "help": "Loss preset: 'scpo' (weights from the data, beta 0.5, alpha 1), 'irpo' (w = 1, beta 0.1, "
            "alpha 1) or 'dpo' (w = 1, beta 0.1, alpha 0).",
            "choices": list(MODE_DEFAULTS),
        },
    )
    beta: float | None = field(
        default=None,
        metadata={"help": "DPO temperature; default: the mode's (0.5 for scpo, 0.1 otherwise)."},
    )
    alpha: float | None = field(
        default=None,
        metadata={"help": "Coefficient of the length-normalised NLL on the chosen response; default: the mode's."},
    )
    learning_rate: float = field(default=5e-6, metadata={"help": "The initial learning rate for AdamW."})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "The scheduler type to use."})
    gradient_checkpointing: bool | None = field(
        default=None,
        metadata={"help": "Deprecated alias of `activation_checkpointing` (off by default here)."},
    )

    def __post_init__(self) -> None:
        if self.mode not in MODE_DEFAULTS:
            raise ValueError(f"mode must be one of {sorted(MODE_DEFAULTS)}, got {self.mode!r}")
        defaults = MODE_DEFAULTS[self.mode]
        self.beta = defaults.beta if self.beta is None else self.beta
        self.alpha = defaults.alpha if self.alpha is None else self.alpha
        apply_device_defaults(self)
        super().__post_init__()
        for name, allowed in _FIXED_LOSS_FIELDS.items():
            if getattr(self, name) != allowed:
                raise ValueError(
                    f"{name}={getattr(self, name)!r} selects another loss; the ScPO trainer needs {allowed!r} "
                    "(use trl.DPOTrainer for other DPO losses)"
                )

    @property
    def use_weights(self) -> bool:
        """Whether the per-pair ``weight`` column scales the loss (mode ``scpo``)."""
        return MODE_DEFAULTS[self.mode].use_weights


def config_fields() -> frozenset[str]:
    """Names of every option a YAML file (or the CLI) may set on :class:`ScpoConfig`."""
    return frozenset(f.name for f in fields(ScpoConfig) if f.init)


def read_yaml_options(path: str | Path, known: frozenset[str] | None = None) -> dict[str, Any]:
    """Read a YAML file of training options: a mapping of config field names to values.

    Args:
        path: The YAML file.
        known: The option names it may set (default: :func:`config_fields`, ``ScpoConfig``'s).

    Raises:
        ScpoError: When the file is missing, is not valid YAML, is not a mapping, or
            names an option the config does not have.
    """
    import yaml

    path = Path(path)
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScpoError(f"cannot read training config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ScpoError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ScpoError(f"{path} must hold a mapping of option: value, got {type(values).__name__}")
    unknown = sorted(set(map(str, values)) - (config_fields() if known is None else known))
    if unknown:
        raise ScpoError(f"unknown training option(s) in {path}: {', '.join(unknown)}")
    return values


def build_config(config_file: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> ScpoConfig:
    """Build a :class:`ScpoConfig` from an optional YAML file and explicit overrides.

    Args:
        config_file: A YAML file of ``ScpoConfig``/``DPOConfig`` options, or None.
        overrides: Options that win over the file (CLI flags); None values are ignored.

    Raises:
        ScpoError: When the file is unusable or the resulting configuration is invalid.
    """
    return build_options(ScpoConfig, config_file, overrides)


def build_options(cls: type[_Config], config_file: str | Path | None = None,
                  overrides: Mapping[str, Any] | None = None) -> _Config:
    """Build a training config dataclass ``cls`` from an optional YAML file of its fields and overrides.

    Args:
        cls: The config class (:class:`ScpoConfig`, ``ScoreConfig``, ...); the YAML may name any of its fields.
        config_file: A YAML mapping of options, or None.
        overrides: Options that win over the file (CLI flags); None values are ignored.

    Raises:
        ScpoError: When the file is unusable, names an unknown option, or the configuration is invalid.
    """
    known = frozenset(f.name for f in fields(cls) if f.init)
    values = read_yaml_options(config_file, known) if config_file is not None else {}
    values.update({key: value for key, value in (overrides or {}).items() if value is not None})
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ScpoError(f"invalid training configuration: {exc}") from exc
