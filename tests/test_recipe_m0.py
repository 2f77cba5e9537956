"""benchmarks/recipe_m0.py: a recipe's warm M0 at N steps and the dev split iterate would draw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import benchmark_script

from scpo_data.iterate.data import make_splits
from scpo_data.iterate.recipe import load_recipe, warmup_spec

recipe_m0 = benchmark_script("recipe_m0")

_RECIPE = """\
model: embedded
backend: hf
domain: gsm8k
arms: [scpo]
iterations: 1
tau: [0.7]
problems:
  source: arith
  arith: {preset: default, distractors: 0.5}
  pool_per_iteration: 6
  dev: 5
  test: 7
eval: {maj_n: 4, k: 4}
warmup: {count: 12, steps: 15, lr: 1.0e-4, batch_size: 16, max_length: 256}
"""


def test_writes_the_seeds_dev_split_and_warms_up_the_recipes_m0_at_the_given_steps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    recipe_file = tmp_path / "r.yaml"
    recipe_file.write_text(_RECIPE)
    built: list[Any] = []
    monkeypatch.setattr(recipe_m0, "warm_model", lambda spec: built.append(spec) or tmp_path / "warm")
    dev = tmp_path / "out" / "dev.jsonl"
    assert recipe_m0.main([str(recipe_file), "--seed", "3", "--steps", "7", "--dev", str(dev)]) == 0

    recipe = load_recipe(str(recipe_file), {"seed": 3})
    expected = make_splits(recipe, warmup_spec(recipe)).dev
    assert [json.loads(line) for line in dev.read_text().splitlines()] == list(expected)
    (spec,) = built
    assert (spec.steps, spec.seed, spec.batch_size, spec.count) == (7, 3, 16, 12)
    assert spec.arith.distractors == 0.5
    assert capsys.readouterr().out.strip() == str(tmp_path / "warm")


def test_a_recipe_without_warm_up_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe_file = tmp_path / "r.yaml"
    recipe_file.write_text(_RECIPE.split("warmup:")[0])
    dev = tmp_path / "dev.jsonl"
    assert recipe_m0.main([str(recipe_file), "--steps", "7", "--dev", str(dev)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "no warmup section" in err and "\n" not in err
    assert not dev.exists()
