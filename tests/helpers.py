"""Helpers shared by the end-to-end tests: run the CLI as a user would."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

#: The shared benchmark data: ``../shared/data`` beside the checkout, or ``$SCPO_SHARED_DATA``.
SHARED_DATA = Path(os.environ.get("SCPO_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")

#: Marks a test that reads :data:`SHARED_DATA`: skipped, saying where it looked, when it is absent.
needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir(),
                                       reason=f"shared data not found at {SHARED_DATA} (set SCPO_SHARED_DATA)")

#: The CLI runs offline, with a wide terminal so rich tables do not wrap.
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "COLUMNS": "200"}


def scpo(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    """Run ``scpo-data ARGS`` in a fresh process and return its result (text output)."""
    return subprocess.run([sys.executable, "-m", "scpo_data", *args], capture_output=True,
                          text=True, env=ENV, timeout=timeout)


def assert_refused(result: subprocess.CompletedProcess[str], message: str, out: Path) -> None:
    """A clean refusal: exit 2, ``message`` on a single stderr line, nothing written to ``out``."""
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]
    assert not out.exists()


def benchmark_script(name: str) -> ModuleType:
    """Import ``benchmarks/NAME.py`` (the benchmarks folder is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
