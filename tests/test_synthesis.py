"""Few-shot synthesis: prompt shape and the filters, with a scripted backend double."""

from __future__ import annotations

from collections.abc import Sequence

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.records import Message, Problem
from scpo_data.generate.synthesis import SHOTS, clean_problem, synthesis_prompt, synthesize

SEEDS = [Problem(f"s{i}", "gsm8k", f"Tom has {i} red apples and eats one. How many are left?", str(i - 1), "t")
         for i in range(2, 9)]


class ScriptedBackend(Backend):
    """Returns the scripted outputs in order and records the prompts it saw."""

    name = "scripted"

    def __init__(self, outputs: list[tuple[str, str]]) -> None:
        self.outputs = list(outputs)
        self.prompts: list[list[Message]] = []

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        return [WorkUnit(((i, j),), params.seed) for i in range(len(prompts)) for j in range(params.n)]

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams,
                 unit: WorkUnit) -> list[Completion]:
        ((i, _),) = unit.items
        self.prompts.append(prompts[i])
        text, finish = self.outputs.pop(0) if self.outputs else ("", "stop")
        return [Completion(text, finish, len(text.split()))]


def test_prompt_shows_four_questions_and_no_answers() -> None:
    prompt = synthesis_prompt([s.question for s in SEEDS[:SHOTS]])
    content = prompt[0]["content"]
    assert all(s.question in content for s in SEEDS[:SHOTS])
    assert "ONE new" in content and "Problem 4:" in content and "Problem 5:" not in content


def test_clean_problem_strips_labels() -> None:
    assert clean_problem("**New problem:** A cat has 4 legs. How many?") == "A cat has 4 legs. How many?"
    assert clean_problem("Problem 5: Ann has 3 pens. How many?") == "Ann has 3 pens. How many?"


def test_filters_drop_bad_outputs_and_keep_good_ones() -> None:
    good = "A farmer has 12 cows and buys 5 more. How many cows does he have now?"
    backend = ScriptedBackend([
        ("", "stop"),                                   # empty
        (SEEDS[0].question, "stop"),                    # copies a seed
        ("x" * 2000 + "?", "stop"),                     # over-long
        ("Mia has 3 cats and 2 dogs. How many", "length"),  # cut off
        (good, "stop"),
        (good, "stop"),                                 # exact duplicate
        ("Here are some problems of similar difficulty?", "stop"),  # echoes the instruction
        ("Problem: Sara bikes 3 km a day for 5 days. How far does she bike?", "stop"),
    ])
    new = synthesize(backend, SEEDS, count=3, domain="gsm8k", max_tokens=50,
                     temperature=0.7, top_p=0.9, seed=0, attempts_per_problem=3)
    assert [p.question for p in new] == [good, "Sara bikes 3 km a day for 5 days. How far does she bike?"]
    assert all(p.gold is None and p.source == "synthesized" for p in new)
    assert len({p.problem_id for p in new}) == 2
    for prompt in backend.prompts:
        shown = [s.question for s in SEEDS if s.question in prompt[0]["content"]]
        assert len(shown) == SHOTS


def test_same_seed_same_shots() -> None:
    outs = [("A bus has 40 seats and 12 are empty. How many are taken?", "stop")] * 3
    a, b = ScriptedBackend(outs), ScriptedBackend(outs)
    synthesize(a, SEEDS, 1, "gsm8k", 50, 0.7, 0.9, seed=5)
    synthesize(b, SEEDS, 1, "gsm8k", 50, 0.7, 0.9, seed=5)
    assert a.prompts == b.prompts


def test_one_batched_round_draws_twice_what_is_missing() -> None:
    outs = [(f"Tom has {n} pens and buys 2 more. How many pens does he have?", "stop") for n in range(10, 20)]
    backend = ScriptedBackend(outs)
    new = synthesize(backend, SEEDS, count=3, domain="gsm8k", max_tokens=50, temperature=0.7, top_p=0.9, seed=0)
    assert len(new) == 3
    assert len(backend.prompts) == 2 * 3  # one round of 2x candidates, the surplus dropped
