"""Render a puzzle in ZebraLogic's text format and its solution as a ZebraLogic record."""

from __future__ import annotations

from collections.abc import Sequence

from scpo_data.puzzles.clues import Clue
from scpo_data.puzzles.lexicon import spec_for
from scpo_data.puzzles.model import Puzzle, Solution

__all__ = ["ORDINALS", "CLUE_TEMPLATES", "render_puzzle", "render_clue", "to_record"]

#: House ordinals as ZebraLogic writes them.
ORDINALS: tuple[str, ...] = ("first", "second", "third", "fourth", "fifth", "sixth")

#: Sentence of each clue family; ``{x}``/``{y}`` are entity phrases, ``{h}`` a house ordinal.
CLUE_TEMPLATES: dict[str, str] = {
    "found_at": "{x} is in the {h} house.",
    "not_at": "{x} is not in the {h} house.",
    "same_house": "{x} is {y}.",
    "direct_left": "{x} is directly left of {y}.",
    "left_of": "{x} is somewhere to the left of {y}.",
    "right_of": "{x} is somewhere to the right of {y}.",
    "next_to": "{x} and {y} are next to each other.",
    "one_between": "There is one house between {x} and {y}.",
    "two_between": "There are two houses between {x} and {y}.",
}

_INTRO = (
    "There are {n} houses, numbered 1 to {n} from left to right, as seen from across the street. "
    "Each house is occupied by a different person. Each house has a unique attribute for each of the "
    "following characteristics:\n"
)


def _phrase(puzzle: Puzzle, entity: tuple[int, int]) -> str:
    """Noun phrase of an entity in a puzzle."""
    attribute = puzzle.attributes[entity[0]]
    return spec_for(attribute.name).phrase(attribute.values[entity[1]])


def render_clue(puzzle: Puzzle, clue: Clue) -> str:
    """One clue as a sentence, e.g. ``The person who owns a dog is directly left of Eric.``"""
    x = _phrase(puzzle, clue.first)
    y = _phrase(puzzle, clue.second) if clue.second is not None else ""
    h = ORDINALS[clue.house] if clue.house is not None else ""
    text = CLUE_TEMPLATES[clue.family].format(x=x, y=y, h=h)
    return text[:1].upper() + text[1:]


def render_puzzle(puzzle: Puzzle) -> str:
    """The whole puzzle text: houses, attributes with their values, and numbered clues."""
    lines = [_INTRO.format(n=puzzle.n_houses).rstrip("\n")]
    for attribute in puzzle.attributes:
        values = ", ".join(f"`{v}`" for v in attribute.values)
        lines.append(f" - {spec_for(attribute.name).description}: {values}")
    lines += ["", "## Clues:"]
    lines += [f"{i}. {render_clue(puzzle, clue)}" for i, clue in enumerate(puzzle.clues, start=1)]
    return "\n".join(lines) + "\n"


def to_record(puzzle_id: str, puzzle: Puzzle, solution: Solution, extra: Sequence[tuple[str, object]] = ()) -> dict:
    """A ZebraLogic record: ``{"id", "size", "puzzle", "solution": {"header", "rows"}}`` plus extra fields."""
    record = {"id": puzzle_id, "size": puzzle.size, "puzzle": render_puzzle(puzzle), "solution": puzzle.table(solution)}
    record.update(extra)
    return record
