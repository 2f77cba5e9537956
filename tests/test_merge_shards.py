"""``--shard i/N`` splits problems deterministically; ``scpo-data merge`` joins real shard
runs of the embedded model into one run and dataset, and refuses mismatched folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import datasets
import polars as pl
import pytest
from rich.console import Console

from scpo_data.config import GenerateConfig
from scpo_data.errors import ScpoError
from scpo_data.generate.pipeline import run_generate
from scpo_data.generate.problems import load_problems
from scpo_data.generate.shards import parse_shard, select_shard, shard_share

from helpers import assert_refused, scpo


@pytest.mark.parametrize(("text", "expected"), [("0/4", (0, 4)), ("3/4", (3, 4)), (" 1 / 2 ", (1, 2))])
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["4/4", "1", "-1/3", "a/b", "1/0"])
def test_parse_shard_refuses_nonsense(text: str) -> None:
    with pytest.raises(ScpoError, match="--shard"):
        parse_shard(text)


def test_shards_partition_the_problems_whatever_their_order() -> None:
    problems = load_problems("builtin", "gsm8k", None, None, None)
    parts = [select_shard(problems, (i, 3)) for i in range(3)]
    ids = sorted(p.problem_id for part in parts for p in part)
    assert ids == sorted(p.problem_id for p in problems)
    assert all(parts)  # 22 problems: no shard is empty
    reversed_parts = [select_shard(problems[::-1], (i, 3)) for i in range(3)]
    assert [{p.problem_id for p in a} for a in parts] == [{p.problem_id for p in b} for b in reversed_parts]
    assert [shard_share(10, (i, 3)) for i in range(3)] == [4, 3, 3]


@pytest.fixture(scope="module")
def shard_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("shards")
    runs = []
    for i in range(2):
        config = GenerateConfig(limit=4, k=2, max_tokens=24, synthesize=0, tau=0.5, seed=2, batch_size=8,
                                shard=(i, 2), out=str(root / f"shard{i}"))
        runs.append(run_generate(config, Console(stderr=True, quiet=True)).out)
    return runs


def test_merge_joins_shards_into_one_run_and_dataset(shard_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "merged"
    result = scpo("merge", str(shard_runs[1]), str(shard_runs[0]), "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "merged 2 shards: 4 problems, 8 samples" in result.stderr
    problems = pl.read_parquet(out / "problems.parquet")
    expected = [p.problem_id for p in load_problems("builtin", "gsm8k", None, None, 4)]
    assert sorted(problems["problem_id"].to_list()) == sorted(expected)
    shard_pairs = pl.concat([pl.read_parquet(run / "pairs.parquet") for run in shard_runs])
    merged_pairs = pl.read_parquet(out / "pairs.parquet")
    assert merged_pairs.sort("problem_id").equals(shard_pairs.sort("problem_id"))
    assert pl.read_parquet(out / "samples.parquet").height == 8
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["shard"] is None and manifest["counts"]["problems"] == 4
    if merged_pairs.height:  # the embedded model may agree on too little for a pair at this size
        assert datasets.load_dataset(str(out / "dataset"))["train"].num_rows == merged_pairs.height
    assert (out / "dataset" / "README.md").is_file()


def _edit_manifest(run: Path, copy: Path, **changes: object) -> Path:
    shutil.copytree(run, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["config"].update(changes)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


@pytest.mark.parametrize(
    ("which", "changes", "message"),
    [
        ("other", {"k": 4}, "different configurations: k"),
        ("other", {"temperature": 1.0, "seed": 9}, "different configurations: seed, temperature"),
        ("other", {"shard": [1, 3]}, "different numbers of shards"),
        ("same", {}, "are both shard 0/2"),
        ("missing", {}, "missing shard(s) 1/2"),
        ("unsharded", {"shard": None}, "was not made with --shard"),
    ],
)
def test_merge_refuses_mismatched_folders(
    shard_runs: list[Path], tmp_path: Path, which: str, changes: dict[str, object], message: str
) -> None:
    if which == "other":
        folders = [shard_runs[0], _edit_manifest(shard_runs[1], tmp_path / "edited", **changes)]
    elif which == "same":
        folders = [shard_runs[0], shard_runs[0]]
    elif which == "missing":
        folders = [shard_runs[0]]
    else:
        folders = [_edit_manifest(shard_runs[0], tmp_path / "edited", **changes), shard_runs[1]]
    out = tmp_path / "merged"
    result = scpo("merge", *map(str, folders), "--out", str(out))
    assert_refused(result, message, out)


def test_merge_refuses_a_folder_that_is_not_a_finished_run(shard_runs: list[Path], tmp_path: Path) -> None:
    result = scpo("merge", str(shard_runs[0]), str(tmp_path), "--out", str(tmp_path / "m"))
    assert result.returncode == 2 and "is not a finished run" in result.stderr
