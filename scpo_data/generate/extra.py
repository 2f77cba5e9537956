"""Extra high-temperature samples for problems whose k samples all agree.

When every sample of a problem gives the same answer there is no rejected candidate,
and the problem cannot make a pair. The paper then draws more samples at a higher
temperature (8 at 1.2) to find a dissenting one. They go through the same (cached)
backend, get sample indices k, k+1, ... and join the vote like the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from scpo_data.generate.answers import extract_answers
from scpo_data.backends.base import Backend, ProgressFn, SamplingParams
from scpo_data.records import Problem, Sample
from scpo_data.generate.sampling import sample_problems


def unanimous(problems: Sequence[Problem], samples: Sequence[Sample], domain: str) -> list[Problem]:
    """The problems whose samples all have the same (non-empty) answer key."""
    keys: dict[str, set[str | None]] = defaultdict(set)
    for answer in extract_answers(samples, domain, problems):
        keys[answer.problem_id].add(answer.key)
    return [p for p in problems if len(keys[p.problem_id]) == 1 and None not in keys[p.problem_id]]


def extra_samples(
    backend: Backend,
    problems: Sequence[Problem],
    samples: Sequence[Sample],
    domain: str,
    params: SamplingParams,
    progress: ProgressFn | None = None,
) -> list[Sample]:
    """Draw ``params.n`` more samples for each unanimous problem.

    Args:
        backend: The generator (the run's cached backend).
        problems: All problems of the run.
        samples: Their first samples.
        domain: Answer domain (for the agreement check).
        params: The extra samples' parameters (count, temperature, seed).
        progress: Optional per-unit callback.

    Returns:
        The new samples, numbered after each problem's existing ones.
    """
    targets = unanimous(problems, samples, domain)
    if not targets or params.n <= 0:
        return []
    offset: dict[str, int] = defaultdict(int)
    for s in samples:
        offset[s.problem_id] = max(offset[s.problem_id], s.sample_idx + 1)
    drawn = sample_problems(backend, targets, params, progress)
    return [replace(s, sample_idx=offset[s.problem_id] + s.sample_idx) for s in drawn]
