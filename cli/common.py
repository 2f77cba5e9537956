"""Shared CLI pieces: the error console, clean failure, and typed option aliases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from scpo_data.errors import ScpoError

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line red error on stderr and return the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn :class:`ScpoError` into a one-line message and its exit code; Ctrl-C into exit 130."""
    try:
        yield
    except ScpoError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None


ModelOpt = Annotated[
    str,
    typer.Option("--model", help="'embedded' (SmolLM2-135M-Instruct, offline), a model folder, or a Hub id."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Master random seed.")]
