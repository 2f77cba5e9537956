"""The README's first command: `scpo-data generate` with no flags ends with a real dataset.

It builds (or reuses) the warm model ``embedded-arith`` and samples 128 fresh arithmetic
problems; the vote must keep pairs for at least a quarter of them, and the chosen answers
must be right clearly more often than the rejected ones against the gold the vote never saw.
"""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from helpers import scpo


@pytest.mark.slow
def test_the_default_command_makes_a_real_dataset(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = scpo("generate", "--out", str(out), timeout=3600)
    assert result.returncode == 0, result.stderr[-2000:]
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert counts["problems"] == 128 and counts["parse_rate"] > 0.9
    assert counts["pairs"] >= 128 / 4
    audit = counts["audit"]
    assert audit["chosen_accuracy"] - audit["rejected_accuracy"] >= 0.25  # measured: 47.1% vs 12.9%
    pairs = datasets.load_dataset(str(out / "dataset"), split="train")
    assert pairs.num_rows == counts["pairs"] and set(pairs["domain"]) == {"arith"}
