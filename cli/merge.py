"""``scpo-data merge``: join shard run folders into one run and one dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scpo_data.cli.common import clean_errors, err_console
from scpo_data.correct.merge import is_correction_run, merge_corrections
from scpo_data.generate.merge import merge_runs, read_manifest


def merge(
    folders: Annotated[list[Path], typer.Argument(help="Shard run folders (generate --shard I/N or correct "
                                                        "--shard I/N), all N of them.")],
    out: Annotated[Path, typer.Option("--out", help="The merged run folder (must not exist or be empty).")],
) -> None:
    """Join the run folders of `generate --shard I/N` (or `correct --shard I/N`) into one run folder and one dataset.

    Refuses folders made with different settings or models, repeated or missing shards.
    """
    with clean_errors():
        if folders and is_correction_run(read_manifest(folders[0])):
            summary = merge_corrections(folders, out)
            c = summary.counts
            err_console.print(f"merged {len(folders)} correction shards: {c['problems']} problems, "
                              f"{c['second_attempts']} traces -> {summary.out / 'dataset'}", highlight=False)
            return
        run = merge_runs(folders, out)
        c = run.counts
        err_console.print(f"merged {len(folders)} shards: {c['problems']} problems, {c['samples']} samples, "
                          f"{c['pairs']} pairs -> {run.out / 'dataset'}", highlight=False)
