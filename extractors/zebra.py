"""ZebraLogic answer grids: find the solution grid in a response and canonicalise it.

A *grid* maps a house number (``"1"``, ``"2"``, ...) to a mapping of attribute to value.
The canonical form folds spelling differences that do not change the answer:

* house keys ``"House 1"``, ``"house_1"``, ``"H1"`` and ``1`` all become ``"1"``;
* attribute names are folded to lowercase letters and digits (``"Car Model"``,
  ``"car_model"`` and ``"CarModel"`` are all ``"carmodel"``);
* values are lowercased, a leading article is dropped and everything that is not a
  letter or digit is removed (``"The Ford F-150"`` and ``"ford f150"`` are both
  ``"fordf150"``); values outside the puzzle's lists are kept (folded) as they are.

The key of an answer is the compact JSON of the whole canonical grid with sorted keys,
so self-consistency votes are cast on complete solutions.

Searching a response (:meth:`ZebraExtractor.extract`) looks at the last
:data:`MAX_TEXT` characters only and never evaluates anything: the last complete JSON
object with a ``solution`` key is read by a tolerant hand-written parser (code fences,
trailing commas, single quotes, bare keys, comments, Python literals, text after the
JSON); a JSON object truncated at the end of the text is closed and read as a partial
grid; a markdown table (houses as rows or as columns) is the fallback.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scpo_data.extractors.base import NO_ANSWER, Answer, Extractor

__all__ = [
    "STATUS_PARTIAL",
    "MAX_TEXT",
    "Grid",
    "CellScore",
    "ZebraExtractor",
    "normalize_value",
    "normalize_attribute",
    "house_number",
    "canonical_grid",
    "grid_from_table",
    "grid_key",
    "grid_status",
    "compare_cells",
    "parse_loose_json",
    "find_grid",
]

#: A grid was found but some cells are missing or empty, or houses are not 1..N.
STATUS_PARTIAL = "partial"
#: Only this many characters at the end of a response are searched.
MAX_TEXT = 50_000
#: How many ``{`` positions before one ``solution`` token are tried as object starts.
_MAX_STARTS = 64
#: How many object starts one search may parse in all (bounds the work on hostile text).
_MAX_PARSES = 256
#: Placeholder cells (``"___"`` from the prompt template) count as empty.
_PLACEHOLDER = re.compile(r"^[_\-?.\s]*$")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")
_HOUSE = re.compile(r"^\s*(?:house|h)?[\s_#-]*(\d{1,2})\s*$", re.IGNORECASE)

#: A canonical grid: house number -> attribute -> value, all strings.
Grid = dict[str, dict[str, str]]


def _fold(text: str) -> str:
    """Lowercase, NFKC-normalise and keep letters and digits (any script) only."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub("", text)


def normalize_value(value: object) -> str:
    """Fold a cell value: lowercase, strip, drop a leading article, remove punctuation and spaces.

    Args:
        value: A cell as written by a model or a gold table (a string, number or None).

    Returns:
        The folded value; ``""`` for None, empty cells and template placeholders (``___``).
    """
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip().strip("`*\"'")
    if _PLACEHOLDER.match(text):
        return ""
    return _fold(_ARTICLE.sub("", text))


def normalize_attribute(name: object) -> str:
    """Fold an attribute name (``"Car Model"``, ``"car_model"`` -> ``"carmodel"``)."""
    return _fold(str(name))


def house_number(key: object) -> int | None:
    """Read a house key (``"House 1"``, ``"house_1"``, ``"H1"``, ``1``) as its number, else None."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    match = _HOUSE.match(str(key))
    return int(match.group(1)) if match else None


def canonical_grid(data: object) -> Grid | None:
    """Canonicalise a solution given as a house mapping, a list of houses or a ``{header, rows}`` table.

    Args:
        data: ``{"House 1": {"Name": "Eric", ...}, ...}``, ``[{"Name": ...}, ...]`` (house i+1
            at index i, or with a ``House`` field), or ZebraLogic's ``{"header": [...], "rows": [...]}``.
            A wrapper ``{"solution": ...}`` is unwrapped.

    Returns:
        The canonical grid (empty cells are kept as ``""``), or None when ``data`` has no
        recognisable house.
    """
    if isinstance(data, Mapping) and "solution" in data:
        data = data["solution"]
    if isinstance(data, Mapping) and "header" in data and "rows" in data:
        return grid_from_table(data["header"], data["rows"])
    houses: list[tuple[int, Mapping[str, Any]]] = []
    if isinstance(data, Mapping):
        for key, cells in data.items():
            number = house_number(key)
            if number is not None and isinstance(cells, Mapping):
                houses.append((number, cells))
    elif isinstance(data, list):
        for index, cells in enumerate(data, start=1):
            if isinstance(cells, Mapping):
                own = next((house_number(v) for k, v in cells.items() if normalize_attribute(k) == "house"), None)
                houses.append((own or index, cells))
    if not houses:
        return None
    grid: Grid = {}
    for number, cells in houses:
        row = grid.setdefault(str(number), {})
        for attribute, value in cells.items():
            name = normalize_attribute(attribute)
            if name and name != "house":
                row[name] = normalize_value(value)
    return grid


def grid_from_table(header: list[object], rows: list[list[object]]) -> Grid | None:
    """Canonicalise a table whose first column is the house (ZebraLogic's ``{header, rows}``).

    Args:
        header: Column names, the first one being the house column.
        rows: One row per house, cells in header order.

    Returns:
        The canonical grid, or None when no row starts with a house number.
    """
    grid: Grid = {}
    names = [normalize_attribute(h) for h in header[1:]]
    for row in rows:
        if not isinstance(row, list) or not row:
            continue
        number = house_number(row[0])
        if number is None:
            continue
        cells = grid.setdefault(str(number), {})
        for name, value in zip(names, row[1:], strict=False):
            if name:
                cells[name] = normalize_value(value)
    return grid or None


def grid_key(grid: Grid) -> str:
    """The deterministic answer key of a grid: compact JSON, houses in numeric order, attributes sorted."""
    ordered = {house: dict(sorted(grid[house].items())) for house in sorted(grid, key=int)}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def grid_status(grid: Grid) -> str:
    """``ok`` when houses are 1..N and every house has the same attributes, all filled; else ``partial``."""
    numbers = sorted(int(h) for h in grid)
    if numbers != list(range(1, len(numbers) + 1)):
        return STATUS_PARTIAL
    attributes = {frozenset(cells) for cells in grid.values()}
    if len(attributes) != 1 or not next(iter(attributes)):
        return STATUS_PARTIAL
    if any(value == "" for cells in grid.values() for value in cells.values()):
        return STATUS_PARTIAL
    return "ok"


@dataclass(frozen=True)
class CellScore:
    """Per-cell comparison of a predicted grid with a gold grid.

    Attributes:
        correct: Gold cells the prediction has right.
        total: Gold cells (houses x attributes of the gold grid).
    """

    correct: int
    total: int

    @property
    def all_correct(self) -> bool:
        """Whether every gold cell is right (ZebraLogic's puzzle accuracy)."""
        return self.total > 0 and self.correct == self.total


def compare_cells(predicted: Grid | None, gold: Grid) -> CellScore:
    """Count the gold cells a predicted grid gets right; missing houses or attributes count as wrong.

    Args:
        predicted: A canonical grid or None (no answer: every cell is wrong).
        gold: The canonical gold grid.

    Returns:
        The number of right cells and the number of gold cells.
    """
    total = sum(len(cells) for cells in gold.values())
    if not predicted:
        return CellScore(0, total)
    correct = sum(
        1
        for house, cells in gold.items()
        for attribute, value in cells.items()
        if value and predicted.get(house, {}).get(attribute) == value
    )
    return CellScore(correct, total)


# --- tolerant JSON --------------------------------------------------------------------


class _Truncated(Exception):
    """The text ended inside a value."""


class _Invalid(Exception):
    """The text is not (repairable) JSON at this point."""


_SPACE = re.compile(r"\s*")
_STRING_BODY = {'"': re.compile(r'[^"\\]*'), "'": re.compile(r"[^'\\]*")}
_LITERALS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_ \-]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


class _LooseParser:
    """A small recursive-descent parser for JSON as language models write it."""

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos
        self.truncated = False

    def skip(self) -> None:
        """Skip whitespace and ``//``, ``#`` and ``/* */`` comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            self.pos = _SPACE.match(text, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= n:
                return
            ch = text[self.pos]
            if text.startswith("//", self.pos) or ch == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                self.pos = n if end < 0 else end + 2
            else:
                return

    def value(self, depth: int = 0) -> Any:
        """Parse one value at the current position."""
        if depth > 20:
            raise _Invalid("too deep")
        self.skip()
        if self.pos >= len(self.text):
            raise _Truncated()
        ch = self.text[self.pos]
        if ch == "{":
            return self.container(depth, "}")
        if ch == "[":
            return self.container(depth, "]")
        if ch in "\"'":
            return self.string()
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            return match.group(0)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return literal
        raise _Invalid(f"unexpected {ch!r}")

    def string(self) -> str:
        """Parse a single- or double-quoted string with JSON escapes."""
        quote = self.text[self.pos]
        body = _STRING_BODY[quote]
        self.pos += 1
        out: list[str] = []
        text, n = self.text, len(self.text)
        while True:
            end = body.match(text, self.pos).end()  # type: ignore[union-attr]
            out.append(text[self.pos : end])
            self.pos = end
            if end >= n:
                raise _Truncated()
            if text[end] == quote:
                self.pos += 1
                return "".join(out)
            # A backslash escape.
            nxt = text[end + 1 : end + 2]
            if not nxt:
                raise _Truncated()
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[end + 2 : end + 6]):
                out.append(chr(int(text[end + 2 : end + 6], 16)))
                self.pos = end + 6
            else:
                out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt))
                self.pos = end + 2

    def key(self) -> str:
        """Parse an object key: a quoted string, a number or a bare word (``House 1``, ``house_1``)."""
        self.skip()
        if self.pos >= len(self.text):
            raise _Truncated()
        if self.text[self.pos] in "\"'":
            return self.string()
        match = _NUMBER.match(self.text, self.pos) or _BARE.match(self.text, self.pos)
        if not match:
            raise _Invalid("bad key")
        self.pos = match.end()
        return match.group(0).strip()

    def container(self, depth: int, close: str) -> Any:
        """Parse an object or array, allowing trailing commas; at the end of the text, close it."""
        self.pos += 1
        is_object = close == "}"
        items: Any = {} if is_object else []
        try:
            self._fill(items, depth, close)
        except _Truncated:
            # The text ended inside this container: keep the complete items read so far.
            self.truncated = True
            self.pos = len(self.text)
        return items

    def _fill(self, items: Any, depth: int, close: str) -> None:
        """Read the items of a container into ``items`` up to and including ``close``."""
        is_object = close == "}"
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise _Truncated()
            if self.text[self.pos] == close:
                self.pos += 1
                return
            if self.text[self.pos] == ",":
                self.pos += 1
                continue
            if is_object:
                name = self.key()
                self.skip()
                if self.pos >= len(self.text):
                    raise _Truncated()
                if self.text[self.pos] not in ":=":
                    raise _Invalid("expected ':'")
                self.pos += 1
                items[name] = self.value(depth + 1)
            else:
                items.append(self.value(depth + 1))
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] not in f",{close}\"'":
                raise _Invalid("expected ',' or end of container")


def parse_loose_json(text: str, start: int = 0) -> tuple[Any, int, bool] | None:
    """Parse one JSON-like value starting at ``start``, tolerating what models get wrong.

    Accepts single quotes, bare keys, trailing commas, ``//``/``#``/``/* */`` comments and
    Python literals. When the text ends inside the value, the open containers are closed
    and the value read so far is returned, flagged as truncated.

    Args:
        text: The text to read (untrusted; never evaluated).
        start: Index of the value's first character.

    Returns:
        ``(value, end_index, truncated)`` or None when the text is not JSON there.
    """
    parser = _LooseParser(text, start)
    try:
        value = parser.value()
    except (_Invalid, _Truncated, RecursionError):
        return None
    return value, parser.pos, parser.truncated


# --- finding the grid -------------------------------------------------------------------

_SOLUTION_TOKEN = re.compile(r"[\"']?solution[\"']?\s*[:=]", re.IGNORECASE)
_HOUSE_TOKEN = re.compile(r"[\"']?house[\s_#-]*1[\"']?\s*[:=]", re.IGNORECASE)
_TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")


def _solution_of(value: Any) -> Any:
    """Return the ``solution`` entry of an object (any key case), else None."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and key.strip().lower() == "solution":
                return inner
    return None


def _objects_before(text: str, token: re.Pattern[str], want: str) -> tuple[Any, bool] | None:
    """Find the last object that encloses a ``token`` match; prefer complete ones.

    ``want`` is ``"solution"`` (an object with a solution key) or ``"houses"`` (an object
    whose keys are houses). Returns ``(solution data, truncated)``.
    """
    matches = list(token.finditer(text))
    truncated_hit: tuple[Any, bool] | None = None
    parsed_at: dict[int, tuple[Any, int, bool] | None] = {}
    for match in reversed(matches):
        brace = match.start()
        for _ in range(_MAX_STARTS):
            brace = text.rfind("{", 0, brace)
            if brace < 0 or (brace not in parsed_at and len(parsed_at) >= _MAX_PARSES):
                break
            if brace not in parsed_at:
                parsed_at[brace] = parse_loose_json(text, brace)
            parsed = parsed_at[brace]
            if parsed is None:
                continue
            value, end, truncated = parsed
            if end <= match.start() or not isinstance(value, dict):
                continue
            data = _solution_of(value) if want == "solution" else value
            if want == "houses" and not any(house_number(k) is not None for k in value):
                continue
            if data is None:
                continue
            if not truncated:
                return data, False
            truncated_hit = truncated_hit or (data, True)
            break
        if len(parsed_at) >= _MAX_PARSES:
            break
    return truncated_hit


def _split_row(line: str) -> list[str]:
    """Cells of one markdown table row."""
    return [cell.strip() for cell in _TABLE_ROW.match(line).group(1).split("|")]  # type: ignore[union-attr]


def _last_table(text: str) -> tuple[list[list[str]], str] | None:
    """The last markdown table in the text (header first, rule lines dropped) and its raw lines."""
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if _TABLE_ROW.match(line):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    if not tables:
        return None
    rows = [_split_row(line) for line in tables[-1] if not _TABLE_RULE.match(line)]
    return rows, "\n".join(tables[-1])


def _grid_from_markdown(text: str) -> tuple[Grid, str] | None:
    """Read the last markdown table as a grid (houses as rows or as columns), with its raw text."""
    found = _last_table(text)
    if not found or len(found[0]) < 2:
        return None
    (header, *rows), raw = found
    if len(header) > 1 and all(house_number(h.strip("*")) is not None for h in header[1:]):
        # Transposed: attributes as rows, houses as columns.
        numbers = [house_number(h.strip("*")) for h in header[1:]]
        grid: Grid = {str(n): {} for n in numbers}
        for row in rows:
            name = normalize_attribute(row[0].strip("*"))
            for number, value in zip(numbers, row[1:], strict=False):
                if name:
                    grid[str(number)][name] = normalize_value(value)
        return grid, raw
    table = grid_from_table([h.strip("*") for h in header], [[c.strip("*") for c in r] for r in rows])
    return (table, raw) if table else None


def find_grid(text: str) -> tuple[Grid | None, str | None, bool]:
    """Find the answer grid in a free-form response.

    Args:
        text: The response (untrusted); only its last :data:`MAX_TEXT` characters are read.

    Returns:
        ``(grid, raw, truncated)``: the canonical grid (or None), the raw answer (the solution
        re-serialised as JSON, or the markdown table's lines), and whether the grid came from a
        JSON object cut off at the end.
    """
    text = text[-MAX_TEXT:]
    for token, want in ((_SOLUTION_TOKEN, "solution"), (_HOUSE_TOKEN, "houses")):
        hit = _objects_before(text, token, want)
        if hit is not None:
            data, truncated = hit
            grid = canonical_grid(data)
            if grid:
                return grid, json.dumps(data, ensure_ascii=False), truncated
    table = _grid_from_markdown(text)
    if table:
        return table[0], table[1], False
    return None, None, False


class ZebraExtractor(Extractor):
    """Extractor of ZebraLogic solution grids; the key is the whole canonical grid.

    Example::

        ext = ZebraExtractor()
        ans = ext.extract('... {"solution": {"House 1": {"Name": "Eric"}, "House 2": {"Name": "Bob"}}}')
        ans.key     # '{"1":{"name":"eric"},"2":{"name":"bob"}}'
        ans.status  # 'ok'   ('partial' for incomplete grids, 'no_answer' when none is found)
    """

    domain = "zebra"

    def extract(self, text: str) -> Answer:
        """Find the last solution grid in a response; status ``ok``, ``partial`` or ``no_answer``."""
        grid, raw, truncated = find_grid(text or "")
        if grid is None:
            return NO_ANSWER
        status = STATUS_PARTIAL if truncated else grid_status(grid)
        return Answer(key=grid_key(grid), status=status, raw=raw)

    def canonical(self, answer_text: str) -> Answer:
        """Canonicalise a gold solution given as JSON text: ``{header, rows}`` or a house mapping."""
        parsed = parse_loose_json(answer_text.strip(), 0) if answer_text else None
        grid = canonical_grid(parsed[0]) if parsed and not parsed[2] else None
        if not grid:
            return Answer(key=None, status=NO_ANSWER.status, raw=answer_text)
        return Answer(key=grid_key(grid), status=grid_status(grid), raw=answer_text)

    @staticmethod
    def grid(answer: Answer) -> Grid | None:
        """The canonical grid behind an answer's key (None when the answer has no key)."""
        return json.loads(answer.key) if answer.key else None
