"""The parser and solver on the 1,000 ZebraLogic grid-mode puzzles (the whole set: it takes about a second)."""

from __future__ import annotations


import pytest

from scpo_data.puzzles.parser import PuzzleParseError, load_zebralogic, parse_header, parse_puzzle
from scpo_data.puzzles.render import render_puzzle
from scpo_data.puzzles.solver import solve
from helpers import SHARED_DATA

DATA = SHARED_DATA / "zebralogic" / "grid_mode.jsonl"

pytestmark = pytest.mark.skipif(not DATA.is_file(), reason=f"ZebraLogic data not found at {DATA}")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(load_zebralogic(DATA))


def test_all_benchmark_puzzles_parse_and_have_the_gold_as_only_solution(records: list[dict]) -> None:
    assert len(records) == 1000
    unparsed, wrong = [], []
    for record in records:
        try:
            puzzle = parse_puzzle(record["puzzle"])
        except PuzzleParseError as error:
            unparsed.append((record["id"], str(error)))
            continue
        n, m = (int(x) for x in record["size"].split("*"))
        assert (puzzle.n_houses, len(puzzle.attributes)) == (n, m)
        found = solve(puzzle.n_houses, len(puzzle.attributes), puzzle.clues, limit=2)
        if len(found) != 1 or puzzle.table(found[0]) != record["solution"]:
            wrong.append((record["id"], len(found)))
    assert unparsed == []
    assert wrong == []


def test_parsed_clue_counts_match_the_text(records: list[dict]) -> None:
    for record in records[::25]:
        numbered = [line for line in record["puzzle"].split("## Clues:")[1].splitlines() if line.strip()]
        assert len(parse_puzzle(record["puzzle"]).clues) == len(numbered)


def test_rendering_a_parsed_benchmark_puzzle_reads_back_the_same(records: list[dict]) -> None:
    for record in records[::50]:
        puzzle = parse_puzzle(record["puzzle"])
        assert parse_puzzle(render_puzzle(puzzle)) == puzzle


def test_parse_errors_name_the_problem(records: list[dict]) -> None:
    text = records[0]["puzzle"]
    with pytest.raises(PuzzleParseError, match="cannot read clue"):
        parse_puzzle(text + "10. The person who owns a unicorn is in the first house.\n")
    with pytest.raises(PuzzleParseError, match="unknown attribute"):
        parse_puzzle(text.replace("Each person has an occupation", "Each person has a spaceship"))
    with pytest.raises(PuzzleParseError, match="Clues"):
        parse_header(text.replace("## Clues:", ""))
    with pytest.raises(PuzzleParseError, match="values for 3 houses"):
        parse_puzzle(text.replace(", `Peter`", ""))
