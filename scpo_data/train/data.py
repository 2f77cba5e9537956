"""Loading a pairs dataset for training: a run folder, a dataset folder, or a Hub id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scpo_data.errors import ScpoError

#: The columns every preference dataset must have (TRL's conversational preference format).
REQUIRED_COLUMNS = ("prompt", "chosen", "rejected")


def resolve_pairs_source(spec: str) -> str:
    """Turn ``--data`` into what ``datasets.load_dataset`` takes.

    A run folder (one with a ``dataset/`` sub-folder, as ``scpo-data generate --out``
    writes) resolves to that sub-folder; any other existing folder is used as is;
    anything else is taken as a Hub dataset id.

    Raises:
        ScpoError: When ``spec`` is an existing file rather than a folder, or is neither
            a folder nor shaped like a Hub id (``owner/name``).
    """
    local = Path(spec).expanduser()
    if local.is_dir():
        return str(local / "dataset") if (local / "dataset").is_dir() else str(local)
    if local.exists():
        raise ScpoError(f"--data {spec}: expected a run folder, a dataset folder or a Hub id, got a file")
    if spec.count("/") != 1 or spec.startswith((".", "/", "~")):
        raise ScpoError(f"--data {spec}: no such folder, and not a Hub dataset id (owner/name)")
    return spec


def load_pairs(spec: str, subset: str | None = None) -> Any:
    """Load the ``train`` split of a pairs dataset and check it is a preference dataset.

    Args:
        spec: A run folder, a dataset folder, or a Hub dataset id (see :func:`resolve_pairs_source`).
        subset: The dataset's config to load (``load_dataset(spec, subset)``), e.g. the
            ``preference`` config of a ``scpo-data correct`` run; None: its only or default one.

    Returns:
        A ``datasets.Dataset`` with at least ``prompt``, ``chosen`` and ``rejected``.

    Raises:
        ScpoError: When the dataset cannot be loaded, has no ``train`` split or no rows,
            or lacks a required column.
    """
    source = resolve_pairs_source(spec)
    if local_rows(source, subset) == 0:
        raise ScpoError(f"{spec} has no pairs to train on (the run kept none; `scpo-data inspect` "
                        "shows the tau sweep)")
    dataset = load_train_split(source, subset, f"pairs from {spec}")
    missing = [column for column in REQUIRED_COLUMNS if column not in dataset.column_names]
    if missing:
        raise ScpoError(f"{spec} is not a preference dataset: missing column(s) {', '.join(missing)}")
    if len(dataset) == 0:
        raise ScpoError(f"{spec} has no pairs to train on")
    return dataset


def load_train_split(source: str, subset: str | None, label: str) -> Any:
    """``datasets.load_dataset(source, subset, split="train")`` with its errors as one-line ScpoErrors.

    Args:
        source: A dataset folder or a Hub dataset id.
        subset: The config to load, or None.
        label: How the user named the data (in messages).

    Raises:
        ScpoError: When the dataset, the config or the split cannot be loaded.
    """
    import datasets

    try:
        return datasets.load_dataset(source, subset, split="train")
    except (FileNotFoundError, ValueError, datasets.exceptions.DatasetNotFoundError) as exc:
        where = f"{label} (config {subset})" if subset else label
        raise ScpoError(f"cannot load {where}: {str(exc).splitlines()[0]}") from exc


def local_rows(source: str, subset: str | None = None) -> int | None:
    """Rows in a local dataset folder's Parquet files, or in those of its config ``subset``
    (``<subset>-*.parquet``, the layout ``scpo-data correct`` writes); None for a Hub id or a
    folder without them.

    ``datasets`` cannot load a split of zero rows ("corresponds to no data"), so an
    empty run is recognised here, before loading.
    """
    import pyarrow.parquet as pq

    pattern = f"**/{subset}-*.parquet" if subset else "**/*.parquet"
    files = sorted(Path(source).glob(pattern)) if Path(source).is_dir() else []
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files) if files else None
