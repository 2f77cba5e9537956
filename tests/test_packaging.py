"""Packaging: the wheel installs one top-level package, scpo_data, with the mapped sub-packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_has_only_the_scpo_data_namespace(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("scpo_data-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"scpo_data"}
    for sub in ("extractors", "puzzles", "cli", "cards", "backends"):
        assert f"scpo_data/{sub}/__init__.py" in names
    assert "scpo_data/cards/scpo.md" in names
    assert "scpo_data/data/seed_problems.jsonl" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "scpo-data = scpo_data.cli.app:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_editable_install_imports_by_the_namespace() -> None:
    import scpo_data.cli.app
    import scpo_data.extractors
    import scpo_data.puzzles

    assert Path(scpo_data.extractors.__file__).parent == ROOT / "extractors"
    assert Path(scpo_data.puzzles.__file__).parent == ROOT / "puzzles"
    assert Path(scpo_data.cli.app.__file__).parent == ROOT / "cli"
