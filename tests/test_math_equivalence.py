"""Equivalence table of the math canonicaliser: pairs that must share a key, and pairs that must not.

Each row is ``(a, b)``; both sides go through ``MathExtractor.canonical`` (the real
path: cleaning, fast path, sympy in the worker pool).
"""

from __future__ import annotations

import pytest

from scpo_data.extractors.base import STATUS_OK
from scpo_data.extractors.math_extractor import MathExtractor

EQUIVALENT: list[tuple[str, str]] = [
    # numbers, decimals, fractions
    (r"\frac{1}{2}", "0.5"),
    (r"\frac{1}{2}", "1/2"),
    ("0.5", "1/2"),
    ("1.50", "3/2"),
    ("1.50", r"\frac32"),
    (r"\dfrac{3}{2}", r"\tfrac32"),
    (r"\frac{6}{4}", "1.5"),
    ("-0.25", r"-\frac{1}{4}"),
    (r"-\frac{1}{4}", r"\frac{-1}{4}"),
    (".5", "0.5"),
    ("007", "7"),
    ("3.0", "3"),
    ("+3", "3"),
    (r"\frac{10}{5}", "2"),
    ("2.000", "2"),
    ("1e3", "1000"),
    (r"1\frac{4}{5}", r"\frac{9}{5}"),
    (r"137 \frac{1}{2}", "137.5"),
    (r"\$18.00", "18"),
    (r"\$1,200", "1200"),
    ("18 dollars", "18"),
    (r"10\%", "10"),
    ("10%", "10"),
    (r"30^\circ", "30"),
    (r"30^{\circ}", "30"),
    (r"5\text{ cm}", "5"),
    (r"5\text{ cm}^2", "5"),
    (r"{15\mbox{ cm}^2}", r"15\mbox{ cm}^2"),
    (r"11, \! 111, \! 111, \! 100", "11111111100"),
    (r"12\text{ inches}", "12"),
    (r"\text{5}", "5"),
    ("7,425,000", "7425000"),
    (r"10,\!080", "10080"),
    (r"11,\! 111,\! 111,\! 100", "11111111100"),
    (r"\$32,\!348", "32348"),
    ("1,000", "1000"),
    (r"\left(5\right)", "5"),
    (r"\(5\)", "5"),
    ("$5$", "5"),
    ("5.", "5"),
    (r"\boxed{5}", "5"),
    (r"0.\overline{3}", r"\frac13"),
    (r"1.2\overline{34}", r"\frac{611}{495}"),
    ("\u22123", "-3"),  # Unicode minus sign
    ("52_8", "52_{8}"),
    # radicals, pi, constants
    (r"\sqrt{12}", r"2\sqrt{3}"),
    (r"\sqrt{12}", r"2\sqrt3"),
    (r"\frac{1}{\sqrt2}", r"\frac{\sqrt2}{2}"),
    (r"\frac{1}{\sqrt{2}}", r"\frac{\sqrt{2}}{2}"),
    (r"\frac{1}{1+\sqrt2}", r"\sqrt2-1"),
    (r"\sqrt{8}", r"2 \sqrt 2"),
    ("√2", r"\sqrt2"),
    ("2π", r"2\pi"),
    (r"\frac{\sqrt{6}+\sqrt{2}}{4}", r"\frac{\sqrt2(\sqrt3+1)}{4}"),
    (r"\sqrt[3]{8}", "2"),
    (r"\sqrt{\frac{9}{4}}", "1.5"),
    (r"\frac{3\sqrt{3}}{4}", r"\frac{3}{4}\sqrt{3}"),
    (r"2\pi/3", r"\frac{2\pi}{3}"),
    (r"\frac \pi4 + 2 - \sqrt2", r"\frac{\pi}{4} + 2 - \sqrt{2}"),
    (r"\frac{1}{2004!}", r"\frac{2}{2 \cdot 2004!}"),
    (r"\frac{\pi}{2}", r"0.5\pi"),
    (r"288 \pi", r"288\pi"),
    (r"\pi r^2", r"r^2 \pi"),
    (r"18+2\pi", r"2\pi+18"),
    (r"\log_2 8", "3"),
    (r"\sin(\pi/6)", r"\frac12"),
    (r"\cos \frac{\pi}{3}", "0.5"),
    (r"e^{0}", "1"),
    (r"\binom{5}{2}", "10"),
    ("5!", "120"),
    # powers
    ("2^{10}", "1024"),
    ("10^6", "1000000"),
    ("10^{6}", "1,000,000"),
    ("2^{-1}", "0.5"),
    (r"4^{\frac12}", "2"),
    # complex numbers
    ("2+3i", "3i+2"),
    ("6 - 5i", "-5i+6"),
    ("1+2i", r"1 + 2 i"),
    ("i^2", "-1"),
    # polynomials and rational expressions
    ("(x+1)^2", "x^2+2x+1"),
    ("x^2+2x+1", "1+2x+x^2"),
    ("(a+5)(b+2)", "ab+2a+5b+10"),
    ("ab", "ba"),
    (r"\frac{x^2-1}{x-1}", "x+1"),
    (r"\frac{11+9a}{20}", r"\frac{11}{20}+\frac{9a}{20}"),
    ("2k+2", "2(k+1)"),
    ("6r^2-4r-24", "2(3r^2-2r-12)"),
    ("x^3+3x-6", "3x+x^3-6"),
    ("e^{-x^2}", r"\frac{1}{e^{x^2}}"),
    (r"\frac{1}{x}+\frac{1}{y}", r"\frac{x+y}{xy}"),
    # tuples and points
    ("(1, 2)", "(1,2)"),
    (r"\left( 3, \frac{\pi}{2} \right)", r"(3, \frac{\pi}{2})"),
    (r"(\frac{3}{2}, -13)", "(1.5, -13)"),
    ("(6,31,-1)", "(6, 31, -1)"),
    ("(0.5, 2)", r"(\frac12, 2)"),
    ("(x, y) = (1, 2)", "(1, 2)"),
    ("(x,y,z)=(1,2,3)", "(1, 2, 3)"),
    # unordered sets and lists
    (r"\{1,2\}", r"\{2,1\}"),
    ("1, 2", "2, 1"),
    (r"\{1,2\}", "1, 2"),
    ("3, 5, 7", "7, 5, 3"),
    ("1,-2", "-2, 1"),
    (r"1 \text{ and } 2", "1, 2"),
    (r"7, -2, \text{ and } -5", "-5, -2, 7"),
    (r"\{5\}", "5"),
    # plus-minus forms
    (r"\pm 2", "2, -2"),
    (r"\pm 2", r"\{-2, 2\}"),
    (r"1 \pm \sqrt{2}", r"1+\sqrt2, 1-\sqrt2"),
    (r"3 \pm 2 \sqrt{2}", r"3-2\sqrt2, 3+2\sqrt2"),
    (r"x = \pm 2", "2, -2"),
    # intervals
    ("[2,5)", r"\left[2, 5\right)"),
    (r"(-\infty, 3]", r"(-\infty,3]"),
    (r"(2,\infty)", r"(2, \infty)"),
    (r"(-\infty, 2) \cup (3, \infty)", r"(3, \infty) \cup (-\infty, 2)"),
    ("x > 2", r"(2, \infty)"),
    (r"x \le 5", r"(-\infty, 5]"),
    (r"2 < x < 5", "(2, 5)"),
    (r"x \in [-2,7]", "[-2, 7]"),
    (r"\left(\frac{3}{5},\frac{8}{3}\right]", r"(0.6, \frac83]"),
    ("-x+2<0", "x > 2"),
    ("x ≤ 3", r"(-\infty, 3]"),
    ("(2, ∞)", r"(2,\infty)"),
    (r"\varnothing", r"\emptyset"),
    # matrices and vectors
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}"),
    (r"\begin{pmatrix} -1/3 \\ 2/3 \end{pmatrix}", r"\begin{pmatrix} -\frac13 \\ \frac23 \end{pmatrix}"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"),
    (r"\begin{pmatrix} 0.5 & 0 \\ 0 & 1 \end{pmatrix}", r"\begin{pmatrix} \frac12 & 0 \\ 0 & 1 \end{pmatrix}"),
    # single-variable assignments
    ("x = 2", "2"),
    ("x=5", "5"),
    ("2 = x", "2"),
    (r"k = \frac{1}{2}", "0.5"),
    ("f(x) = x^2", "x^2"),
    # equations and inequalities kept as relations
    ("3x-y+13=0", "y = 3x+13"),
    ("3x-y+13=0", "6x-2y+26=0"),
    ("3x-y+13=0", "-3x+y-13=0"),
    ("y = 2x + 3", "2x - y + 3 = 0"),
    ("y = -2x", "2x + y = 0"),
    (r"\frac{x}{2}+\frac{y}{3}=1", "3x+2y=6"),
    ("x^2 = 4", "2x^2 = 8"),
    ("5x - 7y + 11z + 4 = 0", "-5x + 7y - 11z - 4 = 0"),
    ("x^2+y^2=1", "y^2 + x^2 - 1 = 0"),
    ("x + y > 2", "2 < x + y"),
    ("x + y > 2", "-x - y < -2"),
    (r"x + y \ge 2", r"2x + 2y \ge 4"),
    (r"\frac{1}{x-1} = y", "y(x-1) = 1"),
    (r"\sin x < \frac12", r"2\sin x < 1"),
    # text answers and multiple choice
    (r"\text{Monday}", "Monday"),
    (r"\text{Monday}", "monday"),
    (r"\text{Evelyn}", r"\textbf{Evelyn}"),
    (r"\text{east}", "East"),
    (r"\text{odd}", "Odd"),
    (r"\text{no}", "No"),
    (r"\text{ellipse}", r"\mathrm{ellipse}"),
    ("(C)", "C"),
    (r"\text{(C)}", "(C)"),
    (r"\textbf{(C)}", "C"),
    (r"\mathrm{(B)}", "(B)"),
    (r"\textbf{(A) } 5", "(A)"),
    # written as models write them: prose, markdown, spaced and European numbers, currency
    ("Answer $ 9 $", "9"),
    (r"Answer \[ 9 \]", "9"),
    (r"Answer \( (9+1) \)", "10"),
    ("The answer: 5", "5"),
    (r"Final answer: $1\,000$", "1000"),
    (r"1\,000", "1000"),
    ("1{,}000", "1000"),
    ("14 {, }916", "14916"),
    ("1 000", "1000"),
    ("1\u2009000\u2009000", "10^6"),
    ("1000,99", "1000.99"),
    ("2,74 €", "2.74"),
    ("0,111", "0.111"),
    (".4", "0.4"),
    ("1000.0", "1000"),
    ("1,000.99$", "1000.99"),
    ("€5", "5"),
    ("5 USD", "5"),
    ("the number is not 10 which is 1,000.99€", "1000.99"),
    ("He paid $5 + $7 = $12 in total.", "12"),
    ("The final answer is `33`.", "33"),
    ("`33`", "33"),
    ("*7*", "7"),
    ("**12**", "12"),
    (r"So the probability is $\frac{3}{4}$.", "0.75"),
    (r"Therefore $x \geq 5$ is the solution set", r"[5, \infty)"),
    (
        r"The identity matrix is $\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}$.",
        r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}",
    ),
    (r"$k = \frac{10}{9}$", r"\frac{10}{9}"),
    ("$x = 5$", "5"),
    (r"We get $x = 3 + 4 = 7$.", "7"),
    (r"so $\sum_{i=1}^{n} i = 55$", "55"),
    ("$12$ and $13$", "12, 13"),
    ("12 and 13", "13, 12"),
    (r"x = 2 \text{ or } x = -3", "2, -3"),
    ("x=2, x=-3", r"\{-3, 2\}"),
    ("I think it is 5.\n\nLet me know if you need anything else!", "5"),
    # percent, units, degrees, notations
    ("28 percent", r"28\%"),
    ("$28$ %", "28"),
    (r"\frac{1}{3} \textbf{meters}", r"\frac13"),
    ("5 cm^2", r"5\text{ cm}^2"),
    ("90°", "90"),
    (r"\cfrac{1}{3}", "1/3"),
    ("½", "0.5"),
    ("1½", "1.5"),
    ("√(2)", r"\sqrt2"),
    ("x ∈ [1, 2]", "[1, 2]"),
    ("(-∞, 0)", "x < 0"),
    (r"1.5 \times 10^{3}", "1500"),
    (r"3\times10^{-2}", "0.03"),
    ("4:30 p.m.", "4:30 pm"),
    ("Yes", r"\text{yes}"),
    (r"\text{Yes}", "yes."),
]

NOT_EQUIVALENT: list[tuple[str, str]] = [
    # the known traps
    ("3x-y+13=0", "3x+4y+14=0"),
    ("x + y = 1", "x + y = 2"),
    ("x - y = 0", "x + y = 0"),
    ("3x-y+13=0", "0"),
    (r"\pm 2", "2"),
    (r"\pm 2", "-2"),
    ("(1,2)", "(2,1)"),
    ("[2,5)", "(2,5)"),
    ("[2,5)", "[2,5]"),
    ("(2,5]", "(2,5)"),
    ("0.33", r"\frac13"),
    (r"\frac{1}{2004!}", r"\frac{1}{2005!}"),
    ("0.333", r"\frac13"),
    ("1,000", "1"),
    ("1,000", "1, 0"),
    ("52_8", "52_9"),
    (r"0.\overline{3}", "0.3"),
    ("(x, y) = (1, 2)", "(2, 1)"),
    (r"1 \pm \sqrt2", r"1 + \sqrt2"),
    # numbers
    ("1", "2"),
    ("0.5", "0.05"),
    (r"\frac{1}{2}", r"\frac{2}{1}"),
    ("-3", "3"),
    ("12", "12.5"),
    ("1.414", r"\sqrt{2}"),
    ("3.14", r"\pi"),
    (r"\sqrt{12}", r"3\sqrt{2}"),
    (r"2\sqrt{3}", r"3\sqrt{2}"),
    ("2^{10}", "1000"),
    ("10^6", "10^5"),
    (r"10\%", "0.1"),
    ("2+3i", "3+2i"),
    ("2+3i", "2-3i"),
    ("i", "1"),
    # expressions
    ("(x+1)^2", "x^2+1"),
    ("x^2+2x+1", "x^2+2x+2"),
    ("x+1", "y+1"),
    ("2k", "2k+2"),
    ("x^3+3x-6", "x^3+3x+6"),
    ("ab", "a+b"),
    # tuples, sets, intervals
    ("(1, 2)", "(1, 2, 3)"),
    ("(1, 2)", r"\{1, 2\}"),
    ("(1, 2)", "[1, 2]"),
    (r"\{1, 2\}", r"\{1, 3\}"),
    ("1, 2", "1, 2, 3"),
    (r"(-\infty, 2) \cup (3, \infty)", r"(-\infty, 2] \cup [3, \infty)"),
    (r"(2, \infty)", r"[2, \infty)"),
    ("x > 2", r"x \ge 2"),
    ("x > 2", "x < 2"),
    # matrices
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix} 2 \\ 1 \end{pmatrix}"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}"),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix} 1 & 2 \end{pmatrix}"),
    # assignments and relations
    ("x = 2", "3"),
    ("x = 2", "x = -2"),
    ("y = 2x + 3", "y = 3x + 2"),
    ("y = 2x + 3", "2x + 3"),
    ("x^2 = 4", "x = 2"),
    ("a=1, b=2", "a=2, b=1"),
    # text and choices
    (r"\text{Monday}", r"\text{Tuesday}"),
    ("(C)", "(D)"),
    ("(C)", "C + 1"),
    ("(C)", "(C)+1"),
    (r"\text{even}", r"\text{odd}"),
    (r"\text{odd}", "ddo"),
    # written as models write them
    ("AZYUK2A", "2"),
    ("1,22", "1.22"),  # in the math domain a comma between digits may separate two answers
    ("0,1", "0.1"),
    ("1 000", "1"),
    (r"1\,000", "0"),
    ("2,74 €", "274"),
    ("1000,99", "100099"),
    (r"Therefore $x \geq 5$ is the solution set", "x > 5"),
    (
        r"The identity matrix is $\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}$.",
        r"\begin{pmatrix} 0 & 1 \\ 1 & 0 \end{pmatrix}",
    ),
    (r"x = 2 \text{ or } x = -3", "2"),
    ("x=2, y=-3", "2, -3"),
    ("$12$ and $13$", "13"),
    ("4:30 p.m.", "4:30 a.m."),
    ("½", "2"),
    ("28 percent", "0.28"),
    ("Yes", "No"),
]


@pytest.fixture(scope="module")
def extractor() -> MathExtractor:
    """One extractor (on the shared worker pool) for the whole table."""
    return MathExtractor()


@pytest.mark.parametrize(("a", "b"), EQUIVALENT)
def test_equivalent(extractor: MathExtractor, a: str, b: str) -> None:
    """Both forms parse and get the same key."""
    key_a, key_b = extractor.canonical(a), extractor.canonical(b)
    assert key_a.status == STATUS_OK, key_a
    assert key_b.status == STATUS_OK, key_b
    assert key_a.key == key_b.key


@pytest.mark.parametrize(("a", "b"), NOT_EQUIVALENT)
def test_not_equivalent(extractor: MathExtractor, a: str, b: str) -> None:
    """Different answers get different keys (and are still parsed, not string-compared)."""
    key_a, key_b = extractor.canonical(a), extractor.canonical(b)
    assert key_a.status == STATUS_OK, key_a
    assert key_b.status == STATUS_OK, key_b
    assert key_a.key != key_b.key


def test_table_size() -> None:
    """The issue asks for at least 150 pairs."""
    assert len(EQUIVALENT) + len(NOT_EQUIVALENT) >= 150


def test_relation_never_collapses_to_zero(extractor: MathExtractor) -> None:
    """An equation keeps its relation: its key is neither ``0`` nor the key of its left side."""
    key = extractor.canonical("3x-y+13=0").key
    assert key not in (extractor.canonical("0").key, extractor.canonical("3x-y+13").key)
    assert key is not None and key.startswith("eq:")
