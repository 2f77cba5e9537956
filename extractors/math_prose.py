"""Answers without a marker, and prose around math: text is never math.

Plain string work on bounded text (no parser, no ``eval``):

* :func:`math_spans` lists the math of a paragraph, ``$...$``, ``$$...$$``, ``\\(...\\)``
  and ``\\[...\\]``, telling a currency ``$`` (``costs $5 and $7``) from a math one;
* :func:`find_unmarked` is the fallback when a response marks no answer: in the last
  paragraph that has math or a number, the last math span or the last number,
  whichever comes later, with the rule that found it;
* :func:`without_prose` keeps the math of an answer written in words (``Answer $ 9 $``
  -> ``9``, ``the total is 1,000.99€`` -> ``1,000.99€``), so that words are never read
  as products of symbols;
* :func:`strip_markdown` removes emphasis and code marks around an answer (``**12**``, `` `33` ``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: Only this many trailing characters of a response are searched.
MAX_TAIL_CHARS = 20000
#: Only this many trailing characters of a paragraph are searched for math.
MAX_PARAGRAPH_CHARS = 4000
#: Longest last line (characters) taken whole as a formula when a paragraph has no delimited math.
MAX_FORMULA_CHARS = 200
#: Rule name: the answer is the last math span of the final paragraph.
RULE_LAST_MATH = "last_math"
#: Rule name: the answer is the last number of the final paragraph.
RULE_LAST_NUMBER = "last_number"

_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.DOTALL)
_DOLLAR = re.compile(r"(?<!\\)\$")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_COMMAND = re.compile(r"\\(?:begin|end)\s*\{[A-Za-z*]+\}|\\[A-Za-z]+|\\.")
_TEXT_ARGUMENT = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{[^{}]*\}")
_LETTERS = re.compile(r"[A-Za-z]+")
#: Letter runs that are math, not words.
_MATH_WORDS = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "sqrt", "sinh", "cosh", "tanh", "lim", "max"}
    | {"min", "gcd", "lcm", "det", "mod", "arcsin", "arccos", "arctan", "inf", "infty", "pi", "deg", "cis"}
)
#: Two-letter words of English prose (longer letter runs are words unless they are math names).
_SHORT_WORDS = frozenset({"is", "of", "or", "an", "as", "at", "be", "by", "if", "it", "no", "so", "to", "we", "on"})
_CONNECTIVES = re.compile(r"^[\s,;.]*(?:(?:and|or)[\s,;.]*)?$", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?:[$€£¥]\s?)?(?:(?<![\w.])-?(?:\d{1,3}(?:(?:[,\u2009\u202f\u00a0]|\\,|\{,\})\d{3})+|\d+)(?:[.,]\d+)?"
    r"|(?<![\w.])-?\.\d+)(?![\w])(?:\s?[€£¥%])?"
)
_MARKDOWN = re.compile(r"^(\*\*|__|\*|_|`+)(.+?)\1$", re.DOTALL)
_LONE_LETTER = re.compile(r"^\s*[A-Za-z]\s*$")
_OPERATOR_FIRST = re.compile(r"^\s*\\(?:sum|prod|int|lim|[dt]?binom)(?![A-Za-z])")
_AND_OR = re.compile(r"\s*,?\s+(?:and|or)\s+", re.IGNORECASE)


class Span(NamedTuple):
    """A piece of math (or a number) in a paragraph: where it starts and ends, and its text."""

    start: int
    end: int
    text: str


class Unmarked(NamedTuple):
    """An answer found without a marker, and the rule that found it."""

    text: str
    rule: str


def is_prose_word(word: str) -> bool:
    """Whether a run of letters is an English word rather than math (``Answer`` yes; ``x``, ``ab``, ``sin`` no)."""
    lower = word.lower()
    if lower in _MATH_WORDS:
        return False
    return len(word) >= 3 or lower in _SHORT_WORDS


def has_prose(text: str) -> bool:
    """Whether ``text`` holds a word outside LaTeX commands and ``\\text{...}``."""
    bare = _COMMAND.sub(" ", _TEXT_ARGUMENT.sub(" ", text))
    return any(is_prose_word(w) for w in _LETTERS.findall(bare))


def math_spans(paragraph: str) -> list[Span]:
    """The math spans of a paragraph, in order: ``$$..$$``, ``\\[..\\]``, ``\\(..\\)`` and ``$..$``.

    A single ``$`` pair counts as math only when it holds no prose, is not empty and
    its closing ``$`` is not directly followed by a digit (``$5 + $7`` are prices);
    otherwise its opening ``$`` is taken for a currency sign and the next ``$`` is
    tried as an opening one. Inline spans do not cross lines.

    Args:
        paragraph: A paragraph of a response (untrusted).

    Returns:
        The spans, each with its content (delimiters removed).
    """
    spans: list[Span] = []
    covered = [(m.start(), m.end()) for m in _DISPLAY.finditer(paragraph)]
    for match in _DISPLAY.finditer(paragraph):
        content = next(g for g in match.groups() if g is not None)
        if match.group(3) is None or "\n" not in content:
            spans.append(Span(match.start(), match.end(), content))
    dollars = [m.start() for m in _DOLLAR.finditer(paragraph) if not any(a <= m.start() < b for a, b in covered)]
    index = 0
    while index + 1 < len(dollars):
        start, end = dollars[index], dollars[index + 1]
        content = paragraph[start + 1 : end]
        closing_ok = not paragraph[end + 1 : end + 2].isdigit()
        if content.strip() and "\n" not in content and closing_ok and not has_prose(content):
            spans.append(Span(start, end + 1, content))
            index += 2
        else:
            index += 1
    return sorted(spans)


def _numbers(paragraph: str, spans: list[Span]) -> list[Span]:
    """Numbers of a paragraph written outside its math spans."""
    return [
        Span(m.start(), m.end(), m.group(0))
        for m in _NUMBER.finditer(paragraph)
        if not any(s.start <= m.start() < s.end for s in spans)
    ]


def _final_value(span: str) -> str:
    """The result of a chain of equalities: ``x = 3 + 4 = 7`` -> ``x = 7``; ``3 + 4 = 7`` -> ``7``.

    A sum, product, integral, limit or binomial set equal to a constant is that constant.
    """
    parts = _top_level_split(span, "=")
    if len(parts) < 2 or any(not p.strip() for p in parts) or "\\text" in span or len(_top_level_split(span, ",")) > 1:
        return span
    first, last = parts[0], parts[-1]
    constant_first = not _LETTERS.search(_COMMAND.sub("", first)) or _OPERATOR_FIRST.match(first)
    if constant_first and not _LETTERS.search(_COMMAND.sub("", last)):
        return last.strip()
    return f"{first.strip()} = {last.strip()}" if len(parts) > 2 else span


def _top_level_split(text: str, separator: str) -> list[str]:
    """Split ``text`` at ``separator`` characters outside braces, brackets and parentheses."""
    parts: list[str] = []
    depth = start = 0
    for index, char in enumerate(text):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    return [*parts, text[start:]]


def _formula(paragraph: str) -> str | None:
    """The paragraph, else its last line, when it is a short formula without words."""
    lines = paragraph.strip().splitlines()
    for candidate in (paragraph.strip(), lines[-1].strip() if lines else ""):
        if candidate and len(candidate) <= MAX_FORMULA_CHARS and not has_prose(candidate):
            return candidate
    return None


def find_unmarked(text: str) -> Unmarked | None:
    """The answer of a response that marks none: the last math span or number of its final paragraph.

    The final paragraph is the last one holding math or a number. In it the later of
    its last math span (a lone letter such as ``$x$`` does not count) and its last
    number outside math wins; a paragraph without delimited math that (or whose last
    line) is a short formula without words is that formula (``\\frac{3}{4}``, ``1.5 \\times 10^3``). A chain of
    equalities is cut to its result.

    Args:
        text: The model's whole response (untrusted, any length).

    Returns:
        The answer text and the rule (:data:`RULE_LAST_MATH` or :data:`RULE_LAST_NUMBER`), or ``None``.
    """
    for paragraph in reversed(_PARAGRAPH_BREAK.split(text[-MAX_TAIL_CHARS:])):
        paragraph = paragraph[-MAX_PARAGRAPH_CHARS:]
        every_span = math_spans(paragraph)
        spans = [s for s in every_span if not _LONE_LETTER.match(s.text)]
        numbers = _numbers(paragraph, every_span)
        last_span = spans[-1] if spans else None
        last_number = numbers[-1] if numbers else None
        if last_span and (last_number is None or last_span.end >= last_number.end):
            return Unmarked(_final_value(last_span.text.strip()), RULE_LAST_MATH)
        formula = None if every_span else _formula(paragraph)
        if formula:
            return Unmarked(_final_value(formula), RULE_LAST_MATH)
        if last_number:
            return Unmarked(last_number.text, RULE_LAST_NUMBER)
    return None


def strip_markdown(answer: str) -> str:
    """Remove markdown emphasis or code marks around a whole answer: ``**12**``, ``*7*``, `` `33` ``.

    Args:
        answer: An answer as cut out of a response.

    Returns:
        The answer without the marks (repeatedly: ``**`7`**`` -> ``7``).
    """
    answer = answer.strip()
    while True:
        match = _MARKDOWN.match(answer)
        if not match or not match.group(2).strip():
            return answer
        answer = match.group(2).strip()


def without_prose(answer: str) -> str:
    """Keep the math of an answer written with words around it; an answer without words is returned as is.

    With math spans: the spans alone (joined by commas when only "and"/"or" stands
    between them, else the last one). Without: the text after the last word, when it
    holds a digit (``Answer 9``, ``the total is 1,000.99€``), else the text before the
    first word (``5 apples``), else the last number. An answer of words only (``no
    solution``) is left for the word keys.

    Args:
        answer: An answer as cut out of a response (before ``clean_answer``).

    Returns:
        The math part of the answer.
    """
    spans = math_spans(answer)
    if spans:
        gaps = [answer[a.end : b.start] for a, b in zip(spans, spans[1:], strict=False)]
        if not has_prose(answer[: spans[0].start] + " " + answer[spans[-1].end :] + " " + " ".join(gaps)):
            return answer
        if len(spans) > 1 and all(_CONNECTIVES.match(gap) for gap in gaps):
            return ", ".join(_final_value(span.text.strip()) for span in spans)
        return _final_value(spans[-1].text.strip())
    bare = _COMMAND.sub(_blank, _TEXT_ARGUMENT.sub(_blank, answer))
    words = [m for m in _LETTERS.finditer(bare) if is_prose_word(m.group(0))]
    if not words or not re.search(r"\d", answer):
        return answer
    if all(w.group(0).lower() in ("and", "or") for w in words):
        return _AND_OR.sub(", ", answer)
    tail = answer[words[-1].end() :]
    if re.search(r"\d", tail) and not has_prose(tail) and not tail[:1].isalnum():
        return tail.strip(" :=,.")
    head = answer[: words[0].start()].strip(" :=,.")
    if re.search(r"\d", head):
        return head
    numbers = _NUMBER.findall(answer)
    return numbers[-1].strip() if numbers else answer


def _blank(match: re.Match[str]) -> str:
    """A LaTeX command replaced by as many spaces (positions stay those of the answer)."""
    return " " * len(match.group(0))
