"""The run manifest: configuration, package versions, model identity, seeds, counts, timings."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from scpo_data.config import GenerateConfig
from scpo_data.backends.models import ModelRef

PACKAGES = ("scpo-data", "torch", "transformers", "trl", "datasets", "huggingface-hub",
            "sympy", "latex2sympy2_extended", "polars")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape a run (None when absent)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["python"] = platform.python_version()
    return versions


def build_manifest(
    config: GenerateConfig,
    model: ModelRef,
    counts: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    """Assemble the manifest written to ``manifest.json`` and used by the dataset card."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config.to_dict(),
        "versions": package_versions(),
        "model": {"spec": model.spec, "path": model.path, "identity": model.identity,
                  "file_hash": model.file_hash},
        "seeds": {"master": config.seed, "sampling": config.seed, "synthesis": config.seed,
                  "pairs": config.seed},
        "counts": counts,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
