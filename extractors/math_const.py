"""Keys of constant expressions with square roots, pi and i, without sympy.

Answers such as ``2\\sqrt{5}``, ``\\frac{3\\sqrt{3}}{4}``, ``18+2\\pi``, ``\\frac{20000}{\\pi}``,
``137 \\frac{1}{2}`` or ``6-5i`` are a third of the answers the sympy path used to see
on MATH-500. :func:`constant_key` reads them with a small recursive-descent parser (no
``eval``; bounded by the length of the answer) into exact sums of terms
``c * sqrt(n) * pi^k * i^j`` (``c`` rational, ``n`` square-free) and gives exactly the
key ``math_canon`` gives: the rational itself, else the value to 15 significant digits
as sympy prints it (``"~1.41421356237310"``), complex numbers as ``"<re>+<im>i"``.

Anything outside that grammar (variables, ``\\sqrt[3]``, division by a sum, nested
radicals, powers that are not small integers) returns ``None`` and is left to sympy.
"""

from __future__ import annotations

import re
from fractions import Fraction

#: Longest answer (characters) read here.
MAX_CONST_CHARS = 200
#: Largest integer exponent expanded here.
MAX_POWER = 12
#: Largest radicand (and numerator/denominator under a root) factored here (by trial division).
MAX_RADICAND = 10**8
#: Most terms a value may have, and most bits of a coefficient (beyond them the sympy path decides).
MAX_TERMS = 32
MAX_BITS = 2048
#: Largest denominator that ``math_canon`` writes as an exact rational inside a complex key.
MAX_VALUE_DENOMINATOR = 10**6

_TOKEN = re.compile(r"\s*(\d+\.\d*|\.\d+|\d+|\\[A-Za-z]+|[-+*/^(){}\[\]i])")

#: A term's basis: (square-free radicand, power of pi, power of i in {0, 1}).
Basis = tuple[int, int, int]
#: A value: rational coefficients of basis terms.
Value = dict[Basis, Fraction]

_ONE: Basis = (1, 0, 0)


class _Decline(Exception):
    """The answer is outside the grammar (the sympy path keys it)."""


def _square_free(n: int) -> tuple[int, int]:
    """``n = outside**2 * inside`` with ``inside`` square-free."""
    if n > MAX_RADICAND:
        raise _Decline
    outside, inside, factor = 1, n, 2
    while factor * factor <= inside:
        while inside % (factor * factor) == 0:
            inside //= factor * factor
            outside *= factor
        factor += 1
    return outside, inside


def _add(a: Value, b: Value, sign: int = 1) -> Value:
    """``a + sign * b``, dropping zero terms."""
    out = dict(a)
    for basis, coefficient in b.items():
        out[basis] = out.get(basis, Fraction(0)) + sign * coefficient
    return {basis: c for basis, c in out.items() if c}


def _multiply(a: Value, b: Value) -> Value:
    """The product of two values (``sqrt(m) sqrt(n) = sqrt(mn)``, ``i^2 = -1``), within the size bounds."""
    if len(a) * len(b) > MAX_TERMS**2:
        raise _Decline
    out: Value = {}
    for (n1, k1, j1), c1 in a.items():
        for (n2, k2, j2), c2 in b.items():
            outside, inside = _square_free(n1 * n2)
            coefficient = c1 * c2 * outside * (-1 if j1 + j2 == 2 else 1)
            out = _add(out, {(inside, k1 + k2, (j1 + j2) % 2): coefficient})
    bits = max((max(abs(c.numerator).bit_length(), c.denominator.bit_length()) for c in out.values()), default=0)
    if len(out) > MAX_TERMS or bits > MAX_BITS:
        raise _Decline
    return out


def _inverse(a: Value) -> Value:
    """``1 / a`` for a single term (``1 / (c sqrt(n) pi^k i) = -i sqrt(n) / (c n pi^k)``)."""
    if len(a) != 1:
        raise _Decline
    ((n, k, j), c), = a.items()
    return {(n, -k, j): (-1 if j else 1) / (c * n)}


def _sqrt(a: Value) -> Value:
    """The square root of a non-negative rational."""
    if set(a) - {_ONE}:
        raise _Decline
    value = a.get(_ONE, Fraction(0))
    if value < 0:
        raise _Decline
    if value.numerator > MAX_RADICAND or value.denominator > MAX_RADICAND:
        raise _Decline
    outside, inside = _square_free(value.numerator * value.denominator)
    return {(inside, 0, 0): Fraction(outside, value.denominator)} if outside else {}


class _Parser:
    """Recursive descent over the tokens of one answer."""

    def __init__(self, answer: str) -> None:
        self.tokens: list[str] = []
        position = 0
        while position < len(answer):
            match = _TOKEN.match(answer, position)
            if not match:
                if answer[position:].strip():
                    raise _Decline
                break
            self.tokens.append(match.group(1))
            position = match.end()
        self.index = 0

    def peek(self) -> str | None:
        """The next token, or ``None`` at the end."""
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        """Consume the next token (which must be ``expected`` when given)."""
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _Decline
        self.index += 1
        return token

    def expression(self) -> Value:
        """``[+-] term ([+-] term)*``."""
        sign = -1 if self.peek() == "-" else 1
        if self.peek() in ("+", "-"):
            self.take()
        value = _multiply({_ONE: Fraction(sign)}, self.term())
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            value = _add(value, self.term(), sign)
        return value

    def term(self) -> Value:
        """Factors joined by ``\\cdot``, ``\\times``, ``*``, ``/`` or juxtaposition (not before a number)."""
        value = self.power()
        divided = False
        while True:
            token = self.peek()
            if token in ("\\cdot", "\\times", "*", "/"):
                self.take()
                factor = self.power()
                divided = divided or token == "/"
                value = _multiply(value, _inverse(factor) if token == "/" else factor)
            elif token is not None and token not in ("+", "-", ")", "}", "]"):
                if divided or token[0].isdigit() or token[0] == ".":
                    raise _Decline  # "a/b c", "2 3", "\\sqrt{2}3": left to the parser's own reading
                value = _multiply(value, self.power())
            else:
                return value

    def power(self) -> Value:
        """``atom [^ integer]`` (an exponent without braces is one digit, as in TeX)."""
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take("^")
        if self.peek() == "{":
            self.take("{")
            negative = self.peek() == "-"
            if negative:
                self.take()
            exponent = self.take()
            self.take("}")
        else:
            negative, exponent = False, self.take()
            if len(exponent) != 1:
                raise _Decline
        if not exponent.isdigit() or int(exponent) > MAX_POWER:
            raise _Decline
        result: Value = {_ONE: Fraction(1)}
        for _ in range(int(exponent)):
            result = _multiply(result, base)
        return _inverse(result) if negative else result

    def atom(self) -> Value:
        """A number, ``\\pi``, ``i``, ``\\frac{}{}``, ``\\sqrt{}`` or a parenthesised expression."""
        token = self.take()
        if token[0].isdigit() or token[0] == ".":
            if self.peek() == "\\frac" and token.isdigit():
                raise _Decline  # a mixed number inside an expression: left to the parser
            return {_ONE: Fraction(token)} if Fraction(token) else {}
        if token == "\\pi":
            return {(1, 1, 0): Fraction(1)}
        if token == "i":
            return {(1, 0, 1): Fraction(1)}
        if token == "\\frac":
            numerator, denominator = self.group(), self.group()
            return _multiply(numerator, _inverse(denominator))
        if token == "\\sqrt":
            if self.peek() != "{":
                digit = self.take()
                if not (digit.isdigit() and len(digit) == 1):
                    raise _Decline
                return _sqrt({_ONE: Fraction(int(digit))})
            return _sqrt(self.group())
        if token == "(":
            value = self.expression()
            self.take(")")
            return value
        if token == "{":
            self.index -= 1
            return self.group()
        raise _Decline

    def group(self) -> Value:
        """``{ expression }``."""
        self.take("{")
        value = self.expression()
        self.take("}")
        return value


def evaluate(answer: str) -> Value | None:
    """Read a constant expression into exact terms, or ``None`` when it is outside the grammar.

    Args:
        answer: A cleaned answer.

    Returns:
        The value (empty for zero), or ``None``.
    """
    if len(answer) > MAX_CONST_CHARS:
        return None
    mixed = re.fullmatch(r"(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}", answer)
    try:
        if mixed:
            sign, whole, numerator, denominator = mixed.groups()
            value = int(whole) + Fraction(int(numerator), int(denominator))
            return {_ONE: -value if sign else value} if value else {}
        parser = _Parser(answer)
        value = parser.expression()
        if parser.peek() is not None:
            return None
        return value
    except (_Decline, ZeroDivisionError, ValueError, RecursionError):
        return None


def _digits(value: Value) -> str | None:
    """``str(sympy.Float(v, 15))`` of an irrational real value, computed with mpmath (sympy's number library).

    ``None`` when a rational with denominator up to 10**6 lies within 1e-25 of the value:
    ``math_canon`` would then key it as that rational, so the sympy path decides.
    """
    import mpmath
    from mpmath import libmp

    with mpmath.workprec(200):
        total = mpmath.mpf(0)
        for (n, k, _), coefficient in value.items():
            total += mpmath.mpf(coefficient.numerator) / coefficient.denominator * mpmath.sqrt(n) * mpmath.pi**k
        magnitude = abs(total)
        mantissa, exponent = magnitude.man_exp
        near = Fraction(int(mantissa) * 2 ** max(exponent, 0), 2 ** max(-exponent, 0)).limit_denominator(
            MAX_VALUE_DENOMINATOR
        )
        if abs(mpmath.mpf(near.numerator) / near.denominator - magnitude) <= mpmath.mpf(10) ** -25 * max(1, magnitude):
            return None
    return libmp.to_str(libmp.mpf_pos(total._mpf_, 53, libmp.round_nearest), 15, strip_zeros=False)


def _real_key(value: Value) -> str | None:
    """The key of a real part: its rational, or ``~`` and its digits; ``None`` where sympy might differ."""
    if not value:
        return "0"
    if set(value) == {_ONE}:
        rational = value[_ONE]
        if rational.denominator > MAX_VALUE_DENOMINATOR or abs(rational.numerator) > MAX_RADICAND:
            return None  # math_canon may key such a number by value, or as a digest
        return str(rational)
    digits = _digits(value)
    return None if digits is None else "~" + digits


def constant_key(answer: str) -> str | None:
    """The ``math_canon`` key of a constant with square roots, pi and i, computed without sympy.

    Args:
        answer: A cleaned answer.

    Returns:
        The key (``"3/2"``, ``"~4.47213595499958"``, ``"6-5i"``), or ``None`` when the
        answer is outside the grammar.
    """
    value = evaluate(answer)
    if value is None:
        return None
    real = {basis: c for basis, c in value.items() if not basis[2]}
    imaginary = {(n, k, 0): c for (n, k, j), c in value.items() if j}
    if not imaginary:
        return _real_key(real)
    real_key, imaginary_key = _real_key(real), _real_key(imaginary)
    if real_key is None or imaginary_key is None:
        return None
    return f"{real_key}{'' if imaginary_key.startswith('-') else '+'}{imaginary_key}i"
