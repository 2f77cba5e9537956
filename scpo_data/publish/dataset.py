"""The Hub-ready dataset folder: ``data/train-*.parquet`` plus a ``README.md`` card, or for a
self-correction run one Parquet file per config."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from scpo_data.publish.card import margin_counts, margin_rows, render_card, render_correction_card
from scpo_data.backends.models import sha256_file
from scpo_data.publish.plots import margin_histogram
from scpo_data.records import Pair, to_frame

DATA_DIR = "data"
#: The vote-margin histogram inside the dataset folder (shown by the card).
MARGIN_PLOT = "plots/vote_margins.png"


def export_dataset(pairs: Sequence[Pair], manifest: dict[str, Any], folder: Path) -> Path:
    """Write the dataset folder atomically (replacing an older one) and return it.

    The train file is ``data/train-<content hash>-00000-of-00001.parquet``; the card
    shows the vote-margin histogram ``plots/vote_margins.png`` (when there are pairs).
    """
    with _staged(folder) as tmp:
        data_file = _write_data_file(to_frame(pairs, Pair), tmp, "train")
        frame = pl.read_parquet(tmp / data_file)
        plot = None
        if frame.height:
            k = int(frame["k"].max())  # type: ignore[arg-type]
            plot = margin_histogram(margin_counts(margin_rows(frame)), k, tmp / MARGIN_PLOT).relative_to(tmp).as_posix()
        (tmp / "README.md").write_text(render_card(manifest, data_file, frame, plot), encoding="utf-8")
    return folder


def export_correction_dataset(configs: Mapping[str, pl.DataFrame], manifest: dict[str, Any], folder: Path) -> Path:
    """Write a self-correction run's dataset folder atomically: one Parquet file per config
    (``data/<config>-<content hash>-00000-of-00001.parquet``, an empty one with its columns
    when the config has no rows) and a card naming each as a ``load_dataset(folder, name)``
    config."""
    with _staged(folder) as tmp:
        files = {name: (_write_data_file(frame, tmp, name), frame.height) for name, frame in configs.items()}
        (tmp / "README.md").write_text(render_correction_card(manifest, files), encoding="utf-8")
    return folder


@contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary folder beside ``folder`` that replaces it when the block ends without an error."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dataset-", dir=folder.parent))
    try:
        yield tmp
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_data_file(frame: pl.DataFrame, tmp: Path, stem: str) -> str:
    """Write ``frame`` as ``data/<stem>-<content hash>-00000-of-00001.parquet`` and return that path.

    The content hash keeps two runs' folders from sharing ``datasets``' cache entry.
    """
    (tmp / DATA_DIR).mkdir(exist_ok=True)
    staged = tmp / DATA_DIR / f"{stem}.parquet"
    frame.write_parquet(staged)
    data_file = f"{DATA_DIR}/{stem}-{sha256_file(staged)[:12]}-00000-of-00001.parquet"
    staged.rename(tmp / data_file)
    return data_file
