"""Loading pairs for training: run folders, dataset folders, Hub ids, and bad inputs."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from scpo_data.errors import ScpoError
from scpo_data.train.data import load_pairs, resolve_pairs_source


def write_dataset(folder: Path, rows: list[dict]) -> Path:
    """Write ``rows`` as a Hub-style dataset folder (``data/train-*.parquet``)."""
    (folder / "data").mkdir(parents=True)
    datasets.Dataset.from_list(rows).to_parquet(str(folder / "data" / "train-00000-of-00001.parquet"))
    return folder


ROW = {
    "prompt": [{"role": "user", "content": "What is 2 + 2?"}],
    "chosen": [{"role": "assistant", "content": "2 + 2 = 4. #### 4"}],
    "rejected": [{"role": "assistant", "content": "#### 5"}],
    "weight": 0.5,
}


def test_run_folder_resolves_to_its_dataset(tmp_path: Path) -> None:
    write_dataset(tmp_path / "run" / "dataset", [ROW])
    assert resolve_pairs_source(str(tmp_path / "run")) == str(tmp_path / "run" / "dataset")
    assert resolve_pairs_source(str(tmp_path / "run" / "dataset")) == str(tmp_path / "run" / "dataset")


def test_hub_id_passes_through() -> None:
    assert resolve_pairs_source("someone/scpo-pairs") == "someone/scpo-pairs"


@pytest.mark.parametrize("spec", ["no-such-folder", "a/b/c", "./x/y"])
def test_unknown_sources_are_user_errors(spec: str) -> None:
    with pytest.raises(ScpoError, match="not a Hub dataset id"):
        resolve_pairs_source(spec)


def test_a_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "pairs.parquet"
    path.write_bytes(b"")
    with pytest.raises(ScpoError, match="got a file"):
        resolve_pairs_source(str(path))


def test_load_pairs_reads_the_train_split(tmp_path: Path) -> None:
    write_dataset(tmp_path / "run" / "dataset", [ROW, {**ROW, "weight": 1.0}])

    pairs = load_pairs(str(tmp_path / "run"))

    assert pairs.num_rows == 2
    assert pairs["weight"] == [0.5, 1.0]
    assert pairs[0]["chosen"] == ROW["chosen"]


def test_load_pairs_refuses_a_dataset_without_preference_columns(tmp_path: Path) -> None:
    write_dataset(tmp_path / "ds", [{"prompt": ROW["prompt"], "completion": ROW["chosen"]}])
    with pytest.raises(ScpoError, match="missing column.*chosen, rejected"):
        load_pairs(str(tmp_path / "ds"))


def test_load_pairs_refuses_a_folder_without_data(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScpoError, match="cannot load pairs"):
        load_pairs(str(tmp_path / "empty"))


def test_a_run_without_pairs_says_so(tmp_path: Path) -> None:
    """A run that kept no pairs writes a 0-row Parquet, which ``datasets`` cannot load as a split."""
    folder = tmp_path / "run" / "dataset"
    (folder / "data").mkdir(parents=True)
    datasets.Dataset.from_list([ROW]).select([]).to_parquet(str(folder / "data" / "train-00000-of-00001.parquet"))
    with pytest.raises(ScpoError, match="has no pairs to train on"):
        load_pairs(str(tmp_path / "run"))
