"""Parse ZebraLogic puzzle text back into a :class:`~scpo_data.puzzles.model.Puzzle`.

The attribute lines (`` - <description>: `v1`, `v2`, ...``) give the attributes and their
values; each value's noun phrase comes from :mod:`scpo_data.puzzles.lexicon`. Each clue
is matched against the family sentences of :data:`~scpo_data.puzzles.render.CLUE_TEMPLATES`
and its noun phrases are looked up exactly (case-insensitive, a leading ``the``
ignored), so a clue is either understood completely or reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from scpo_data.puzzles.clues import Clue, Entity
from scpo_data.puzzles.lexicon import SPECS_BY_DESCRIPTION
from scpo_data.puzzles.model import Attribute, Puzzle
from scpo_data.puzzles.render import CLUE_TEMPLATES, ORDINALS

__all__ = ["PuzzleParseError", "parse_header", "parse_puzzle", "load_zebralogic"]

_HOUSES = re.compile(r"There (?:are|is) (\d+) houses?")
_ATTRIBUTE = re.compile(r"^\s*-\s*(.+?):\s*(`.*`)\s*$")
_VALUE = re.compile(r"`([^`]*)`")
_CLUE = re.compile(r"^\s*\d+\.\s*(.+?)\s*$")
_THE = re.compile(r"^the\s+", re.IGNORECASE)


class PuzzleParseError(ValueError):
    """The puzzle text does not follow the ZebraLogic format (the message says where)."""


def _template_regex(template: str) -> re.Pattern[str]:
    """A family sentence as a regex with groups x, y and h."""
    pattern = re.escape(template)
    pattern = pattern.replace(r"\{x\}", "(?P<x>.+)").replace(r"\{y\}", "(?P<y>.+)")
    pattern = pattern.replace(r"\{h\}", f"(?P<h>{'|'.join(ORDINALS)})")
    return re.compile(f"^{pattern}$", re.IGNORECASE)


# Most specific sentences first; "X is Y" (same_house) last.
_FAMILY_PATTERNS = [
    (family, _template_regex(CLUE_TEMPLATES[family])) for family in CLUE_TEMPLATES if family != "same_house"
]


def _key(phrase: str) -> str:
    """Lookup form of a noun phrase: lowercase, single spaces, no leading ``the``."""
    return _THE.sub("", " ".join(phrase.lower().split()))


def _clue(sentence: str, phrases: dict[str, Entity]) -> Clue:
    """Read one clue sentence; PuzzleParseError when it cannot be understood."""
    for family, pattern in _FAMILY_PATTERNS:
        match = pattern.match(sentence)
        if not match:
            continue
        x = phrases.get(_key(match.group("x")))
        if "h" in pattern.groupindex:
            if x is not None:
                return Clue(family, x, house=ORDINALS.index(match.group("h").lower()))
        else:
            y = phrases.get(_key(match.group("y")))
            if x is not None and y is not None:
                return Clue(family, x, y)
    body = sentence.rstrip(".")
    splits = [
        (phrases[_key(body[: m.start()])], phrases[_key(body[m.end() :])])
        for m in re.finditer(r"\s+is\s+", body)
        if _key(body[: m.start()]) in phrases and _key(body[m.end() :]) in phrases
    ]
    if len(splits) == 1:
        return Clue("same_house", *splits[0])
    raise PuzzleParseError(f"cannot read clue {sentence!r}" + (" (ambiguous)" if splits else ""))


def _header(text: str) -> tuple[int, list[Attribute], dict[str, Entity], str]:
    """Houses, attributes, the phrase lookup and the clue section of a puzzle text."""
    houses = _HOUSES.search(text)
    if not houses:
        raise PuzzleParseError("no 'There are N houses' sentence")
    n = int(houses.group(1))
    head, sep, tail = text.partition("## Clues:")
    if not sep:
        raise PuzzleParseError("no '## Clues:' section")
    attributes: list[Attribute] = []
    phrases: dict[str, Entity] = {}
    for line in head.splitlines():
        match = _ATTRIBUTE.match(line)
        if not match:
            continue
        spec = SPECS_BY_DESCRIPTION.get(match.group(1).strip().lower())
        if spec is None:
            raise PuzzleParseError(f"unknown attribute description {match.group(1)!r}")
        values = tuple(_VALUE.findall(match.group(2)))
        if len(values) != n:
            raise PuzzleParseError(f"{spec.key} lists {len(values)} values for {n} houses")
        for v, value in enumerate(values):
            key = _key(spec.phrase(value))
            if key in phrases:
                raise PuzzleParseError(f"two values are both called {key!r}")
            phrases[key] = (len(attributes), v)
        attributes.append(Attribute(spec.key, values))
    if not attributes:
        raise PuzzleParseError("no attribute lines")
    return n, attributes, phrases, tail


def parse_header(text: str) -> tuple[int, tuple[Attribute, ...]]:
    """Read only the houses and attributes of a puzzle text (the clues are not read).

    Raises:
        PuzzleParseError: When the text has no house count, no clue section or an unknown attribute line.
    """
    n, attributes, _, _ = _header(text)
    return n, tuple(attributes)


def parse_puzzle(text: str) -> Puzzle:
    """Parse a ZebraLogic puzzle text.

    Args:
        text: The puzzle as in ZebraLogic's ``puzzle`` field (or as :func:`render_puzzle` writes it).

    Returns:
        The puzzle, attributes in the order the text lists them.

    Raises:
        PuzzleParseError: On an unknown attribute description, a value-count mismatch or a
            clue that cannot be read.
    """
    n, attributes, phrases, tail = _header(text)
    clues = tuple(_clue(m.group(1), phrases) for line in tail.splitlines() if (m := _CLUE.match(line)))
    return Puzzle(n, tuple(attributes), clues)


def load_zebralogic(path: str | Path) -> Iterator[dict]:
    """Read a ZebraLogic JSONL file (``id``, ``size``, ``puzzle``, ``solution``, ...) record by record."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
