"""A real run interrupted with Ctrl-C, then killed with SIGKILL, resumes to exactly the
dataset of an uninterrupted run; a finished run re-runs with zero model calls."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
#: 2 problems x 4 samples in batches of 2: four units, each committed as it finishes.
ARGS = ["generate", "--domain", "gsm8k", "--limit", "2", "--k", "4", "--max-tokens", "32", "--synthesize", "0",
        "--tau", "0.25", "--seed", "3", "--batch-size", "2"]


def start(out: Path) -> subprocess.Popen[str]:
    """Start the CLI as a user would, in a fresh process."""
    return subprocess.Popen([sys.executable, "-m", "scpo_data", *ARGS, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def cached(out: Path) -> int:
    """Completions committed to the run's cache so far (0 before it exists)."""
    path = out / "cache.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM completions").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def stop_when(proc: subprocess.Popen[str], out: Path, at_least: int, sig: int) -> None:
    """Send ``sig`` as soon as ``at_least`` completions are committed, while the run is busy."""
    deadline = time.monotonic() + 1800
    while cached(out) < at_least:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    proc.send_signal(sig)


def frames(run: Path) -> dict[str, pl.DataFrame]:
    """Everything the run produced that must not depend on interruptions."""
    data = sorted((run / "dataset" / "data").glob("*.parquet"))
    return {
        "samples": pl.read_parquet(run / "samples.parquet"),
        "answers": pl.read_parquet(run / "answers.parquet"),
        "pairs": pl.read_parquet(run / "pairs.parquet"),
        "dataset": pl.concat([pl.read_parquet(p) for p in data]),
    }


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; any still running at its end are killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_interrupt_kill_resume_gives_the_uninterrupted_dataset(
    tmp_path: Path, procs: list[subprocess.Popen[str]]
) -> None:
    reference, run = tmp_path / "reference", tmp_path / "run"
    ref_proc = start(reference)
    procs.append(ref_proc)

    proc = start(run)
    procs.append(proc)
    stop_when(proc, run, 2, signal.SIGINT)
    _, err = proc.communicate(timeout=1800)
    assert proc.returncode == 130, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert "interrupted" in last and "run the same command again to resume" in last, err[-2000:]
    assert "Traceback" not in err
    saved = cached(run)
    assert 2 <= saved < 8 and not (run / "manifest.json").exists()

    proc = start(run)
    procs.append(proc)
    stop_when(proc, run, saved + 2, signal.SIGKILL)
    proc.communicate(timeout=1800)
    assert proc.returncode == -signal.SIGKILL
    killed_at = cached(run)
    assert killed_at < 8 and not (run / "manifest.json").exists()

    _, err = ref_proc.communicate(timeout=1800)
    assert ref_proc.returncode == 0, err[-2000:]

    resumed = subprocess.run([sys.executable, "-m", "scpo_data", *ARGS, "--out", str(run)],
                             capture_output=True, text=True, env=ENV, timeout=1800)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"cache: {killed_at} completions replayed, {8 - killed_at} generated" in resumed.stderr
    for name, frame in frames(reference).items():
        assert_frame_equal(frames(run)[name], frame)

    again = subprocess.run([sys.executable, "-m", "scpo_data", *ARGS, "--out", str(run)],
                           capture_output=True, text=True, env=ENV, timeout=1800)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "cache: 8 completions replayed, 0 generated in 0 model calls" in again.stderr
    for name, frame in frames(reference).items():
        assert_frame_equal(frames(run)[name], frame)


def test_sigterm_stops_cleanly_and_says_how_to_resume(tmp_path: Path, procs: list[subprocess.Popen[str]]) -> None:
    run = tmp_path / "run"
    proc = start(run)
    procs.append(proc)
    stop_when(proc, run, 2, signal.SIGTERM)
    _, err = proc.communicate(timeout=1800)
    assert proc.returncode == 143, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert "terminated" in last and "run the same command again to resume" in last, err[-2000:]
    assert "Traceback" not in err
    assert 2 <= cached(run) < 8 and not (run / "manifest.json").exists()
