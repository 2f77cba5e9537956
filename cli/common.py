"""Shared CLI pieces: the error console, clean failure, and typed option aliases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Optional

import typer
from rich.console import Console

from scpo_data.errors import ScpoError, interrupt_exit

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line red error on stderr and return the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn :class:`ScpoError` into a one-line message and its exit code; Ctrl-C into exit
    130 and SIGTERM into exit 143."""
    try:
        yield
    except ScpoError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt as exc:
        raise fail(*interrupt_exit(exc)) from None


ModelOpt = Annotated[
    str,
    typer.Option("--model", help="'embedded' (SmolLM2-135M-Instruct, offline), a model folder, or a Hub id."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Master random seed.")]
QuestionFieldOpt = Annotated[
    Optional[str], typer.Option("--question-field", help="Column with the question.")
]
AnswerFieldOpt = Annotated[
    Optional[str], typer.Option("--answer-field", help="Column with the gold answer.")
]
BatchSizeOpt = Annotated[
    int, typer.Option("--batch-size", min=1, help="Sequences generated together (hf).")
]
DtypeOpt = Annotated[
    str,
    typer.Option("--dtype", help="Model dtype (hf, vllm): auto (bf16 where the hardware runs it "
                 "natively), float32, bfloat16, float16."),
]
BaseUrlOpt = Annotated[
    Optional[str], typer.Option("--base-url", help="openai: API root, e.g. http://localhost:8000/v1.")
]
ApiKeyEnvOpt = Annotated[
    str, typer.Option("--api-key-env", help="openai: environment variable holding the API key.")
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, help="openai: requests in flight at once.")
]
