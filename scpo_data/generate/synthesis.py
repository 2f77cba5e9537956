"""Few-shot problem synthesis: grow the seed set with new, unlabelled problems.

For each new problem the model sees 4 random seed questions (questions only, no
answers) and is asked for ONE new solvable problem of similar difficulty. Outputs
that are empty, over-long, cut off, exact duplicates, or copies of a seed are
dropped. Each round draws :data:`CANDIDATES_PER_MISSING` candidates per missing problem in
one batch, so one round usually suffices; up to ``attempts_per_problem`` rounds are drawn
to reach the requested count.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence

from scpo_data.backends.base import Backend, ProgressFn, SamplingParams
from scpo_data.records import Message, Problem

SHOTS = 4
#: Candidates drawn per problem still missing, in one batched round.
CANDIDATES_PER_MISSING = 2
MAX_CHARS = 800
MIN_CHARS = 20
_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:new\s+)?(?:problem|question)\s*(?:\d+)?\s*[:.]\s*(?:\*\*)?\s*", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_ASKS = re.compile(r"\?|\b(?:how|what|find|calculate|compute|determine)\b", re.I)
#: Phrases of the instruction itself: an output that repeats them is not a problem.
_ECHOES = ("similar difficulty", "numerical answer", "word problem", "problem 1", "here are")


def synthesis_prompt(examples: Sequence[str]) -> list[Message]:
    """The few-shot chat prompt that asks for one new problem like ``examples``."""
    shown = "\n\n".join(f"Problem {i}: {q}" for i, q in enumerate(examples, start=1))
    text = (
        "Here are some math word problems.\n\n"
        f"{shown}\n\n"
        "Write ONE new math word problem of similar difficulty. It must be solvable and "
        "have a single numerical answer. Write only the problem, without the solution."
    )
    return [{"role": "user", "content": text}]


def clean_problem(text: str) -> str:
    """Strip a leading 'Problem:' label, markdown bold and surrounding whitespace."""
    text = _PREFIX.sub("", text.strip()).strip()
    return text.strip("*").strip()


def _normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def is_acceptable(text: str, finish_reason: str, seen: set[str], seeds: Sequence[str]) -> bool:
    """Whether a cleaned synthesised problem may be kept.

    Rejects empty, too short or over-long text, outputs cut off by the token limit,
    text that asks nothing or echoes the instruction, exact duplicates of earlier
    outputs, and copies of a seed question (equal after normalisation, or containing
    a whole seed question).
    """
    if finish_reason != "stop" or not MIN_CHARS <= len(text) <= MAX_CHARS:
        return False
    if not _ASKS.search(text) or any(e in text.lower() for e in _ECHOES):
        return False
    norm = _normalise(text)
    if not norm or norm in seen:
        return False
    return not any(s and (s == norm or s in norm) for s in map(_normalise, seeds))


def synthesize(
    backend: Backend,
    seeds: Sequence[Problem],
    count: int,
    domain: str,
    max_tokens: int,
    temperature: float,
    top_p: float,
    seed: int,
    attempts_per_problem: int = 3,
    progress: ProgressFn | None = None,
) -> list[Problem]:
    """Synthesise up to ``count`` new problems (no gold) few-shot from the seed questions.

    Args:
        backend: The generator.
        seeds: Seed problems (only their questions are shown).
        count: How many new problems to return at most.
        domain: Domain tag of the new problems.
        max_tokens: Token limit per synthesised problem.
        temperature: Sampling temperature.
        top_p: Nucleus threshold.
        seed: Random seed (shot selection and sampling).
        attempts_per_problem: Rounds of drawing before giving up on the rest.
        progress: Optional per-batch callback.

    Returns:
        The accepted new problems, in order of acceptance.
    """
    if count <= 0 or not seeds:
        return []
    rng = random.Random(seed)
    questions = [p.question for p in seeds]
    seen: set[str] = set()
    accepted: list[Problem] = []
    for attempt in range(attempts_per_problem):
        missing = count - len(accepted)
        if missing <= 0:
            break
        shots = [rng.sample(questions, min(SHOTS, len(questions))) for _ in range(CANDIDATES_PER_MISSING * missing)]
        params = SamplingParams(1, temperature, top_p, max_tokens, seed * 7919 + attempt)
        outputs = backend.generate([synthesis_prompt(s) for s in shots], params, progress)
        for shot, (completion,) in zip(shots, outputs):
            text = clean_problem(completion.text)
            if len(accepted) < count and is_acceptable(text, completion.finish_reason, seen, questions):
                seen.add(_normalise(text))
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
                accepted.append(
                    Problem(
                        problem_id=f"syn-{len(accepted):04d}-{digest}",
                        domain=domain,
                        question=text,
                        gold=None,
                        source="synthesized",
                        meta=json.dumps({"shots": shot}),
                    )
                )
    return accepted
