"""Named splits of arithmetic word problems from one master seed, with no question in two splits.

::

    from scpo_data.puzzles import make_arith_splits, check_disjoint

    splits = make_arith_splits({"warmup": 640, "pool": 960, "dev": 200, "test": 500}, seed=0)
    splits["test"][0]   # {"id": "test-0", "question": ..., "answer": "...\\n#### 17"}
    check_disjoint(splits)   # raises ArithError when a question text is in two splits

Each split is drawn from its own seed, :func:`split_seed` (master seed, split name). Splits
are made in the order given; a question already in an earlier split is skipped and the
next draw of the later split's seed takes its place, so the result is the same on every run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from scpo_data.puzzles.arith import ArithError, ArithOptions, arith_problems, question_key

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def split_seed(seed: int, name: str) -> int:
    """The seed of split ``name`` under master ``seed`` (stable across runs and platforms)."""
    return int.from_bytes(hashlib.sha256(f"arith-split/{seed}/{name}".encode()).digest()[:8], "big")


def make_arith_splits(sizes: Mapping[str, int], seed: int,
                      options: ArithOptions | None = None) -> dict[str, list[dict[str, str]]]:
    """Disjoint named splits of GSM8K-format records, ids ``f"{name}-{i}"``.

    Args:
        sizes: Split name -> number of problems, in the order the splits are drawn
            (e.g. warm-up with gold, unlabelled pool, dev, test).
        seed: The master seed.
        options: The difficulty, shared by all splits (default: ``ARITH_PRESETS["default"]``).

    Raises:
        ArithError: A bad name or size, or options too narrow for that many distinct problems.
    """
    if not sizes:
        raise ArithError("give at least one split")
    for name, size in sizes.items():
        if not _NAME.fullmatch(name):
            raise ArithError(f"bad split name {name!r}: use letters, digits, '_', '-' or '.'")
        if size < 1:
            raise ArithError(f"split {name} needs a size >= 1, got {size}")
    taken: set[str] = set()
    splits: dict[str, list[dict[str, str]]] = {}
    for name, size in sizes.items():
        problems = arith_problems(size, split_seed(seed, name), options, exclude=taken, id_prefix=name)
        taken.update(question_key(p.question) for p in problems)
        splits[name] = [p.record() for p in problems]
    check_disjoint(splits)
    return splits


def check_disjoint(splits: Mapping[str, Iterable[Mapping[str, object]]]) -> None:
    """Raise :class:`ArithError` when a question text (by :func:`question_key`) appears twice,
    in two splits or within one.

    Args:
        splits: Split name -> records with a ``question`` (and, for the message, an ``id``).
    """
    first_seen: dict[str, str] = {}
    for name, records in splits.items():
        for record in records:
            key = question_key(str(record["question"]))
            this = f"{record.get('id', '?')} of split {name}"
            if key in first_seen:
                raise ArithError(f"question {this} repeats question {first_seen[key]}")
            first_seen[key] = this
