"""How numbers are written: digit-group separators, decimal commas and currency signs.

Plain string work on a cut-out answer (no parser, no ``eval``):

* :func:`join_digit_groups` removes thousands separators that are not commas: ``\\,``,
  ``{,}``, thin and no-break spaces and single spaces, but only between groups of
  exactly three digits (``1\\,000`` and ``1 000`` are 1000; ``1 2`` stays two numbers);
* :func:`strip_currency` drops currency signs and codes around a number (``2,74 €``,
  ``€5``, ``1,000.99$``, ``5 USD``) and says whether there was one;
* :func:`decimal_comma` reads ``1000,99`` or ``0,111`` as a decimal, where the comma
  can be neither a thousands separator nor a list separator; a number that carried a
  currency sign (``2,74 €``) is always a single amount.
"""

from __future__ import annotations

import re

#: Separators between groups of three digits, besides the plain comma (handled in ``math_extract``).
_GROUP_SEPARATOR = r"(?:\\[,;: ]|\s*\{,\s*\}\s*|[ \u2009\u202f\u00a0]|~)"
_GROUPED = re.compile(rf"(?<![\d.,])(\d{{1,3}})((?:{_GROUP_SEPARATOR}\d{{3}})+)(?![\d])")
_SEPARATOR = re.compile(_GROUP_SEPARATOR)
_CURRENCY_SIGN = r"(?:\\\$|\$|€|£|¥|₹|\\euro|\\pounds|USD|EUR|GBP|dollars?|euros?)"
_CURRENCY_AFTER = re.compile(rf"^(-?[\d.,]+)\s*{_CURRENCY_SIGN}\.?$")
_CURRENCY_BEFORE = re.compile(rf"^(-?)\s*{_CURRENCY_SIGN}\s*([\d.,]+)$")
_COMMA_NUMBER = re.compile(r"^(-?)(\d+),(\d+)$")


def join_digit_groups(answer: str) -> str:
    """Remove ``\\,``, ``{,}``, thin/no-break/single spaces between three-digit groups: ``1\\,000`` -> ``1000``.

    Args:
        answer: An answer string (LaTeX or plain).

    Returns:
        The answer with those separators removed; anything else is left as it was.
    """
    return _GROUPED.sub(lambda m: m.group(1) + _SEPARATOR.sub("", m.group(2)), answer)


def strip_currency(answer: str) -> tuple[str, bool]:
    """Drop a currency sign or word before or after a lone number (``€5``, ``2,74 €``, ``5 dollars``).

    Args:
        answer: A cleaned answer.

    Returns:
        The number alone and ``True``, or the answer unchanged and ``False``.
    """
    after = _CURRENCY_AFTER.match(answer)
    if after:
        return after.group(1), True
    before = _CURRENCY_BEFORE.match(answer)
    if before:
        return before.group(1) + before.group(2), True
    return answer, False


def decimal_comma(answer: str, single_number: bool = False) -> str:
    """Read the comma of ``A,B`` as a decimal point where it cannot be anything else.

    It cannot be a thousands separator when ``B`` is not three digits or ``A`` is
    ``0`` or longer than three digits. It cannot be a list separator (``1,2`` as the
    two solutions 1 and 2) when ``A`` is ``0`` and ``B`` has at least three digits,
    when ``A`` has more than three digits, or when the caller knows the answer is a
    single number (a currency amount, a GSM8K answer).

    Args:
        answer: A cleaned answer without spaces.
        single_number: Whether the answer is known to be one number.

    Returns:
        ``A.B`` where the comma is a decimal comma, else the answer unchanged.
    """
    match = _COMMA_NUMBER.match(answer)
    if not match:
        return answer
    sign, whole, fraction = match.groups()
    thousands = len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0")
    if thousands:
        return answer
    if single_number or len(whole) > 3 or (whole == "0" and len(fraction) >= 3):
        return f"{sign}{whole}.{fraction}"
    return answer
