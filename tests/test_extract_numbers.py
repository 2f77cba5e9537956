"""Digit groups, decimal commas and currency (``math_numbers``; plain string work)."""

from __future__ import annotations

import pytest

from scpo_data.extractors.math_extract import clean_answer
from scpo_data.extractors.math_numbers import decimal_comma, join_digit_groups, strip_currency


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"1\,000", "1000"),
        ("1{,}000", "1000"),
        ("14 {, }916", "14916"),
        ("1 000", "1000"),
        ("1\u2009000\u2009000", "1000000"),
        ("1\u00a0000.5", "1000.5"),
        (r"12\;345", "12345"),
        ("1 2", "1 2"),  # not groups of three digits
        ("12 3456", "12 3456"),
        ("1 0000", "1 0000"),
        ("(1, 000)", "(1, 000)"),  # a comma and a space separate items
    ],
)
def test_join_digit_groups(raw: str, expected: str) -> None:
    """Only separators between three-digit groups are removed."""
    assert join_digit_groups(raw) == expected


@pytest.mark.parametrize(
    ("raw", "single", "expected"),
    [
        ("1000,99", False, "1000.99"),
        ("0,111", False, "0.111"),
        ("-1000,5", False, "-1000.5"),
        ("1,22", False, "1,22"),  # may be two answers
        ("0,1", False, "0,1"),
        ("70,110", False, "70,110"),  # a thousands separator (cleaning removes it)
        ("1,22", True, "1.22"),
        ("12,5", True, "12.5"),
        ("1,200", True, "1,200"),
        ("1,2,3", True, "1,2,3"),
    ],
)
def test_decimal_comma(raw: str, single: bool, expected: str) -> None:
    """A comma is decimal only where it can be neither a thousands nor a list separator."""
    assert decimal_comma(raw, single) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2,74 €", ("2,74", True)), ("€5", ("5", True)), ("1,000.99$", ("1,000.99", True)), (r"\$18", ("18", True)),
     ("5 USD", ("5", True)), ("12 dollars", ("12", True)), ("x+5", ("x+5", False)), ("$5$", ("$5$", False))],
)
def test_strip_currency(raw: str, expected: tuple[str, bool]) -> None:
    """Currency signs and words around a lone number go, and say they were there."""
    assert strip_currency(raw) == expected


@pytest.mark.parametrize(
    ("raw", "single", "expected"),
    [
        (r"$1\,000$", False, "1000"),
        ("2,74 €", False, "2.74"),
        ("12,5", False, "12,5"),
        ("12,5", True, "12.5"),
        ("0,111", False, "0.111"),
        ("70,110", False, "70110"),
        ("1,000.99€", False, "1000.99"),
        ("½", False, r"\frac{1}{2}"),
    ],
)
def test_clean_answer_numbers(raw: str, single: bool, expected: str) -> None:
    """``clean_answer`` applies the number rules (``single_number`` for GSM8K)."""
    assert clean_answer(raw, single) == expected
