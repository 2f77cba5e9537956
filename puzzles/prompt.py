"""The user message that asks a model to solve a ZebraLogic puzzle and answer in JSON.

The instruction (written for this project) follows ZeroEval's zebra-grid protocol: reason,
then give one JSON object with ``reasoning`` and ``solution``, the solution keyed
``"House 1"`` ... ``"House N"`` and, inside each house, by attribute column name.
"""

from __future__ import annotations

import json

from scpo_data.puzzles.parser import PuzzleParseError, parse_header

__all__ = ["zebra_prompt", "solution_template"]

_INSTRUCTION = """Solve the logic grid puzzle below. Every house holds exactly one value of each \
characteristic, and each value is used in exactly one house.

{puzzle}
Work through the clues step by step, then end your answer with one JSON object that has two keys: \
"reasoning" (a short account of how you reached the solution) and "solution" (the completed grid). \
Use only values from the puzzle's lists.{template}"""

_TEMPLATE = """ Fill in this template, replacing every "___":

```json
{json}
```"""

_GENERIC = """ Key the solution by house ("House 1", "House 2", ...) and, inside each house, by characteristic."""


def solution_template(n_houses: int, attributes: list[str]) -> dict:
    """The JSON answer template: ``{"reasoning": "___", "solution": {"House 1": {attr: "___", ...}, ...}}``."""
    house = {name: "___" for name in attributes}
    return {"reasoning": "___", "solution": {f"House {h}": dict(house) for h in range(1, n_houses + 1)}}


def zebra_prompt(puzzle_text: str) -> str:
    """Build the user message for a puzzle.

    Args:
        puzzle_text: The puzzle in ZebraLogic's text format.

    Returns:
        The instruction with the puzzle and, when the houses and attributes can be read from
        the text, the JSON template with the right houses and attribute names; otherwise a
        generic description of the expected JSON.
    """
    try:
        n, attributes = parse_header(puzzle_text)
    except PuzzleParseError:
        template = _GENERIC
    else:
        body = json.dumps(solution_template(n, [a.name for a in attributes]), indent=4)
        template = _TEMPLATE.format(json=body)
    return _INSTRUCTION.format(puzzle=puzzle_text.rstrip() + "\n", template=template)
