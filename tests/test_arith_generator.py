"""The arithmetic word-problem generator: exact gold, worked solutions, seeds, knobs, wording variety."""

from __future__ import annotations

import operator
import re
from collections import Counter

import pytest

from scpo_data.extractors.math_extractor import Gsm8kExtractor
from scpo_data.puzzles import ARITH_PRESETS, ArithError, ArithOptions, ArithProblem, arith_problems, generate_arith
from scpo_data.puzzles.arith_lexicon import ITEMS, PEOPLE
from scpo_data.puzzles.arith_templates import DISTRACTORS, QUESTIONS, STARTS, STEPS

_WORK = re.compile(r"(\d+) ([-+*/]) (\d+) = (\d+)")
_EXACT = {"+": operator.add, "-": operator.sub, "*": operator.mul,
          "/": lambda a, b: a // b if a % b == 0 else pytest.fail(f"{a} / {b} is not exact")}

_OPTION_SETS = [
    ARITH_PRESETS["easy"],
    ARITH_PRESETS["default"],
    ARITH_PRESETS["hard"],
    ArithOptions(steps=(3, 4), max_value=200, max_factor=6, operations=("*", "/"), distractors=1.0),
    ArithOptions(steps=(2,), max_value=12, max_factor=2, operations=("-",)),
]


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _check(problem: ArithProblem, options: ArithOptions) -> None:
    """Everything a record must satisfy, recomputed from the problem's structure."""
    record = problem.record()
    assert set(record) == {"id", "question", "answer"}
    assert len(problem.steps) in options.steps
    value = problem.start
    for step in problem.steps:
        assert step.op in options.operations
        assert step.left == value
        value = _EXACT[step.op](value, step.right)
        assert step.result == value
        assert 2 <= step.right <= options.max_value and 2 <= step.result <= options.max_value
        if step.op in "*/":
            assert step.right <= options.max_factor
    assert 2 <= problem.start <= options.max_value
    assert problem.gold == value >= 0
    *work, final = record["answer"].split("\n")
    assert final == f"#### {value}"
    assert len(work) == len(problem.steps)
    for line, step in zip(work, problem.steps):
        found = _WORK.findall(line)
        assert len(found) == 1, line
        a, op, b, c = found[0]
        assert (int(a), op, int(b), int(c)) == (step.left, step.op, step.right, step.result), line
        assert _EXACT[op](int(a), int(b)) == int(c), line
    # The question states the first number and each step's number, and (distractors aside) no other.
    stated = Counter(_numbers(record["question"]))
    needed = Counter([problem.start, *(s.right for s in problem.steps)])
    assert not needed - stated, record["question"]
    extra = sum((stated - needed).values())
    has_distractor = any(k.startswith("distractor") for k in problem.templates)
    assert extra == (1 if has_distractor else 0), record["question"]
    assert record["question"].endswith("?") and record["question"].count("?") == 1


def test_templates_state_only_their_own_number_and_work_out_their_own_operation() -> None:
    assert len({t.key for t in STEPS}) == len(STEPS)
    for t in STEPS:
        assert f"{{x}} {t.op} {{b}} = {{y}}" in t.work, t.key
        assert "{b}" in t.story and "{x}" not in t.story and "{y}" not in t.story, t.key
        assert not any(f in q for q in t.questions for f in ("{x}", "{b}", "{y}")), t.key
    for kind, starts in STARTS.items():
        assert all("{x}" in s and "{b}" not in s for s in starts), kind
        assert not any(f in q for q in QUESTIONS[kind] for f in ("{x}", "{b}", "{y}")), kind
    assert all("{n}" in d for d in DISTRACTORS)


@pytest.mark.parametrize("options", _OPTION_SETS, ids=["easy", "default", "hard", "muldiv", "sub-only"])
def test_every_record_has_exact_gold_and_a_matching_worked_solution(options: ArithOptions) -> None:
    problems = arith_problems(300, seed=7, options=options)
    assert len(problems) == 300
    for problem in problems:
        _check(problem, options)


def test_records_match_the_problems_and_ids_are_unique() -> None:
    problems = arith_problems(50, seed=3)
    assert generate_arith(50, seed=3) == [p.record() for p in problems]
    assert [p.id for p in problems] == [f"arith-3-{i}" for i in range(50)]
    assert [r["id"] for r in generate_arith(3, 3, id_prefix="dev")] == ["dev-0", "dev-1", "dev-2"]


def test_gsm8k_extractor_reads_the_gold() -> None:
    extractor = Gsm8kExtractor()
    for record in generate_arith(100, seed=11, options=ARITH_PRESETS["hard"]):
        gold = record["answer"].rsplit("####", 1)[1].strip()
        assert extractor.canonical(gold).key == gold
        assert extractor.extract(record["answer"]).key == gold


def test_same_seed_same_records_other_seed_other_records() -> None:
    assert generate_arith(40, seed=5) == generate_arith(40, seed=5)
    other = generate_arith(40, seed=6)
    assert len({r["question"] for r in generate_arith(40, seed=5)} & {r["question"] for r in other}) <= 1
    assert generate_arith(60, seed=5)[:40] == generate_arith(40, seed=5)  # a longer file extends a shorter one


def test_questions_are_distinct_and_exclude_is_honoured() -> None:
    records = generate_arith(400, seed=0, options=ARITH_PRESETS["easy"])
    assert len({r["question"] for r in records}) == 400
    first = records[0]["question"]
    again = generate_arith(5, seed=0, options=ARITH_PRESETS["easy"], exclude=[first.upper()])
    assert first not in {r["question"] for r in again}
    assert [r["question"] for r in again[:4]] == [r["question"] for r in records[1:5]]


def test_wording_varies() -> None:
    problems = arith_problems(200, seed=1)
    keys = Counter(k for p in problems for k in p.templates)
    step_keys = {k for k in keys if k in {t.key for t in STEPS}}
    assert len(step_keys) >= 25
    assert {t.op for t in STEPS if t.key in step_keys} == {"+", "-", "*", "/"}
    assert len({k for k in keys if k.startswith("start:")}) >= 10
    assert len({k for k in keys if k.startswith("question:")}) >= 20
    assert max(keys[k] for k in step_keys) <= 0.15 * 200  # no step template dominates
    questions = " ".join(p.question for p in problems)
    assert sum(re.search(rf"\b{person.name}\b", questions) is not None for person in PEOPLE) >= 40
    assert sum(re.search(rf"\b{item.many}\b", questions) is not None for item in ITEMS) >= 25

    def skeleton(question: str) -> str:
        question = re.sub(r"\d+", "N", question)
        for person in PEOPLE:
            question = re.sub(rf"\b{person.name}\b", "P", question)
        for item in ITEMS:
            question = question.replace(item.many, "I").replace(item.one, "I")
        return question

    assert len({skeleton(p.question) for p in problems}) >= 150


def test_default_preset_is_easy_going() -> None:
    problems = arith_problems(500, seed=2)
    assert Counter(len(p.steps) for p in problems).keys() == {1, 2}
    assert max(p.gold for p in problems) <= 50
    ops = Counter(s.op for p in problems for s in p.steps)
    assert min(ops.values()) >= 0.18 * sum(ops.values())  # the four operations about evenly
    assert not any(k.startswith("distractor") for p in problems for k in p.templates)


def test_distractor_probability_is_a_knob() -> None:
    def share(p: float) -> float:
        problems = arith_problems(300, seed=4, options=ArithOptions(distractors=p))
        return sum(any(k.startswith("distractor") for k in q.templates) for q in problems) / 300

    assert share(0.0) == 0.0
    assert 0.4 < share(0.5) < 0.6
    assert share(1.0) == 1.0
    assert ArithOptions(steps=(1, 3), distractors=0.5).describe() == (
        "steps 1,3, numbers <= 50, factors <= 10, ops + - * /, distractors 0.5")


def test_steps_and_operations_are_knobs() -> None:
    problems = arith_problems(100, seed=8, options=ArithOptions(steps=(3,), operations=("+", "*")))
    assert {len(p.steps) for p in problems} == {3}
    assert {s.op for p in problems for s in p.steps} == {"+", "*"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"steps": ()}, "steps"),
    ({"steps": (0, 1)}, "steps"),
    ({"steps": (6,)}, "steps"),
    ({"max_value": 9}, "max value"),
    ({"max_factor": 1}, "max factor"),
    ({"max_value": 20, "max_factor": 11}, "max factor"),
    ({"operations": ()}, "operations"),
    ({"operations": ("+", "%")}, "operations"),
    ({"distractors": -0.1}, "distractors"),
    ({"distractors": 1.5}, "distractors"),
])
def test_bad_options_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ArithError, match=message):
        ArithOptions(**kwargs)


def test_impossible_options_fail_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ArithError, match="no 5-step problem fits"):
        generate_arith(1, seed=0, options=ArithOptions(steps=(5,), max_value=10, max_factor=5, operations=("/",)))
    import scpo_data.puzzles.arith as arith

    one = arith_problems(1, seed=0)[0]
    monkeypatch.setattr(arith, "draw_problem", lambda rng, options, problem_id: one)
    with pytest.raises(ArithError, match="only 1 distinct problems of 2"):
        generate_arith(2, seed=0)
