"""Helpers shared by the end-to-end tests: run the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

#: The CLI runs offline, with a wide terminal so rich tables do not wrap.
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "COLUMNS": "200"}


def scpo(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    """Run ``scpo-data ARGS`` in a fresh process and return its result (text output)."""
    return subprocess.run([sys.executable, "-m", "scpo_data", *args], capture_output=True,
                          text=True, env=ENV, timeout=timeout)
