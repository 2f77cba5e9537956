"""Loading seed problems: the built-in set, local JSONL/Parquet/CSV files, or Hub datasets.

A source is ``builtin`` (about 20 original word problems with gold answers, written
for this project), a local ``.jsonl``/``.parquet``/``.csv`` file, or
``hf:OWNER/NAME[:CONFIG][@SPLIT]`` loaded through ``datasets``. Question and answer
columns are named by the caller or guessed from common names. For GSM8K-style
answers the gold is the text after ``####``. Multiple-choice rows (ARC: ``choices``
as ``{"text": [...], "label": [...]}`` and ``answerKey``) get the options appended to
the question as ``A) ...`` lines, and the answer key as gold. The ``level``,
``subject`` and ``size`` columns, where present, are kept in the problem's ``meta``.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from scpo_data.errors import ScpoError
from scpo_data.records import Problem

BUILTIN = "builtin"
QUESTION_FIELDS = ("question", "problem", "puzzle", "prompt", "input")
ANSWER_FIELDS = ("answerKey", "answer", "gold", "solution", "target", "output")
#: Columns kept in ``Problem.meta`` (MATH level and subject, ZebraLogic size).
META_FIELDS = ("level", "subject", "size")
_HF_SOURCE = re.compile(r"^hf:(?P<name>[\w.\-]+/[\w.\-]+)(?::(?P<config>[\w.\-]+))?(?:@(?P<split>[\w.\-\[\]:%]+))?$")


def load_problems(
    source: str,
    domain: str,
    question_field: str | None = None,
    answer_field: str | None = None,
    limit: int | None = None,
) -> list[Problem]:
    """Load problems from a source.

    Args:
        source: ``builtin``, a local file path, or ``hf:OWNER/NAME[:CONFIG][@SPLIT]``.
        domain: The domain the problems are tagged with.
        question_field: Column with the question; guessed when None.
        answer_field: Column with the gold answer; guessed when None (no gold if absent).
        limit: Keep at most this many problems (the first ones).

    Returns:
        The problems, with stable ids.

    Raises:
        ScpoError: On a missing or unreadable file, an unknown format, a missing
            question column, or an empty source.
    """
    rows, label = _read_rows(source)
    if not rows:
        raise ScpoError(f"{label} holds no problems")
    columns = list(rows[0].keys())
    q_field = _pick(columns, question_field, QUESTION_FIELDS, "question", label, required=True)
    a_field = _pick(columns, answer_field, ANSWER_FIELDS, "answer", label, required=False)
    problems: list[Problem] = []
    for index, row in enumerate(rows[:limit] if limit else rows):
        question = row.get(q_field)
        if not isinstance(question, str) or not question.strip():
            raise ScpoError(f"{label}: row {index + 1} has no text in field {q_field!r}")
        gold = gold_from_answer(row.get(a_field)) if a_field else None
        problems.append(
            Problem(
                problem_id=_problem_id(row, index, question),
                domain=domain,
                question=_with_choices(question, row.get("choices"), label, index),
                gold=gold,
                source=label,
                meta=json.dumps({f: row[f] for f in META_FIELDS if f in row}),
            )
        )
    return problems


def gold_from_answer(value: Any) -> str | None:
    """The gold answer from an answer cell: the text after ``####`` when present."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    if "####" in text:
        text = text.rsplit("####", 1)[1].strip()
    return text or None


def _with_choices(question: str, choices: Any, label: str, index: int) -> str:
    """The question, followed by its options as ``A) text`` lines when the row has ``choices``."""
    if choices is None:
        return question.strip()
    if not (isinstance(choices, dict) and isinstance(choices.get("text"), list)
            and isinstance(choices.get("label"), list) and len(choices["text"]) == len(choices["label"])):
        raise ScpoError(f"{label}: row {index + 1} has malformed choices (want {{text: [...], label: [...]}})")
    from scpo_data.extractors.choice import format_question

    return format_question(question, [str(x) for x in choices["label"]], [str(x) for x in choices["text"]])


def _problem_id(row: dict[str, Any], index: int, question: str) -> str:
    for key in ("id", "problem_id", "unique_id"):
        if row.get(key) not in (None, ""):
            return str(row[key])
    digest = hashlib.sha256(question.encode("utf-8")).hexdigest()[:10]
    return f"p{index:05d}-{digest}"


def _pick(
    columns: list[str],
    wanted: str | None,
    candidates: tuple[str, ...],
    what: str,
    label: str,
    required: bool,
) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise ScpoError(
                f"{label} has no {what} field {wanted!r} (fields: {', '.join(columns)})"
            )
        return wanted
    for name in candidates:
        if name in columns:
            return name
    if required:
        raise ScpoError(
            f"{label} has no {what} field (looked for {', '.join(candidates)}; "
            f"fields: {', '.join(columns)}); name it with --{what}-field"
        )
    return None


def _read_rows(source: str) -> tuple[list[dict[str, Any]], str]:
    if source == BUILTIN:
        text = resources.files("scpo_data").joinpath("data/seed_problems.jsonl").read_text("utf-8")
        return _parse_jsonl(text, "builtin seed problems"), BUILTIN
    if source.startswith("hf:"):
        return _read_hub(source), source
    path = Path(source).expanduser()
    if not path.is_file():
        raise ScpoError(f"problems file not found: {source}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".json"):
            return _parse_jsonl(path.read_text("utf-8"), str(path)), str(path)
        if suffix == ".parquet":
            return pl.read_parquet(path).to_dicts(), str(path)
        if suffix == ".csv":
            return pl.read_csv(path, infer_schema=False).to_dicts(), str(path)
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
        raise ScpoError(f"cannot read {source}: {str(exc).splitlines()[0]}") from exc
    raise ScpoError(f"unknown problems file type {suffix or '(none)'}: use .jsonl, .parquet or .csv")


def _parse_jsonl(text: str, label: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ScpoError(f"{label}: line {number} is not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ScpoError(f"{label}: line {number} is not a JSON object")
        rows.append(row)
    return rows


def _read_hub(source: str) -> list[dict[str, Any]]:
    match = _HF_SOURCE.match(source)
    if not match:
        raise ScpoError(f"bad Hub source {source!r}: use hf:OWNER/NAME[:CONFIG][@SPLIT]")
    import datasets

    try:
        data = datasets.load_dataset(
            match["name"], match["config"], split=match["split"] or "train"
        )
    except Exception as exc:  # datasets raises many types (network, missing config, ...)
        raise ScpoError(f"cannot load {source}: {str(exc).splitlines()[0]}") from exc
    return [dict(row) for row in data]
