"""Record types passed between stages and their columnar (Parquet) files in a run folder.

A run folder holds ``problems.parquet``, ``samples.parquet``, ``answers.parquet``,
``pairs.parquet`` and ``manifest.json``; every file is written atomically (to a
temporary name, then renamed) so a crash never leaves half a file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pyarrow.parquet as pq

PROBLEMS_FILE = "problems.parquet"
SAMPLES_FILE = "samples.parquet"
ANSWERS_FILE = "answers.parquet"
PAIRS_FILE = "pairs.parquet"
MANIFEST_FILE = "manifest.json"

Message = dict[str, str]


@dataclass(frozen=True)
class Problem:
    """A problem to sample answers for; ``gold`` is None for unlabelled problems."""

    problem_id: str
    domain: str
    question: str
    gold: str | None
    source: str
    meta: str = "{}"


@dataclass(frozen=True)
class Sample:
    """One sampled response to a problem."""

    problem_id: str
    sample_idx: int
    text: str
    finish_reason: str
    n_tokens: int
    temperature: float
    seed: int


@dataclass(frozen=True)
class AnswerRecord:
    """The canonical answer key extracted from one sample."""

    problem_id: str
    sample_idx: int
    key: str | None
    status: str


@dataclass(frozen=True)
class Pair:
    """A weighted preference pair in TRL's conversational format.

    ``chosen_correct`` / ``rejected_correct`` say whether each side's answer equals the
    gold answer; None when the problem has no gold.
    """

    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    weight: float
    chosen_votes: int
    rejected_votes: int
    k: int
    chosen_answer: str | None
    rejected_answer: str | None
    gold: str | None
    problem_id: str
    domain: str
    chosen_correct: bool | None = None
    rejected_correct: bool | None = None


R = TypeVar("R")

_MESSAGES = pl.List(pl.Struct({"role": pl.String, "content": pl.String}))
_SCHEMAS: dict[type, dict[str, Any]] = {
    Problem: {"problem_id": pl.String, "domain": pl.String, "question": pl.String,
              "gold": pl.String, "source": pl.String, "meta": pl.String},
    Sample: {"problem_id": pl.String, "sample_idx": pl.Int64, "text": pl.String,
             "finish_reason": pl.String, "n_tokens": pl.Int64, "temperature": pl.Float64,
             "seed": pl.Int64},
    AnswerRecord: {"problem_id": pl.String, "sample_idx": pl.Int64, "key": pl.String,
                   "status": pl.String},
    Pair: {"prompt": _MESSAGES, "chosen": _MESSAGES, "rejected": _MESSAGES,
           "weight": pl.Float64, "chosen_votes": pl.Int64, "rejected_votes": pl.Int64,
           "k": pl.Int64, "chosen_answer": pl.String, "rejected_answer": pl.String,
           "gold": pl.String, "problem_id": pl.String, "domain": pl.String,
           "chosen_correct": pl.Boolean, "rejected_correct": pl.Boolean},
}


def to_frame(records: Sequence[Any], kind: type) -> pl.DataFrame:
    """Turn records of one dataclass type into a typed polars frame (empty frames keep columns)."""
    schema = _SCHEMAS[kind]
    return pl.DataFrame([asdict(r) for r in records], schema=schema, orient="row")


def from_frame(frame: pl.DataFrame, kind: type[R]) -> list[R]:
    """Turn a frame written by :func:`to_frame` back into records."""
    names = [f.name for f in fields(kind)]  # type: ignore[arg-type]
    return [kind(**{n: row[n] for n in names}) for row in frame.iter_rows(named=True)]


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Write a frame to Parquet atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_records(records: Sequence[Any], kind: type, path: Path) -> None:
    """Write records of one dataclass type to a Parquet file atomically."""
    write_parquet(to_frame(records, kind), path)


class RecordSink:
    """Append records of one type to a Parquet file batch by batch, so they need not all be
    held in memory; the file appears (atomically, by rename) only when the sink closes
    without an error, and holds the schema's columns even with no rows.

    Use as a context manager: ``with RecordSink(path, Sample) as sink: sink.write(batch)``.
    """

    def __init__(self, path: Path, kind: type) -> None:
        self.path, self.kind = path, kind
        self.rows = 0
        self._tmp: str | None = None
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> "RecordSink":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        os.close(fd)
        self._writer = pq.ParquetWriter(self._tmp, to_frame([], self.kind).to_arrow().schema)
        return self

    def write(self, records: Sequence[Any]) -> None:
        """Append one batch (a row group)."""
        if records and self._writer is not None:
            self._writer.write_table(to_frame(records, self.kind).to_arrow())
            self.rows += len(records)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        assert self._writer is not None and self._tmp is not None
        try:
            self._writer.close()
            if kind is None:
                os.replace(self._tmp, self.path)
        finally:
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)


def read_records(path: Path, kind: type[R]) -> list[R]:
    """Read records written by :func:`write_records`."""
    return from_frame(pl.read_parquet(path), kind)


def write_json(data: Any, path: Path) -> None:
    """Write JSON atomically (pretty-printed, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")
    os.replace(tmp, path)
