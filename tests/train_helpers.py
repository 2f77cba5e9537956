"""Small pairs datasets and training options shared by the LoRA, resume, distributed and model-push tests."""

from __future__ import annotations

from pathlib import Path

import datasets

#: Eight arithmetic pairs with distinct weights (mean 0.5625), so a lost ``weight`` column shows.
WEIGHTS = (1.0, 0.25, 0.75, 0.5, 0.125, 0.875, 0.375, 0.625)


def write_pairs(run: Path, weights: tuple[float, ...] = WEIGHTS) -> Path:
    """A run folder as ``scpo-data generate`` leaves it (RUN/dataset/data/train-*.parquet); returns ``run``."""
    rows = [{"prompt": [{"role": "user", "content": f"What is {i} + {i + 1}?"}],
             "chosen": [{"role": "assistant", "content": f"{i} + {i + 1} = {2 * i + 1}. #### {2 * i + 1}"}],
             "rejected": [{"role": "assistant", "content": f"#### {2 * i}"}],
             "weight": w} for i, w in enumerate(weights)]
    data = run / "dataset" / "data"
    data.mkdir(parents=True)
    datasets.Dataset.from_list(rows).to_parquet(str(data / "train-00000-of-00001.parquet"))
    return run


def write_options(path: Path, max_steps: int, **extra: object) -> Path:
    """A training YAML for a few deterministic float32 steps on CPU, logging every step; returns ``path``."""
    options = {"max_steps": max_steps, "report_to": "none", "logging_steps": 1, "bf16": False,
               "max_length": 128, "disable_tqdm": True, "dataloader_pin_memory": False, **extra}
    path.write_text("".join(f"{key}: {value!r}\n" for key, value in options.items()))
    return path


def folder_bytes(folder: Path, pattern: str = "*") -> int:
    """Bytes of the files matching ``pattern`` directly inside ``folder``."""
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())
