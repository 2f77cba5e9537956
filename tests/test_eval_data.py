"""``run_eval`` on the real MATH-500 and ZebraLogic files with a scripted backend (no model).

The backend is a stand-in inside this unit test of the eval stage: it answers each
prompt with a reply chosen by the test, so the expected numbers are known.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from scpo_data import engines
from scpo_data.evaluate import run as evaluate
from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.evaluate.run import EvalConfig, run_eval
from scpo_data.backends.models import ModelRef
from scpo_data.records import Message
from helpers import SHARED_DATA as DATA, needs_shared_data



class Scripted(Backend):
    """Replies ``reply(user_text, sample_index, temperature)`` to every prompt."""

    name = "scripted"

    def __init__(self, reply: Callable[[str, int, float], str]) -> None:
        self.reply = reply

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        return [WorkUnit(tuple((i, j) for i in range(len(prompts)) for j in range(params.n)), params.seed)]

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        return [Completion(self.reply(prompts[i][0]["content"], j, params.temperature), "stop", 7)
                for i, j in unit.items]


def _patch(monkeypatch: pytest.MonkeyPatch, reply: Callable[[str, int, float], str]) -> None:
    monkeypatch.setattr(evaluate, "backend_model", lambda backend, spec: ModelRef(spec, "", "scripted", "0" * 64))
    monkeypatch.setattr(engines, "get_backend", lambda *args: Scripted(reply))


def _rows(path: Path, n: int) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[:n]]


@needs_shared_data
def test_math500_levels_and_subjects(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rows = _rows(DATA / "math" / "test.jsonl", 8)
    right = {r["problem"]: r["answer"] for r in rows}

    def reply(prompt: str, j: int, temperature: float) -> str:
        answer = next(a for q, a in right.items() if q in prompt)
        level = next(r["level"] for r in rows if r["problem"] in prompt)
        if temperature == 0:  # greedy: right on levels 1-3 only
            return f"So \\boxed{{{answer}}}." if level <= 3 else "So \\boxed{-12345}."
        return f"\\boxed{{{answer}}}" if j < 2 else f"\\boxed{{{j}7771}}"  # 2 right votes, 2 lone wrong

    _patch(monkeypatch, reply)
    report = run_eval(EvalConfig(data=str(DATA / "math" / "test.jsonl"), domain="math", k=4, limit=8,
                                 out=str(tmp_path / "ev")))
    easy = sum(r["level"] <= 3 for r in rows)
    assert report["overall"]["problems"] == 8
    assert report["overall"]["greedy_accuracy"] == pytest.approx(easy / 8)
    assert report["overall"]["maj_accuracy"] == 1.0
    assert report["overall"]["greedy_parse_rate"] == 1.0
    for level, group in report["by_level"].items():
        assert group["problems"] == sum(str(r["level"]) == level for r in rows)
        assert group["greedy_accuracy"] == (1.0 if int(level) <= 3 else 0.0)
    assert set(report["by_subject"]) == {r["subject"] for r in rows}
    assert (tmp_path / "ev" / "results.parquet").is_file() and (tmp_path / "ev" / "report.json").is_file()


@needs_shared_data
def test_zebralogic_puzzle_and_cell_accuracy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rows = _rows(DATA / "zebralogic" / "grid_mode.jsonl", 3)

    def grid(solution: dict, wrong: bool) -> str:
        header, body = solution["header"], solution["rows"]
        houses = {f"House {r[0]}": dict(zip(header[1:], r[1:])) for r in body}
        if wrong:  # swap the first attribute of houses 1 and 2
            first = header[1]
            houses["House 1"][first], houses["House 2"][first] = houses["House 2"][first], houses["House 1"][first]
        return json.dumps({"reasoning": "...", "solution": houses})

    def reply(prompt: str, j: int, temperature: float) -> str:
        index = next(i for i, r in enumerate(rows) if r["puzzle"] in prompt)
        return grid(rows[index]["solution"], wrong=(index == 1 and temperature == 0))

    _patch(monkeypatch, reply)
    report = run_eval(EvalConfig(data=str(DATA / "zebralogic" / "grid_mode.jsonl"), domain="zebra", k=2,
                                 limit=3, out=str(tmp_path / "ev")))
    greedy, maj = report["zebra"]["all"]["greedy"], report["zebra"]["all"]["maj"]
    cells = [len(r["solution"]["rows"]) * (len(r["solution"]["header"]) - 1) for r in rows]
    assert greedy["puzzles"] == 3 and greedy["puzzle_accuracy"] == pytest.approx(2 / 3)
    assert greedy["cell_accuracy"] == pytest.approx((sum(cells) - 2) / sum(cells))
    assert maj["puzzle_accuracy"] == 1.0 and maj["cell_accuracy"] == 1.0
    assert report["overall"]["greedy_accuracy"] == pytest.approx(2 / 3)
    assert set(report["zebra"]["by_size"]) == {r["size"] for r in rows}
