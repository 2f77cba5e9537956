"""The samples stage: k responses per problem from a backend."""

from __future__ import annotations

from collections.abc import Sequence

from scpo_data.backends.base import Backend, ProgressFn, SamplingParams
from scpo_data.domains import get_domain
from scpo_data.records import Problem, Sample


def sample_problems(
    backend: Backend,
    problems: Sequence[Problem],
    params: SamplingParams,
    progress: ProgressFn | None = None,
) -> list[Sample]:
    """Draw ``params.n`` responses for every problem with its domain's prompt.

    Returns:
        Samples ordered by problem, then sample index.
    """
    prompts = [get_domain(p.domain).chat(p.question) for p in problems]
    outputs = backend.generate(prompts, params, progress)
    return [
        Sample(
            problem_id=problem.problem_id,
            sample_idx=index,
            text=completion.text,
            finish_reason=completion.finish_reason,
            n_tokens=completion.n_tokens,
            temperature=params.temperature,
            seed=params.seed,
        )
        for problem, completions in zip(problems, outputs)
        for index, completion in enumerate(completions)
    ]
