"""``scpo-data inspect``: stage counts, parse rate, vote margins, the tau sweep and example pairs;
for a self-correction run, its metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from scpo_data.evaluate.audit import DEFAULT_TAUS
from scpo_data.cli.common import clean_errors, err_console
from scpo_data.correct.report import inspect_correction, render_correction
from scpo_data.errors import ScpoError
from scpo_data.publish.report import inspect_folder, render, write_plots


def _taus(text: str) -> list[float]:
    try:
        taus = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise ScpoError(f"--taus must be comma-separated numbers, not {text!r}") from None
    if not taus or any(not 0.0 <= t <= 1.0 for t in taus):
        raise ScpoError("--taus must be fractions of k between 0 and 1")
    return taus


def inspect(
    path: Annotated[Path, typer.Argument(help="A run folder or a dataset folder (README.md + data/*.parquet).")],
    plots: Annotated[
        Optional[Path], typer.Option("--plots", help="Write PNG plots (margins, tau sweep, answer status) here.")
    ] = None,
    examples: Annotated[int, typer.Option("--examples", min=0, help="Example pairs to show.")] = 3,
    taus: Annotated[
        str, typer.Option("--taus", help="Tau values of the sweep, as fractions of k.")
    ] = ",".join(f"{t:g}" for t in DEFAULT_TAUS),
) -> None:
    """Show what a run or dataset holds: stage counts, parse rate by status, vote-margin
    histogram, the tau sweep (pairs kept and, with gold, the chosen-vs-rejected accuracy
    gap at each tau: the ScPO paper's table) and a few example pairs.

    For a self-correction run or dataset (scpo-data correct): Acc@t1, Acc@t2, delta,
    delta i->c and c->i with 95% intervals, the transitions, labels, config rows and a
    few example traces.
    """
    with clean_errors():
        correction = inspect_correction(path)
        if correction is not None:
            if plots is not None:
                raise ScpoError("--plots applies to ScPO runs; a self-correction run has no vote plots")
            render_correction(correction, Console(), examples)
            return
        inspection = inspect_folder(path, _taus(taus))
        render(inspection, Console(), examples)
        if plots is not None:
            for written in write_plots(inspection, plots):
                err_console.print(f"wrote {written}", highlight=False, soft_wrap=True)
