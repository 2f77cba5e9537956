"""``scpo-data correct`` and ``eval --self-correct`` end to end on the real embedded model
(``embedded-arith``, a few problems, short attempts), clean refusals, and ``--help``."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import polars as pl
import pytest

from helpers import assert_refused, scpo
from scpo_data.correct.datasets import CONFIGS, SCHEMAS
from scpo_data.records import PROBLEMS_FILE

#: A handful of fresh arith problems, two first attempts each, two second attempts after each.
SMALL = ("--model", "embedded-arith", "--domain", "arith", "--count", "4", "--n", "2", "--second-n", "2",
         "--max-tokens", "24")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("correct") / "run"
    result = scpo("correct", *SMALL, "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Accuracy@t1" in result.stdout and "dataset configs: traces 16" in result.stderr
    return out


def test_the_run_folder_holds_traces_metrics_and_four_loadable_configs(run: Path) -> None:
    assert sorted(p.name for p in run.iterdir()) == ["cache.sqlite", "dataset", "manifest.json", PROBLEMS_FILE,
                                                     "traces.parquet"]
    traces = pl.read_parquet(run / "traces.parquet")
    assert traces.height == 16 and set(traces["label_source"]) == {"gold"}
    assert set(traces["r1"]) <= {0, 1} and set(traces["r2"]) <= {0, 1}
    assert (traces["shaped_reward"] == traces["r2"] + 10 * (traces["r2"] - traces["r1"])).all()
    manifest = json.loads((run / "manifest.json").read_text())
    sc = manifest["counts"]["self_correction"]
    assert sc["traces"] == 16 and sc["problems"] == 4
    assert sc["accuracy_t1"] == pytest.approx(traces["r1"].mean())
    assert sc["accuracy_t2"] == pytest.approx(traces["r2"].mean())
    assert sc["delta"] == pytest.approx(sc["delta_i_to_c"] - sc["delta_c_to_i"])
    for name in ("accuracy_t1", "accuracy_t2", "delta", "delta_i_to_c", "delta_c_to_i"):
        low, high = sc["ci95"][name]
        assert low <= sc[name] <= high
    rows = manifest["counts"]["configs"]
    assert rows["traces"] == 16
    for name in CONFIGS:
        if rows[name]:
            loaded = datasets.load_dataset(str(run / "dataset"), name, split="train")
            assert loaded.num_rows == rows[name] and set(loaded.column_names) == set(SCHEMAS[name])
        else:  # datasets 5.x cannot load a split with 0 rows; the file is there with its columns
            files = list((run / "dataset" / "data").glob(f"{name}-*.parquet"))
            assert len(files) == 1 and pl.read_parquet(files[0]).columns == list(SCHEMAS[name])


def test_a_rerun_replays_every_attempt_from_the_cache(run: Path, tmp_path: Path) -> None:
    before = pl.read_parquet(run / "traces.parquet")
    result = scpo("correct", *SMALL, "--out", str(run))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cache: 24 completions replayed, 0 generated" in result.stderr
    assert pl.read_parquet(run / "traces.parquet").equals(before)


def test_inspect_shows_the_metrics(run: Path) -> None:
    result = scpo("inspect", str(run))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Accuracy@t2" in result.stdout and "wrong -> right" in result.stdout and "Example traces" in result.stdout


def test_eval_self_correct_on_the_embedded_model(tmp_path: Path) -> None:
    data = tmp_path / "arith.jsonl"
    assert scpo("puzzles", "arith", "--count", "3", "--seed", "7", "--out", str(data)).returncode == 0
    out = tmp_path / "eval"
    result = scpo("eval", "--self-correct", "--data", str(data), "--domain", "arith", "--max-tokens", "24",
                  "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["self_correction"]["traces"] == 3 and "Accuracy@t1" in result.stdout
    assert pl.read_parquet(out / "traces.parquet").height == 3


@pytest.mark.parametrize(("args", "message"), [
    (["--problems", "missing.jsonl"], "missing.jsonl"),
    (["--model", "/no/such/model"], "/no/such/model"),
    (["--instruction-file", "EMPTY"], "is empty"),
    (["--instruction-file", "/no/such/file.txt"], "cannot read --instruction-file"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    out = tmp_path / "out"
    args = [str(empty) if a == "EMPTY" else a for a in args]
    assert_refused(scpo("correct", "--count", "2", "--out", str(out), *args), message, out)


def test_eval_refuses_an_instruction_without_self_correct(tmp_path: Path) -> None:
    instruction = tmp_path / "instruction.txt"
    instruction.write_text("Check it.")
    out = tmp_path / "eval"
    result = scpo("eval", "--data", str(instruction), "--domain", "arith", "--instruction-file", str(instruction),
                  "--out", str(out))
    assert_refused(result, "--instruction-file applies only with --self-correct", out)


def test_help_is_clean() -> None:
    result = scpo("correct", "--help")
    assert result.returncode == 0 and not result.stderr
    text = " ".join(result.stdout.replace("│", " ").split())
    for option in ("--problems", "--n", "--second-n", "--instruction-file", "--alpha", "--max-tokens", "--backend"):
        assert option in text
    assert "--self-correct" in " ".join(scpo("eval", "--help").stdout.replace("│", " ").split())


@pytest.mark.parametrize(("mode", "config"), [("sft", "pair_sft"), ("sft", "star"), ("dpo", "preference")])
def test_the_offline_baselines_train_on_their_config(run: Path, tmp_path: Path, mode: str, config: str) -> None:
    options = tmp_path / "options.yaml"
    options.write_text("max_steps: 1\n")
    out = tmp_path / "model"
    result = scpo("train", "--mode", mode, "--data", str(run), "--data-config", config, "--out", str(out),
                  "--batch-size", "2", "--max-length", "256", "--config", str(options))
    rows = json.loads((run / "manifest.json").read_text())["counts"]["configs"][config]
    if rows:
        assert result.returncode == 0, result.stderr[-3000:]
        state = json.loads((out / "trainer_state.json").read_text())
        assert state["global_step"] == 1
        assert json.loads((out / "training.json").read_text())["data"] == str(run)
    else:  # a config with no rows is refused in one line, before anything is written
        assert_refused(result, "no records" if mode == "sft" else "no pairs", out)


def test_an_unknown_config_is_one_line(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert_refused(scpo("train", "--mode", "sft", "--data", str(run), "--data-config", "nope", "--out", str(out)),
                   "nope", out)


def test_shards_of_the_real_model_merge_into_one_run(tmp_path: Path) -> None:
    shards = [tmp_path / f"shard{i}" for i in range(2)]
    for i, folder in enumerate(shards):
        result = scpo("correct", *SMALL, "--shard", f"{i}/2", "--out", str(folder))
        assert result.returncode == 0, result.stderr[-3000:]
    parts = [pl.read_parquet(folder / "traces.parquet") for folder in shards]
    assert all(part.height for part in parts) and sum(part.height for part in parts) == 16
    merged = tmp_path / "merged"
    result = scpo("merge", *map(str, shards), "--out", str(merged))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "merged 2 correction shards: 4 problems, 16 traces" in result.stderr
    assert pl.read_parquet(merged / "traces.parquet").equals(pl.concat(parts))
    counts = json.loads((merged / "manifest.json").read_text())["counts"]
    shard_counts = [json.loads((folder / "manifest.json").read_text())["counts"] for folder in shards]
    assert counts["tokens"] == sum(c["tokens"] for c in shard_counts) and counts["first_attempts"] == 8
    assert counts["self_correction"]["accuracy_t1"] == pytest.approx(pl.concat(parts)["r1"].mean())
    assert counts["configs"]["traces"] == 16
    assert datasets.load_dataset(str(merged / "dataset"), "traces", split="train").num_rows == 16
    shown = scpo("inspect", str(merged))
    assert shown.returncode == 0 and "Accuracy@t1" in shown.stdout


def test_merge_of_one_correction_shard_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "shard0"
    assert scpo("correct", *SMALL, "--limit", "2", "--shard", "0/3", "--out", str(folder)).returncode == 0
    merged = tmp_path / "merged"
    assert_refused(scpo("merge", str(folder), "--out", str(merged)), "missing shard(s) 1/3, 2/3", merged)
