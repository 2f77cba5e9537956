"""ZebraLogic metrics (puzzle / cell accuracy, easy / hard split) and the solving prompt."""

from __future__ import annotations

import json
import random
import re

import pytest

from scpo_data.extractors.zebra import ZebraExtractor
from scpo_data.puzzles.generator import generate_puzzle, generate_records
from scpo_data.puzzles.metrics import is_easy, zebra_metrics
from scpo_data.puzzles.prompt import solution_template, zebra_prompt

GOLD = {"header": ["House", "Name", "Pet"], "rows": [["1", "Eric", "dog"], ["2", "Bob", "cat"]]}
GOLD3 = {
    "header": ["House", "Name", "Drink", "Color"],
    "rows": [["1", "Eric", "tea", "red"], ["2", "Bob", "milk", "blue"], ["3", "Ivy", "coffee", "green"]],
}


def test_easy_split_is_zebralogics() -> None:
    easy = {f"{n}*{m}" for n in range(2, 7) for m in range(2, 7) if is_easy(f"{n}*{m}")}
    assert easy == {"2*2", "2*3", "2*4", "2*5", "2*6", "3*2", "3*3"}
    assert is_easy("3x3") and not is_easy("3x4")


def test_metrics_by_hand() -> None:
    wrong_pet = {"1": {"name": "eric", "pet": "cat"}, "2": {"name": "bob", "pet": "dog"}}
    half_hard = json.loads(json.dumps(GOLD3))
    half_hard["rows"][0][2], half_hard["rows"][1][2] = "milk", "tea"
    records = [
        ("2*2", {"House 1": {"Name": "Eric", "Pet": "Dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}, GOLD),
        ("2*2", wrong_pet, json.dumps(GOLD)),
        ("3*3", None, GOLD3),
        ("3*3", GOLD3, GOLD3),
        ("4*3", half_hard, GOLD3),  # sizes are labels here: 4*3 is hard
    ]
    metrics = zebra_metrics(records)
    assert metrics.puzzles == 5
    assert metrics.puzzle_accuracy == pytest.approx(2 / 5)
    assert metrics.cell_accuracy == pytest.approx((4 + 2 + 0 + 9 + 7) / (4 + 4 + 9 + 9 + 9))
    assert (metrics.easy_puzzles, metrics.hard_puzzles) == (4, 1)
    assert metrics.easy_accuracy == pytest.approx(2 / 4)
    assert metrics.hard_accuracy == 0.0
    assert metrics.no_answer == pytest.approx(1 / 5)


def test_metrics_take_extractor_keys() -> None:
    ext = ZebraExtractor()
    key = ext.extract(
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}'
    ).key
    metrics = zebra_metrics([("2*2", key, GOLD)])
    assert metrics.puzzle_accuracy == 1.0 and metrics.cell_accuracy == 1.0


def test_empty_metrics_and_bad_gold() -> None:
    empty = zebra_metrics([])
    assert empty.puzzles == 0 and empty.puzzle_accuracy == 0.0
    with pytest.raises(ValueError):
        zebra_metrics([("2*2", None, {"nothing": 1})])


def _template_json(prompt: str) -> dict:
    return json.loads(re.search(r"```json\n(.*?)\n```", prompt, re.S).group(1))


def test_prompt_has_the_puzzle_and_the_right_template() -> None:
    record = next(generate_records([(4, 3)], 1, seed=9))
    prompt = zebra_prompt(record["puzzle"])
    assert record["puzzle"].strip() in prompt
    assert '"reasoning"' in prompt and '"solution"' in prompt
    template = _template_json(prompt)
    assert list(template["solution"]) == ["House 1", "House 2", "House 3", "House 4"]
    assert list(template["solution"]["House 1"]) == record["solution"]["header"][1:]


def test_unfilled_template_is_partial_and_filled_one_scores() -> None:
    puzzle, solution = generate_puzzle(3, 3, random.Random(4))
    table = puzzle.table(solution)
    template = _template_json(zebra_prompt(next(generate_records([(3, 3)], 1, seed=0))["puzzle"]))
    assert ZebraExtractor().extract(json.dumps(template)).status == "partial"
    filled = solution_template(3, table["header"][1:])
    for row in table["rows"]:
        filled["solution"][f"House {row[0]}"] = dict(zip(table["header"][1:], row[1:], strict=True))
    answer = ZebraExtractor().extract("Reasoning...\n```json\n" + json.dumps(filled) + "\n```")
    assert answer.status == "ok"
    assert zebra_metrics([("3*3", answer.key, table)]).puzzle_accuracy == 1.0


def test_prompt_without_a_known_header_stays_generic() -> None:
    prompt = zebra_prompt("There are 2 houses.\n - Each person has a spaceship: `a`, `b`\n\n## Clues:\n1. x\n")
    assert "```json" not in prompt and '"House 1"' in prompt
