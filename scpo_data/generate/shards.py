"""Shards: split the problems deterministically so N machines can each run a slice.

Seed problems go to shard ``int(sha256(problem_id)) % N``, which depends only on the
problem's id (not on its position or on the other problems), so every machine that
loads the same source computes the same split. Synthesis still sees all seed questions
as few-shot examples; shard i writes its share of the new problems under its own seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from scpo_data.errors import ScpoError
from scpo_data.records import Problem

Shard = tuple[int, int]


def parse_shard(text: str) -> Shard:
    """Parse ``I/N`` (0 <= I < N) into ``(I, N)``.

    Raises:
        ScpoError: When the text is not two integers with 0 <= I < N.
    """
    head, sep, tail = text.partition("/")
    if not sep or not head.strip().isdigit() or not tail.strip().isdigit():
        raise ScpoError(f"--shard must look like I/N (e.g. 0/4), not {text!r}")
    index, count = int(head), int(tail)
    if not 0 <= index < count:
        raise ScpoError(f"--shard {text}: I must be between 0 and N-1")
    return index, count


def shard_of(problem_id: str, count: int) -> int:
    """The shard a problem belongs to."""
    return int(hashlib.sha256(problem_id.encode("utf-8")).hexdigest()[:16], 16) % count


def select_shard(problems: Sequence[Problem], shard: Shard | None) -> list[Problem]:
    """The problems of ``shard`` (all of them when ``shard`` is None), in their order."""
    if shard is None:
        return list(problems)
    index, count = shard
    return [p for p in problems if shard_of(p.problem_id, count) == index]


def shard_share(total: int, shard: Shard | None) -> int:
    """Shard i's share of ``total`` new problems (the shares add up to ``total``)."""
    if shard is None:
        return total
    index, count = shard
    return total // count + (index < total % count)


def shard_seed(seed: int, shard: Shard | None) -> int:
    """The synthesis seed of a shard (the run seed itself when unsharded)."""
    return seed if shard is None else seed * 1_000_003 + 7919 * (shard[0] + 1)
