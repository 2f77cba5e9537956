"""SCoRe's rewards for TRL: r1 and r2, each attempt's correctness against the gold answer.

Each attempt is read exactly as ``scpo-data correct`` reads it: the domain's extractor
(:func:`scpo_data.generate.answers.extract_answers`; a cut-off attempt has no answer) and
:func:`scpo_data.correct.labels.reward` against the problem's canonical gold key. The two
functions are TRL reward functions named ``attempt_1`` and ``attempt_2`` (so TRL logs
``rewards/attempt_1/mean``, the training Acc@t1, and ``rewards/attempt_2/mean``); the
stage's ``reward_weights`` (:func:`scpo_data.train.score_config.stage_weights`) combine them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from scpo_data.correct.labels import Label, reward
from scpo_data.generate.answers import extract_answers
from scpo_data.records import Problem, Sample

Attempt = Literal["first", "second"]
#: TRL reward function: keyword arguments (dataset columns and rollout fields, one value per rollout) -> rewards.
RewardFunc = Callable[..., list[float]]


def attempt_rewards(
    domain: str, texts: Sequence[str], finishes: Sequence[str], problem_ids: Sequence[str],
    questions: Sequence[str], labels: Sequence[str],
) -> list[float]:
    """1.0 for each attempt whose answer is its problem's gold key, else 0.0.

    Args:
        domain: The domain whose extractor reads the attempts.
        texts: The attempts (untrusted model output).
        finishes: ``stop`` or ``length`` (cut off: no answer) per attempt.
        problem_ids: Each attempt's problem.
        questions: Each attempt's question (some extractors read it).
        labels: Each attempt's canonical gold key.
    """
    samples = [Sample(pid, i, text, finish, 0, 0.0, 0)
               for i, (pid, text, finish) in enumerate(zip(problem_ids, texts, finishes, strict=True))]
    problems = list({pid: Problem(pid, domain, question, None, "train")
                     for pid, question in zip(problem_ids, questions, strict=True)}.values())
    answers = extract_answers(samples, domain, problems)
    return [float(reward(answer.key, Label(label, "gold", None)))
            for answer, label in zip(answers, labels, strict=True)]


def reward_function(domain: str, attempt: Attempt) -> RewardFunc:
    """The TRL reward function of one attempt (``attempt_1`` for ``first``, ``attempt_2`` for ``second``).

    It reads the rollout's ``first``/``second`` texts and finish reasons and the dataset's
    ``problem_id``, ``question`` and ``label`` columns.
    """

    def score(problem_id: list[str], question: list[str], label: list[str], **fields: Any) -> list[float]:
        return attempt_rewards(domain, fields[attempt], fields[f"{attempt}_finish"], problem_id, question, label)

    score.__name__ = "attempt_1" if attempt == "first" else "attempt_2"
    score.__doc__ = f"SCoRe's r{score.__name__[-1]}: 1.0 when the {attempt} attempt's answer is the gold answer."
    return score
