"""GSM8K-grade number extraction with exact rational keys.

Finds the final answer by, in order of preference, the last ``#### <answer>`` line,
the last ``\\boxed{...}``, the last "answer is ..." phrase, and finally the last
number in the text. Currency signs, thousands separators, units, percent signs and
trailing periods are stripped; the number becomes an exact rational
(:class:`fractions.Fraction`) whose string form is the key (``"3/2"``, ``"-7"``).
No ``eval`` and no sympy: plain regular expressions on a bounded slice of text.
"""

from __future__ import annotations

import re
from fractions import Fraction

from scpo_data.extractors.base import (
    NO_ANSWER,
    STATUS_OK,
    STATUS_UNPARSED,
    Answer,
    Extractor,
)

#: Longest answer text (characters) that is looked at; longer ones are cut.
MAX_ANSWER_CHARS = 200
#: Longest number (digits) that is turned into a rational.
MAX_DIGITS = 60

_NUMBER = re.compile(
    r"(?<![\w.])-?\s?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?/\s?\d+)?(?!\w)"
    r"|(?<![\w.])-?\.\d+"
)
_HASHES = re.compile(r"####\s*([^\n]*)")
_ANSWER_IS = re.compile(
    r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?\s*([^\n]*)", re.IGNORECASE
)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?\d+)\s*\}\s*\{\s*(\d+)\s*\}")


def last_boxed(text: str) -> str | None:
    """Return the content of the last ``\\boxed{...}`` with balanced braces, if any."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    for start in reversed(starts):
        depth = 1
        for i in range(start, min(len(text), start + 10 * MAX_ANSWER_CHARS)):
            ch = text[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return text[start:i]
    return None


def parse_number(text: str) -> Fraction | None:
    """Parse the first number in a short answer string into an exact rational.

    Handles ``1,234``, ``$5``, ``-3.50``, ``3/4``, ``\\frac{3}{4}``, ``50%`` (as 50)
    and trailing units or periods. Returns ``None`` when no number is present.
    """
    text = text[:MAX_ANSWER_CHARS]
    frac = _LATEX_FRAC.search(text)
    if frac:
        num, den = int(frac.group(1)), int(frac.group(2))
        return Fraction(num, den) if den else None
    match = _NUMBER.search(text)
    if not match:
        return None
    return _to_fraction(match.group(0))


def _to_fraction(token: str) -> Fraction | None:
    token = re.sub(r"[\s$,]", "", token)
    if len(token) > MAX_DIGITS:
        return None
    if "/" in token:
        num, den = token.split("/", 1)
        if not den or float(den) == 0:
            return None
        return Fraction(num) / Fraction(den)
    return Fraction(token)


def fraction_key(value: Fraction) -> str:
    """The canonical key of a rational: ``"n"`` or ``"n/d"`` in lowest terms."""
    return str(value)


class NumericExtractor(Extractor):
    """Extract a final numeric answer (GSM8K style) and key it as an exact rational."""

    domain = "gsm8k"

    def __init__(self, domain: str = "gsm8k") -> None:
        self.domain = domain  # type: ignore[misc]

    def extract(self, text: str) -> Answer:
        """Find the final number in ``text``; see the module docstring for the order."""
        for candidate in self._candidates(text):
            answer = self.canonical(candidate)
            if answer.found:
                return answer
        numbers = _NUMBER.findall(text)
        if numbers:
            value = _to_fraction(numbers[-1])
            if value is not None:
                return Answer(fraction_key(value), STATUS_OK, numbers[-1].strip())
        return NO_ANSWER

    def canonical(self, answer_text: str) -> Answer:
        """Key a bare answer such as ``"1,200"`` or ``"$18.00"``."""
        raw = answer_text.strip()[:MAX_ANSWER_CHARS]
        if not raw:
            return NO_ANSWER
        value = parse_number(raw)
        if value is None:
            normalised = " ".join(raw.lower().split()).rstrip(".")
            return Answer(normalised or None, STATUS_UNPARSED if normalised else "no_answer", raw)
        return Answer(fraction_key(value), STATUS_OK, raw)

    @staticmethod
    def _candidates(text: str) -> list[str]:
        """Answer strings marked as final, most preferred first."""
        found: list[str] = []
        hashes = _HASHES.findall(text)
        if hashes:
            found.append(hashes[-1])
        boxed = last_boxed(text)
        if boxed is not None:
            found.append(boxed)
        answer_is = _ANSWER_IS.findall(text)
        if answer_is:
            found.append(answer_is[-1])
        return [c for c in found if parse_number(c) is not None]
