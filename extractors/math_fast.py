"""Math answer keys that need no sympy: plain numbers, words, choice letters, and a safety guard.

These run in the calling process (cheap regular expressions, no parser):

* :func:`fast_key` keys plain numbers as exact rationals (``"3/2"``);
* :func:`sequence_key` keys tuples, sets, lists and intervals of plain numbers and
  ``x = <number>`` exactly as the sympy path would (``"(1, -2)"``, ``"{-4, 1}"``, ``"[2, oo)"``);
* ``math_const.constant_key`` keys constants with square roots, pi and i (``2\\sqrt{5}``, ``6-5i``);
* :func:`matrix_key` and :func:`plus_minus_key` key matrices of such numbers and ``a \\pm b``;
* :func:`quick_key` tries all of these;
* :func:`special_key` keys multiple-choice letters (``"choice:C"``), numbers in a
  base (``"base8:52"``) and word answers of three or more letters (``"text:monday"``);
* :func:`guard` says why an answer must not reach sympy (exponent towers, giant
  integers or factorials, deep nesting, excessive length);
* :func:`string_key` is the normalised-string fallback key (``"str:..."``).

Everything else goes to ``math_canon`` in a worker process (see ``math_worker``).
"""

from __future__ import annotations

import hashlib
import math
import re
from fractions import Fraction

from scpo_data.extractors.math_const import constant_key

#: Largest numerator or denominator (bits, about 300 digits) written out in a key.
MAX_KEY_BITS = 1000
#: Longest integer literal (digits) that is handed to sympy.
MAX_DIGITS = 300
#: Largest exponent (or factorial argument) of a numeric power that is handed to sympy.
MAX_EXPONENT = 10_000
#: Deepest brace/parenthesis nesting that is handed to the parser.
MAX_NESTING = 40
#: Longest cleaned answer (characters) that is handed to the parser.
MAX_PARSE_CHARS = 600

_PLAIN_NUMBER = re.compile(r"^([+-]?)\s*((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,2})?)$")
_PLAIN_FRACTION = re.compile(r"^([+-]?)\s*(\d+)\s*/\s*(\d+)$")
_LATEX_FRACTION = re.compile(r"^([+-]?)\s*\\frac\s*(?:\{\s*(-?\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))$")
_INFINITY = {"\\infty": "oo", "+\\infty": "oo", "-\\infty": "-oo"}
_BRACKETED = re.compile(r"^(\\\{|[(\[])(.*)(\\\}|[)\]])$")
_AMBIGUOUS_COMMA = re.compile(r",\d{3}(?!\d)")
_ASSIGNMENT = re.compile(r"^[A-Za-z]\s*=\s*([^=]+)$")
_CHOICE = re.compile(r"^\(?\s*([A-E])\s*\)?$|^\(([A-E])\)(?![\s+\-*/^=_.,)])")
_BASE = re.compile(r"^([0-9A-Za-z]+)_\{?(\d{1,2})\}?$")
_REPEATING = re.compile(r"^([+-]?)(\d*)\.(\d*)\\overline\{(\d{1,20})\}$")
_MATRIX = re.compile(r"^\\begin\{([pb]matrix)\}(.*)\\end\{\1\}$", re.DOTALL)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})\s*([ap])\.?\s*m\.?$", re.IGNORECASE)
_TEXT = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")
#: Letter runs that are math, not words, when they stand alone.
_MATH_NAMES = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "sqrt", "sinh", "cosh", "tanh"}
    | {"arcsin", "arccos", "arctan", "inf", "infty"}
)
_DIGIT_RUN = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
_POWER_TAIL = re.compile(r"\^([\d\s{}^]*)")
_FACTORIAL = re.compile(r"(\d+)\s*!")


def fraction_key(value: Fraction) -> str:
    """The key of a rational number: ``"n"`` or ``"n/d"`` in lowest terms.

    A number whose numerator or denominator exceeds :data:`MAX_KEY_BITS` (``1/2004!``)
    is keyed by a digest, ``"big:<sha256 prefix>"``: exact, but short.
    """
    if max(abs(value.numerator).bit_length(), value.denominator.bit_length()) > MAX_KEY_BITS:
        digest = hashlib.sha256(f"{value.numerator:x}/{value.denominator:x}".encode()).hexdigest()
        return "big:" + digest[:32]
    return str(value)


def fast_key(answer: str) -> str | None:
    """Key a plain number without sympy, as an exact rational.

    Plain numbers are ``12``, ``-3.50``, ``.5``, ``1e3``, ``3/4``, ``\\frac{3}{4}`` and
    repeating decimals ``0.\\overline{3}``.

    Args:
        answer: A cleaned answer (see ``math_extract.clean_answer``).

    Returns:
        The rational key, or ``None`` when the answer is not a plain number.
    """
    if len(answer) > MAX_DIGITS:
        return None
    match = _PLAIN_NUMBER.match(answer)
    if match:
        return fraction_key(Fraction(match.group(1) + match.group(2)))
    match = _PLAIN_FRACTION.match(answer) or _LATEX_FRACTION.match(answer)
    if match:
        sign, *parts = match.groups()
        num, den = [p for p in parts if p is not None]
        if int(den) == 0:
            return None
        return fraction_key(Fraction(-int(num) if sign == "-" else int(num), int(den)))
    match = _REPEATING.match(answer)
    if match:
        sign, whole, fixed, repeat = match.groups()
        value = Fraction(int(whole or "0")) + Fraction(int(fixed or "0"), 10 ** len(fixed))
        value += Fraction(int(repeat), (10 ** len(repeat) - 1) * 10 ** len(fixed))
        return fraction_key(-value if sign == "-" else value)
    return None


def _item_key(item: str) -> str | None:
    """Key of one element of a sequence: a number (with roots, pi or i) or an infinity."""
    item = item.strip()
    return _INFINITY.get(item) or fast_key(item) or constant_key(item)


def _value(key: str) -> Fraction | float | None:
    """The real number behind an item key, for ordering interval ends (``None`` for a complex one)."""
    if key in ("oo", "-oo"):
        return float(key.replace("oo", "inf"))
    try:
        return float(key[1:]) if key.startswith("~") else Fraction(key)
    except ValueError:
        return None


def sequence_key(answer: str) -> str | None:
    """Key a tuple, set, list or interval of plain numbers, or ``x = <number>``, without sympy.

    Items may be constants with roots, pi or i (``(3, \\frac{\\pi}{2})``). The keys are
    those ``math_canon`` gives the same answers: ``(a, b)`` and longer
    tuples, ``\\{a, b\\}`` and bare lists ``a, b`` as sorted sets, ``[a, b)``-style
    intervals with ``a < b`` (``-oo``/``oo`` ends). Anything else (an empty or
    reversed interval, ``(1,000, 2)`` whose commas are ambiguous) returns ``None``
    and is left to sympy.

    Args:
        answer: A cleaned answer.

    Returns:
        The key, or ``None``.
    """
    assignment = _ASSIGNMENT.match(answer)
    if assignment:
        return fast_key(assignment.group(1).strip())
    if "," not in answer or _AMBIGUOUS_COMMA.search(answer) or len(answer) > MAX_DIGITS:
        return None
    bracketed = _BRACKETED.match(answer)
    left, body, right = bracketed.groups() if bracketed else ("", answer, "")
    keys = [_item_key(item) for item in body.split(",")]
    if any(key is None for key in keys):
        return None
    finite = [k for k in keys if k not in ("oo", "-oo")]
    if left == "(" and right == ")":
        return "(" + ", ".join(keys) + ")"  # type: ignore[arg-type]
    if (left, right) in (("\\{", "\\}"), ("", "")) and len(finite) == len(keys):
        unique = sorted(set(finite))
        return unique[0] if len(unique) == 1 else "{" + ", ".join(unique) + "}"
    if left in "([" and right in ")]" and left and len(keys) == 2:
        start, end = keys
        low, high = _value(start), _value(end)  # type: ignore[arg-type]
        if low is not None and high is not None and low < high:
            opening = "(" if left == "(" or start == "-oo" else "["
            closing = ")" if right == ")" or end == "oo" else "]"
            return f"{opening}{start}, {end}{closing}"
    return None


def matrix_key(answer: str) -> str | None:
    """Key a ``pmatrix``/``bmatrix`` of numbers (constants with roots, pi and i too) without sympy.

    Args:
        answer: A cleaned answer.

    Returns:
        ``"[[a, b], [c, d]]"`` as ``math_canon`` writes it, or ``None``.
    """
    match = _MATRIX.match(answer)
    if not match or len(answer) > MAX_PARSE_CHARS:
        return None
    rows = re.split(r"\\\\", match.group(2))
    if rows and not rows[-1].strip():
        rows.pop()
    cells = [[_item_key(cell) for cell in row.split("&")] for row in rows]
    if not cells or len({len(row) for row in cells}) != 1:
        return None
    if any(key is None or key in _INFINITY.values() for row in cells for key in row):
        return None
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in cells) + "]"  # type: ignore[arg-type]


def plus_minus_key(answer: str) -> str | None:
    """Key ``a \\pm b`` of constants as the set ``{a - b, a + b}`` without sympy.

    Args:
        answer: A cleaned answer.

    Returns:
        The set key as ``math_canon`` writes it, or ``None``.
    """
    parts = answer.split("\\pm")
    if len(parts) != 2 or not parts[1].strip():
        return None
    base, spread = parts[0].strip() or "0", parts[1].strip()
    keys = {constant_key(f"{base}+({spread})"), constant_key(f"{base}-({spread})")}
    if None in keys:
        return None
    items = sorted(keys)  # type: ignore[type-var]
    return items[0] if len(items) == 1 else "{" + ", ".join(items) + "}"  # type: ignore[arg-type]


def quick_key(answer: str) -> str | None:
    """Key an answer without sympy: a number, a constant with roots, pi or i, a sequence of those, a word, a letter.

    Args:
        answer: A cleaned answer.

    Returns:
        The key (the same one the sympy path would give), or ``None``.
    """
    return (
        fast_key(answer)
        or sequence_key(answer)
        or constant_key(answer)
        or matrix_key(answer)
        or plus_minus_key(answer)
        or special_key(answer)
    )


def string_key(answer: str) -> str:
    """The fallback key of an answer that could not be canonicalised: ``"str:" + normalised text``.

    Args:
        answer: A cleaned answer.

    Returns:
        Lower-cased with all whitespace removed, prefixed with ``str:``.
    """
    return "str:" + re.sub(r"\s+", "", answer).lower()


def special_key(answer: str) -> str | None:
    """Key a choice letter, a number in a base, a clock time or a word answer without sympy.

    ``(C)``, ``C`` and ``(C) 12`` -> ``choice:C``; ``52_8`` -> ``base8:52``; a clock time
    ``4:30 p.m.`` -> ``time:4:30pm``; a word of
    three or more letters (``Monday``, ``odd``, ``no solution``; also ``no``) ->
    ``text:monday``, case-insensitive. Lone letters and pairs (``x``, ``ab``) stay math.

    Args:
        answer: A cleaned answer.

    Returns:
        The key, or ``None`` when the answer is neither.
    """
    match = _CHOICE.match(answer)
    if match:
        return "choice:" + (match.group(1) or match.group(2))
    match = _CLOCK.match(answer)
    if match:
        return f"time:{int(match.group(1))}:{match.group(2)}{match.group(3).lower()}m"
    match = _BASE.match(answer)
    if match and not match.group(1).isalpha():
        return f"base{int(match.group(2))}:{match.group(1).upper()}"
    words = answer.lower()
    if _TEXT.match(answer) and (" " in answer or len(answer) >= 3 or words == "no") and words not in _MATH_NAMES:
        return "text:" + " ".join(words.split())
    return None


def _power_exponent_too_big(answer: str) -> bool:
    """Whether some numeric exponent is huge, counting chains: ``2^{10^{6}}``, ``2^2^2^...``, ``9^{9^{9^{9}}}``.

    The exponent of each ``^`` is the run of digits, braces, spaces and further ``^``
    after it, valued as a power tower.
    """
    return any(_tower_value(match.group(1)) > MAX_EXPONENT for match in _POWER_TAIL.finditer(answer))


def _tower_value(exponent: str) -> float:
    """An upper bound of a numeric power tower such as ``9^{9^{9}}`` (inf when huge); 0 if not numeric."""
    text = exponent.replace(" ", "")
    if not re.fullmatch(r"[\d{}^+\-()]*", text):
        return 0.0
    numbers = [int(n) for n in re.findall(r"\d+", text) if len(n) <= 6]
    if len(numbers) != len(re.findall(r"\d+", text)):
        return float("inf")
    if "^" not in text:
        return float(max(numbers, default=0))
    value = 1.0
    for base in reversed(numbers):
        if base <= 1:
            value = 1.0
        elif value * math.log10(base) > 18:
            return float("inf")
        else:
            value = float(base) ** value
    return value


def guard(answer: str) -> str | None:
    """Say why an answer must not reach sympy, or ``None`` when it is safe to parse.

    Rejected: answers longer than :data:`MAX_PARSE_CHARS`, brace nesting deeper than
    :data:`MAX_NESTING`, integer literals longer than :data:`MAX_DIGITS` digits,
    numeric exponents or factorials above :data:`MAX_EXPONENT` (``9^{9^{9^{9}}}``).

    Args:
        answer: A cleaned answer.

    Returns:
        A short reason, or ``None``.
    """
    if len(answer) > MAX_PARSE_CHARS:
        return "too long"
    depth = deepest = 0
    for ch in answer:
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth -= 1
    if deepest > MAX_NESTING:
        return "nested too deeply"
    if _DIGIT_RUN.search(answer):
        return "giant integer"
    if any(len(n) > 6 or int(n) > MAX_EXPONENT for n in _FACTORIAL.findall(answer)):
        return "giant factorial"
    if _power_exponent_too_big(answer):
        return "giant exponent"
    return None
