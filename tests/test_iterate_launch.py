"""``iterate`` runs a training step under ``accelerate launch`` when the recipe (or
``--processes`` / ``--accelerate-config``) asks: two CPU processes (gloo) train the step, the
dev-best epoch is kept as in one process, and a failed launch is one clean error."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from rich.console import Console
from train_helpers import write_pairs

from scpo_data.errors import ScpoError
from scpo_data.iterate.data import ANSWER_FIELD, QUESTION_FIELD
from scpo_data.iterate.recipe import load_recipe
from scpo_data.iterate.steps import Step, train_step

ROOT = Path(__file__).resolve().parents[1]
DDP_CONFIG = ROOT / "examples" / "accelerate" / "ddp.yaml"


def pairs_run(folder: Path) -> Path:
    run = write_pairs(folder)
    (run / "manifest.json").write_text(json.dumps({"counts": {"pairs": 8}}))
    return run


def dev_file(path: Path) -> Path:
    rows = [{QUESTION_FIELD: f"What is {i} + 2?", ANSWER_FIELD: f"#### {i + 2}"} for i in range(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def launched_recipe(**train: object):
    recipe = load_recipe("tiny", {"processes": 2, "accelerate_config": str(DDP_CONFIG)})
    options = {"per_device_train_batch_size": 2, "max_length": 128, "bf16": False, "logging_steps": 1,
               "dataloader_pin_memory": False}
    spec = dataclasses.replace(recipe.train, epochs=1, learning_rate=(1e-5,), options=options, **train)
    return dataclasses.replace(recipe, train=spec)


def test_a_step_trains_on_two_processes_and_keeps_its_dev_best_epoch(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    recipe = launched_recipe()
    assert recipe.train.launched and recipe.train.processes == 2
    step = Step(recipe, Console(stderr=True), "scpo", 1)
    selection = train_step(step, tmp_path / "iter1", pairs_run(tmp_path / "run"), "embedded",
                           dev_file(tmp_path / "dev.jsonl"))
    assert selection["trained"] and selection["epochs"] == 1 and selection["pairs"] == 8
    scratch = tmp_path / "iter1" / "train-lr1e-05"
    training = json.loads((scratch / "training.json").read_text())
    assert training["world_size"] == 2 and training["mode"] == "scpo" and training["learning_rate"] == 1e-5
    state = json.loads((scratch / "trainer_state.json").read_text())
    assert state["global_step"] == 2  # 8 pairs, 2 per process, 2 processes: 2 steps per epoch
    model = Path(selection["path"])
    assert (model / "model.safetensors").is_file() and (model / "selection.json").is_file()
    assert (scratch / "dev-epoch1" / "report.json").is_file()


def test_a_failed_launch_is_one_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    step = Step(launched_recipe(), Console(stderr=True), "scpo", 1)
    with pytest.raises(ScpoError, match="accelerate launch of the scpo training step failed"):
        train_step(step, tmp_path / "iter1", pairs_run(tmp_path / "run"), "no-such/model-here",
                   dev_file(tmp_path / "dev.jsonl"))
    assert not (tmp_path / "iter1" / "model").exists()


def test_flags_and_recipe_keys_set_the_launch(tmp_path: Path) -> None:
    assert not load_recipe("tiny").train.launched
    assert load_recipe("tiny", {"processes": 4}).train.processes == 4
    recipe = tmp_path / "r.yaml"
    recipe.write_text("train: {epochs: 1, processes: 2, max_length: 128}\n")
    loaded = load_recipe(str(recipe))
    assert loaded.train.processes == 2 and loaded.train.options == {"max_length": 128}
    with pytest.raises(ScpoError, match="train.accelerate_config must be an existing accelerate config file"):
        load_recipe("tiny", {"accelerate_config": str(tmp_path / "missing.yaml")})
    with pytest.raises(ScpoError, match="train.processes must be at least 1"):
        load_recipe("tiny", {"processes": 0})
