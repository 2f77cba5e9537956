"""Canonical keys for cleaned math answers, with sympy (run it in a worker, see ``math_worker``).

A key is a string; two answers get the same key exactly when they are judged the
same answer. The forms, by kind of answer:

* numbers: exact rationals, ``"3/2"`` (``1.50``, ``\\frac32``, ``3/2``); other real
  constants (radicals, pi, logs) by value to 15 significant digits, ``"~1.41421356237310"``;
  complex constants as ``"<re>+<im>i"``; infinities ``"oo"``/``"-oo"``;
* expressions with variables: sympy's expanded, cancelled form (``(x+1)^2`` and
  ``x^2+2x+1`` agree);
* ordered tuples/points and open intervals ``"(a, b)"``; other intervals ``"[a, b)"``;
  unions ``"A U B"``; unordered sets and comma lists ``"{a, b}"`` (sorted keys), so
  ``\\pm 2`` equals ``2, -2``; matrices ``"[[a, b], [c, d]]"``;
* ``x = 2`` (one variable, constant value) is the value ``2``; other equations and
  inequalities stay relations, ``"eq:"``/``"le:"``/``"lt:"``/``"ne:"`` + the
  left-minus-right side divided by its leading coefficient (sign flipped into the
  relation for inequalities); a one-variable linear inequality is its interval;
* text answers ``"text:monday"``; multiple-choice letters ``"choice:C"``.

Plain numbers, words and choice letters are keyed without sympy by ``math_fast``
(which also holds the guard that keeps hostile answers away from sympy). The LaTeX
parser is ``latex2sympy2_extended``; nothing here calls ``eval``, ``sympify`` or
``parse_expr`` on text.
"""

from __future__ import annotations

from fractions import Fraction

import sympy
from antlr4.atn.PredictionMode import PredictionMode
from latex2sympy2_extended.antlr_parser import PSParser
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, NormalizationConfig, _Latex2Sympy, normalize_latex
from sympy.core.function import AppliedUndef
from sympy.core.relational import Relational

from scpo_data.extractors.math_fast import fraction_key, quick_key, string_key

#: Significant digits of the value key of an irrational constant.
VALUE_DIGITS = 15

_NORMALISATION = NormalizationConfig(
    basic_latex=True, units=True, malformed_operators=True, nits=False, boxed="none", equations=False
)
_CONVERSION = ConversionConfig(interpret_as_mixed_fractions=True, interpret_simple_eq_as_assignment=False)

_SYMBOL_I = sympy.Symbol("i")


def canonical_key(answer: str) -> tuple[str, bool]:
    """Canonicalise a cleaned answer with latex2sympy2_extended and sympy.

    Slow and unbounded in the worst case: call it through ``math_worker`` (which
    applies ``math_fast.guard``, a time limit and a cache), not directly on model output.

    Args:
        answer: A cleaned answer (see ``math_extract.clean_answer``).

    Returns:
        ``(key, parsed)``: the canonical key and ``True``, or :func:`string_key` and
        ``False`` when the answer could not be parsed.
    """
    simple = quick_key(answer)
    if simple is not None:
        return simple, True
    return sympy_key(answer)


def sympy_key(answer: str) -> tuple[str, bool]:
    """Canonicalise a cleaned answer with the parser and sympy only (no quick path).

    Args:
        answer: A cleaned answer.

    Returns:
        ``(key, parsed)`` as in :func:`canonical_key`.
    """
    try:
        parsed = parse_latex(answer)
    except Exception:  # the parser raises bare Exceptions on syntax errors
        return string_key(answer), False
    try:
        return _key(parsed, top=True, tuple_like=answer.lstrip().startswith("(")), True
    except Exception:  # sympy can fail on odd but parseable input
        return string_key(answer), False


class _SllLatex2Sympy(_Latex2Sympy):
    """latex2sympy2_extended's converter with ANTLR's fast SLL prediction mode."""

    def create_parser(self, latex_str: str) -> PSParser:
        """The stock parser, switched to SLL prediction (about twice as fast as full LL)."""
        parser = super().create_parser(latex_str)
        parser._interp.predictionMode = PredictionMode.SLL
        return parser


def parse_latex(answer: str) -> object:
    """Parse LaTeX with latex2sympy2_extended: SLL prediction first, full LL when SLL fails.

    This is ANTLR's two-stage strategy: SLL accepts almost every answer quickly, and
    an input it rejects is re-parsed with the complete (slower) LL algorithm, so the
    set of accepted inputs is the parser's own.

    Args:
        answer: A cleaned answer.

    Returns:
        The sympy object (expression, relation, set, tuple, matrix, ...).

    Raises:
        Exception: The parser's own error when the LaTeX is not valid.
    """
    latex = normalize_latex(answer, _NORMALISATION)
    try:
        return _SllLatex2Sympy(config=_CONVERSION).parse(latex)
    except Exception:  # SLL may reject what LL accepts: retry with the full algorithm
        return _Latex2Sympy(config=_CONVERSION).parse(latex)


def _evaluate(expr: sympy.Basic) -> sympy.Basic:
    """Rebuild an unevaluated parse bottom-up so that sympy simplifies it; floats become rationals."""
    if isinstance(expr, sympy.Float):
        return sympy.Rational(str(expr))
    if isinstance(expr, sympy.UnevaluatedExpr):
        return _evaluate(expr.args[0])
    if expr == _SYMBOL_I:
        return sympy.I
    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(_evaluate)
    if not expr.args or isinstance(expr, (sympy.Symbol, sympy.Number)):
        return expr
    return expr.func(*[_evaluate(a) for a in expr.args])


def _value_key(value: sympy.Basic) -> str:
    """The key of a real number known to 40 digits: exact when it is a small-denominator rational."""
    if value == 0:
        return "0"
    fraction = Fraction(str(value)).limit_denominator(10**6)
    if abs(sympy.Rational(fraction) - value) <= sympy.Float(10, 40) ** -25 * max(1, abs(value)):
        return fraction_key(fraction)
    return "~" + str(sympy.Float(value, VALUE_DIGITS))


def _constant_key(expr: sympy.Expr) -> str:
    """The key of an expression without variables: exact rational, value or infinity."""
    if expr.is_Rational:
        return fraction_key(Fraction(int(expr.p), int(expr.q)))
    if expr in (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
        return str(expr)
    value = sympy.N(expr, 40)
    real, imag = value.as_real_imag()
    if not (real.is_Number and imag.is_Number):
        return str(sympy.expand(expr))
    if imag == 0:
        return _value_key(real)
    imag_key = _value_key(imag)
    return f"{_value_key(real)}{'' if imag_key.startswith('-') else '+'}{imag_key}i"


def _expr_key(expr: sympy.Expr) -> str:
    """The key of a scalar expression (constant or with variables)."""
    expr = _evaluate(expr)
    if not expr.free_symbols:
        return _constant_key(expr)
    canonical = sympy.cancel(sympy.expand(expr))
    return str(canonical)


def _leading_coefficient(expr: sympy.Expr) -> sympy.Expr:
    """A constant factor that makes ``expr`` monic-like: the coefficient of its first term."""
    symbols = sorted(expr.free_symbols, key=str)
    try:
        return sympy.Poly(expr, *symbols).LC()
    except sympy.PolynomialError:
        first = sympy.Add.make_args(expr)[0]
        return first.as_coeff_Mul()[0]


def _relation_key(rel: Relational, top: bool) -> str:
    """The key of an equation or inequality, canonical up to moving terms and a constant factor.

    Equations also clear their denominators; inequalities only constant ones (a
    variable denominator could flip the direction).

    An assignment (``x = 2``, ``f(x) = x^2``, ``x \\in [1, 2]``) is keyed as its value
    when it is the whole answer (``top``) and as ``"x=<value>"`` inside a list.
    """
    lhs, rhs = _evaluate(rel.lhs), _evaluate(rel.rhs)
    for target, value in ((lhs, rhs), (rhs, lhs)):
        if _is_assignment(rel, target, value):
            return _key(value, top=False) if top else f"{target}={_key(value, top=False)}"
    if isinstance(rel, sympy.Eq) and _is_symbol_tuple(lhs) and not _free_symbols(rhs):
        return _key(rhs, top=False, tuple_like=True)
    if isinstance(lhs, sympy.Set) or isinstance(rhs, sympy.Set):
        return f"rel:{_key(lhs, top=False)}:{type(rel).__name__}:{_key(rhs, top=False)}"
    interval = _as_interval(rel)
    if interval is not None:
        return _interval_key(interval)
    op = {sympy.Eq: "eq", sympy.Ne: "ne", sympy.Lt: "lt", sympy.Le: "le", sympy.Gt: "gt", sympy.Ge: "ge"}[type(rel)]
    diff = sympy.together(sympy.expand(lhs - rhs))
    numerator, denominator = diff.as_numer_denom()
    if op in ("eq", "ne"):  # clear denominators: y = 1/(x-1) is y(x-1) = 1
        diff = numerator
    elif not denominator.free_symbols:
        diff = -numerator if denominator.is_negative else numerator
    diff = sympy.cancel(sympy.expand(diff))
    if op in ("gt", "ge"):
        diff, op = -diff, "lt" if op == "gt" else "le"
    if diff == 0 or not diff.free_symbols:
        return f"{op}:{_expr_key(diff)}"
    coefficient = _leading_coefficient(diff)
    if coefficient.is_zero or coefficient.free_symbols:
        coefficient = sympy.Integer(1)
    if op in ("lt", "le"):
        coefficient = abs(coefficient)
    return f"{op}:{sympy.cancel(diff / coefficient)}"


def _is_assignment(rel: Relational, target: sympy.Basic, value: sympy.Basic) -> bool:
    """Whether ``rel`` says ``target = value`` with ``target`` a variable or ``f(x)`` and ``value`` free of it."""
    if not isinstance(rel, sympy.Eq) or not (target.is_Symbol or isinstance(target, AppliedUndef)):
        return False
    arguments = set(target.args) if isinstance(target, AppliedUndef) else set()
    return isinstance(value, sympy.Set) or not value.free_symbols - arguments


def _is_symbol_tuple(obj: sympy.Basic) -> bool:
    """Whether ``obj`` is a tuple of variables such as ``(x, y)`` (parsed as a tuple or an open interval)."""
    if isinstance(obj, sympy.Interval):
        return obj.left_open and obj.right_open and obj.start.is_Symbol and obj.end.is_Symbol
    return isinstance(obj, sympy.Tuple) and all(item.is_Symbol for item in obj)


def _free_symbols(obj: sympy.Basic) -> set[sympy.Symbol]:
    """The variables of an expression, set, tuple or matrix."""
    return set(getattr(obj, "free_symbols", set()))


def _interval_key(interval: sympy.Interval) -> str:
    """``(a, b]`` style key of an interval."""
    left = "(" if interval.left_open or interval.start == -sympy.oo else "["
    right = ")" if interval.right_open or interval.end == sympy.oo else "]"
    return f"{left}{_expr_key(interval.start)}, {_expr_key(interval.end)}{right}"


def _key(obj: object, top: bool, tuple_like: bool = False) -> str:
    """Dispatch on the kind of parsed answer; ``top`` is true for the whole answer."""
    if isinstance(obj, sympy.MatrixBase):
        rows = [[_key(obj[r, c], top=False) for c in range(obj.cols)] for r in range(obj.rows)]
        return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
    if isinstance(obj, (sympy.Tuple, tuple, list)):
        return "(" + ", ".join(_key(item, top=False) for item in obj) + ")"
    if isinstance(obj, sympy.Interval):
        if tuple_like and obj.left_open and obj.right_open:
            return f"({_expr_key(obj.start)}, {_expr_key(obj.end)})"
        return _interval_key(obj)
    if isinstance(obj, sympy.Union):
        merged = sympy.Union(*[_evaluate(part) for part in obj.args])
        if not isinstance(merged, sympy.Union):
            return _key(merged, top=False)
        return " U ".join(sorted(_key(part, top=False) for part in merged.args))
    if obj is sympy.S.EmptySet:
        return "{}"
    if obj == sympy.S.Reals:
        return "(-oo, oo)"
    if isinstance(obj, sympy.FiniteSet):
        items = sorted({_key(item, top=False) for item in obj.args})
        return items[0] if top and len(items) == 1 and not tuple_like else "{" + ", ".join(items) + "}"
    if isinstance(obj, sympy.And):
        parts = [_key(arg, top=False) for arg in obj.args]
        if all(p.startswith(("(", "[")) and " U " not in p for p in parts):
            intervals = [_as_interval(arg) for arg in obj.args]
            if all(i is not None for i in intervals):
                return _key(sympy.Intersection(*intervals), top=False)
        return "and:" + "; ".join(sorted(parts))
    if isinstance(obj, Relational):
        return _relation_key(obj, top)
    if isinstance(obj, (sympy.logic.boolalg.BooleanTrue, sympy.logic.boolalg.BooleanFalse)):
        return str(obj)
    if isinstance(obj, sympy.Expr):
        return _expr_key(obj)
    raise TypeError(f"cannot key {type(obj).__name__}")


def _as_interval(rel: sympy.Basic) -> sympy.Interval | None:
    """The interval of a one-variable linear inequality, or ``None``."""
    if not isinstance(rel, (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge)):
        return None
    diff = sympy.expand(_evaluate(rel.lhs) - _evaluate(rel.rhs))
    symbols = list(diff.free_symbols)
    if len(symbols) != 1 or not diff.is_polynomial(symbols[0]) or sympy.degree(diff, symbols[0]) != 1:
        return None
    slope = diff.coeff(symbols[0])
    point = -diff.subs(symbols[0], 0) / slope
    strict = isinstance(rel, (sympy.Lt, sympy.Gt))
    below = isinstance(rel, (sympy.Lt, sympy.Le)) == bool(slope > 0)
    if below:
        return sympy.Interval(-sympy.oo, point, right_open=strict)
    return sympy.Interval(point, sympy.oo, left_open=strict)
