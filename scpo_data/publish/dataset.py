"""The Hub-ready dataset folder: ``data/train-*.parquet`` plus a ``README.md`` card."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from scpo_data.publish.card import margin_counts, margin_rows, render_card
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
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dataset-", dir=folder.parent))
    try:
        (tmp / DATA_DIR).mkdir()
        staged = tmp / DATA_DIR / "train.parquet"
        to_frame(pairs, Pair).write_parquet(staged)
        data_file = f"{DATA_DIR}/train-{sha256_file(staged)[:12]}-00000-of-00001.parquet"
        staged.rename(tmp / data_file)
        frame = pl.read_parquet(tmp / data_file)
        plot = None
        if frame.height:
            k = int(frame["k"].max())  # type: ignore[arg-type]
            plot = margin_histogram(margin_counts(margin_rows(frame)), k, tmp / MARGIN_PLOT).relative_to(tmp).as_posix()
        (tmp / "README.md").write_text(render_card(manifest, data_file, frame, plot), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
