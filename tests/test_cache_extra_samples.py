"""Extra high-temperature samples for unanimous problems, numbered after the first k and
cached like every other sample (a stand-in backend that answers by temperature)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.backends.cache import CACHE_FILE, CachedBackend, RequestCache
from scpo_data.generate.extra import extra_samples, unanimous
from scpo_data.backends.models import ModelRef
from scpo_data.records import Message, Problem
from scpo_data.generate.sampling import sample_problems

MODEL = ModelRef("embedded", "/nowhere", "test-model", "0" * 64)
PROBLEMS = [Problem(f"p{i}", "gsm8k", f"What is {i} + {i}?", None, "test") for i in range(3)]


class ByTemperature(Backend):
    """p0 always answers 1; p1 answers its sample index (never unanimous); p2 answers nothing.

    Above temperature 1, p0 answers 1 or 2 alternately.
    """

    name = "by-temperature"

    def __init__(self) -> None:
        self.calls: list[SamplingParams] = []

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        return [WorkUnit(tuple((i, j) for j in range(params.n)), params.seed) for i in range(len(prompts))]

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        self.calls.append(params)
        out = []
        for i, j in unit.items:
            content = prompts[i][0]["content"]
            if "0 + 0" in content:
                text = f"#### {1 + j % 2 if params.temperature > 1 else 1}"
            elif "1 + 1" in content:
                text = f"#### {j}"
            else:
                text = "I do not know."
            out.append(Completion(text, "stop", 4))
        return out


def test_only_unanimous_problems_get_extra_samples_numbered_after_k(tmp_path: Path) -> None:
    inner = ByTemperature()
    backend = CachedBackend(inner, RequestCache(tmp_path / CACHE_FILE), MODEL)
    first = sample_problems(backend, PROBLEMS, SamplingParams(4, 0.7, 0.9, 32, 0))
    assert [p.problem_id for p in unanimous(PROBLEMS, first, "gsm8k")] == ["p0"]
    params = SamplingParams(3, 1.2, 0.9, 32, 1)
    extra = extra_samples(backend, PROBLEMS, first, "gsm8k", params)
    assert [(s.problem_id, s.sample_idx, s.temperature) for s in extra] == [
        ("p0", 4, 1.2), ("p0", 5, 1.2), ("p0", 6, 1.2)]
    assert [s.text for s in extra] == ["#### 1", "#### 2", "#### 1"]
    assert inner.calls[-1].temperature == 1.2 and len(inner.calls) == 4

    again_inner = ByTemperature()
    again = CachedBackend(again_inner, RequestCache(tmp_path / CACHE_FILE), MODEL)
    replayed_first = sample_problems(again, PROBLEMS, SamplingParams(4, 0.7, 0.9, 32, 0))
    assert extra_samples(again, PROBLEMS, replayed_first, "gsm8k", params) == extra
    assert again_inner.calls == [] and again.stats.completions_replayed == 15


def test_no_extra_samples_when_every_problem_has_a_dissent(tmp_path: Path) -> None:
    inner = ByTemperature()
    problems = PROBLEMS[1:]
    first = sample_problems(inner, problems, SamplingParams(4, 0.7, 0.9, 32, 0))
    assert extra_samples(inner, problems, first, "gsm8k", SamplingParams(8, 1.2, 0.9, 32, 1)) == []
    assert len(inner.calls) == 2
