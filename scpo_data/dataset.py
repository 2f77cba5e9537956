"""The Hub-ready dataset folder: ``data/train-*.parquet`` plus a ``README.md`` card."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard, DatasetCardData

from scpo_data.models import sha256_file
from scpo_data.records import Pair, to_frame

DATA_DIR = "data"


def size_category(n: int) -> str:
    """The Hub's size category label for ``n`` rows."""
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M" if n < 1_000_000 else "n>1M"


def render_card(manifest: dict[str, Any], data_file: str, repo_id: str = "OWNER/NAME") -> str:
    """Render the dataset card (YAML metadata + body) from the run manifest.

    ``data_file`` is the train file's path inside the folder; the ``configs`` entry
    names it exactly, because ``datasets`` caches a local folder by its YAML data_files
    patterns, so a shared pattern such as ``data/train-*`` would let two runs' folders
    read each other's cache.
    """
    counts = manifest["counts"]
    card_data = DatasetCardData(
        language="en",
        license=manifest.get("license") or "other",
        task_categories=["text-generation"],
        tags=["preference", "dpo", "synthetic", "scpo", manifest["config"]["domain"]],
        size_categories=size_category(counts["pairs"]),
        pretty_name=f"ScPO pairs ({manifest['config']['domain']})",
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": data_file}]}],
    )
    template = resources.files("scpo_data.cards").joinpath("scpo.md").read_text("utf-8")
    card = DatasetCard.from_template(
        card_data,
        template_str=template,
        config=manifest["config"],
        counts=counts,
        k=manifest["config"]["k"],
        versions=manifest["versions"],
        model_identity=manifest["model"]["identity"],
        model_hash=manifest["model"]["file_hash"],
        repo_id=repo_id,
    )
    return str(card)


def export_dataset(pairs: Sequence[Pair], manifest: dict[str, Any], folder: Path) -> Path:
    """Write the dataset folder atomically (replacing an older one) and return it.

    The train file is ``data/train-<content hash>-00000-of-00001.parquet``.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dataset-", dir=folder.parent))
    try:
        (tmp / DATA_DIR).mkdir()
        staged = tmp / DATA_DIR / "train.parquet"
        to_frame(pairs, Pair).write_parquet(staged)
        data_file = f"{DATA_DIR}/train-{sha256_file(staged)[:12]}-00000-of-00001.parquet"
        staged.rename(tmp / data_file)
        (tmp / "README.md").write_text(render_card(manifest, data_file), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
