"""Sampling both attempts: the domain's prompt, then the conversation extended with the
correction instruction.

Both stages go through the same backend (and request cache) as ``generate``: attempt 1
is ``n`` samples of each problem's one-turn prompt; attempt 2 is ``second_n`` samples of
each three-turn conversation (question, attempt 1, instruction), under the next seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console

from scpo_data.backends.base import Backend, SamplingParams
from scpo_data.domains import get_domain
from scpo_data.generate.sampling import sample_problems
from scpo_data.progress import stage
from scpo_data.records import Message, Problem, Sample


@dataclass(frozen=True)
class Attempts:
    """The sampled attempts of a set of problems.

    Attributes:
        first: ``n`` first attempts per problem (``sample_idx`` 0 .. n-1).
        second: ``second_n`` second attempts after each first attempt: the one after
            first attempt ``i`` with draw ``j`` has ``sample_idx`` ``i * second_n + j``.
        second_n: Second attempts per first attempt.
        prompts: The attempt-2 prompt (question, attempt 1, instruction) of each first
            attempt, by (problem id, first attempt's ``sample_idx``).
    """

    first: list[Sample]
    second: list[Sample]
    second_n: int
    prompts: dict[tuple[str, int], list[Message]]

    def first_index(self, second: Sample) -> int:
        """The ``sample_idx`` of the first attempt a second attempt follows."""
        return second.sample_idx // self.second_n


def correction_prompt(problem: Problem, first: str, instruction: str | None = None) -> list[Message]:
    """The attempt-2 conversation: the problem's prompt, attempt 1 and the correction
    instruction (``instruction`` replaces the domain's)."""
    return get_domain(problem.domain).correction_chat(problem.question, first, instruction)


def sample_attempts(
    backend: Backend,
    problems: Sequence[Problem],
    first: SamplingParams,
    second: SamplingParams,
    instruction: str | None = None,
    console: Console | None = None,
) -> Attempts:
    """Sample ``first.n`` first attempts per problem, then ``second.n`` second attempts after each.

    Args:
        backend: The (cached) backend.
        problems: The problems, each answered with its domain's prompt.
        first: Sampling of attempt 1.
        second: Sampling of attempt 2 (its ``n`` draws per first attempt).
        instruction: Replaces each domain's correction instruction.
        console: Where the progress bars go (stderr by default).
    """
    console = console or Console(stderr=True)
    with stage(console, "attempt 1", len(problems) * first.n) as bar:
        firsts = sample_problems(backend, problems, first, bar)
    by_id = {p.problem_id: p for p in problems}
    prompts = [correction_prompt(by_id[s.problem_id], s.text, instruction) for s in firsts]
    with stage(console, "attempt 2", len(prompts) * second.n) as bar:
        outputs = backend.generate(prompts, second, bar)
    seconds = [
        Sample(problem_id=s.problem_id, sample_idx=s.sample_idx * second.n + j, text=c.text,
               finish_reason=c.finish_reason, n_tokens=c.n_tokens, temperature=second.temperature,
               seed=second.seed)
        for s, completions in zip(firsts, outputs, strict=True)
        for j, c in enumerate(completions)
    ]
    return Attempts(firsts, seconds, second.n,
                    {(s.problem_id, s.sample_idx): prompt for s, prompt in zip(firsts, prompts, strict=True)})
