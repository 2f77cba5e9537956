"""``ScoreConfig``: TRL's ``GRPOConfig`` plus SCoRe's two-stage settings, and YAML loading.

SCoRe (Kumar et al., arXiv 2409.12917) trains two attempts online. Each rollout is scored
by two reward functions, r1 and r2 (1 when the attempt's answer is the gold answer), and
the stage sets their weights (``reward_weights``) so that the rollout's reward is

=========  ==============================  ===================
stage      reward of the whole rollout     weights (r1, r2)
=========  ==============================  ===================
1          r2                              (0, 1)
2          r1 + r2 + alpha * (r2 - r1)     (1 - alpha, 1 + alpha)
=========  ==============================  ===================

KL to the reference: ``beta`` (SCoRe's beta1, 0.01) on every model token; in stage 1
attempt 1's tokens get ``beta2`` (0.1) instead. The paper's settings are the defaults:
alpha 10, beta1 0.01, beta2 0.1, learning rate 5e-6, temperature 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trl import GRPOConfig

from scpo_data.correct.config import DEFAULT_ALPHA
from scpo_data.train.config import apply_device_defaults, build_options

#: SCoRe's KL coefficients: beta1 on every attempt, beta2 on attempt 1 in stage 1.
BETA1, BETA2 = 0.01, 0.1
STAGES = (1, 2)


def stage_weights(stage: int, alpha: float) -> tuple[float, float]:
    """The weights of (r1, r2) whose weighted sum is the stage's rollout reward.

    Stage 1 rewards attempt 2 only (r2); stage 2 rewards
    r1 + r2 + alpha * (r2 - r1) = (1 - alpha) * r1 + (1 + alpha) * r2.

    Raises:
        ValueError: When ``stage`` is not 1 or 2.
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be 1 or 2, got {stage!r}")
    return (0.0, 1.0) if stage == 1 else (1.0 - alpha, 1.0 + alpha)


@dataclass
class ScoreConfig(GRPOConfig):
    """Configuration of :class:`scpo_data.train.score.ScoreTrainer`: every ``GRPOConfig`` field plus SCoRe's.

    Defaults that differ from ``GRPOConfig``: ``beta`` 0.01 (SCoRe's beta1),
    ``learning_rate`` 5e-6, ``bf16`` only where the hardware runs it natively,
    activation checkpointing off, no reporting integrations, and ``reward_weights`` set
    from ``stage`` and ``alpha`` (:func:`stage_weights`; setting them is refused).
    ``max_completion_length`` is the token limit of *each* attempt (None: the domain's).
    """

    stage: int = field(default=2, metadata={"help": "SCoRe stage: 1 (r2, strong KL on attempt 1) or 2 (shaped).",
                                            "choices": list(STAGES)})
    domain: str = field(default="arith", metadata={"help": "Domain: prompt, correction instruction, extractor."})
    alpha: float = field(default=DEFAULT_ALPHA, metadata={"help": "Stage 2 bonus: r1 + r2 + alpha * (r2 - r1)."})
    beta2: float = field(default=BETA2, metadata={"help": "Stage 1 KL coefficient on attempt 1's tokens."})
    instruction: str | None = field(
        default=None, metadata={"help": "Correction instruction between the attempts (None: the domain's)."}
    )
    beta: float = field(default=BETA1, metadata={"help": "KL coefficient on every model token (SCoRe's beta1)."})
    learning_rate: float = field(default=5e-6, metadata={"help": "The initial learning rate for AdamW."})
    max_completion_length: int | None = field(
        default=None, metadata={"help": "Most new tokens per attempt (None: the domain's max_tokens)."}
    )
    gradient_checkpointing: bool | None = field(
        default=None, metadata={"help": "Deprecated alias of `activation_checkpointing` (off by default here)."}
    )
    report_to: str | list[str] = field(default="none", metadata={"help": "Logging integrations."})

    def __post_init__(self) -> None:
        from scpo_data.domains import get_domain

        if self.reward_weights is not None:
            raise ValueError("reward_weights follow from stage and alpha; set those instead")
        self.reward_weights = list(stage_weights(self.stage, self.alpha))
        if self.beta2 < 0 or self.beta < 0:
            raise ValueError("beta and beta2 must be >= 0")
        if self.stage == 1 and self.beta2 > 0 and self.beta == 0:
            raise ValueError("stage 1 needs beta > 0 (TRL loads the reference model only then)")
        if self.max_completion_length is None:
            self.max_completion_length = get_domain(self.domain).max_tokens
        apply_device_defaults(self)
        super().__post_init__()


def build_score_config(config_file: str | Path | None = None,
                       overrides: Mapping[str, Any] | None = None) -> ScoreConfig:
    """Build a :class:`ScoreConfig` from an optional YAML file of its (and ``GRPOConfig``'s) fields and overrides.

    Raises:
        ScpoError: When the file is unusable, names an unknown option, or the configuration
            is invalid (an unknown domain included).
    """
    return build_options(ScoreConfig, config_file, overrides)
