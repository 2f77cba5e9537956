"""The pair-quality audit on a hand-built run whose numbers were worked out by hand."""

from __future__ import annotations

import pytest

from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.evaluate.pair_audit import audit_summary
from scpo_data.generate.pairs import build_pairs
from scpo_data.records import Problem, Sample

# gold 5 everywhere but p4; k = 4; tau = 0.5 (2 votes)
#   p1: 5 5 5 7     -> chosen 5 (right), rejected 7 (wrong): a correct pair, winner right
#   p2: 7 7 7 5     -> chosen 7 (wrong), rejected 5 (right): a wrong pair, winner wrong
#   p3: 5 5 8 none  -> chosen 5 (right), rejected none (wrong): a correct pair, winner right
#   p4: 1 1 2 2     -> no gold, a tie: no pair, not audited
RUN = {"p1": ["5", "5", "5", "7"], "p2": ["7", "7", "7", "5"], "p3": ["5", "5", "8", None],
       "p4": ["1", "1", "2", "2"]}


@pytest.fixture(scope="module")
def audit() -> dict:
    problems = [Problem(pid, "gsm8k", f"q {pid}?", None if pid == "p4" else "5", "test") for pid in RUN]
    samples = [Sample(pid, i, f"#### {a}" if a else "I give up.", "stop", 5, 0.7, 0)
               for pid, keys in RUN.items() for i, a in enumerate(keys)]
    answers = extract_answers(samples, "gsm8k", problems)
    gold = gold_keys(problems, "gsm8k")
    pairs, _ = build_pairs(problems, samples, answers, 2, 0, gold=gold)
    assert [p.problem_id for p in pairs] == ["p1", "p2", "p3"]
    result = audit_summary(problems, answers, pairs, gold)
    assert result is not None
    return result


def test_pair_and_winner_numbers(audit: dict) -> None:
    assert audit["problems_with_gold"] == 3 and audit["pairs_with_gold"] == 3
    assert audit["pair_accuracy"] == pytest.approx(2 / 3)
    assert audit["chosen_accuracy"] == pytest.approx(2 / 3)
    assert audit["rejected_accuracy"] == pytest.approx(1 / 3)
    assert audit["vote_winner_problems"] == 3
    assert audit["vote_winner_wrong"] == pytest.approx(1 / 3)


def test_tau_sweep_rows(audit: dict) -> None:
    rows = {round(r["tau"], 2): r for r in audit["tau_sweep"]}
    # tau 0.5 (2 votes): p1, p2, p3 kept (p4 is a tie)
    assert rows[0.5]["pairs"] == 3 and rows[0.5]["with_gold"] == 3
    assert rows[0.5]["chosen_accuracy"] == pytest.approx(2 / 3)
    assert rows[0.5]["rejected_accuracy"] == pytest.approx(1 / 3)
    assert rows[0.5]["gap"] == pytest.approx(1 / 3)
    # tau 0.7 (2.8 votes): only the 3-vote winners p1 and p2
    assert rows[0.7]["pairs"] == 2
    assert rows[0.7]["chosen_accuracy"] == pytest.approx(0.5)
    assert rows[0.7]["gap"] == pytest.approx(0.0)
    # tau 0.9 (3.6 votes): nothing
    assert rows[0.9]["pairs"] == 0 and rows[0.9]["gap"] is None


def test_no_gold_no_audit() -> None:
    problems = [Problem("p", "gsm8k", "q?", None, "test")]
    samples = [Sample("p", i, f"#### {a}", "stop", 5, 0.7, 0) for i, a in enumerate("1112")]
    answers = extract_answers(samples, "gsm8k", problems)
    gold = gold_keys(problems, "gsm8k")
    pairs, _ = build_pairs(problems, samples, answers, 2, 0, gold=gold)
    assert pairs and pairs[0].chosen_correct is None
    assert audit_summary(problems, answers, pairs, gold) is None
