"""Arithmetic word problems with exact gold, in GSM8K's record format.

::

    from scpo_data.puzzles import ArithOptions, generate_arith

    records = generate_arith(100, seed=0)                  # [{"id", "question", "answer"}, ...]
    records[0]["answer"]   # "Tom has 12 apples and buys 5 more, so 12 + 5 = 17 apples.\\n#### 17"
    harder = ArithOptions(steps=(2, 3), max_value=100, distractors=0.5)

A problem follows one quantity through 1 to :data:`MAX_STEPS` operations (``+``, ``-``,
``*``, exact ``/``), told with templates drawn from
:mod:`~scpo_data.puzzles.arith_templates` and words from
:mod:`~scpo_data.puzzles.arith_lexicon`. Every number in a problem, intermediate results
and the answer included, is an integer from 2 to ``max_value``; the number a step
multiplies or divides by is at most ``max_factor``. Problem ``i`` of a seed is drawn from
its own ``random.Random``, so a longer file starts with the shorter one.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass

from scpo_data.puzzles.arith_lexicon import CHORES, CONTAINERS, GROUPS, ITEMS, PEOPLE, PLACES, PURCHASES, Person
from scpo_data.puzzles.arith_templates import DISTRACTORS, OPENERS, QUESTIONS, STARTS, STEPS, StepTemplate

#: The operations, as written in questions' worked solutions.
OPERATIONS: tuple[str, ...] = ("+", "-", "*", "/")
#: The most steps a problem can have.
MAX_STEPS = 5

_START_KINDS = ("goods", "goods", "boxes", "money")  # goods twice as often
_OP_ROUNDS = 20  # operation sequences tried per problem
_VALUE_TRIES = 50  # number draws tried per operation sequence
_DRAWS_PER_PROBLEM = 10  # draws allowed per requested problem before giving up on duplicates


class ArithError(ValueError):
    """Options that cannot make the problems asked for, or splits that overlap."""


@dataclass(frozen=True)
class ArithOptions:
    """The difficulty knobs.

    Attributes:
        steps: The numbers of operations a problem may have (one is drawn per problem).
        max_value: The largest number anywhere in a problem (operands, results, answer).
        max_factor: The largest multiplier and divisor.
        operations: The operations drawn from, a subset of :data:`OPERATIONS`.
        distractors: The probability that a problem has one irrelevant sentence with a number.
    """

    steps: tuple[int, ...] = (1, 2)
    max_value: int = 50
    max_factor: int = 10
    operations: tuple[str, ...] = OPERATIONS
    distractors: float = 0.0

    def __post_init__(self) -> None:
        if not self.steps or any(not 1 <= s <= MAX_STEPS for s in self.steps):
            raise ArithError(f"steps must be between 1 and {MAX_STEPS}, got {list(self.steps)}")
        if self.max_value < 10:
            raise ArithError(f"max value must be at least 10, got {self.max_value}")
        if not 2 <= self.max_factor <= self.max_value // 2:
            raise ArithError(f"max factor must be between 2 and max value / 2 ({self.max_value // 2}), "
                             f"got {self.max_factor}")
        unknown = [op for op in self.operations if op not in OPERATIONS]
        if not self.operations or unknown:
            raise ArithError(f"operations must be some of {' '.join(OPERATIONS)}, got {' '.join(self.operations)}")
        if not 0.0 <= self.distractors <= 1.0:
            raise ArithError(f"distractors is a probability from 0 to 1, got {self.distractors}")

    def describe(self) -> str:
        """A one-line summary: ``"steps 1-2, numbers <= 50, factors <= 10, ops + - * /, distractors 0"``."""
        steps = sorted(set(self.steps))
        contiguous = len(steps) > 1 and steps == list(range(steps[0], steps[-1] + 1))
        shown = f"{steps[0]}-{steps[-1]}" if contiguous else ",".join(map(str, steps))
        return (f"steps {shown}, numbers <= {self.max_value}, factors <= {self.max_factor}, "
                f"ops {' '.join(self.operations)}, distractors {self.distractors:g}")


#: Named difficulty settings; ``default`` is what :func:`generate_arith` uses.
ARITH_PRESETS: dict[str, ArithOptions] = {
    "easy": ArithOptions(steps=(1,), max_value=20, max_factor=5, operations=("+", "-")),
    "default": ArithOptions(),
    "hard": ArithOptions(steps=(2, 3), max_value=100, max_factor=12, distractors=0.5),
}


@dataclass(frozen=True)
class ArithStep:
    """One operation of a problem: ``result = left op right``; ``template`` is its :class:`StepTemplate` key."""

    op: str
    left: int
    right: int
    result: int
    template: str


@dataclass(frozen=True)
class ArithProblem:
    """A generated problem: its text, its worked solution, and the structure both were written from.

    Attributes:
        id: The record id.
        question: The question text.
        answer: The worked solution, one line per step, ending in ``#### N``.
        start: The first number.
        steps: The operations, in order.
        people: The names drawn for the problem: the first holder, one per step, the distractor's.
        templates: Keys of the templates used (start, steps, question, distractor).
    """

    id: str
    question: str
    answer: str
    start: int
    steps: tuple[ArithStep, ...]
    people: tuple[str, ...]
    templates: tuple[str, ...]

    @property
    def gold(self) -> int:
        """The exact final answer."""
        return self.steps[-1].result

    def record(self) -> dict[str, str]:
        """The GSM8K-format record: ``{"id", "question", "answer"}``."""
        return {"id": self.id, "question": self.question, "answer": self.answer}


def question_key(question: str) -> str:
    """The form in which two questions count as the same text (case and spacing ignored)."""
    return " ".join(question.lower().split())


def generate_arith(count: int, seed: int, options: ArithOptions | None = None, *,
                   exclude: Collection[str] = (), id_prefix: str | None = None) -> list[dict[str, str]]:
    """``count`` distinct problems as GSM8K records ``{"id", "question", "answer"}``.

    Args:
        count: How many problems.
        seed: The seed; the same arguments always give the same records.
        options: The difficulty (default: ``ARITH_PRESETS["default"]``).
        exclude: Question texts not to produce (compared by :func:`question_key`).
        id_prefix: Ids are ``f"{id_prefix}-{i}"``; default ``f"arith-{seed}"``.

    Raises:
        ArithError: The options cannot make ``count`` distinct problems.
    """
    return [p.record() for p in arith_problems(count, seed, options, exclude=exclude, id_prefix=id_prefix)]


def arith_problems(count: int, seed: int, options: ArithOptions | None = None, *,
                   exclude: Collection[str] = (), id_prefix: str | None = None) -> list[ArithProblem]:
    """Like :func:`generate_arith`, but the :class:`ArithProblem` objects with their structure."""
    if count < 0:
        raise ArithError(f"count must be >= 0, got {count}")
    options = options or ARITH_PRESETS["default"]
    prefix = f"arith-{seed}" if id_prefix is None else id_prefix
    seen = {question_key(q) for q in exclude}
    problems: list[ArithProblem] = []
    for index in range(count * _DRAWS_PER_PROBLEM + 100):
        if len(problems) == count:
            return problems
        problem = draw_problem(random.Random(f"arith/{seed}/{index}"), options, f"{prefix}-{len(problems)}")
        key = question_key(problem.question)
        if key not in seen:
            seen.add(key)
            problems.append(problem)
    if len(problems) == count:
        return problems
    raise ArithError(f"only {len(problems)} distinct problems of {count} found with {options.describe()}; "
                     "allow more steps, larger numbers or more operations")


def draw_problem(rng: random.Random, options: ArithOptions, problem_id: str) -> ArithProblem:
    """One problem drawn with ``rng``: the operations first, then numbers that fit them, then words.

    Raises:
        ArithError: No numbers fit the options (e.g. five divisions below 10).
    """
    n_steps = rng.choice(options.steps)
    for _ in range(_OP_ROUNDS):
        ops = [rng.choice(options.operations) for _ in range(n_steps)]
        for _ in range(_VALUE_TRIES):
            plan = _plan(rng, ops, options)
            if plan is not None:
                return _render(rng, problem_id, *plan, options)
    raise ArithError(f"no {n_steps}-step problem fits {options.describe()}")


def _apply(op: str, x: int, b: int) -> int:
    return {"+": x + b, "-": x - b, "*": x * b, "/": x // b}[op]


def _operands(op: str, x: int, options: ArithOptions) -> list[int]:
    """The numbers ``b`` for which ``x op b`` is exact and every number stays in [2, max_value]."""
    if op == "+":
        return list(range(2, options.max_value - x + 1))
    if op == "-":
        return list(range(2, x - 1))
    if op == "*":
        return list(range(2, min(options.max_factor, options.max_value // x) + 1))
    return [b for b in range(2, options.max_factor + 1) if x % b == 0 and x // b >= 2]


def _plan(rng: random.Random, ops: list[str],
          options: ArithOptions) -> tuple[str, int, list[tuple[StepTemplate, int]]] | None:
    """A start kind, a first number and (template, operand) per op, or None when they do not fit."""
    start_kind = kind = rng.choice(_START_KINDS)
    start = x = rng.randint(2, options.max_value)
    chosen: list[tuple[StepTemplate, int]] = []
    for i, op in enumerate(ops):
        last = i == len(ops) - 1
        templates = [t for t in STEPS if t.op == op and t.needs == kind and (last or not t.final_only)]
        operands = _operands(op, x, options)
        if not templates or not operands:
            return None
        template, b = rng.choice(templates), rng.choice(operands)
        chosen.append((template, b))
        x, kind = _apply(op, x, b), template.gives
    return start_kind, start, chosen


def _pronouns(person: Person) -> dict[str, str]:
    return {"P": person.name, "his": person.his}


def _render(rng: random.Random, problem_id: str, kind: str, start: int,
            chosen: list[tuple[StepTemplate, int]], options: ArithOptions) -> ArithProblem:
    """Words for a planned problem: question sentences, worked solution, structure."""
    people = rng.sample(PEOPLE, len(chosen) + 2)  # first holder, one newcomer per step, the distractor's
    items, new_items, other_items = rng.sample(ITEMS, 3)
    box = rng.choice(CONTAINERS)
    distract = rng.random() < options.distractors
    distractor_at = rng.randint(1, len(chosen)) if distract else -1  # index in the sentence list

    def scene() -> dict[str, str]:
        return {"place": rng.choice(PLACES), "purchase": rng.choice(PURCHASES), "chore": rng.choice(CHORES),
                "group": rng.choice(GROUPS), "box": box.one, "boxes": box.many}

    holder = people[0]
    start_index = rng.randrange(len(STARTS[kind]))
    start_text = STARTS[kind][start_index]
    sentences = [start_text.format(x=start, items=items.many, **_pronouns(holder), **scene())]
    keys = [f"start:{kind}:{start_index}"]
    subject_known = start_text.startswith("{P}")  # the last sentence's subject is the holder
    work: list[str] = []
    steps: list[ArithStep] = []
    x = start
    for i, (template, b) in enumerate(chosen):
        y = _apply(template.op, x, b)
        friend = people[i + 1]
        if i + 1 == distractor_at:
            subject_known = False
        pronoun = subject_known and rng.random() < 0.5
        fields = {**scene(), **_pronouns(holder), "Q": friend.name, "x": str(x), "b": str(b), "y": str(y),
                  "S": holder.he.capitalize() if pronoun else holder.name, "item": items.one,
                  "items": items.many, "new_items": new_items.many}
        text = template.story.format(**fields)
        if template.story.startswith("{S}") and rng.random() < 0.3:
            text = f"{rng.choice(OPENERS)} {text[0].lower() if pronoun else text[0]}{text[1:]}"
        sentences.append(text)
        work.append(template.work.format(**fields))
        steps.append(ArithStep(template.op, x, b, y, template.key))
        keys.append(template.key)
        subject_known = template.story.startswith("{S}") and not template.to_friend
        if template.to_friend:
            holder = friend
        if template.new_items:
            items = new_items
        x = y
    if distract:
        index = rng.randrange(len(DISTRACTORS))
        sentences.insert(distractor_at, DISTRACTORS[index].format(
            R=people[-1].name, P=people[0].name, n=rng.randint(2, options.max_value), other_items=other_items.many))
        keys.append(f"distractor:{index}")
    last = chosen[-1][0]
    questions = last.questions or QUESTIONS[last.gives]
    q_index = rng.randrange(len(questions))
    sentences.append(questions[q_index].format(H=holder.name, items=items.many, boxes=box.many))
    keys.append(f"question:{last.key if last.questions else last.gives}:{q_index}")
    return ArithProblem(
        id=problem_id, question=" ".join(sentences), answer="\n".join([*work, f"#### {x}"]), start=start,
        steps=tuple(steps), people=tuple(p.name for p in people), templates=tuple(keys))

