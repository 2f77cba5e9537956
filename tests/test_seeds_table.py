"""benchmarks/seeds_table.py: one table of each model's gain over the seeds of an iterate recipe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import benchmark_script

seeds_table = benchmark_script("seeds_table")


def _model(name: str, arm: str, iteration: int, greedy: float, gain: float | None = None,
           ci: tuple[float, float] = (0.0, 0.0), step: tuple[float, float, float] | None = None) -> dict[str, Any]:
    """One ``summary.json`` model entry (the schema ``iterate`` writes)."""
    model: dict[str, Any] = {"name": name, "arm": arm, "iteration": iteration, "path": f"/m/{name}",
                             "test": {"n": 500, "greedy": greedy, "maj": greedy, "maj_n": 200}}
    if gain is not None:
        model["gain"] = {"greedy": gain, "ci95": list(ci)}
    if step is not None:
        model["step_gain"] = {"greedy": step[0], "ci95": [step[1], step[2]]}
    return model


def _run(tmp_path: Path, seed: int, models: list[dict[str, Any]], arms: list[str], iterations: int = 1,
         tau: float = 0.7) -> Path:
    """An iterate output folder holding only ``summary.json``."""
    folder = tmp_path / f"s{seed}"
    folder.mkdir()
    recipe = {"name": "laptop", "seed": seed, "arms": arms, "iterations": iterations, "tau": [tau],
              "train": {"epochs": 2}}
    (folder / "summary.json").write_text(json.dumps({"recipe": recipe, "models": models, "tau_table": []}))
    return folder


def _three_seeds(tmp_path: Path) -> list[Path]:
    """Seed 0 with two iterations and two arms; seeds 1 and 2 ScPO M1 only."""
    return [
        _run(tmp_path, 2, [_model("M0", "base", 0, 0.21), _model("ScPO M1", "scpo", 1, 0.25, 0.04, (0.014, 0.068))],
             ["scpo"]),
        _run(tmp_path, 0, [_model("M0", "base", 0, 0.25), _model("ScPO M1", "scpo", 1, 0.306, 0.056, (0.026, 0.086)),
                           _model("IRPO M1", "irpo", 1, 0.336, 0.086, (0.05, 0.124)),
                           _model("ScPO M2", "scpo", 2, 0.29, 0.04, (0.004, 0.076), step=(-0.016, -0.042, 0.01))],
             ["scpo", "irpo"], iterations=2),
        _run(tmp_path, 1, [_model("M0", "base", 0, 0.27), _model("ScPO M1", "scpo", 1, 0.33, 0.06, (-0.01, 0.12))],
             ["scpo"]),
    ]


def test_each_model_gets_its_gain_on_every_seed_the_mean_and_the_seeds_that_meet_the_target(tmp_path: Path) -> None:
    table = seeds_table.seeds_table(seeds_table.load_summaries(_three_seeds(tmp_path)), min_gain=5.0)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()[2:]}
    assert table.splitlines()[0].startswith("| Model | Seed 0: ")  # sorted by seed
    assert "Seed 1" in table.splitlines()[0] and table.splitlines()[0].index("Seed 1") < table.index("Seed 2")
    assert rows["M0"] == "| M0 | 25.0% | 27.0% | 21.0% |  |  |"
    # seed 0 meets +5 with CI > 0; seed 1 reaches +6 but its CI crosses 0; seed 2 gains +4
    assert rows["ScPO M1"].endswith("| +5.2 | 1 of 3 |")
    assert "33.0%, +6.0 [-1.0, +12.0]" in rows["ScPO M1"]
    assert rows["IRPO M1"].count("not run") == 2 and rows["IRPO M1"].endswith("| +8.6 | 1 of 1 |")
    assert "29.0%, +4.0 [+0.4, +7.6] (vs M1: -1.6 [-4.2, +1.0])" in rows["ScPO M2"]
    assert list(rows) == ["M0", "ScPO M1", "IRPO M1", "ScPO M2"]


def test_a_lower_bar_counts_more_seeds(tmp_path: Path) -> None:
    table = seeds_table.seeds_table(seeds_table.load_summaries(_three_seeds(tmp_path)), min_gain=3.0)
    assert "| +5.2 | 2 of 3 |" in table


def test_main_writes_the_table_it_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = _three_seeds(tmp_path)
    out = tmp_path / "seeds.md"
    assert seeds_table.main([str(run) for run in runs] + ["--out", str(out)]) == 0
    assert capsys.readouterr().out == out.read_text() and "ScPO M1" in out.read_text()


@pytest.mark.parametrize("case", ["other-tau", "same-seed", "no-summary"])
def test_runs_that_cannot_share_a_table_are_one_line_errors(tmp_path: Path, case: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    first = _run(tmp_path, 0, [_model("M0", "base", 0, 0.25)], ["scpo"])
    if case == "other-tau":
        second = _run(tmp_path, 1, [_model("M0", "base", 0, 0.25)], ["scpo"], tau=0.5)
    elif case == "same-seed":
        second = tmp_path / "again"
        second.mkdir()
        (second / "summary.json").write_text((first / "summary.json").read_text())
    else:
        second = tmp_path / "empty"
        second.mkdir()
    assert seeds_table.main([str(first), str(second)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert {"other-tau": "(tau)", "same-seed": "seeds [0, 0]", "no-summary": "no summary.json"}[case] in captured.err
