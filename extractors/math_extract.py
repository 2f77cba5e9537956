"""Find the final answer in a free-form math solution and clean its LaTeX.

Everything here is plain string work on bounded slices of text, with regular
expressions that cannot backtrack catastrophically: no sympy, no ``eval``. Two jobs:

* :func:`find_answer` cuts the final answer out of a whole response: the last of
  ``\\boxed{...}`` / ``\\fbox{...}`` (balanced braces, or ``\\boxed 5``), ``#### x``,
  "The final answer is x", "Answer: x" and a bold ``**x**`` on the last line.
* :func:`clean_answer` turns the cut-out answer into a normalised LaTeX string:
  no ``$``, ``\\(``, ``\\left``/``\\right``, spacing commands, ``^\\circ``, ``\\%``,
  trailing units in ``\\text{...}`` or thousands separators (``7,425,000``), while
  tuples such as ``(1, 2)`` and lists keep their commas.

:func:`last_number` is the GSM8K-only fallback (the last number in the text).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from scpo_data.extractors.math_numbers import decimal_comma, join_digit_groups, strip_currency
from scpo_data.extractors.math_prose import strip_markdown, without_prose

#: Longest answer (characters) that is kept after cutting it out of a response.
MAX_ANSWER_CHARS = 2000
#: Longest box content (characters) that is taken as an answer.
MAX_BOXED_CHARS = 5000
#: Only this many trailing characters of a response are searched for "answer" phrases.
MAX_TAIL_CHARS = 20000

_BOXED = re.compile(r"\\(?:boxed|fbox)\b\s*")
_BRACE_TOKEN = re.compile(r"\\.|[{}]", re.DOTALL)
_HASHES = re.compile(r"####[ \t]*([^\n]*)")
_PHRASE = re.compile(
    r"(?:the\s+final\s+answer\s+is|final\s+answer\s*(?:is)?\s*:|the\s+answer\s+is"
    r"|^[ \t>#*_]*answer\s*:)[ \t*]*:?[ \t]*([^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
_INLINE_MATH = re.compile(r"\$\$?([^$]+)\$\$?|\\\((.+?)\\\)|\\\[(.+?)\\\]")
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])|(?<![\w.])-?\.\d+")

_DELIMS = (("\\(", "\\)"), ("\\[", "\\]"), ("$", "$"))
_SPACING = re.compile(r"\\[,;:>]|\\quad|\\qquad|\\displaystyle|\\textstyle|~")
_LEFT_RIGHT = re.compile(
    r"\\(?:left|right|big|Big|bigg|Bigg)[lr]?\s*(\\[{}|]|[()\[\]|.]|\\[lr]?[vV]ert|\\langle|\\rangle)"
)
_DEGREES = re.compile(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)|\\circ|\\degree|°")
_PERCENT = re.compile(r"\\?%")
_FRAC_VARIANTS = re.compile(r"\\[dtc]frac")
_TEXT_CMD = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_TRAILING_TEXT = re.compile(r"^(.*?\S)\s*\\(?:text|textbf|textrm|mathrm|mbox)\s*\{\s*[^{}]*\}\s*(?:\^\s*\{?\d+\}?)?$")
_THOUSANDS = re.compile(r"(?<![\d.,])([1-9]\d{0,2}(?:,\d{3})+)(?![\d,]|\.\d*,)")
_TRAILING_WORDS = re.compile(
    r"^(-?\s*\\?\$?\s*[\d.,/]+)\s+[A-Za-z]{2,}(?:[\s.]+[A-Za-z]+)*(?:\^\{?\d\}?)?\.?$"
)
_SAME_VARIABLE = re.compile(r"^([A-Za-z])=[^,=]+(?:, ?\1=[^,=]+)+$")
_LEADING_DOLLAR = re.compile(r"^(-?)\s*\\\$\s*")
_VULGAR_FRACTIONS = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5), "⅗": (3, 5),
    "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8),
}  # fmt: skip
_UNICODE = str.maketrans(
    {
        "∞": r"\infty ",
        "π": r"\pi ",
        "√": r"\sqrt",
        "\u2212": "-",  # minus sign
        "\u00d7": r"\times ",  # multiplication sign
        "·": r"\cdot ",
        "÷": "/",
        "≤": r"\le ",
        "≥": r"\ge ",
        "≠": r"\ne ",
        "∅": r"\emptyset ",
        "±": r"\pm ",
        "∈": r"\in ",
        "²": "^2",
        "³": "^3",
        **{fraction: rf"\frac{{{num}}}{{{den}}}" for fraction, (num, den) in _VULGAR_FRACTIONS.items()},
    }
)
_LEADING_RELATION = re.compile(r"^\s*(?:\\approx|≈|=)\s*")
_SQRT_PARENTHESES = re.compile(r"\\sqrt\s*\(([^()]*)\)")  # from a Unicode root: √(2)
_PHANTOM = re.compile(r"\\[hv]?phantom\s*(?:\{[^{}]*\}|[^\s{])")  # \phantom -1 is 1
_TEXT_AND_OR = re.compile(r",?\s*\\text\s*\{\s*(?:and|or)\s*\}\s*,?")
_BARE_FRAC = re.compile(r"\\frac\s*(\\[A-Za-z]+|\w)\s*(\\[A-Za-z]+|\w)")
_OPERATOR_SPACE = re.compile(r"\s*([{}()\[\]+\-=^_/*<>|&])\s*")
_WRAPPED = re.compile(r"^\s*(?:[(\[{]|\\\{).*(?:[)\]}]|\\\})\s*$", re.DOTALL)


class Found(NamedTuple):
    """A final-answer candidate: where it starts in the response and its text."""

    start: int
    text: str


def _closing_braces(text: str, start: int = 0) -> dict[int, int]:
    """Map the index of every ``{`` from ``start`` on to the index of its matching ``}`` (one linear pass).

    Escaped characters (``\\{``, ``\\}``, ``\\\\``) are skipped; unmatched braces are left out.
    """
    closing: dict[int, int] = {}
    stack: list[int] = []
    for token in _BRACE_TOKEN.finditer(text, start):
        brace = token.group(0)
        if brace == "{":
            stack.append(token.start())
        elif brace == "}" and stack:
            closing[stack.pop()] = token.start()
    return closing


def _boxed_contents(text: str) -> list[Found]:
    """Every ``\\boxed``/``\\fbox`` in ``text`` with its balanced-brace content (linear time)."""
    found: list[Found] = []
    closing: dict[int, int] | None = None
    for match in _BOXED.finditer(text):
        start = match.end()
        if start < len(text) and text[start] == "{":
            if closing is None:
                closing = _closing_braces(text, match.start())
            end = closing.get(start)
            if end is not None and end - start <= MAX_BOXED_CHARS:
                found.append(Found(match.start(), text[start + 1 : end]))
        else:
            bare = re.match(r"[^\s$]+", text[start : start + MAX_ANSWER_CHARS])
            if bare:
                found.append(Found(match.start(), bare.group(0)))
    return found


def last_boxed(text: str) -> str | None:
    """Return the content of the last ``\\boxed{...}`` / ``\\fbox{...}`` in ``text``.

    Braces are balanced (nested braces are kept); ``\\boxed 5`` without braces
    yields ``5``. An unclosed box is skipped in favour of an earlier closed one.

    Args:
        text: A whole response or any LaTeX string (untrusted).

    Returns:
        The box content, or ``None`` when there is no complete box.
    """
    found = _boxed_contents(text)
    return found[-1].text if found else None


def _phrase_answer(captured: str) -> str:
    """The answer inside a "the answer is ..." line: its math segment, or the sentence."""
    math = _INLINE_MATH.search(captured)
    if math:
        return next(g for g in math.groups() if g is not None)
    return re.split(r"\.(?:\s|$)", captured, maxsplit=1)[0]


def find_answer(text: str) -> str | None:
    """Cut the final answer out of a free-form solution; the last marked answer wins.

    The candidates are every ``\\boxed``/``\\fbox``, ``#### x`` line, "The final
    answer is x" / "the answer is x" / "Answer: x" phrase and a bold ``**x**`` on the
    last non-empty line; a phrase whose text holds a box defers to that box.

    Args:
        text: The model's whole response (untrusted, any length).

    Returns:
        The raw answer text (not yet cleaned), or ``None`` when nothing is marked.
    """
    candidates = _boxed_contents(text)
    offset = max(0, len(text) - MAX_TAIL_CHARS)
    tail = text[offset:]
    for match in _HASHES.finditer(tail):
        candidates.append(Found(offset + match.start(), match.group(1)))
    for match in _PHRASE.finditer(tail):
        captured = match.group(1)
        if "\\boxed" in captured or "\\fbox" in captured:
            continue
        captured = captured[:MAX_ANSWER_CHARS].replace("**", "").strip()
        if captured:
            candidates.append(Found(offset + match.start(), _phrase_answer(captured)))
    lines = [line for line in tail.splitlines() if line.strip()]
    if lines:
        last_line = lines[-1]
        bold = list(_BOLD.finditer(last_line))
        if bold:
            inner = re.sub(r"^(?:final\s+)?answer\s*(?:is)?\s*:?\s*", "", bold[-1].group(1), flags=re.I)
            candidates.append(Found(offset + tail.rfind(last_line) + bold[-1].start(), inner))
    candidates = [c for c in candidates if c.text.strip()]
    if not candidates:
        return None
    return max(candidates, key=lambda c: c.start).text.strip()[:MAX_ANSWER_CHARS]


def last_number(text: str) -> str | None:
    """The last number written in ``text`` (GSM8K fallback), e.g. ``"1,200"`` or ``"-3.5"``.

    Args:
        text: A whole response (untrusted).

    Returns:
        The number as written, or ``None`` when the text has no number.
    """
    numbers = _NUMBER.findall(text[-MAX_TAIL_CHARS:])
    return numbers[-1] if numbers else None


def _strip_delimiters(answer: str) -> str:
    """Remove math-mode delimiters around (and ``$`` signs inside) an answer."""
    answer = answer.strip()
    changed = True
    while changed:
        changed = False
        for left, right in _DELIMS:
            if answer.startswith(left) and answer.endswith(right) and len(answer) >= len(left) + len(right):
                answer = answer[len(left) : len(answer) - len(right)].strip()
                changed = True
    answer = _LEADING_DOLLAR.sub(r"\1", answer)
    return answer.replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")


@functools.lru_cache(maxsize=65536)
def clean_answer(answer: str, single_number: bool = False) -> str:
    """Normalise a cut-out answer string before it is keyed.

    Removes markdown marks around the answer (``**12**``, `` `33` ``) and the words
    around its math (``Answer $ 9 $`` -> ``9``: text is never math, see
    ``math_prose.without_prose``); drops a currency sign (``2,74 €``); maps Unicode
    math symbols (infinity, pi, root, minus, ...) to LaTeX; removes math
    delimiters, a leading ``=``/``\\approx``, ``\\phantom``, ``\\left``/``\\right``,
    spacing commands (``\\!``, ``\\,``), ``^\\circ``,
    ``\\%`` (the MATH convention: ``10\\%`` matches ``10``), trailing ``\\text{...}``
    units and trailing unit words after a number; unwraps the remaining
    ``\\text{...}`` (``\\text{ and }`` becomes a comma); rewrites ``\\dfrac``/``\\tfrac``
    as ``\\frac`` and braces bare arguments (``\\frac \\pi4`` -> ``\\frac{\\pi}{4}``); removes
    digit-group separators (``1\\,000``, ``1{,}000``, ``1 000``) and thousands commas
    outside brackets (``7,425,000`` -> ``7425000`` but ``(1,234, 5)`` keeps its commas);
    reads a decimal comma where it cannot be a separator (``1000,99``, see
    ``math_numbers.decimal_comma``); turns values of one variable (``x = 2, x = -3``)
    into a list of the values; removes group braces around the whole answer and
    spaces around operators and brackets (TeX ignores them; fewer distinct strings
    means more cache hits); drops trailing punctuation.

    Results are cached (responses that agree repeat the same answer text).

    Args:
        answer: The answer as cut out of a response or given as a gold label.
        single_number: The answer is known to be one number (GSM8K): ``12,5`` is 12.5, not a list.

    Returns:
        The cleaned answer (possibly empty).
    """
    answer = without_prose(strip_markdown(answer[:MAX_ANSWER_CHARS]))
    answer, had_currency = strip_currency(answer.strip().rstrip("."))
    answer = _SQRT_PARENTHESES.sub(r"\\sqrt{\1}", _strip_delimiters(answer.translate(_UNICODE)))
    answer = _strip_group_braces(re.sub(r",\s*\\!\s*", ",", answer).replace("\\!", ""))
    answer = join_digit_groups(answer)
    answer = _SPACING.sub(" ", answer)
    answer = _LEADING_RELATION.sub("", _PHANTOM.sub("", answer))
    answer = _LEFT_RIGHT.sub(r"\1", answer)
    answer = answer.replace("\\left.", "").replace("\\right.", "").replace("\\varnothing", "\\emptyset")
    answer = _DEGREES.sub("", answer)
    answer = _PERCENT.sub("", answer)
    answer = _FRAC_VARIANTS.sub(r"\\frac", answer)
    answer = _TEXT_AND_OR.sub(", ", answer)
    answer = _BARE_FRAC.sub(r"\\frac{\1}{\2}", answer)
    answer = re.sub(r"\s+", " ", answer).strip()
    answer = re.sub(r"[\s.,;:]+$", "", answer)
    answer = re.sub(r"\\\\$", "", answer).strip()
    trailing = _TRAILING_TEXT.match(answer)
    if trailing and re.search(r"[\d}]\s*$", trailing.group(1)):
        answer = trailing.group(1)
    answer = _TEXT_CMD.sub(r"\1", answer).strip()
    words = _TRAILING_WORDS.match(answer)
    if words:
        answer = words.group(1)
    answer = _strip_group_braces(answer)
    answer, currency = strip_currency(answer)
    answer = decimal_comma(join_digit_groups(answer), single_number or had_currency or currency)
    if not _WRAPPED.match(answer):
        answer = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), answer)
    answer = re.sub(r"\s+", " ", _OPERATOR_SPACE.sub(r"\1", answer)).strip().rstrip(".")
    same = _SAME_VARIABLE.match(answer)
    return re.sub(rf"(^|, ?){same.group(1)}=", r"\1", answer) if same else answer


def _strip_group_braces(answer: str) -> str:
    """Remove plain TeX group braces around the whole answer (``{5}`` -> ``5``; ``\\{5\\}`` stays)."""
    while answer.startswith("{") and _closing_braces(answer).get(0) == len(answer) - 1:
        answer = answer[1:-1].strip()
    return answer
