"""The ``scpo-data`` Typer application: registers the command groups and runs them."""

from __future__ import annotations

import typer

from scpo_data.cli.correct import correct
from scpo_data.cli.eval import evaluate
from scpo_data.cli.generate import generate
from scpo_data.cli.merge import merge
from scpo_data.cli.puzzles import puzzles_app
from scpo_data.cli.inspect import inspect
from scpo_data.cli.iterate import iterate
from scpo_data.cli.push import push
from scpo_data.cli.train import train
from scpo_data.cli.warmup import warmup
from scpo_data.errors import catch_sigterm

app = typer.Typer(
    name="scpo-data",
    help="Make self-consistency preference datasets (ScPO) for reasoning models.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Make self-consistency preference datasets (ScPO) for reasoning models."""


app.command()(generate)
app.command()(train)
app.command()(correct)
app.command("eval")(evaluate)
app.command()(push)
app.command()(inspect)
app.command()(merge)
app.command()(iterate)
app.command()(warmup)
app.add_typer(puzzles_app, name="puzzles")


def main() -> None:
    """Console-script entry point; SIGTERM stops a run as cleanly as Ctrl-C."""
    catch_sigterm()
    app()
