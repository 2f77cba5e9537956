"""Rich progress bars for pipeline stages: items/s, tokens/s and ETA."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from scpo_data.backends.base import ProgressFn


class _RateColumn(ProgressColumn):
    """Items per second and tokens per second of a task."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        if elapsed <= 0:
            return Text("", style="progress.data.speed")
        rate = task.completed / elapsed
        tokens = task.fields.get("tokens", 0) / elapsed
        text = f"{rate:.2f} {self.unit}/s"
        if task.fields.get("tokens") is not None:
            text += f" · {tokens:.0f} tok/s"
        return Text(text, style="progress.data.speed")


@contextmanager
def stage(console: Console, label: str, total: int, unit: str = "samples") -> Iterator[ProgressFn]:
    """Show a progress bar for one stage; yields a ``(done, tokens)`` callback.

    The bar is transient-free (it stays on screen when done) and is hidden when the
    console is not a terminal, so logs stay clean in CI.
    """
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task(label, total=total, tokens=0)
        start = time.perf_counter()

        def advance(done: int, tokens: int) -> None:
            current = progress.tasks[0].fields.get("tokens", 0)
            progress.update(task, advance=done, tokens=current + tokens)

        yield advance
        progress.update(task, completed=total)
        if not console.is_terminal:
            tokens = progress.tasks[0].fields.get("tokens", 0)
            console.print(f"{label}: done in {time.perf_counter() - start:.1f}s ({tokens} tokens generated)")
