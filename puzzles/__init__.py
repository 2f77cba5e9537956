"""Generated problems with exact gold: ZebraLogic-style logic grids and arithmetic word problems.

The pieces a pipeline needs::

    from scpo_data.puzzles import generate_records, load_zebralogic, zebra_prompt, zebra_metrics

    records = list(generate_records([(3, 3), (4, 4)], count=10, seed=0))   # ZebraLogic records
    records = list(load_zebralogic("grid_mode.jsonl"))                     # the same format
    user_message = zebra_prompt(records[0]["puzzle"])
    # answers: scpo_data.domains.get_domain("zebra").extractor.extract(response_text)
    metrics = zebra_metrics([(r["size"], answer_key_or_None, r["solution"]) for r in ...])

    records = generate_arith(100, seed=0, options=ARITH_PRESETS["default"])     # GSM8K records
    splits = make_arith_splits({"warmup": 640, "pool": 960, "dev": 200, "test": 500}, seed=0)

Modules: :mod:`~scpo_data.puzzles.model` (houses, attributes, solutions),
:mod:`~scpo_data.puzzles.clues` (the nine clue families), :mod:`~scpo_data.puzzles.solver`
(exact solution counting), :mod:`~scpo_data.puzzles.generator`,
:mod:`~scpo_data.puzzles.lexicon` and :mod:`~scpo_data.puzzles.render` (the text format),
:mod:`~scpo_data.puzzles.parser` (reading ZebraLogic text), :mod:`~scpo_data.puzzles.prompt`
and :mod:`~scpo_data.puzzles.metrics`. Arithmetic: :mod:`~scpo_data.puzzles.arith` (options,
generator), :mod:`~scpo_data.puzzles.arith_templates` and :mod:`~scpo_data.puzzles.arith_lexicon`
(the wording), :mod:`~scpo_data.puzzles.arith_splits` (disjoint named splits).
"""

from scpo_data.puzzles.arith import ARITH_PRESETS, ArithError, ArithOptions, ArithProblem, arith_problems, generate_arith
from scpo_data.puzzles.arith_splits import check_disjoint, make_arith_splits
from scpo_data.puzzles.generator import GeneratorOptions, generate_puzzle, generate_records
from scpo_data.puzzles.metrics import ZebraMetrics, is_easy, zebra_metrics
from scpo_data.puzzles.parser import PuzzleParseError, load_zebralogic, parse_puzzle
from scpo_data.puzzles.prompt import zebra_prompt
from scpo_data.puzzles.solver import count_solutions, solve

__all__ = [
    "ARITH_PRESETS",
    "ArithError",
    "ArithOptions",
    "ArithProblem",
    "GeneratorOptions",
    "PuzzleParseError",
    "ZebraMetrics",
    "arith_problems",
    "check_disjoint",
    "count_solutions",
    "generate_arith",
    "generate_puzzle",
    "generate_records",
    "is_easy",
    "load_zebralogic",
    "make_arith_splits",
    "parse_puzzle",
    "solve",
    "zebra_metrics",
    "zebra_prompt",
]
