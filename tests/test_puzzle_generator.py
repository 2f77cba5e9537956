"""The seeded generator, the lexicon, the ZebraLogic record format and the ``puzzles`` CLI group."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scpo_data.cli.puzzles import puzzles_app
from scpo_data.puzzles.clues import FAMILIES
from scpo_data.puzzles.generator import GeneratorOptions, family_counts, generate_puzzle, generate_records
from scpo_data.puzzles.lexicon import GENERATION_SPECS, SPECS
from scpo_data.puzzles.model import parse_size
from scpo_data.puzzles.parser import parse_puzzle
from scpo_data.puzzles.render import render_puzzle
from scpo_data.puzzles.solver import solve


def test_same_seed_same_records_different_seed_different() -> None:
    a = list(generate_records([(3, 3), (4, 2)], 3, seed=11))
    b = list(generate_records([(3, 3), (4, 2)], 3, seed=11))
    c = list(generate_records([(3, 3), (4, 2)], 3, seed=12))
    assert a == b
    assert [r["puzzle"] for r in a] != [r["puzzle"] for r in c]
    assert len({r["id"] for r in a}) == 6


def test_records_follow_zebralogic_format_and_solve_back() -> None:
    for record in generate_records([(2, 2), (5, 4), (6, 6)], 2, seed=3):
        assert set(record) == {"id", "size", "puzzle", "solution"}
        n, m = parse_size(record["size"])
        assert record["size"] == f"{n}*{m}"
        header, rows = record["solution"]["header"], record["solution"]["rows"]
        assert header[0] == "House" and len(header) == m + 1 and header[1] == "Name"
        assert [row[0] for row in rows] == [str(h) for h in range(1, n + 1)]
        assert record["puzzle"].startswith(f"There are {n} houses, numbered 1 to {n}")
        puzzle = parse_puzzle(record["puzzle"])
        found = solve(n, m, puzzle.clues, limit=2)
        assert len(found) == 1 and puzzle.table(found[0]) == record["solution"]


@pytest.mark.parametrize(("n", "m"), [(n, m) for n in range(2, 7) for m in range(2, 7)])
def test_every_size_renders_and_parses_back(n: int, m: int) -> None:
    puzzle, _ = generate_puzzle(n, m, random.Random(f"roundtrip-{n}x{m}"))
    assert parse_puzzle(render_puzzle(puzzle)) == puzzle


def test_value_lists_do_not_give_the_houses_away() -> None:
    in_house_order = 0
    for i in range(40):
        _, solution = generate_puzzle(5, 4, random.Random(f"order-{i}"))
        in_house_order += sum(houses == tuple(range(5)) for houses in solution)
    assert in_house_order <= 8  # 160 attributes, 1/120 chance each


def test_family_weight_zero_removes_a_family() -> None:
    weights = dict.fromkeys(FAMILIES, 1.0) | {"same_house": 0.0, "not_at": 0.0}
    options = GeneratorOptions(family_weights=weights)
    for i in range(5):
        puzzle, _ = generate_puzzle(4, 4, random.Random(i), options)
        counts = family_counts(puzzle)
        assert counts["same_house"] == 0 and counts["not_at"] == 0


def test_heavier_family_survives_more_often() -> None:
    def share(weight: float) -> float:
        options = GeneratorOptions(family_weights=dict.fromkeys(FAMILIES, 1.0) | {"same_house": weight})
        counts: Counter[str] = Counter()
        for i in range(12):
            counts.update(family_counts(generate_puzzle(4, 4, random.Random(f"w{i}"), options)[0]))
        return counts["same_house"] / sum(counts.values())

    assert share(4.0) > share(1.0) + 0.1


def test_only_same_house_falls_back_on_placements() -> None:
    options = GeneratorOptions(family_weights={"same_house": 1.0})
    puzzle, solution = generate_puzzle(3, 3, random.Random(0), options)
    assert solve(3, 3, puzzle.clues, limit=2) == [solution]
    assert set(family_counts(puzzle)) >= {"same_house"}


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown clue families"):
        GeneratorOptions(family_weights={"diagonal": 1.0})
    with pytest.raises(ValueError, match="positive"):
        GeneratorOptions(family_weights={"found_at": 0.0})
    with pytest.raises(ValueError, match="out of range"):
        generate_puzzle(7, 3, random.Random(0))
    with pytest.raises(ValueError):
        parse_size("3by3")


def test_lexicon_phrases_are_distinct_within_any_puzzle() -> None:
    for spec in GENERATION_SPECS:
        assert len(spec.values) >= 6, spec.key
        assert len({spec.phrase(v).lower() for v in spec.values}) == len(spec.values), spec.key
    for a, b in combinations(GENERATION_SPECS, 2):
        shared = {a.phrase(v).lower() for v in a.values} & {b.phrase(v).lower() for v in b.values}
        assert not shared, (a.key, b.key, shared)
    assert len({spec.description.lower() for spec in SPECS}) == len(SPECS)


# --- CLI ------------------------------------------------------------------------------

runner = CliRunner()
app = typer.Typer()
app.add_typer(puzzles_app, name="puzzles")


def test_cli_generate_writes_records(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "p.jsonl"
    result = runner.invoke(
        app, ["puzzles", "generate", "--sizes", "2x2,3x4", "--count", "3", "--seed", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["size"] for r in records] == ["2*2"] * 3 + ["3*4"] * 3
    assert records == list(generate_records([(2, 2), (3, 4)], 3, seed=5))
    assert sorted(p.name for p in out.parent.iterdir()) == ["p.jsonl"]
    check = runner.invoke(app, ["puzzles", "check", str(out)])
    assert check.exit_code == 0 and "6 of 6" in check.output


@pytest.mark.parametrize(
    "args",
    [
        ["--sizes", "7x2"],
        ["--sizes", "3"],
        ["--sizes", ""],
        ["--count", "0"],
        ["--families", "diagonal=1"],
        ["--families", "same_house"],
        ["--families", ",".join(f"{f}=0" for f in FAMILIES)],
    ],
)
def test_cli_generate_rejects_bad_options_without_writing(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "p.jsonl"
    result = runner.invoke(app, ["puzzles", "generate", "--out", str(out), *args])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_cli_generate_leaves_no_partial_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scpo_data.puzzles.generator as generator

    calls = {"n": 0}
    real = generator.generate_record

    def failing(*args: object) -> dict:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator, "generate_record", failing)
    out = tmp_path / "p.jsonl"
    out.write_text("old\n")
    result = runner.invoke(app, ["puzzles", "generate", "--sizes", "2x2", "--count", "5", "--out", str(out)])
    assert result.exit_code != 0
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]


def test_cli_check_reports_bad_puzzles(tmp_path: Path) -> None:
    record = next(generate_records([(3, 3)], 1, seed=0))
    wrong = dict(
        record, id="wrong", solution={"header": record["solution"]["header"], "rows": record["solution"]["rows"][::-1]}
    )
    broken = dict(record, id="broken", puzzle=record["puzzle"] + "99. Nonsense is everywhere.\n")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (record, wrong, broken)))
    result = runner.invoke(app, ["puzzles", "check", str(path)])
    assert result.exit_code == 1
    assert "wrong: the solver's solution differs" in result.output
    assert "broken: cannot parse" in result.output
    assert "1 of 3" in result.output
    assert runner.invoke(app, ["puzzles", "check", str(tmp_path / "none.jsonl")]).exit_code == 2
