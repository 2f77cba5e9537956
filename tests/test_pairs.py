"""The pairs stage: records in, TRL conversational pairs with vote metadata out."""

from __future__ import annotations

import pytest

from scpo_data.generate.answers import STATUS_TRUNCATED, extract_answers
from scpo_data.generate.pairs import build_pairs
from scpo_data.records import AnswerRecord, Problem, Sample


def _problem(pid: str, gold: str | None = None) -> Problem:
    return Problem(pid, "gsm8k", f"question {pid}?", gold, "test")


def _samples(pid: str, texts: list[str], finish: str = "stop") -> list[Sample]:
    return [Sample(pid, i, t, finish, 10, 0.7, 0) for i, t in enumerate(texts)]


def test_pairs_carry_texts_votes_and_weights() -> None:
    texts = ["so #### 5", "#### 5", "#### 5", "#### 7"]
    samples = _samples("p1", texts)
    answers = extract_answers(samples, "gsm8k")
    pairs, stats = build_pairs([_problem("p1", "5")], samples, answers, 2, seed=0)
    assert stats.pairs == 1 and stats.passing_tau == 1
    pair = pairs[0]
    assert pair.prompt[0]["role"] == "user" and "question p1?" in pair.prompt[0]["content"]
    assert pair.chosen[0]["role"] == "assistant" and pair.chosen[0]["content"] in texts[:3]
    assert pair.rejected == [{"role": "assistant", "content": "#### 7"}]
    assert (pair.chosen_votes, pair.rejected_votes, pair.k) == (3, 1, 4)
    assert pair.weight == pytest.approx(0.5)
    assert (pair.chosen_answer, pair.rejected_answer, pair.gold) == ("5", "7", "5")


def test_truncated_samples_have_no_answer_and_are_rejected() -> None:
    samples = _samples("p1", ["#### 5", "#### 5", "#### 5"]) + [
        Sample("p1", 3, "step 1: 12 apples and", "length", 64, 0.7, 0)
    ]
    answers = extract_answers(samples, "gsm8k")
    assert answers[3] == AnswerRecord("p1", 3, None, STATUS_TRUNCATED)
    pairs, _ = build_pairs([_problem("p1")], samples, answers, 2, seed=0)
    assert pairs[0].rejected_answer is None and pairs[0].rejected_votes == 0


def test_skipped_problems_are_counted_by_reason() -> None:
    problems = [_problem("agree"), _problem("tie"), _problem("none")]
    samples = (
        _samples("agree", ["#### 1"] * 4)
        + _samples("tie", ["#### 1", "#### 1", "#### 2", "#### 2"])
        + _samples("none", ["no idea"] * 4)
    )
    answers = [AnswerRecord(s.problem_id, s.sample_idx, None, "no_answer") if s.problem_id == "none"
               else a for s, a in zip(samples, extract_answers(samples, "gsm8k"))]
    pairs, stats = build_pairs(problems, samples, answers, 2, seed=0)
    assert pairs == []
    assert dict(stats.skipped) == {"single_cluster": 1, "tie": 1, "no_answer": 1}


def test_selection_of_a_problem_does_not_depend_on_the_others() -> None:
    texts = ["#### 3", "#### 3", "#### 3", "#### 4", "#### 9", "#### 3"]
    alone = _samples("p", [f"{i} {t}" for i, t in enumerate(texts)])
    other = _samples("q", ["#### 1", "#### 1", "#### 2"])
    pa, _ = build_pairs([_problem("p")], alone, extract_answers(alone, "gsm8k"), 2, seed=3)
    both = [*other, *alone]
    pb, _ = build_pairs([_problem("q"), _problem("p")], both, extract_answers(both, "gsm8k"), 2, seed=3)
    assert pa[0] == next(p for p in pb if p.problem_id == "p")
