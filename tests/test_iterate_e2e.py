"""``scpo-data iterate --recipe tiny`` end to end on the embedded model: the summary's schema and
numbers (read back from the eval folders), shared M0 samples in iteration 1, and a run killed
mid-iteration that resumes to the same summary without redoing finished steps."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from helpers import ENV, scpo

pytestmark = pytest.mark.slow

ARMS, ITERATIONS, TEST_N, MAJ_N = ("scpo", "irpo"), 2, 4, 2


def iterate(out: Path, *flags: str) -> list[str]:
    """The arguments of a tiny run into ``out``."""
    return ["iterate", "--recipe", "tiny", "--out", str(out), *flags]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted tiny run."""
    out = tmp_path_factory.mktemp("iterate") / "full"
    result = scpo(*iterate(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("# scpo-data iterate: tiny") and "| ScPO M2 |" in result.stdout  # the table is printed
    return out


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


def greedy(folder: Path) -> dict[str, bool]:
    frame = pl.read_parquet(folder / "results.parquet")
    return dict(zip(frame["problem_id"], frame["greedy_correct"], strict=True))


def test_summary_schema_and_numbers_come_from_the_eval_folders(full_run: Path) -> None:
    data = summary(full_run)
    assert data["recipe"]["name"] == "tiny"
    models = data["models"]
    assert [(m["arm"], m["iteration"]) for m in models] == \
        [("base", 0)] + [(arm, t) for arm in ARMS for t in range(1, ITERATIONS + 1)]
    assert [m["name"] for m in models] == ["M0", "ScPO M1", "ScPO M2", "IRPO M1", "IRPO M2"]
    base = greedy(full_run / "base" / "iter0" / "eval" / "test")
    assert len(base) == TEST_N
    for m in models:
        assert {"name", "arm", "iteration", "path", "test", "gain"} <= set(m)
        assert set(m["test"]) == {"n", "greedy", "maj", "maj_n"} and set(m["gain"]) == {"greedy", "ci95"}
        folder = full_run / m["arm"] / f"iter{m['iteration']}" / "eval"
        mine = greedy(folder / "test")
        assert set(mine) == set(base)  # the same test problems as M0
        assert m["test"]["n"] == TEST_N and m["test"]["greedy"] == pytest.approx(sum(mine.values()) / TEST_N)
        maj = pl.read_parquet(folder / "maj" / "results.parquet")
        assert m["test"]["maj_n"] == MAJ_N == maj.height
        assert m["test"]["maj"] == pytest.approx(maj["maj_correct"].mean())
        expected = sum(mine[i] - base[i] for i in base) / TEST_N
        low, high = m["gain"]["ci95"]
        assert m["gain"]["greedy"] == pytest.approx(expected) and low <= expected <= high
        before = base if m["iteration"] <= 1 else greedy(full_run / m["arm"] / f"iter{m['iteration'] - 1}" / "eval"
                                                          / "test")
        step = sum(mine[i] - before[i] for i in base) / TEST_N  # against the model it was trained from
        low, high = m["step_gain"]["ci95"]
        assert m["step_gain"]["greedy"] == pytest.approx(step) and low <= step <= high
        assert Path(m["path"]).exists() or m["path"] == "embedded"
    assert models[0]["gain"] == {"greedy": 0.0, "ci95": [0.0, 0.0]}
    taus = [row["tau"] for row in data["tau_table"]]
    assert taus == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    kept = [row["pairs"] for row in data["tau_table"]]
    assert kept == sorted(kept, reverse=True) and kept[0] > 0
    assert all({"chosen_accuracy", "rejected_accuracy", "gap"} <= set(row) for row in data["tau_table"])
    table = (full_run / "summary.md").read_text()
    assert all(f"| {m['name']} |" in table for m in models) and "Tau table" in table
    assert (full_run / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_iteration_trains_from_the_last_model_and_arms_share_m0s_samples(full_run: Path) -> None:
    m0_samples = pl.read_parquet(full_run / "base" / "iter1" / "run" / "samples.parquet")
    for arm in ARMS:
        run = full_run / arm / "iter1" / "run"
        assert pl.read_parquet(run / "samples.parquet").equals(m0_samples)
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["counts"]["cache"]["completions_generated"] == 0  # replayed, not sampled again
        assert manifest["config"]["labels"] == {"scpo": "none", "irpo": "gold"}[arm]
        m1 = json.loads((full_run / arm / "iter1" / "model" / "selection.json").read_text())
        m2_run = json.loads((full_run / arm / "iter2" / "run" / "manifest.json").read_text())
        assert m2_run["model"]["path"] == str(Path(m1["path"]).resolve()) or m2_run["model"]["spec"] == m1["path"]
        assert m2_run["config"]["tau"] == 0.5  # the schedule's second value
        pool1 = {r["problem_id"] for r in pl.read_parquet(run / "problems.parquet").to_dicts()}
        pool2 = {r["problem_id"] for r in pl.read_parquet(full_run / arm / "iter2" / "run" / "problems.parquet")
                 .to_dicts()}
        assert pool1 and pool2 and not pool1 & pool2  # a fresh slice each iteration
    scpo_m1 = json.loads((full_run / "scpo" / "iter1" / "model" / "selection.json").read_text())
    assert scpo_m1["trained"] and scpo_m1["pairs"] > 0 and 1 <= scpo_m1["epochs"] <= 2
    grid = scpo_m1["dev_grid"]  # a model per learning rate, a dev score per epoch checkpoint
    assert set(grid) == {"1e-05", "3e-05"} and all(len(scores) == 2 for scores in grid.values())
    assert scpo_m1["dev"] == grid[format(scpo_m1["learning_rate"], "g")]
    best = max(max(scores) for scores in grid.values())
    assert scpo_m1["dev"][scpo_m1["epochs"] - 1] == best  # the (rate, epoch) best on dev is kept
    for rate in grid:
        assert not list((full_run / "scpo" / "iter1" / f"train-lr{rate}").glob("checkpoint-*"))  # others deleted
    manifest = json.loads((full_run / "base" / "iter1" / "run" / "manifest.json").read_text())
    assert manifest["config"]["extra_samples"] == 2  # the recipe's extra samples reach generate


def test_a_run_killed_mid_iteration_resumes_to_the_same_summary(full_run: Path, tmp_path: Path) -> None:
    # One arm (the splits and seeds do not depend on the arms), killed once its first model is
    # chosen, in the middle of iteration 1; its models must equal the full run's ScPO models.
    out = tmp_path / "killed"
    first_model = out / "scpo" / "iter1" / "model" / "selection.json"
    process = subprocess.Popen([sys.executable, "-m", "scpo_data", *iterate(out, "--arms", "scpo")], env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 1200
        while not first_model.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert first_model.exists(), "the first model step never finished"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert not (out / "summary.json").exists()
    stamp = first_model.stat().st_mtime_ns

    result = scpo(*iterate(out, "--arms", "scpo"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "scpo · iteration 1/2 · train (done)" in result.stderr
    assert first_model.stat().st_mtime_ns == stamp  # not trained again
    m0_eval = json.loads((out / "base" / "iter0" / "eval" / "test" / "report.json").read_text())
    assert m0_eval["cache"]["completions_generated"] > 0  # done before the kill, kept as it was
    resumed, full = summary(out), summary(full_run)

    def numbers(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in m.items() if k != "path"} for m in models if m["arm"] in ("base", "scpo")]

    assert numbers(resumed["models"]) == numbers(full["models"])
    assert resumed["tau_table"] == full["tau_table"]


def test_a_folder_holding_another_recipes_run_is_refused(full_run: Path) -> None:
    result = scpo(*iterate(full_run, "--seed", "1"))
    assert result.returncode == 2 and "holds an iterate run of other settings" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
