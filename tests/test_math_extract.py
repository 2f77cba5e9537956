"""Finding the final answer in a free-form solution, and cleaning it (no sympy involved)."""

from __future__ import annotations

import pytest

from scpo_data.extractors.math_extract import clean_answer, find_answer, last_boxed, last_number

FIND: list[tuple[str, str | None]] = [
    (r"so $x = \boxed{5}$.", "5"),
    (r"\boxed{\frac{1}{2}}", r"\frac{1}{2}"),
    (r"nested: \boxed{\frac{\sqrt{2}}{2}} done", r"\frac{\sqrt{2}}{2}"),
    (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),
    (r"first \boxed{1} then \boxed{2}", "2"),
    (r"\boxed 5 is it", "5"),
    (r"\fbox{7}", "7"),
    (r"\boxed{3} and an unclosed \boxed{4", "3"),
    ("Janet makes 9 * 2 = 18.\n#### 18", "18"),
    ("#### 1,200\n", "1,200"),
    ("The final answer is $\\frac{3}{4}$. I hope it is correct.", r"\frac{3}{4}"),
    ("The final answer is 42.", "42"),
    ("The final answer is `33`.", "`33`"),
    ("So the answer is 3.5 meters.", "3.5 meters"),
    ("Answer: (C)", "(C)"),
    ("**Answer:** 12", "12"),
    ("Step 1: think.\n\n**12**", "12"),
    ("**Step 1:** add.\nThe total is 7.", None),
    ("We may check our answer: 5 works.\nSo \\boxed{5}.", "5"),
    (r"\boxed{5}. We check our answer: it is fine.", "5"),
    ("The final answer is $\\boxed{9}$.", "9"),
    (r"\boxed{2} ... The final answer is 3", "3"),
    ("no answer here at all", None),
    ("", None),
    (r"\boxed{}", None),
]


@pytest.mark.parametrize(("text", "expected"), FIND)
def test_find_answer(text: str, expected: str | None) -> None:
    """The last marked answer wins; unmarked text has no answer."""
    assert find_answer(text) == expected


def test_last_boxed_balanced_and_escaped_braces() -> None:
    """Escaped braces do not count; the last complete box is returned."""
    assert last_boxed(r"\boxed{\left\{ 1 \right\}} x") == r"\left\{ 1 \right\}"
    assert last_boxed(r"\boxed{a}\boxed{b{c}}") == "b{c}"
    assert last_boxed("nothing") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("I have 3 apples and 1,200 pears.", "1,200"), ("It is -3.5 now", "-3.5"), ("none", None), ("v2 x3", None)],
)
def test_last_number(text: str, expected: str | None) -> None:
    """The GSM8K fallback takes the last stand-alone number."""
    assert last_number(text) == expected


CLEAN: list[tuple[str, str]] = [
    ("$5$", "5"),
    (r"\(5\)", "5"),
    (r"\$5", "5"),
    (r"\dfrac{1}{2}", r"\frac{1}{2}"),
    (r"\tfrac12", r"\frac{1}{2}"),
    (r"\frac \pi4", r"\frac{\pi}{4}"),
    (r"7, -2, \text{ and } -5", "7,-2,-5"),
    (r"\left( 1, 2 \right)", "(1, 2)"),
    ("{5}", "5"),
    (r"\{5\}", r"\{5\}"),
    ("x ^ { 2 } + 1", "x^{2}+1"),
    (r"10\!000", "10000"),
    (r"1,\!000", "1000"),
    (r"30^\circ", "30"),
    (r"30^{\circ}", "30"),
    (r"10\%", "10"),
    (r"5\text{ cm}", "5"),
    (r"5 \text{ cm}^2", "5"),
    (r"\text{Monday}", "Monday"),
    ("7,425,000", "7425000"),
    ("(1,234, 5)", "(1,234, 5)"),
    ("[1,000, 2]", "[1,000, 2]"),
    ("1, 2", "1, 2"),
    ("18 dollars.", "18"),
    ("x = 5.", "x=5"),
    ("5!", "5!"),
    (r"\approx 8.24", "8.24"),
    (r"1 & \phantom -1", "1&1"),
    (r"\phantom{x}5", "5"),
    ("`33`", "33"),
    ("**12**", "12"),
    ("Answer $ 9 $", "9"),
    (r"1\,000", "1000"),
    ("1 000", "1000"),
    ("2,74 €", "2.74"),
    ("x = 2, x = -3", "2, -3"),
    ("√(2)", r"\sqrt{2}"),
]


@pytest.mark.parametrize(("raw", "expected"), CLEAN)
def test_clean_answer(raw: str, expected: str) -> None:
    """Delimiters, units, degrees, percent and thousands separators go; tuples keep commas."""
    assert clean_answer(raw) == expected
