"""ScpoConfig: mode defaults, overrides, precision, forbidden losses, YAML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from scpo_data.errors import ScpoError
from scpo_data.train.config import ScpoConfig, bf16_supported, build_config, read_yaml_options


@pytest.mark.parametrize(
    ("mode", "beta", "alpha", "use_weights"),
    [("scpo", 0.5, 1.0, True), ("irpo", 0.1, 1.0, False), ("dpo", 0.1, 0.0, False)],
)
def test_modes_bring_the_paper_defaults(
    tmp_path: Path, mode: str, beta: float, alpha: float, use_weights: bool
) -> None:
    config = ScpoConfig(str(tmp_path), mode=mode)
    assert (config.beta, config.alpha, config.use_weights) == (beta, alpha, use_weights)


def test_explicit_beta_and_alpha_win_over_the_mode(tmp_path: Path) -> None:
    config = ScpoConfig(str(tmp_path), mode="dpo", beta=0.3, alpha=0.5)
    assert (config.beta, config.alpha) == (0.3, 0.5)


def test_scpo_defaults_differ_from_dpo_config_where_the_paper_says(tmp_path: Path) -> None:
    config = ScpoConfig(str(tmp_path))
    assert config.learning_rate == 5e-6
    assert config.lr_scheduler_type.value == "cosine"
    assert config.activation_checkpointing is False
    assert config.bf16 is bf16_supported()


@pytest.mark.parametrize(
    "options",
    [
        {"mode": "kto"},
        {"loss_type": ["ipo"]},
        {"loss_type": ["sigmoid", "sft"]},
        {"ld_alpha": 0.5},
        {"use_weighting": True},
    ],
)
def test_invalid_modes_and_other_losses_are_refused(tmp_path: Path, options: dict) -> None:
    with pytest.raises(ValueError):
        ScpoConfig(str(tmp_path), bf16=False, **options)


def test_every_dpo_config_field_is_reachable_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "train.yaml"
    path.write_text(
        "mode: irpo\n"
        "gradient_accumulation_steps: 4\n"
        "precompute_ref_log_probs: true\n"
        "max_steps: 7\n"
        "warmup_steps: 3\n"
        "bf16: false\n"
        "model_init_kwargs: {attn_implementation: eager}\n",
        encoding="utf-8",
    )

    config = build_config(path, {"output_dir": str(tmp_path / "out")})

    assert config.mode == "irpo" and config.beta == 0.1
    assert config.gradient_accumulation_steps == 4
    assert config.precompute_ref_log_probs is True
    assert (config.max_steps, config.warmup_steps, config.bf16) == (7, 3, False)
    assert config.model_init_kwargs == {"attn_implementation": "eager"}


def test_flags_win_over_the_file_and_none_flags_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "train.yaml"
    path.write_text("beta: 0.2\nlearning_rate: 1.0e-5\nbf16: false\n", encoding="utf-8")

    config = build_config(path, {"output_dir": str(tmp_path), "beta": 0.9, "learning_rate": None})

    assert config.beta == 0.9
    assert config.learning_rate == 1e-5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("betta: 0.1\n", "unknown training option"),
        ("beta: [0.1\n", "not valid YAML"),
        ("- beta\n", "must hold a mapping"),
    ],
)
def test_bad_yaml_files_are_user_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "train.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScpoError, match=message):
        read_yaml_options(path)


def test_missing_file_and_invalid_values_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(ScpoError, match="cannot read"):
        build_config(tmp_path / "missing.yaml")
    with pytest.raises(ScpoError, match="invalid training configuration"):
        build_config(None, {"output_dir": str(tmp_path), "mode": "kto"})


def test_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "train.yaml"
    path.write_text("", encoding="utf-8")
    assert read_yaml_options(path) == {}
