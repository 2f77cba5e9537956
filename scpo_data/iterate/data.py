"""The problem splits of an ``iterate`` run: unlabelled pool slices, dev and test, as JSONL files.

Every split is written to ``OUT/data/`` in GSM8K's record format (``id``, ``question``,
``answer``), so each stage reads a plain file with ``--question-field question
--answer-field answer``. The pool keeps its gold in the files: the ScPO arm's pairs never
read it (votes only), it only measures them; the semi-supervised arm reads a copy of each
slice in which gold is kept on a stated fraction of the problems and removed elsewhere.

Sources: ``arith`` draws disjoint seeded splits from the arithmetic generator
(:func:`scpo_data.puzzles.make_arith_splits`, with the warm-up split first when there is
one, so no warm-up question reappears); any other source (a file or ``hf:...``) is
shuffled with the seed and cut into disjoint dev, test and pool parts, unless the recipe
names a separate ``test_source``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scpo_data.errors import ScpoError
from scpo_data.iterate.recipe import ARITH, Recipe, arith_options
from scpo_data.records import Problem

Record = dict[str, Any]
#: The fields every split file has, as the stages are told.
QUESTION_FIELD, ANSWER_FIELD = "question", "answer"


@dataclass(frozen=True)
class Splits:
    """The records of each split: one pool slice per iteration, dev and test."""

    pool: tuple[tuple[Record, ...], ...]
    dev: tuple[Record, ...]
    test: tuple[Record, ...]


def make_splits(recipe: Recipe, warmup: Any = None) -> Splits:
    """Draw or load the splits the recipe asks for (nothing is written).

    Args:
        recipe: The recipe (problem source, sizes, iterations, seed, domain).
        warmup: The :class:`~scpo_data.train.warmup.WarmupSpec` of M0, if any: arithmetic
            splits are then drawn after its warm-up split (its seed and options), so none
            repeats a warm-up question.

    Raises:
        ScpoError: When the source cannot be read or holds too few problems.
    """
    spec = recipe.problems
    pool_size = spec.pool_per_iteration * recipe.iterations
    sizes = {"pool": pool_size, "dev": spec.dev, "test": spec.test}
    if spec.source == ARITH:
        from scpo_data.puzzles import ArithError, make_arith_splits

        if warmup is not None:
            from scpo_data.train.warmup import arith_splits

            drawn = arith_splits(warmup, sizes)
        else:
            try:
                drawn = make_arith_splits(sizes, recipe.seed, arith_options(recipe))
            except ArithError as exc:
                raise ScpoError(f"problems.arith: {exc}") from None
        pool, dev, test = drawn["pool"], drawn["dev"], drawn["test"]
    else:
        pool, dev, test = _source_splits(recipe, pool_size)
    slices = tuple(tuple(pool[i * spec.pool_per_iteration:(i + 1) * spec.pool_per_iteration])
                   for i in range(recipe.iterations))
    return Splits(slices, tuple(dev), tuple(test))


def semi_slice(records: tuple[Record, ...], fraction: float, seed: int, iteration: int) -> list[Record]:
    """A pool slice with gold kept on ``round(fraction * n)`` problems (drawn with the seed) and
    removed (``answer`` null) on the rest."""
    rng = random.Random(f"{seed}/semi/{iteration}")
    labelled = set(rng.sample(range(len(records)), round(fraction * len(records))))
    return [r if i in labelled else {**r, ANSWER_FIELD: None} for i, r in enumerate(records)]


def write_jsonl(records: list[Record] | tuple[Record, ...], path: Path) -> Path:
    """Write records as JSONL atomically (a temporary name, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(path)
    return path


def _source_splits(recipe: Recipe, pool_size: int) -> tuple[list[Record], list[Record], list[Record]]:
    """Dev, test and pool cut from a shuffled source (test from ``test_source`` when given)."""
    from scpo_data.generate.problems import load_problems

    spec = recipe.problems
    rows = [_record(p) for p in load_problems(spec.source, recipe.domain)]
    random.Random(f"{recipe.seed}/iterate-splits").shuffle(rows)
    if spec.test_source:
        test = [_record(p) for p in load_problems(spec.test_source, recipe.domain, limit=spec.test)]
        seen = {r[QUESTION_FIELD] for r in test}
        rows = [r for r in rows if r[QUESTION_FIELD] not in seen]
    else:
        test, rows = rows[:spec.test], rows[spec.test:]
    need = {"test": spec.test, "dev": spec.dev, "pool": pool_size}
    have = len(test) + len(rows)
    if len(test) < spec.test or len(rows) < spec.dev + pool_size:
        raise ScpoError(f"{spec.source} has {have} problems; the recipe needs "
                        + ", ".join(f"{n} {name}" for name, n in need.items()))
    return rows[spec.dev:spec.dev + pool_size], rows[:spec.dev], test


def _record(problem: Problem) -> Record:
    """A loaded problem as a split record (its meta columns, e.g. MATH level, kept)."""
    return {"id": problem.problem_id, QUESTION_FIELD: problem.question, ANSWER_FIELD: problem.gold,
            **json.loads(problem.meta)}
