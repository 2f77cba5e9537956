"""End to end with the real embedded model: generate, then the card and ``inspect`` on the run and its dataset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from huggingface_hub import DatasetCard

from helpers import scpo


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    result = scpo("generate", "--domain", "gsm8k", "--limit", "2", "--k", "4", "--max-tokens", "128", "--synthesize", "0",
                  "--tau", "0.25", "--seed", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_card_matches_the_run(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    card = DatasetCard.load(run_dir / "dataset" / "README.md")
    meta = card.data.to_dict()
    [path] = [e["path"] for e in meta["configs"][0]["data_files"]]
    pairs = pl.read_parquet(run_dir / "dataset" / path)
    assert pairs.height == manifest["counts"]["pairs"] == meta["scpo"]["counts"]["pairs"]
    assert meta["license"] == "apache-2.0"  # the builtin problems are the project's own
    assert meta["scpo"]["answer_status"] == manifest["counts"]["answer_status"]
    assert manifest["model"]["identity"] in card.text and manifest["model"]["file_hash"] in card.text
    assert f"Answer parse rate: **{100 * manifest['counts']['parse_rate']:.1f}%**" in card.text
    assert ("plots/vote_margins.png" in card.text) == (pairs.height > 0)
    if pairs.height:  # builtin problems have gold: the card measures the pairs against it
        assert re.search(r"of the \d+ pairs have a gold answer", card.text)


def test_inspect_run_and_dataset(run_dir: Path, tmp_path: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    result = scpo("inspect", str(run_dir), "--plots", str(tmp_path / "plots"))
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    assert ["samples", str(manifest["counts"]["samples"])] in rows
    sweep = {r[0]: r for r in rows if re.fullmatch(r"0\.\d0", r[0])}
    assert list(sweep) == ["0.10", "0.20", "0.30", "0.40", "0.50", "0.60", "0.70", "0.80", "0.90"]
    kept = [int(r[2]) for r in sweep.values()]
    assert kept == sorted(kept, reverse=True)  # a stricter tau never keeps more pairs
    assert int(sweep["0.20"][2]) == manifest["counts"]["pairs"]  # tau 0.2 and 0.25 both need 1 of 4 votes
    assert (tmp_path / "plots" / "tau_sweep.png").stat().st_size > 1000

    alone = scpo("inspect", str(run_dir / "dataset"), "--examples", "1")
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert alone.stdout.startswith(f"dataset {run_dir / 'dataset'}: domain gsm8k")
