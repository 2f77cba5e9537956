"""Answers without a marker, and words around math (``math_prose``; no sympy except the last tests)."""

from __future__ import annotations

import pytest

from scpo_data.extractors.base import STATUS_NO_ANSWER, STATUS_OK
from scpo_data.extractors.math_extractor import STATUS_LAST_MATH, STATUS_LAST_NUMBER, Gsm8kExtractor, MathExtractor
from scpo_data.extractors.math_prose import (
    RULE_LAST_MATH,
    RULE_LAST_NUMBER,
    find_unmarked,
    has_prose,
    math_spans,
    strip_markdown,
    without_prose,
)

UNMARKED: list[tuple[str, str | None, str | None]] = [
    (r"So the probability is $\frac{3}{4}$.", r"\frac{3}{4}", RULE_LAST_MATH),
    (r"Therefore $x \geq 5$ is the solution set", r"x \geq 5", RULE_LAST_MATH),
    (r"Matrix $$\begin{pmatrix} 1 \\ 2 \end{pmatrix}$$", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", RULE_LAST_MATH),
    (r"We get \(x = 3 + 4 = 7\).", "x = 7", RULE_LAST_MATH),
    (r"Adding, \[5 + 7 = 12\]", "12", RULE_LAST_MATH),
    (r"so $\sum_{i=1}^{n} i = 55$", "55", RULE_LAST_MATH),
    (r"$x = 2 \text{ or } x = -3$", r"x = 2 \text{ or } x = -3", RULE_LAST_MATH),
    ("She has 3 apples, then 5 more, so 8 apples.", "8", RULE_LAST_NUMBER),
    ("He paid $5 + $7 = $12 in total.", "$12", RULE_LAST_NUMBER),
    ("costs $5 and earns $7.", "$7", RULE_LAST_NUMBER),
    ("so $x$ is 5", "5", RULE_LAST_NUMBER),  # a lone letter is a name, not an answer
    (r"So $x = 4$ and the total is 15.", "15", RULE_LAST_NUMBER),  # the later of span and number
    ("The cost is 2,74 €.", "2,74 €", RULE_LAST_NUMBER),
    (r"In all 1\,000 people.", r"1\,000", RULE_LAST_NUMBER),
    (r"So $\frac{3}{4}$.\n\nHope this helps!".replace(r"\n", "\n"), r"\frac{3}{4}", RULE_LAST_MATH),
    ("first 1\n\nthen $2$\n\nthanks", "2", RULE_LAST_MATH),
    (r"\dfrac{1}{2}", r"\dfrac{1}{2}", RULE_LAST_MATH),  # a bare formula
    ("1 000", "1 000", RULE_LAST_MATH),
    ("We are done.\n\n3 + 4 = 7", "7", RULE_LAST_MATH),
    ("no numbers and no math here", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("text", "expected", "rule"), UNMARKED)
def test_find_unmarked(text: str, expected: str | None, rule: str | None) -> None:
    """The last math span or number of the final paragraph, with the rule that found it."""
    found = find_unmarked(text)
    assert (found.text, found.rule) == (expected, rule) if found else expected is None


def test_math_spans_tell_prices_from_math() -> None:
    """A ``$`` followed by a price, or a pair holding words, is no math span; escaped ``\\$`` is text."""
    assert [s.text for s in math_spans("He paid $5. Then $x = 3$.")] == ["x = 3"]
    assert math_spans("$5 + $7 = $12") == []
    assert [s.text for s in math_spans(r"total $\$45$ and $\$5$")] == [r"\$45", r"\$5"]
    assert [s.text for s in math_spans(r"a \(x\) b $$y$$ c \[z\]")] == ["x", "y", "z"]
    assert math_spans("$ \n 9 \n $") == []  # inline math does not cross lines


@pytest.mark.parametrize(
    ("text", "prose"),
    [("Answer", True), ("x + y", False), (r"\sin x", False), ("ab", False), ("is", True), (r"\text{ cm}", False),
     (r"\begin{pmatrix} 1 \end{pmatrix}", False), ("ln x + max", False)],
)
def test_has_prose(text: str, prose: bool) -> None:
    """Words of three or more letters (not math names) and short English words are prose."""
    assert has_prose(text) is prose


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("**12**", "12"), ("*7*", "7"), ("`33`", "33"), ("__5__", "5"), ("**`7`**", "7"), ("x_1", "x_1"),
     ("**", "**"), ("2*3*", "2*3*")],
)
def test_strip_markdown(raw: str, expected: str) -> None:
    """Emphasis and code marks around the whole answer go; marks inside it stay."""
    assert strip_markdown(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Answer $ 9 $", "9"),
        (r"Answer $ \frac{1}{2} \$ = \frac{10}{9} $", r"\frac{10}{9}"),
        ("$12$ and $13$", "12, 13"),
        ("$x$ = 5", "$x$ = 5"),  # no words: left as it is
        ("Answer 9", "9"),
        ("The answer: 5", "5"),
        ("5 apples", "5"),
        ("the number is not 10 which is 1,000.99€", "1,000.99€"),
        ("He paid $5 + $7 = $12 in total.", "$12"),
        ("12 and 13", "12, 13"),
        ("AZYUK2A", "AZYUK2A"),
        ("no solution", "no solution"),
        (r"\text{Evelyn}", r"\text{Evelyn}"),
        (r"5\text{ cm}", r"5\text{ cm}"),
    ],
)
def test_without_prose(raw: str, expected: str) -> None:
    """Text is never math: the math (or number) of an answer written in words is kept."""
    assert without_prose(raw) == expected


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        (r"So the probability is $\frac{3}{4}$.", "3/4", STATUS_LAST_MATH),
        (r"Therefore $x \geq 5$ is the solution set", "[5, oo)", STATUS_LAST_MATH),
        (r"The identity matrix is $\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}$.", "[[1, 0], [0, 1]]",
         STATUS_LAST_MATH),
        ("*7*", "7", STATUS_LAST_MATH),
        ("It is 12 in all.", "12", STATUS_LAST_NUMBER),
        ("The final answer is `33`.", "33", STATUS_OK),
        ("**12**", "12", STATUS_OK),
        (r"Final answer: $1\,000$", "1000", STATUS_OK),
        ("no answer here at all", None, STATUS_NO_ANSWER),
    ],
)
def test_math_extractor_statuses(text: str, key: str | None, status: str) -> None:
    """Unmarked answers are keyed in the math domain too, with a status naming the rule."""
    answer = MathExtractor().extract(text)
    assert (answer.key, answer.status) == (key, status)


@pytest.mark.parametrize(
    ("text", "key"),
    [("The final answer is `33`.", "33"), ("*7*", "7"), ("**12**", "12"), ("It cost 2,74 € in all.", "137/50"),
     ("#### 12,5", "25/2"), ("He paid $5 + $7 = $12 in total.", "12"), (r"So $5 + 7 = 12$.", "12")],
)
def test_gsm8k_markdown_prices_and_decimal_commas(text: str, key: str) -> None:
    """GSM8K answers are single numbers: markdown goes, a comma that is no thousands separator is decimal."""
    assert Gsm8kExtractor().extract(text).key == key


def test_canonical_reads_a_response_of_several_paragraphs() -> None:
    """A gold or prediction given as a whole response is read like one."""
    text = "We add the two.\n\nSo the sum is $\\frac{7}{2}$.\n\nThanks!"
    assert MathExtractor().canonical(text).key == "7/2"
