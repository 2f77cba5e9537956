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
    # constants with square roots, pi and i (math_const)
    r"2\sqrt{5}",
    r"\sqrt3",
    r"\frac{3\sqrt{3}}{4}",
    r"\frac{1}{\sqrt{2}}",
    r"\frac{\sqrt{8}}{\sqrt{2}}",
    r"11 \sqrt{5}+11",
    r"(1+\sqrt{2})^2",
    r"3\sqrt{2}\cdot\sqrt{8}",
    r"\sqrt{\frac{9}{4}}",
    r"\pi",
    r"-\frac{\pi}{6}",
    r"18+2\pi",
    r"\frac{20000}{\pi}",
    r"2\pi/3",
    r"0.5\pi",
    r"\pi^{-1}",
    r"137 \frac{1}{2}",
    r"-1\frac{1}{2}",
    "6-5i",
    "1+274i",
    "i",
    r"\frac{1}{3}+\frac{1}{3}i",
    r"\frac{\pi}{2}i",
    r"(-\sqrt{3}, \sqrt{3})",
    r"(3, \frac{\pi}{2})",
    r"[\frac{\pi^2}{8}, \frac{5 \pi^2}{4}]",
    r"\{\sqrt{2}, -\sqrt{2}\}",
    r"(\sqrt2, \infty)",
    # matrices of such numbers, and a \pm b
    r"\begin{pmatrix}-1&0 \\ 0&-1 \end{pmatrix}",
    r"\begin{pmatrix}-1/3 \\ 2/3 \\ 5/3 \end{pmatrix}",
    r"\begin{bmatrix} \sqrt{2} & \pi \\ i & 0.5 \end{bmatrix}",
    r"\begin{pmatrix} 1 & 2 \end{pmatrix}",
    r"\begin{pmatrix} 1 \\ 2 \\ \end{pmatrix}",
    r"1 \pm \sqrt{19}",
    r"3 \pm 2 \sqrt{2}",
    r"\pm 2",
    r"\pm 0",
    r"\frac{1}{2} \pm \frac{\sqrt{5}}{2}",
    r"2 \pm i",
]

DECLINED: list[str] = ["(1,000, 2)", "[5,2]", "(5,2]", "[2,2]", r"\{5\}", r"(-\infty, x)", "x+1", "(1)"]

#: Constants the quick path leaves to sympy (outside its grammar, or read differently by TeX).
CONSTANTS_DECLINED: list[str] = [
    "2^10",  # TeX reads the exponent as one digit
    r"\sqrt[3]{2}",
    r"\frac{1}{1+\sqrt{2}}",
    r"\sqrt{2+\sqrt{3}}",
    r"\sqrt{-4}",
    "2 3",
    r"\sqrt{2}3",
    r"\frac{1}{1000001}i",
    "e^2",
    r"1\pm\sqrt{-3}",
    r"-88.332^{5}\times \pi/0.001",  # within 1e-25 of a small-denominator rational: sympy keys it as that
    r"\sqrt{99999999999}",
    r"(\sqrt2+\sqrt3+\sqrt5+\sqrt7+\sqrt{11}+\sqrt{13})^{12}",
]


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


@pytest.mark.parametrize("answer", CONSTANTS_DECLINED)
def test_quick_key_leaves_other_constants_to_sympy(answer: str) -> None:
    """What the constant reader cannot key exactly as sympy does is left to sympy."""
    assert quick_key(answer) is None


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
