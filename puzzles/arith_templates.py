"""Sentence templates of arithmetic word problems: opening facts, steps, questions, distractors.

A problem follows one quantity through a few steps. The quantity has a *kind*: ``goods``
(a number of items), ``boxes`` (a number of containers of items) or ``money`` (dollars),
and belongs to one person, the *holder*. Each :class:`StepTemplate` applies one operation
to it and says how the kind and the holder change.

Placeholders, filled by :mod:`~scpo_data.puzzles.arith`:

- ``{S}`` the holder as the sentence's subject (name or pronoun), ``{P}`` the holder's
  name, ``{his}`` the holder's possessive pronoun;
- ``{Q}`` another person, new in this step (the new holder when ``to_friend``);
- ``{x}`` the quantity before the step, ``{b}`` the step's number, ``{y}`` the result;
- ``{item}`` / ``{items}``, ``{box}`` / ``{boxes}``, ``{new_items}`` nouns, and the scene
  words ``{place}``, ``{purchase}``, ``{chore}``, ``{group}``;
- in questions, ``{H}`` the final holder's name.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The kinds a quantity can have.
KINDS: tuple[str, ...] = ("goods", "boxes", "money")


@dataclass(frozen=True)
class StepTemplate:
    """One operation told as a sentence, with its line of the worked solution.

    Attributes:
        key: A unique name (``"goods+buy"``).
        op: ``+``, ``-``, ``*`` or ``/``: y = x op b.
        needs: The quantity's kind before the step.
        gives: The quantity's kind after it.
        story: The sentence of the question.
        work: The line of the worked solution; it contains ``{x} op {b} = {y}``.
        questions: Questions that fit when this is the last step (else the kind's).
        to_friend: ``{Q}`` holds the result afterwards.
        final_only: The result belongs to no single person, so this can only be the last step.
        new_items: The result counts ``{new_items}``, which become the items from then on.
    """

    key: str
    op: str
    needs: str
    gives: str
    story: str
    work: str
    questions: tuple[str, ...] = ()
    to_friend: bool = False
    final_only: bool = False
    new_items: bool = False


def _t(key: str, op: str, needs: str, gives: str, story: str, work: str, *questions: str,
       to_friend: bool = False, final_only: bool = False, new_items: bool = False) -> StepTemplate:
    return StepTemplate(key, op, needs, gives, story, work, questions, to_friend, final_only, new_items)


_LEFT = ("How many {items} does {H} have left?",)
_IN_ALL = ("How many {items} does {H} have in all?", "How many {items} does {H} have altogether?")
_HAS = ("How many {items} does {H} have?",)

#: Every step template.
STEPS: tuple[StepTemplate, ...] = (
    # goods -> goods
    _t("goods+buy", "+", "goods", "goods", "{S} buys {b} more {items}.",
       "{P} has {x} {items} and buys {b} more, so {x} + {b} = {y} {items}.", *_IN_ALL),
    _t("goods+find", "+", "goods", "goods", "{S} finds {b} more {items} {place}.",
       "{P} finds {b} more {items}, so {x} + {b} = {y} {items}.", *_IN_ALL),
    _t("goods+gift", "+", "goods", "goods", "{Q} gives {P} {b} {items}.",
       "{P} gets {b} {items} from {Q}, so {x} + {b} = {y} {items}.", *_IN_ALL),
    _t("goods+win", "+", "goods", "goods", "{S} wins {b} more {items} in a game.",
       "{P} wins {b} more {items}, so {x} + {b} = {y} {items}.", *_IN_ALL),
    _t("goods+more_than", "+", "goods", "goods", "{Q} has {b} more {items} than {P}.",
       "{Q} has {b} more {items} than {P}, so {x} + {b} = {y} {items}.", *_HAS, to_friend=True),
    _t("goods-give", "-", "goods", "goods", "{S} gives {b} {items} to {Q}.",
       "{P} gives away {b} {items}, so {x} - {b} = {y} {items}.", *_LEFT),
    _t("goods-sell", "-", "goods", "goods", "{S} sells {b} of {his} {items}.",
       "{P} sells {b} {items}, so {x} - {b} = {y} {items}.", *_LEFT),
    _t("goods-lose", "-", "goods", "goods", "{S} loses {b} {items} {place}.",
       "{P} loses {b} {items}, so {x} - {b} = {y} {items}.", *_LEFT),
    _t("goods-trade", "-", "goods", "goods", "{S} trades {b} of {his} {items} to {Q} for a poster.",
       "{P} trades away {b} {items}, so {x} - {b} = {y} {items}.", *_LEFT),
    _t("goods-fewer_than", "-", "goods", "goods", "{Q} has {b} fewer {items} than {P}.",
       "{Q} has {b} fewer {items} than {P}, so {x} - {b} = {y} {items}.", *_HAS, to_friend=True),
    _t("goods*times", "*", "goods", "goods", "{Q} has {b} times as many {items} as {P}.",
       "{Q} has {b} times as many {items} as {P}, so {x} * {b} = {y} {items}.", *_HAS, to_friend=True),
    _t("goods*sell", "*", "goods", "money", "{S} sells each {item} for {b} dollars.",
       "{P} sells {x} {items} at {b} dollars each, so {x} * {b} = {y} dollars.",
       "How many dollars does {H} earn?", "How much money, in dollars, does {H} make?"),
    _t("goods*weigh", "*", "goods", "goods", "Each {item} weighs {b} grams.",
       "{x} {items} at {b} grams each weigh {x} * {b} = {y} grams.",
       "How many grams do {H}'s {items} weigh in all?", final_only=True),
    _t("goods/piles", "/", "goods", "goods", "{S} splits {his} {items} into {b} equal piles and gives one pile to {Q}.",
       "{x} {items} in {b} equal piles is {x} / {b} = {y} {items} per pile, and {Q} gets one pile.",
       "How many {items} does {H} get?", to_friend=True),
    _t("goods/pack", "/", "goods", "boxes", "{S} puts the {items} into {boxes} of {b}.",
       "{x} {items} in {boxes} of {b} fill {x} / {b} = {y} {boxes}.",
       "How many {boxes} does {H} fill?"),
    _t("goods/share", "/", "goods", "goods", "{S} shares the {items} equally among {b} {group}.",
       "{x} {items} shared among {b} is {x} / {b} = {y} {items} each.",
       "How many {items} does each of them get?", final_only=True),
    # boxes -> boxes or goods
    _t("boxes+buy", "+", "boxes", "boxes", "{S} buys {b} more {boxes} of {items}.",
       "{P} buys {b} more {boxes}, so {x} + {b} = {y} {boxes}.", "How many {boxes} does {H} have in all?"),
    _t("boxes+gift", "+", "boxes", "boxes", "{Q} gives {P} {b} {boxes} of {items}.",
       "{P} gets {b} {boxes} from {Q}, so {x} + {b} = {y} {boxes}.", "How many {boxes} does {H} have in all?"),
    _t("boxes-give", "-", "boxes", "boxes", "{S} gives {b} {boxes} to {Q}.",
       "{P} gives away {b} {boxes}, so {x} - {b} = {y} {boxes}.", "How many {boxes} does {H} have left?"),
    _t("boxes-sell", "-", "boxes", "boxes", "{S} sells {b} of the {boxes}.",
       "{P} sells {b} {boxes}, so {x} - {b} = {y} {boxes}.", "How many {boxes} does {H} have left?"),
    _t("boxes*hold", "*", "boxes", "goods", "Each {box} holds {b} {items}.",
       "{x} {boxes} with {b} {items} each hold {x} * {b} = {y} {items}.",
       "How many {items} does {H} have?", "How many {items} are there in all?"),
    _t("boxes*every", "*", "boxes", "goods", "There are {b} {items} in every {box}.",
       "{x} {boxes} of {b} {items} make {x} * {b} = {y} {items}.",
       "How many {items} does {H} have in total?"),
    _t("boxes/shelves", "/", "boxes", "boxes", "{S} puts the {boxes} on {b} shelves, the same number on each shelf.",
       "{x} {boxes} on {b} shelves is {x} / {b} = {y} {boxes} per shelf.",
       "How many {boxes} are on each shelf?", final_only=True),
    # money -> money or goods
    _t("money+gift", "+", "money", "money", "{Q} gives {P} {b} dollars.",
       "{P} gets {b} dollars from {Q}, so {x} + {b} = {y} dollars."),
    _t("money+earn", "+", "money", "money", "{S} earns {b} more dollars {chore}.",
       "{P} earns {b} more dollars, so {x} + {b} = {y} dollars."),
    _t("money+more_than", "+", "money", "money", "{Q} has {b} dollars more than {P}.",
       "{Q} has {b} dollars more than {P}, so {x} + {b} = {y} dollars.",
       "How many dollars does {H} have?", to_friend=True),
    _t("money-spend", "-", "money", "money", "{S} spends {b} dollars on {purchase}.",
       "{P} spends {b} dollars, so {x} - {b} = {y} dollars.", "How many dollars does {H} have left?"),
    _t("money-pay", "-", "money", "money", "{S} pays {b} dollars for {purchase}.",
       "{P} pays {b} dollars, so {x} - {b} = {y} dollars.", "How many dollars does {H} have left?"),
    _t("money-lend", "-", "money", "money", "{S} lends {b} dollars to {Q}.",
       "{P} lends {b} dollars, so {x} - {b} = {y} dollars."),
    _t("money-less_than", "-", "money", "money", "{Q} has {b} dollars less than {P}.",
       "{Q} has {b} dollars less than {P}, so {x} - {b} = {y} dollars.",
       "How many dollars does {H} have?", to_friend=True),
    _t("money*times", "*", "money", "money", "{Q} has {b} times as much money as {P}.",
       "{Q} has {b} times as much money as {P}, so {x} * {b} = {y} dollars.",
       "How many dollars does {H} have?", to_friend=True),
    _t("money/buy", "/", "money", "goods", "{S} spends all the money on {new_items} that cost {b} dollars each.",
       "{x} dollars at {b} dollars each buy {x} / {b} = {y} {new_items}.",
       "How many {items} does {H} buy?", new_items=True),
    _t("money/split", "/", "money", "money",
       "{S} splits the money equally among {b} {group}, and {Q} is one of them.",
       "{x} dollars split {b} ways is {x} / {b} = {y} dollars, which {Q} gets.",
       "How many dollars does {H} get?", to_friend=True),
)

#: Sentences that open a problem with its first number, by kind.
STARTS: dict[str, tuple[str, ...]] = {
    "goods": (
        "{P} has {x} {items}.",
        "{P} collected {x} {items} {place}.",
        "At the start of the day, {P} has {x} {items}.",
        "{P} owns {x} {items}.",
        "There are {x} {items} in {P}'s basket.",
    ),
    "boxes": (
        "{P} has {x} {boxes} of {items}.",
        "{P} buys {x} {boxes} of {items}.",
        "There are {x} {boxes} of {items} in {P}'s room.",
    ),
    "money": (
        "{P} has {x} dollars.",
        "{P} saved {x} dollars.",
        "{P} has {x} dollars in {his} piggy bank.",
        "{P} earned {x} dollars {chore}.",
    ),
}

#: Questions about the final quantity when the last step has none of its own, by kind.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "goods": (
        "How many {items} does {H} have now?",
        "How many {items} does {H} have in the end?",
        "How many {items} does {H} end up with?",
    ),
    "boxes": (
        "How many {boxes} of {items} does {H} have now?",
        "How many {boxes} does {H} have in the end?",
    ),
    "money": (
        "How many dollars does {H} have now?",
        "How much money, in dollars, does {H} have in the end?",
    ),
}

#: Words that may open a step's sentence when it starts with its subject.
OPENERS: tuple[str, ...] = ("Then", "Later,", "After that,", "The next week,")

#: Irrelevant sentences with a number ``{n}``: ``{R}`` is a person not otherwise in the
#: problem, ``{other_items}`` a noun not otherwise in it, ``{P}`` the first holder.
DISTRACTORS: tuple[str, ...] = (
    "{R} has {n} {other_items}.",
    "{P} is {n} years old.",
    "{R} is {n} years old.",
    "{R} lives {n} blocks away from {P}.",
    "Last year, {R} read {n} books.",
    "There are {n} students in {P}'s class.",
    "{R} bought {n} {other_items} last week.",
    "The shop is open {n} hours a week.",
)
