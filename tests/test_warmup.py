"""The warm M0: splits convention, cache hits and misses, atomic builds, ``scpo-data warmup``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scpo_data.backends.models import EMBEDDED_ARITH, resolve_model
from scpo_data.cli.app import app
from scpo_data.errors import ScpoError
from scpo_data.puzzles import ARITH_PRESETS, check_disjoint, make_arith_splits
from scpo_data.train import warmup
from scpo_data.train.warmup import INFO_FILE, WARMUP_SPLIT, WarmupSpec, arith_splits, warm_info, warm_model

#: A warm-up small enough for a test: 4 problems, 2 steps of 1.
TINY = WarmupSpec(count=4, steps=2, batch_size=1, max_length=256)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty scpo-data cache that still holds the converted embedded model (linked, not rebuilt)."""
    embedded = Path(resolve_model("embedded").path)
    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    (models / embedded.name).symlink_to(embedded)
    monkeypatch.setenv("SCPO_DATA_CACHE", str(tmp_path / "cache"))
    return models


def leftovers(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir() if p.name.startswith((".warm-", "warm-")))


def test_warmup_split_comes_first_and_later_splits_never_repeat_it() -> None:
    spec = WarmupSpec(count=30, seed=3, arith=ARITH_PRESETS["easy"])
    splits = arith_splits(spec, {"pool": 40, "dev": 20, "test": 20})
    assert list(splits) == [WARMUP_SPLIT, "pool", "dev", "test"]
    alone = make_arith_splits({WARMUP_SPLIT: 30}, 3, ARITH_PRESETS["easy"])[WARMUP_SPLIT]
    assert splits[WARMUP_SPLIT] == alone  # what the build trains on
    check_disjoint(splits)
    with pytest.raises(ScpoError, match="warm-up"):
        arith_splits(spec, {WARMUP_SPLIT: 5})


def test_bad_spec_is_refused() -> None:
    with pytest.raises(ScpoError, match="steps"):
        WarmupSpec(steps=0)
    with pytest.raises(ScpoError, match="lr"):
        WarmupSpec(lr=0.0)


def test_build_once_then_cache_hit_and_other_spec_other_folder(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = warm_model(TINY)
    assert folder.parent == cache and leftovers(cache) == [folder.name]
    info = warm_info(folder)
    assert info["spec"]["count"] == 4 and info["weights_hash"] == resolve_model(str(folder)).file_hash
    state = json.loads((folder / "trainer_state.json").read_text())
    assert state["global_step"] == 2

    def no_build(*args: object) -> None:
        raise AssertionError("a cached warm-up was built again")

    monkeypatch.setattr(warmup, "_build", no_build)
    assert warm_model(TINY) == folder  # a hit: nothing is trained
    other = replace(TINY, seed=1)
    assert warmup.cache_key(other, info["base_hash"]) != info["key"]
    with pytest.raises(AssertionError, match="built again"):
        warm_model(other)  # a different spec misses the cache
    assert leftovers(cache) == [folder.name]  # and the failed build left nothing behind


def test_interrupted_build_leaves_no_folder(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("scpo_data.train.sft.train_sft", killed)
    with pytest.raises(KeyboardInterrupt):
        warm_model(TINY)
    assert leftovers(cache) == []


def test_embedded_arith_names_the_default_warm_model(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = cache / "warm-fake"
    built.mkdir()
    (built / "config.json").write_text("{}")
    (built / INFO_FILE).write_text(json.dumps({"weights_hash": "abc"}))
    asked: list[WarmupSpec] = []
    monkeypatch.setattr(warmup, "warm_model", lambda spec: asked.append(spec) or built)
    ref = resolve_model(EMBEDDED_ARITH)
    assert asked == [WarmupSpec()]
    assert (ref.spec, ref.path, ref.file_hash) == (EMBEDDED_ARITH, str(built), "abc")
    assert "warmed up" in ref.identity


def test_cli_prints_the_folder_and_refuses_a_bad_preset(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[WarmupSpec] = []
    monkeypatch.setattr(warmup, "warm_model", lambda spec, console=None: asked.append(spec) or cache / "warm-x")
    result = CliRunner().invoke(app, ["warmup", "--count", "12", "--steps", "3", "--preset", "easy"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(cache / "warm-x")
    assert asked == [replace(WarmupSpec(), count=12, steps=3, arith=ARITH_PRESETS["easy"])]
    result = CliRunner().invoke(app, ["warmup", "--preset", "nope"])
    assert result.exit_code == 2 and "unknown --preset" in result.output
