"""``scpo-data puzzles``: generate ZebraLogic-style logic-grid puzzles and check puzzle files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

puzzles_app = typer.Typer(
    help="ZebraLogic-style logic-grid puzzles: generate them with proven-unique solutions, check puzzle files.",
    no_args_is_help=True,
)

_err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    """Print a one-line red error and return the exit to raise."""
    _err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"2x2,3x3"`` -> [(2, 2), (3, 3)]; BadParameter on a bad size."""
    from scpo_data.puzzles.model import parse_size

    try:
        sizes = [parse_size(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--sizes") from None
    if not sizes:
        raise typer.BadParameter("give at least one size, e.g. 3x3", param_hint="--sizes")
    return sizes


def _parse_families(text: str | None) -> dict[str, float]:
    """``"same_house=3,not_at=0"`` on top of the default weights; BadParameter when malformed."""
    from scpo_data.puzzles.clues import FAMILIES
    from scpo_data.puzzles.generator import DEFAULT_FAMILY_WEIGHTS

    weights = dict(DEFAULT_FAMILY_WEIGHTS)
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or name not in FAMILIES or weight < 0:
            raise typer.BadParameter(
                f"{part.strip()!r}: write FAMILY=WEIGHT (weight >= 0), families: {', '.join(FAMILIES)}",
                param_hint="--families",
            )
        weights[name] = weight
    if not any(weights.values()):
        raise typer.BadParameter("at least one family needs a positive weight", param_hint="--families")
    return weights


def _progress() -> Progress:
    """The progress bar used by the long commands (on stderr)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_err,
        transient=True,
    )


@puzzles_app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write (replaced only when generation succeeds).")],
    sizes: Annotated[
        str, typer.Option("--sizes", help="Comma-separated sizes HOUSESxATTRIBUTES, each from 2 to 6.")
    ] = "2x2,3x3,4x4",
    count: Annotated[int, typer.Option("--count", min=1, help="Puzzles per size.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Base seed; the same seed gives the same file.")] = 0,
    families: Annotated[
        str | None,
        typer.Option(
            "--families",
            help="Clue-family keep-weights over the defaults, e.g. 'same_house=3,two_between=0' (0 disables a family).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate puzzles with a unique solution (proved by the exact solver) and a minimal clue set.

    Records follow ZebraLogic's format: id, size ("N*M"), puzzle (the text with numbered
    clues) and solution ({"header": [...], "rows": [[...], ...]}).
    """
    from scpo_data.puzzles.generator import GeneratorOptions, generate_record

    size_list = _parse_sizes(sizes)
    options = GeneratorOptions(family_weights=_parse_families(families))
    if out.is_dir():
        raise _fail(f"--out {out} is a folder; give a file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream, _progress() as progress:
            task = progress.add_task("generating", total=len(size_list) * count)
            for n, m in size_list:
                progress.update(task, description=f"generating {n}x{m}")
                for index in range(count):
                    record = generate_record(n, m, seed, index, options)
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    progress.advance(task)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    typer.echo(f"wrote {len(size_list) * count} puzzles to {out}")


@puzzles_app.command()
def check(
    path: Annotated[Path, typer.Argument(help="ZebraLogic JSONL file (id, size, puzzle, solution).")],
) -> None:
    """Parse and solve every puzzle of a file; report puzzles that cannot be parsed, are not unique or disagree with their solution.

    Exits with status 1 when any puzzle fails.
    """
    from scpo_data.puzzles.parser import PuzzleParseError, load_zebralogic, parse_puzzle
    from scpo_data.puzzles.solver import solve

    if not path.is_file():
        raise _fail(f"no such file: {path}")
    try:
        records = list(load_zebralogic(path))
    except (OSError, json.JSONDecodeError) as error:
        raise _fail(f"cannot read {path}: {error}") from None
    problems: list[str] = []
    with _progress() as progress:
        for record in progress.track(records, description="checking"):
            label = record.get("id", "?")
            try:
                puzzle = parse_puzzle(record["puzzle"])
            except (PuzzleParseError, KeyError, TypeError) as error:
                problems.append(f"{label}: cannot parse: {error}")
                continue
            found = solve(puzzle.n_houses, len(puzzle.attributes), puzzle.clues, limit=2)
            if len(found) != 1:
                problems.append(f"{label}: {'no' if not found else 'more than one'} solution")
            elif "solution" in record and puzzle.table(found[0]) != record["solution"]:
                problems.append(f"{label}: the solver's solution differs from the record's")
    for line in problems:
        typer.echo(line)
    typer.echo(f"{len(records) - len(problems)} of {len(records)} puzzles parse, have one solution and match it")
    if problems:
        raise typer.Exit(1)
