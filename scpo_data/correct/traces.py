"""One row per (attempt 1, attempt 2): both texts and answer keys, rewards, and the edit distance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from scpo_data.correct.attempts import Attempts
from scpo_data.correct.edit import edit_distance
from scpo_data.correct.labels import Label, LabelSource, reward, reward_labels, shaped_reward
from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.records import Problem, write_parquet

#: The traces file of a run (and of ``eval --self-correct``).
TRACES_FILE = "traces.parquet"


@dataclass(frozen=True)
class Trace:
    """Two attempts at one problem and their rewards.

    Attributes:
        problem_id: The problem.
        first_idx: Which first attempt (0 .. n-1).
        second_idx: Which draw of attempt 2 after it (0 .. second_n-1).
        question: The problem's question.
        first: Attempt 1 (model output, untrusted).
        second: Attempt 2 (model output, untrusted).
        first_finish: ``stop`` or ``length`` (cut off: no answer).
        second_finish: The same for attempt 2.
        first_key: Attempt 1's canonical answer key (None: no answer).
        second_key: Attempt 2's.
        first_status: How attempt 1's answer was found (the extractor's status).
        second_status: The same for attempt 2.
        label: The key the rewards compare against (None: no label).
        label_source: ``gold``, ``vote`` or ``none``.
        vote_share: The share of the problem's first attempts that give their majority answer.
        r1: 1 when attempt 1 gives the label, else 0 (None without a label).
        r2: The same for attempt 2.
        shaped_reward: r2 + alpha * (r2 - r1).
        edit_distance: Characters changed from attempt 1 to attempt 2 (Levenshtein).
        tokens: Tokens generated in attempt 2.
    """

    problem_id: str
    first_idx: int
    second_idx: int
    question: str
    first: str
    second: str
    first_finish: str
    second_finish: str
    first_key: str | None
    second_key: str | None
    first_status: str
    second_status: str
    label: str | None
    label_source: LabelSource
    vote_share: float | None
    r1: int | None
    r2: int | None
    shaped_reward: float | None
    edit_distance: int
    tokens: int


TRACE_SCHEMA = {
    "problem_id": pl.String, "first_idx": pl.Int64, "second_idx": pl.Int64, "question": pl.String,
    "first": pl.String, "second": pl.String, "first_finish": pl.String, "second_finish": pl.String,
    "first_key": pl.String, "second_key": pl.String, "first_status": pl.String, "second_status": pl.String,
    "label": pl.String, "label_source": pl.String, "vote_share": pl.Float64, "r1": pl.Int64, "r2": pl.Int64,
    "shaped_reward": pl.Float64, "edit_distance": pl.Int64, "tokens": pl.Int64,
}


def build_traces(
    problems: Sequence[Problem], attempts: Attempts, domain: str, alpha: float
) -> tuple[list[Trace], dict[str, Label]]:
    """Extract both attempts' answers, label each problem and reward each trace.

    Args:
        problems: The problems (gold read through the domain's extractor).
        attempts: Their sampled attempts.
        domain: The domain whose extractor reads the answers.
        alpha: Weight of the progress bonus of the shaped reward.

    Returns:
        The traces (ordered by problem, first attempt, draw) and the labels by problem id.
    """
    first_answers = extract_answers(attempts.first, domain, problems)
    second_answers = extract_answers(attempts.second, domain, problems)
    labels = reward_labels(problems, first_answers, gold_keys(problems, domain))
    questions = {p.problem_id: p.question for p in problems}
    firsts = {(s.problem_id, s.sample_idx): (s, a) for s, a in zip(attempts.first, first_answers, strict=True)}
    traces = []
    for second, answer in zip(attempts.second, second_answers, strict=True):
        index = attempts.first_index(second)
        first, first_answer = firsts[(second.problem_id, index)]
        label = labels[second.problem_id]
        r1, r2 = reward(first_answer.key, label), reward(answer.key, label)
        traces.append(Trace(
            problem_id=second.problem_id, first_idx=index, second_idx=second.sample_idx % attempts.second_n,
            question=questions[second.problem_id], first=first.text, second=second.text,
            first_finish=first.finish_reason, second_finish=second.finish_reason,
            first_key=first_answer.key, second_key=answer.key, first_status=first_answer.status,
            second_status=answer.status, label=label.key, label_source=label.source,
            vote_share=label.vote_share, r1=r1, r2=r2, shaped_reward=shaped_reward(r1, r2, alpha),
            edit_distance=edit_distance(first.text, second.text), tokens=second.n_tokens,
        ))
    return traces, labels


def traces_frame(traces: Sequence[Trace]) -> pl.DataFrame:
    """The traces as a typed frame (an empty one keeps its columns)."""
    return pl.DataFrame([asdict(t) for t in traces], schema=TRACE_SCHEMA, orient="row")


def write_traces(traces: Sequence[Trace], path: Path) -> None:
    """Write the traces to Parquet atomically."""
    write_parquet(traces_frame(traces), path)


def read_traces(path: Path) -> list[Trace]:
    """The traces of a ``traces.parquet`` file, in file order."""
    frame = pl.read_parquet(path).select(list(TRACE_SCHEMA))
    return [Trace(**row) for row in frame.iter_rows(named=True)]


def trace_labels(traces: Sequence[Trace]) -> dict[str, Label]:
    """The label of each problem that has traces, as its traces record it."""
    return {t.problem_id: Label(t.label, t.label_source, t.vote_share) for t in traces}
