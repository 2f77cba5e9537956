"""The zebra domain in the pipeline: generated puzzles as problems, grid votes, run statistics."""

from __future__ import annotations

import json

import pytest

from scpo_data.generate.answers import extract_answers
from scpo_data.errors import ScpoError
from scpo_data.domains import get_domain
from scpo_data.generate.pairs import build_pairs
from scpo_data.domains.zebra import cell_agreement, puzzle_problems
from scpo_data.puzzles import count_solutions, parse_puzzle
from scpo_data.records import Sample


def _answer_text(grid: dict[str, dict[str, str]]) -> str:
    return "Reasoning...\n```json\n" + json.dumps({"reasoning": "r", "solution": grid}) + "\n```"


@pytest.fixture(scope="module")
def puzzle() -> tuple:
    (problem,) = puzzle_problems("2x2", 1, seed=3)
    table = json.loads(problem.gold)
    grid = {f"House {row[0]}": dict(zip(table["header"][1:], row[1:])) for row in table["rows"]}
    return problem, grid


def test_generated_puzzles_are_unique_and_carry_gold(puzzle: tuple) -> None:
    problem, _ = puzzle
    assert problem.domain == "zebra" and json.loads(problem.meta)["size"] == "2*2"
    parsed = parse_puzzle(problem.question)
    assert count_solutions(parsed.n_houses, len(parsed.attributes), parsed.clues, limit=2) == 1
    assert get_domain("zebra").extractor.canonical(problem.gold).status == "ok"
    assert "solution" in get_domain("zebra").user_prompt(problem.question)


def test_bad_sizes_raise() -> None:
    with pytest.raises(ScpoError, match="bad --sizes"):
        puzzle_problems("9x9", 1, seed=0)


def test_votes_on_whole_grids_and_partial_grids_never_win(puzzle: tuple) -> None:
    problem, grid = puzzle
    houses = list(grid)
    wrong = {houses[0]: grid[houses[1]], houses[1]: grid[houses[0]]}
    partial = {houses[0]: grid[houses[0]]}
    texts = [_answer_text(grid)] * 3 + [_answer_text(wrong)] + [_answer_text(partial)] * 4
    samples = [Sample(problem.problem_id, i, t, "stop", 50, 0.7, 0) for i, t in enumerate(texts)]
    answers = extract_answers(samples, "zebra", [problem])
    assert [a.status for a in answers[4:]] == ["partial"] * 4
    assert all(a.key is None for a in answers[4:])
    pairs, _ = build_pairs([problem], samples, answers, tau_votes=2, seed=0)
    (pair,) = pairs
    gold_key = get_domain("zebra").extractor.canonical(problem.gold).key
    assert pair.chosen_answer == gold_key and pair.chosen_votes == 3
    assert pair.rejected_answer is None and pair.weight == pytest.approx(3 / 8)
    summary = get_domain("zebra").run_stats([problem], answers, pairs)
    assert summary["chosen"]["puzzle_accuracy"] == 1.0
    assert summary["samples"]["puzzle_accuracy"] == pytest.approx(3 / 8)
    assert summary["cell_agreement"] == 0.0


def test_cell_agreement_counts_shared_cells(puzzle: tuple) -> None:
    problem, grid = puzzle
    houses = list(grid)
    attrs = list(grid[houses[0]])
    half = {h: dict(grid[h]) for h in houses}
    half[houses[0]][attrs[0]], half[houses[1]][attrs[0]] = grid[houses[1]][attrs[0]], grid[houses[0]][attrs[0]]
    samples = [Sample(problem.problem_id, i, _answer_text(g), "stop", 9, 0.7, 0)
               for i, g in enumerate([grid, grid, half])]
    answers = extract_answers(samples, "zebra", [problem])
    pairs, _ = build_pairs([problem], samples, answers, tau_votes=2, seed=0)
    assert cell_agreement(pairs) == pytest.approx(0.5)
