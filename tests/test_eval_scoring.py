"""Eval scoring on hand-built answers: maj@k ties, per-problem results, breakdowns, tables."""

from __future__ import annotations

import json

import pytest

from scpo_data.cli.eval import report_tables
from scpo_data.evaluate.run import EvalConfig, build_report
from scpo_data.evaluate.scoring import majority, score
from scpo_data.records import AnswerRecord, Problem


def test_majority_takes_the_most_votes_and_breaks_ties_by_first_answer() -> None:
    assert majority(["3", "5", "5", None]) == ("5", 2)
    assert majority(["7", "5", "5", "7"]) == ("7", 2)  # tie: 7 was answered first
    assert majority([None, "5", "7", "7", "5"]) == ("5", 2)
    assert majority([None, None]) == (None, 0)
    assert majority([]) == (None, 0)


def _answers(pid: str, keys: list[str | None]) -> list[AnswerRecord]:
    return [AnswerRecord(pid, i, key, "ok" if key else "no_answer") for i, key in enumerate(keys)]


MATH = [  # (id, level, subject, gold, greedy key, sampled keys)
    ("m1", 1, "Algebra", "2", "2", ["2", "2", "3", None]),
    ("m2", 1, "Geometry", "4", "5", ["4", "4", "5", "5"]),   # tie 4/5 -> 4 (first): maj right
    ("m3", 5, "Algebra", "9", None, ["8", "8", "9", None]),  # greedy no answer, maj wrong
]


@pytest.fixture
def math_report() -> dict:
    problems = [Problem(pid, "math", f"q{pid}", gold, "t", json.dumps({"level": lvl, "subject": sub}))
                for pid, lvl, sub, gold, _, _ in MATH]
    problems.append(Problem("nogold", "math", "q", None, "t"))
    greedy = [a for pid, *_, g, _ in MATH for a in _answers(pid, [g])] + _answers("nogold", ["1"])
    sampled = [a for pid, *_, keys in MATH for a in _answers(pid, keys)] + _answers("nogold", ["1"] * 4)
    gold = {p.problem_id: p.gold for p in problems}
    results = score(problems, greedy, sampled, gold)
    assert [(r.greedy_correct, r.maj_answer, r.maj_correct) for r in results] == [
        (True, "2", True), (False, "4", True), (False, "8", False)]
    config = EvalConfig(data="x.jsonl", domain="math", k=4)
    return build_report(config, problems, results, greedy, sampled)


def test_math_report_overall_and_breakdowns(math_report: dict) -> None:
    overall = math_report["overall"]
    assert overall["problems"] == 3 and overall["problems_without_gold"] == 1
    assert overall["greedy_accuracy"] == pytest.approx(1 / 3)
    assert overall["maj_accuracy"] == pytest.approx(2 / 3)
    assert overall["greedy_parse_rate"] == pytest.approx(3 / 4)  # m3's greedy has no answer
    assert overall["sample_parse_rate"] == pytest.approx(14 / 16)
    assert math_report["by_level"] == {
        "1": {"problems": 2, "greedy_accuracy": 0.5, "maj_accuracy": 1.0},
        "5": {"problems": 1, "greedy_accuracy": 0.0, "maj_accuracy": 0.0},
    }
    assert math_report["by_subject"]["Algebra"] == {"problems": 2, "greedy_accuracy": 0.5, "maj_accuracy": 0.5}
    assert "zebra" not in math_report


def test_report_tables_show_every_breakdown(math_report: dict) -> None:
    titles = [t.title for t in report_tables(math_report)]
    assert titles == ["scpo-data eval (math, 3 problems)", "by level", "by subject"]


def test_zebra_report_has_puzzle_and_cell_accuracy_per_size() -> None:
    def grid(*rows: list[str]) -> dict:
        return {"header": ["House", "Name", "Pet"], "rows": [list(r) for r in rows]}

    gold_a = grid(["1", "Eric", "cat"], ["2", "Bob", "dog"])
    gold_b = grid(["1", "Ann", "fish"], ["2", "Tim", "bird"], ["3", "Joe", "cow"])
    problems = [Problem("a", "zebra", "qa", json.dumps(gold_a), "t", json.dumps({"size": "2*2"})),
                Problem("b", "zebra", "qb", json.dumps(gold_b), "t", json.dumps({"size": "3*2"}))]
    gold = {"a": '{"1":{"name":"eric","pet":"cat"},"2":{"name":"bob","pet":"dog"}}',
            "b": '{"1":{"name":"ann","pet":"fish"},"2":{"name":"tim","pet":"bird"},"3":{"name":"joe","pet":"cow"}}'}
    half = '{"1":{"name":"ann","pet":"bird"},"2":{"name":"tim","pet":"fish"},"3":{"name":"joe","pet":"cow"}}'
    greedy = _answers("a", [gold["a"]]) + _answers("b", [half])
    sampled = _answers("a", [gold["a"], None]) + _answers("b", [gold["b"], half])  # b: tie -> first
    results = score(problems, greedy, sampled, gold)
    report = build_report(EvalConfig(data="z.jsonl", domain="zebra", k=2), problems, results, greedy, sampled)
    zebra = report["zebra"]
    assert zebra["all"]["greedy"]["puzzle_accuracy"] == pytest.approx(0.5)
    assert zebra["all"]["greedy"]["cell_accuracy"] == pytest.approx((4 + 4) / 10)  # b: 2 pets wrong
    assert zebra["all"]["maj"]["puzzle_accuracy"] == pytest.approx(1.0)
    assert zebra["by_size"]["3*2"]["greedy"]["cell_accuracy"] == pytest.approx(4 / 6)
    assert zebra["all"]["greedy"]["easy_puzzles"] == 2  # 2x2 and 3x2 are both easy
    assert report_tables(report)[-1].title == "ZebraLogic"
