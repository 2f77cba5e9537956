"""``scpo-data puzzles arith``: files, splits, summary line, clean refusals, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from helpers import assert_refused, scpo
from scpo_data.cli.puzzles import puzzles_app
from scpo_data.puzzles import ARITH_PRESETS, ArithOptions, check_disjoint, generate_arith, make_arith_splits


def _read(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_writes_the_generators_records(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "arith.jsonl"
    result = scpo("puzzles", "arith", "--count", "30", "--seed", "3", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _read(out) == generate_arith(30, seed=3)
    assert sorted(p.name for p in out.parent.iterdir()) == ["arith.jsonl"]
    assert f"wrote 30 problems (arith.jsonl 30) to {out}; steps 1-2, numbers <= 50" in result.stdout


def test_knobs_reach_the_generator(tmp_path: Path) -> None:
    out = tmp_path / "hard.jsonl"
    result = scpo("puzzles", "arith", "--count", "20", "--seed", "1", "--out", str(out), "--preset", "hard",
                  "--steps", "3", "--max-value", "80", "--max-factor", "4", "--ops", "add,mul", "--distractors", "1",
                  timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    options = ArithOptions(steps=(3,), max_value=80, max_factor=4, operations=("+", "*"), distractors=1.0)
    assert _read(out) == generate_arith(20, seed=1, options=options)
    assert "steps 3, numbers <= 80, factors <= 4, ops + *, distractors 1" in result.stdout
    # --max-value alone lowers the preset's factor limit to fit.
    small = tmp_path / "small.jsonl"
    result = scpo("puzzles", "arith", "--count", "5", "--out", str(small), "--max-value", "12", timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _read(small) == generate_arith(5, seed=0, options=ArithOptions(max_value=12, max_factor=6))


def test_writes_disjoint_splits(tmp_path: Path) -> None:
    out = tmp_path / "splits"
    result = scpo("puzzles", "arith", "--splits", "warmup=64,pool=96,dev=20,test=50", "--seed", "2",
                  "--preset", "easy", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["dev.jsonl", "pool.jsonl", "test.jsonl", "warmup.jsonl"]
    splits = {name: _read(out / f"{name}.jsonl") for name in ("warmup", "pool", "dev", "test")}
    check_disjoint(splits)
    sizes = {"warmup": 64, "pool": 96, "dev": 20, "test": 50}
    assert splits == make_arith_splits(sizes, seed=2, options=ARITH_PRESETS["easy"])
    assert "wrote 230 problems (warmup.jsonl 64, pool.jsonl 96, dev.jsonl 20, test.jsonl 50)" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--count", "0"], "--count must be at least 1"),
    (["--steps", "0"], "steps must be between 1 and 5"),
    (["--steps", "two"], "bad --steps"),
    (["--ops", "+,%"], "bad --ops"),
    (["--max-value", "5"], "max value must be at least 10"),
    (["--max-factor", "1"], "max factor must be between 2"),
    (["--max-value", "20", "--max-factor", "11"], "max factor must be between 2 and max value / 2 (10)"),
    (["--distractors", "1.5"], "distractors is a probability"),
    (["--preset", "brutal"], "unknown --preset 'brutal'"),
    (["--steps", "5", "--ops", "/", "--max-value", "12"], "no 5-step problem fits"),
    (["--splits", "dev=10,dev=20"], "bad --splits"),
    (["--splits", "dev=10,test"], "bad --splits"),
    (["--splits", "dev=0"], "split dev needs a size >= 1"),
    (["--splits", "dev=10", "--count", "5"], "--count and --splits do not go together"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    assert_refused(scpo("puzzles", "arith", "--out", str(out), *args, timeout=300), message, out)
    assert list(tmp_path.iterdir()) == []


def test_out_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = scpo("puzzles", "arith", "--out", str(folder), "--count", "3", timeout=300)
    assert result.returncode == 2 and "is a folder" in result.stderr
    file = tmp_path / "file.jsonl"
    file.write_text("old\n")
    result = scpo("puzzles", "arith", "--out", str(file), "--splits", "dev=3", timeout=300)
    assert result.returncode == 2 and "is a file" in result.stderr
    assert file.read_text() == "old\n" and list(folder.iterdir()) == []


# --- in process: a failure in the middle of writing ---------------------------------

runner = CliRunner()
app = typer.Typer()
app.add_typer(puzzles_app, name="puzzles")


def test_a_failure_while_writing_leaves_the_old_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "splits"
    out.mkdir()
    (out / "dev.jsonl").write_text("old dev\n")
    real_dumps = json.dumps
    calls = {"n": 0}

    def failing_dumps(obj: object, **kwargs: object) -> str:
        calls["n"] += 1
        if calls["n"] == 15:  # inside the second split's file
            raise OSError("disk full")
        return real_dumps(obj, **kwargs)

    monkeypatch.setattr(json, "dumps", failing_dumps)
    result = runner.invoke(app, ["puzzles", "arith", "--splits", "dev=10,test=10", "--out", str(out)])
    assert result.exit_code != 0
    assert sorted(p.name for p in out.iterdir()) == ["dev.jsonl"]
    assert (out / "dev.jsonl").read_text() == "old dev\n"
