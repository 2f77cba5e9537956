"""Gold (IRPO) and mixed (semi-supervised) pair construction on hand-built samples."""

from __future__ import annotations

import pytest

from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.generate.labels import cycle_pairs, is_correct, split_by_gold
from scpo_data.generate.pairs import build_pairs
from scpo_data.records import Problem, Sample


def _problem(pid: str, gold: str | None) -> Problem:
    return Problem(pid, "gsm8k", f"question {pid}?", gold, "test")


def _samples(pid: str, answers: list[str | None]) -> list[Sample]:
    texts = [f"{pid} reply {i}\n#### {a}" if a is not None else f"{pid} reply {'abcdefgh'[i]}: no idea"
             for i, a in enumerate(answers)]
    return [Sample(pid, i, t, "stop", 10, 0.7, 0) for i, t in enumerate(texts)]


def _build(problems: list[Problem], samples: list[Sample], **kwargs: object):
    answers = extract_answers(samples, "gsm8k", problems)
    return build_pairs(problems, samples, answers, 2, 0, gold=gold_keys(problems, "gsm8k"), **kwargs)


def test_correctness_of_keys() -> None:
    assert is_correct("5", "5") is True
    assert is_correct("6", "5") is False
    assert is_correct(None, "5") is False
    assert is_correct("5", None) is None
    assert split_by_gold(["5", None, "7", "5"], "5") == ([0, 3], [1, 2])


def test_cycling_walks_both_lists_and_never_repeats() -> None:
    assert cycle_pairs([0, 1], [5, 6, 7], 4) == [(0, 5), (1, 6), (0, 7), (1, 5)]
    every = cycle_pairs([0, 1], [4, 5, 6, 7], 100)
    # 2 x 4 combinations, each once; after lcm(2, 4) = 4 pairs the incorrect list shifts by one
    assert every == [(0, 4), (1, 5), (0, 6), (1, 7), (0, 5), (1, 6), (0, 7), (1, 4)]
    assert len(set(every)) == 8
    assert cycle_pairs([], [1], 3) == [] and cycle_pairs([1], [], 3) == []


def test_gold_mode_pairs_correct_with_incorrect_at_weight_one() -> None:
    problem = _problem("p", "5")
    samples = _samples("p", ["5", "7", "5", None, "5"])
    pairs, stats = _build([problem], samples, labels="gold", pairs_per_problem=4)
    assert stats.pairs == 4 and stats.by_label == {"gold": 4}
    chosen = [p.chosen[0]["content"] for p in pairs]
    rejected = [p.rejected[0]["content"] for p in pairs]
    # correct = samples 0, 2, 4; incorrect = samples 1, 3; cycled side by side
    assert chosen == [samples[i].text for i in (0, 2, 4, 0)]
    assert rejected == [samples[i].text for i in (1, 3, 1, 3)]
    assert all(p.weight == 1.0 for p in pairs)
    assert all(p.chosen_correct is True and p.rejected_correct is False for p in pairs)
    assert [p.rejected_answer for p in pairs] == ["7", None, "7", None]
    assert [(p.chosen_votes, p.rejected_votes, p.k) for p in pairs[:2]] == [(3, 1, 5), (3, 0, 5)]


def test_gold_mode_skips_and_counts_problems_it_cannot_pair() -> None:
    problems = [_problem("all_right", "5"), _problem("all_wrong", "5"), _problem("no_gold", None),
                _problem("ok", "5")]
    samples = (_samples("all_right", ["5", "5"]) + _samples("all_wrong", ["4", None])
               + _samples("no_gold", ["5", "4"]) + _samples("ok", ["5", "4"]))
    pairs, stats = _build(problems, samples, labels="gold", pairs_per_problem=3)
    assert dict(stats.skipped) == {"no_incorrect": 1, "no_correct": 1, "no_gold": 1}
    assert [p.problem_id for p in pairs] == ["ok"]  # 1 x 1 combination: K is capped at 1


def test_gold_mode_overrides_the_vote() -> None:
    # the majority (7) is wrong: vote mode prefers it, gold mode rejects it
    problem = _problem("p", "5")
    samples = _samples("p", ["7", "7", "7", "5"])
    voted, _ = _build([problem], samples, labels="none")
    gold, _ = _build([problem], samples, labels="gold")
    assert (voted[0].chosen_answer, voted[0].rejected_answer) == ("7", "5")
    assert (voted[0].chosen_correct, voted[0].rejected_correct) == (False, True)
    assert voted[0].weight == pytest.approx(0.5)
    assert (gold[0].chosen_answer, gold[0].rejected_answer, gold[0].weight) == ("5", "7", 1.0)


def test_mixed_mode_uses_gold_where_known_and_votes_elsewhere() -> None:
    problems = [_problem("labelled", "5"), _problem("unlabelled", None)]
    samples = _samples("labelled", ["7", "7", "7", "5"]) + _samples("unlabelled", ["3", "3", "3", "8"])
    pairs, stats = _build(problems, samples, labels="mixed", pairs_per_problem=2)
    assert stats.by_label == {"gold": 2, "vote": 1}  # pairs_per_problem applies to gold problems only
    labelled, again, unlabelled = pairs
    assert again.chosen_answer == "5" and again.rejected[0]["content"] == samples[1].text
    assert (labelled.chosen_answer, labelled.weight, labelled.chosen_correct) == ("5", 1.0, True)
    assert (unlabelled.chosen_answer, unlabelled.rejected_answer) == ("3", "8")
    assert unlabelled.weight == pytest.approx(0.5)
    assert unlabelled.chosen_correct is None and unlabelled.rejected_correct is None


def test_unknown_label_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="labels must be one of"):
        _build([_problem("p", "5")], _samples("p", ["5", "4"]), labels="silver")
