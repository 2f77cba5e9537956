"""The sympy-free quick path gives exactly the keys the sympy path gives, or declines."""

from __future__ import annotations

from fractions import Fraction

import pytest

from scpo_data.extractors.math_canon import sympy_key
from scpo_data.extractors.math_fast import fast_key, fraction_key, quick_key, sequence_key, string_key

#: Answers the quick path keys. (Not "1e3": the quick path reads it as 1000, the parser as 3e.)
QUICK: list[str] = [
    "12",
    "-3.50",
    ".5",
    "007",
    "3/4",
    r"\frac{3}{4}",
    r"-\frac{1}{4}",
    r"\frac{-20}{2}",
    r"\frac32",
    "(2,1)",
    "(1,2,3)",
    "(1, 2, 2)",
    "(0,0)",
    "(2,2)",
    "(1.5, 3)",
    r"(\frac12, 0.5)",
    r"\{2, 1, 2\}",
    r"\{\frac12, 0.5\}",
    "1,-4",
    "1, 2, 2",
    "3, 3",
    "10, 20, 30",
    "1,2",
    r"(2,\infty)",
    r"[2,\infty)",
    r"(-\infty,\infty)",
    r"(-\infty,3)",
    r"(\infty, 2)",
    r"(3, -\infty)",
    "[1, 2]",
    "(1, 2]",
    "[-3, 4)",
    "[0, 1]",
    "x=-3",
    r"k=\frac{1}{2}",
    "y = 0.25",
]

DECLINED: list[str] = ["(1,000, 2)", "[5,2]", "(5,2]", "[2,2]", r"\{5\}", r"(-\infty, x)", "x+1", r"\sqrt{2}", "(1)"]


@pytest.mark.parametrize("answer", QUICK)
def test_quick_key_matches_sympy(answer: str) -> None:
    """Where the quick path answers, it agrees with latex2sympy + sympy."""
    quick = quick_key(answer)
    assert quick is not None
    assert (quick, True) == sympy_key(answer)


@pytest.mark.parametrize("answer", DECLINED)
def test_sequence_key_declines_ambiguous_or_symbolic(answer: str) -> None:
    """Ambiguous commas, empty/reversed intervals and symbols are left to sympy."""
    assert fast_key(answer) is None
    assert sequence_key(answer) is None


def test_fast_key_refuses_giant_and_zero_denominators() -> None:
    """No huge literals and no division by zero on the fast path."""
    assert fast_key("1" * 400) is None
    assert fast_key("1/0") is None
    assert fast_key(r"\frac{1}{0}") is None


def test_string_key_normalises_space_and_case() -> None:
    """The fallback key ignores whitespace and case."""
    assert string_key("Foo  Bar") == string_key("foobar") == "str:foobar"


def test_fraction_key_digests_giant_numbers() -> None:
    """Huge rationals get a short exact digest; equal values share it, different ones do not."""
    big = Fraction(1, 3**2000)
    assert fraction_key(big) == fraction_key(Fraction(2, 2 * 3**2000))
    assert fraction_key(big) != fraction_key(Fraction(1, 3**2001))
    assert fraction_key(big).startswith("big:") and len(fraction_key(big)) < 40
    assert fraction_key(Fraction(3, 2)) == "3/2"
