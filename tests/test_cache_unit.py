"""The request cache with a counting stand-in backend: replay, keys, partial units, --no-resume."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.backends.cache import CACHE_FILE, CachedBackend, RequestCache, open_cache, resumable
from scpo_data.errors import ScpoError, Terminated
from scpo_data.backends.models import ModelRef
from scpo_data.records import Message

MODEL = ModelRef("embedded", "/nowhere", "test-model", "0" * 64)
PROMPTS = [[{"role": "user", "content": f"question {i}"}] for i in range(5)]
PARAMS = SamplingParams(n=3, temperature=0.7, top_p=0.9, max_tokens=32, seed=11)


class Counting(Backend):
    """Two sequences per unit; the text records the prompt, sample and unit seed."""

    name = "counting"

    def __init__(self, fail_at: int | None = None, interrupt: type[KeyboardInterrupt] = KeyboardInterrupt) -> None:
        self.seeds: list[int] = []
        self.fail_at = fail_at
        self.interrupt = interrupt

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        items = [(i, j) for i in range(len(prompts)) for j in range(params.n)]
        return [WorkUnit(tuple(items[s : s + 2]), params.seed * 100 + s) for s in range(0, len(items), 2)]

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        if self.fail_at is not None and len(self.seeds) == self.fail_at:
            raise self.interrupt
        self.seeds.append(unit.seed)
        return [Completion(f"{prompts[i][0]['content']}/{j}/{unit.seed}", "stop", 3) for i, j in unit.items]


def test_rerun_replays_everything_without_model_calls(tmp_path: Path) -> None:
    first = CachedBackend(Counting(), RequestCache(tmp_path / CACHE_FILE), MODEL)
    expected = first.generate(PROMPTS, PARAMS)
    assert first.stats.units_generated == 8 and first.stats.completions_generated == 15
    first.cache.close()
    inner = Counting()
    again = CachedBackend(inner, RequestCache(tmp_path / CACHE_FILE), MODEL)
    assert again.generate(PROMPTS, PARAMS) == expected
    assert inner.seeds == [] and again.stats.units_replayed == 8 and again.stats.units_generated == 0


@pytest.mark.parametrize(("interrupt", "word", "code"),
                         [(KeyboardInterrupt, "interrupted", 130), (Terminated, "terminated", 143)])
def test_interrupted_run_regenerates_only_unfinished_units_with_their_seeds(
    tmp_path: Path, interrupt: type[KeyboardInterrupt], word: str, code: int
) -> None:
    reference = Counting().generate(PROMPTS, PARAMS)
    cache = RequestCache(tmp_path / CACHE_FILE)
    broken = CachedBackend(Counting(fail_at=3, interrupt=interrupt), cache, MODEL)
    with pytest.raises(ScpoError, match=f"{word}: 6 finished completions.*run the same command again") as raised:
        with resumable(cache):
            broken.generate(PROMPTS, PARAMS)
    assert raised.value.exit_code == code
    # the three finished units were committed: another connection sees them
    assert sqlite3.connect(tmp_path / CACHE_FILE).execute("SELECT COUNT(*) FROM completions").fetchone()[0] == 6
    inner = Counting()
    resumed = CachedBackend(inner, RequestCache(tmp_path / CACHE_FILE), MODEL)
    assert resumed.generate(PROMPTS, PARAMS) == reference
    all_seeds = [u.seed for u in Counting().plan(PROMPTS, PARAMS)]
    assert inner.seeds == all_seeds[3:]


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 12},
        {"temperature": 1.2},
        {"top_p": 0.95},
        {"max_tokens": 33},
    ],
)
def test_any_sampling_change_misses(tmp_path: Path, change: dict[str, float]) -> None:
    CachedBackend(Counting(), RequestCache(tmp_path / CACHE_FILE), MODEL).generate(PROMPTS, PARAMS)
    inner = Counting()
    other = SamplingParams(**{**PARAMS.__dict__, **change})
    CachedBackend(inner, RequestCache(tmp_path / CACHE_FILE), MODEL).generate(PROMPTS, other)
    assert len(inner.seeds) == 8


def test_model_prompt_and_unit_composition_are_in_the_key(tmp_path: Path) -> None:
    cache = RequestCache(tmp_path / CACHE_FILE)
    CachedBackend(Counting(), cache, MODEL).generate(PROMPTS, PARAMS)
    other_model = ModelRef("embedded", "/nowhere", "test-model", "1" * 64)
    inner = Counting()
    CachedBackend(inner, cache, other_model).generate(PROMPTS, PARAMS)
    assert len(inner.seeds) == 8
    inner = Counting()
    edited = [*PROMPTS[:4], [{"role": "user", "content": "question 4, edited"}]]
    CachedBackend(inner, cache, MODEL).generate(edited, PARAMS)
    # units holding only untouched prompts replay; the units with the edited prompt regenerate
    assert len(inner.seeds) == 2


def test_no_resume_starts_from_an_empty_cache(tmp_path: Path) -> None:
    cache = open_cache(tmp_path)
    CachedBackend(Counting(), cache, MODEL).generate(PROMPTS, PARAMS)
    cache.close()
    assert len(open_cache(tmp_path, resume=True)) == 15
    assert len(open_cache(tmp_path, resume=False)) == 0
