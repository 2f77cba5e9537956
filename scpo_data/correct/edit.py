"""The edit distance between two attempts: SCoRe's signal of a model that stops changing its answer."""

from __future__ import annotations

import numpy as np


def edit_distance(a: str, b: str) -> int:
    """The Levenshtein distance between ``a`` and ``b`` in characters (insert, delete, substitute).

    One numpy row per character of the shorter text: deletions and substitutions come
    from the previous row, and insertions along the row are a running minimum of
    ``row[j] - j``, so the cost is O(len(a) * len(b)) element operations but only
    min(len(a), len(b)) Python steps.
    """
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    row_text = np.frombuffer(a.encode("utf-32-le"), dtype=np.uint32)
    columns = np.arange(len(row_text) + 1)
    previous = columns.copy()
    for i, char in enumerate(b, start=1):
        candidate = np.empty_like(previous)
        candidate[0] = i
        np.minimum(previous[:-1] + (row_text != ord(char)), previous[1:] + 1, out=candidate[1:])
        previous = np.minimum.accumulate(candidate - columns) + columns
    return int(previous[-1])


def edit_ratio(a: str, b: str) -> float:
    """The edit distance as a share of the longer text (0: identical, 1: nothing kept)."""
    longest = max(len(a), len(b))
    return edit_distance(a, b) / longest if longest else 0.0
