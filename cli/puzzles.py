"""``scpo-data puzzles``: generate ZebraLogic-style logic-grid puzzles and arithmetic word
problems, check puzzle files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from scpo_data.cli.common import clean_errors
from scpo_data.errors import ScpoError

puzzles_app = typer.Typer(
    help="Generated problems with exact gold: ZebraLogic-style logic grids (generate, check) and "
    "arithmetic word problems in GSM8K's format (arith).",
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


# --- arithmetic word problems ---------------------------------------------------------

_OP_NAMES = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _parse_steps(text: str) -> tuple[int, ...]:
    """``"2"``, ``"1-3"`` or ``"1,3"`` -> the allowed step counts; ScpoError when malformed."""
    try:
        if "-" in text:
            low, high = (int(part) for part in text.split("-"))
            steps = tuple(range(low, high + 1))
        else:
            steps = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ScpoError(f"bad --steps {text!r}: write N, LOW-HIGH or N,M,...") from None
    if not steps:
        raise ScpoError(f"bad --steps {text!r}: the range is empty")
    return steps


def _parse_ops(text: str) -> tuple[str, ...]:
    """``"+-*/"``, ``"+,-"`` or ``"add,div"`` -> operation symbols; ScpoError on anything else."""
    ops: list[str] = []
    for part in text.replace(" ", "").split(","):
        symbols = [_OP_NAMES[part]] if part in _OP_NAMES else list(part)
        if not symbols or any(op not in "+-*/" for op in symbols):
            raise ScpoError(f"bad --ops {text!r}: use + - * / (or add, sub, mul, div), e.g. '+-' or 'add,mul'")
        ops += [op for op in dict.fromkeys(symbols) if op not in ops]
    return tuple(ops)


def _parse_splits(text: str) -> dict[str, int]:
    """``"warmup=640,test=500"`` -> {"warmup": 640, "test": 500}; ScpoError when malformed."""
    sizes: dict[str, int] = {}
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or not value.strip().isdigit() or name.strip() in sizes:
            raise ScpoError(f"bad --splits {text!r}: write NAME=SIZE,... with distinct names, "
                            "e.g. warmup=640,pool=960,dev=200,test=500")
        sizes[name.strip()] = int(value)
    return sizes


def _write_jsonl_files(files: dict[Path, list[dict[str, str]]]) -> None:
    """Write each file to a temporary name first and rename them all at the end, so that an
    error leaves no file half-written."""
    temps: list[tuple[str, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, records in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((temp_name, path))
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            os.chmod(temp_name, 0o666 & ~umask)
        for temp_name, path in temps:
            os.replace(temp_name, path)
    except BaseException:
        for temp_name, _ in temps:
            Path(temp_name).unlink(missing_ok=True)
        raise


@puzzles_app.command()
def arith(
    out: Annotated[
        Path,
        typer.Option("--out", help="JSONL file to write; with --splits, a folder that gets SPLIT.jsonl per split."),
    ],
    count: Annotated[
        int | None, typer.Option("--count", help="Problems to write (default 100; not with --splits).",
                                 show_default=False)
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed; the same seed and options give the same files.")] = 0,
    splits: Annotated[
        str | None,
        typer.Option("--splits", help="Disjoint named splits from the one seed, e.g. "
                     "'warmup=640,pool=960,dev=200,test=500' (no question text in two splits).",
                     show_default=False),
    ] = None,
    preset: Annotated[
        str, typer.Option("--preset", help="Difficulty to start from: easy (1 step, + -, numbers <= 20), default "
                          "(1-2 steps, + - * /, numbers <= 50, factors <= 10) or hard (2-3 steps, numbers <= 100, "
                          "factors <= 12, distractors 0.5). The options below override it.")
    ] = "default",
    steps: Annotated[
        str | None, typer.Option("--steps", help="Operations per problem: N, LOW-HIGH or N,M (1 to 5).",
                                 show_default=False)
    ] = None,
    max_value: Annotated[
        int | None, typer.Option("--max-value", help="Largest number anywhere in a problem, answer included.",
                                 show_default=False)
    ] = None,
    max_factor: Annotated[
        int | None, typer.Option("--max-factor", help="Largest multiplier and divisor (at most max value / 2; "
                                 "default: the preset's, lowered to fit --max-value).", show_default=False)
    ] = None,
    ops: Annotated[
        str | None, typer.Option("--ops", help="Operations drawn from: some of + - * / (or add,sub,mul,div); "
                                 "division is always exact.", show_default=False)
    ] = None,
    distractors: Annotated[
        float | None, typer.Option("--distractors", help="Probability (0-1) that a problem has an irrelevant "
                                   "sentence with a number.", show_default=False)
    ] = None,
) -> None:
    """Generate arithmetic word problems with exact gold, in GSM8K's format.

    Records are {"id", "question", "answer"}: the answer is a worked solution, one line per step.

    Each step line reads like "... so 12 + 5 = 17 apples."; the last line is "#### N" (an integer).
    """
    from dataclasses import replace

    from scpo_data.puzzles.arith import ARITH_PRESETS, ArithError, generate_arith
    from scpo_data.puzzles.arith_splits import make_arith_splits

    with clean_errors():
        if preset not in ARITH_PRESETS:
            raise ScpoError(f"unknown --preset {preset!r}: choose {', '.join(ARITH_PRESETS)}")
        base = ARITH_PRESETS[preset]
        if max_value is not None and max_factor is None:  # a lower --max-value alone lowers the factors too
            max_factor = max(2, min(base.max_factor, max_value // 2))
        overrides = {
            "steps": _parse_steps(steps) if steps is not None else None,
            "max_value": max_value,
            "max_factor": max_factor,
            "operations": _parse_ops(ops) if ops is not None else None,
            "distractors": distractors,
        }
        try:
            options = replace(base, **{k: v for k, v in overrides.items() if v is not None})
            if splits is None:
                if out.is_dir():
                    raise ScpoError(f"--out {out} is a folder; give a file name (or use --splits)")
                if count is not None and count < 1:
                    raise ScpoError(f"--count must be at least 1, got {count}")
                files = {out: generate_arith(100 if count is None else count, seed, options)}
            else:
                if count is not None:
                    raise ScpoError("--count and --splits do not go together: give the sizes in --splits")
                if out.exists() and not out.is_dir():
                    raise ScpoError(f"--out {out} is a file; with --splits give a folder")
                made = make_arith_splits(_parse_splits(splits), seed, options)
                files = {out / f"{name}.jsonl": records for name, records in made.items()}
        except ArithError as error:
            raise ScpoError(str(error)) from None
        _write_jsonl_files(files)
    written = ", ".join(f"{path.name} {len(records)}" for path, records in files.items())
    typer.echo(f"wrote {sum(map(len, files.values()))} problems ({written}) to {out}; {options.describe()}")
