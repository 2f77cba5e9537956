"""Recipes: the shipped ones load, overrides apply, and a bad recipe is one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import assert_refused, scpo
from scpo_data.errors import ScpoError
from scpo_data.iterate.data import make_splits, semi_slice
from scpo_data.iterate.recipe import load_recipe, shipped_recipes, warmup_spec


def test_shipped_recipes_load_and_fix_every_setting() -> None:
    assert set(shipped_recipes()) >= {"laptop", "laptop-quick", "tiny"}
    for name in shipped_recipes():
        recipe = load_recipe(name)
        assert recipe.name == name and recipe.iterations >= 1 and recipe.arms
    laptop = load_recipe("laptop")
    assert laptop.tau == (0.7,) and laptop.problems.test >= 500 and laptop.eval.maj_n >= 200
    assert set(laptop.arms) == {"scpo", "irpo", "semi"}
    assert laptop.train.learning_rate == (5e-6,) and laptop.sampling.extra_samples == 8
    assert laptop.warmup is not None and laptop.warmup["steps"] == 15  # chosen on dev (m0-warmup-dev.md)


def test_one_learning_rate_or_a_list() -> None:
    assert load_recipe("laptop-quick").train.learning_rate == (5e-6,)
    assert load_recipe("tiny").train.learning_rate == (1e-5, 3e-5)


def test_flags_override_the_recipe() -> None:
    recipe = load_recipe("tiny", {"model": "some/model", "seed": 3, "arms": ["scpo"], "iterations": 3,
                                  "problems": "data.jsonl", "warmup": False, "backend": None})
    assert (recipe.model, recipe.seed, recipe.arms, recipe.iterations) == ("some/model", 3, ("scpo",), 3)
    assert recipe.problems.source == "data.jsonl" and recipe.problems.pool_per_iteration == 4
    assert recipe.warmup is None and recipe.backend == "hf"
    assert recipe.tau_at(3) == recipe.tau[-1]  # the schedule's last value repeats


def test_the_warmup_spec_takes_the_recipes_model_seed_and_arithmetic() -> None:
    spec = warmup_spec(load_recipe("tiny", {"seed": 5}))
    assert (spec.base, spec.seed, spec.steps, spec.arith.max_value) == ("embedded", 5, 8, 20)


def test_splits_are_disjoint_fresh_per_iteration_and_miss_the_warmup_questions() -> None:
    from scpo_data.train.warmup import WARMUP_SPLIT, arith_splits

    recipe = load_recipe("tiny")
    spec = warmup_spec(recipe)
    splits = make_splits(recipe, spec)
    questions = [r["question"] for part in (*splits.pool, splits.dev, splits.test) for r in part]
    warm = {r["question"] for r in arith_splits(spec, {})[WARMUP_SPLIT]}
    assert len(questions) == len(set(questions)) == 2 * 4 + 3 + 4
    assert not warm & set(questions)
    semi = semi_slice(splits.pool[0], 0.5, 0, 1)
    assert [r["question"] for r in semi] == [r["question"] for r in splits.pool[0]]
    assert sum(r["answer"] is None for r in semi) == 2


@pytest.mark.parametrize(("text", "message"), [
    ("iterations: 2\nbogus: 1\n", "unknown key bogus"),
    ("problems: {pool_size: 3}\n", "unknown key problems.pool_size"),
    ("iterations: two\n", "iterations must be an integer"),
    ("tau: [0.5, high]\n", "tau must be a number"),
    ("tau: [0.5, 1.5]\n", "tau must be fractions of k"),
    ("arms: [scpo, dpo]\n", "arms must be distinct names"),
    ("train: {output_dir: x}\n", "train.output_dir is set by iterate"),
    ("train: {learning_rat: 0.1}\n", "unknown key train.learning_rat"),
    ("train: {learning_rate: [1.0e-5, 1.0e-5]}\n", "train.learning_rate must be distinct rates above 0"),
    ("train: {learning_rate: 1e-5}\n", "train.learning_rate must be a number"),
    ("sampling: {extra_samples: -1}\n", "sampling.extra_samples must be 0 or more"),
    ("warmup: {seed: 3}\n", "warmup.seed is the recipe's seed"),
    ("backend: openai\n", "backend must be one of hf, vllm"),
    ("- a list\n", "must hold a mapping"),
    ("iterations: [1\n", "is not valid YAML"),
])
def test_bad_recipes_are_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScpoError, match=message.replace("[", r"\[")):
        load_recipe(str(path))


def test_cli_refuses_a_bad_recipe_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("iterations: 2\nsampling: {k: 8, temprature: 0.7}\n")
    out = tmp_path / "out"
    assert_refused(scpo("iterate", "--recipe", str(bad), "--out", str(out)),
                   "unknown key sampling.temprature", out)
    assert_refused(scpo("iterate", "--recipe", str(tmp_path / "missing.yaml"), "--out", str(out)),
                   "cannot read recipe", out)
    assert_refused(scpo("iterate", "--recipe", "no-such-recipe", "--out", str(out)), "unknown recipe", out)


def test_a_run_pinned_before_a_setting_existed_still_resumes() -> None:
    from scpo_data.iterate.driver import settings_agree

    now = {"seed": 0, "train": {"epochs": 2, "processes": 1, "options": {"max_length": 256}}}
    assert settings_agree({"seed": 0, "train": {"epochs": 2, "options": {"max_length": 256}}}, now)
    assert not settings_agree({"seed": 0, "train": {"epochs": 3}}, now)
    assert not settings_agree({"seed": 0, "gone": 1}, now)


def test_an_arm_can_be_added_to_a_pinned_run_but_other_settings_are_refused(tmp_path: Path) -> None:
    import json

    from scpo_data.iterate.driver import RECIPE_FILE, claim_folder

    claim_folder(tmp_path, load_recipe("tiny", {"arms": ["scpo"]}))
    claim_folder(tmp_path, load_recipe("tiny", {"arms": ["scpo", "irpo"]}))
    assert json.loads((tmp_path / RECIPE_FILE).read_text())["arms"] == ["scpo", "irpo"]
    with pytest.raises(ScpoError, match="holds an iterate run of other settings"):
        claim_folder(tmp_path, load_recipe("tiny", {"arms": ["scpo"], "seed": 4}))
    assert json.loads((tmp_path / RECIPE_FILE).read_text())["arms"] == ["scpo", "irpo"]
