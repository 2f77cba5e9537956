"""``scpo-data inspect`` on a run folder and on a dataset folder alone: tables, sweep, plots, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_audit_sweep import TABLES, write_run
from typer.testing import CliRunner, Result

from scpo_data import records as rec
from scpo_data.evaluate.audit import VoteTable
from scpo_data.cli.app import app


def _inspect(*args: str) -> Result:
    return CliRunner().invoke(app, ["inspect", *args], env={"COLUMNS": "200"})


def _rows(output: str, first_cell: str) -> list[list[str]]:
    """Cells of the table rows whose first cell is ``first_cell``."""
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in output.splitlines() if line.startswith("│")]
    return [r for r in rows if r and r[0] == first_cell]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run", TABLES, tau=0.25)


def test_inspect_run_folder_shows_counts_sweep_examples_and_writes_plots(run_dir: Path, tmp_path: Path) -> None:
    result = _inspect(str(run_dir), "--plots", str(tmp_path / "plots"), "--taus", "0.25,0.5,0.75,0.9",
                      "--examples", "2")
    assert result.exit_code == 0, result.output
    out = result.output
    assert _rows(out, "problems") == [["problems", "4"]] and _rows(out, "pairs") == [["pairs", "3"]]
    assert _rows(out, "skipped: single cluster") == [["skipped: single cluster", "1"]]
    assert _rows(out, "ok") == [["ok", "16", "100.0%"]]
    # margins: p0 3-1, p1 2-1, p2 2-1
    assert _rows(out, "1")[0][:3] == ["1", "0.250", "2"] and _rows(out, "2")[0][:3] == ["2", "0.500", "1"]
    # the sweep worked out by hand in test_audit_sweep
    assert _rows(out, "0.25") == [["0.25", "1", "3", "2", "50.0%", "25.0%", "+25.0"]]
    assert _rows(out, "0.75") == [["0.75", "3", "1", "1", "100.0%", "0.0%", "+100.0"]]
    assert _rows(out, "0.90") == [["0.90", "3.6", "0", "0", "—", "—", "—"]]
    assert "every problem's votes" in out
    assert "Example pairs (2 of 3)" in out and "Question p0?" in out
    for name in ("vote_margins.png", "tau_sweep.png", "answer_status.png"):
        assert (tmp_path / "plots" / name).read_bytes().startswith(b"\x89PNG")


def test_inspect_dataset_folder_alone(run_dir: Path, tmp_path: Path) -> None:
    alone = tmp_path / "published"
    shutil.copytree(run_dir / "dataset", alone)
    result = _inspect(str(alone), "--taus", "0.1,0.25,0.75")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith(f"dataset {alone}: domain gsm8k, labels none, k 4, tau 0.25")
    assert _rows(out, "problems") == [["problems", "4"]] and _rows(out, "ok") == [["ok", "16", "100.0%"]]
    assert not _rows(out, "0.10")  # looser than the run: those pairs were never made
    assert _rows(out, "0.25")[0][:3] == ["0.25", "1", "3"] and _rows(out, "0.75")[0][:5] == [
        "0.75", "3", "1", "1", "100.0%"]
    assert "taus below the run's 0.25 are not shown" in out


def test_model_text_is_shown_verbatim_without_markup_or_control_codes(tmp_path: Path) -> None:
    tables = [VoteTable("p0", ("[bold red]7[/]", "[bold red]7[/]", "\x1b[31m8", "9"), None)]
    run = write_run(tmp_path / "run", tables)
    result = _inspect(str(run), "--examples", "1")
    assert result.exit_code == 0, result.output
    assert "[bold red]7[/]" in result.output and "\x1b" not in result.output


def test_inspect_errors_are_one_line(tmp_path: Path, run_dir: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _inspect(str(tmp_path / "empty"))
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "neither a run folder" in result.output
    result = _inspect(str(run_dir), "--taus", "0.5,x")
    assert result.exit_code == 2 and "--taus must be comma-separated numbers" in result.output
    (run_dir / rec.ANSWERS_FILE).unlink()  # a run folder without answers still has its dataset
    result = _inspect(str(run_dir / "dataset"), "--examples", "0")
    assert result.exit_code == 0 and "Example pairs" not in result.output
