"""What ``scpo-data inspect`` shows of a self-correction run or its dataset folder.

A run folder is known by its manifest's ``kind`` (``self_correction``); a dataset folder
by the ``score`` block of its card. Both give the five metrics with their intervals, the
attempt-1 -> attempt-2 transitions, the label sources and the rows of each config; a run
folder also gives example traces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from huggingface_hub import DatasetCard
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scpo_data.correct.metrics import metric_rows
from scpo_data.correct.pipeline import KIND
from scpo_data.correct.traces import TRACES_FILE
from scpo_data.publish.card import correction_summary
from scpo_data.publish.report import _table, plain
from scpo_data.records import MANIFEST_FILE


#: How the transition counts are named.
TRANSITIONS = {"c_to_c": "right -> right", "c_to_i": "right -> wrong", "i_to_c": "wrong -> right",
               "i_to_i": "wrong -> wrong"}


@dataclass
class CorrectionInspection:
    """A self-correction run or dataset folder, as ``inspect`` shows it.

    Attributes:
        path: The folder.
        kind: ``run`` or ``dataset``.
        summary: The card's ``score`` block (domain, model, n, second_n, alpha, label
            sources, config rows, ``self_correction``).
        traces: The traces (empty for a dataset folder).
    """

    path: Path
    kind: str
    summary: dict[str, Any]
    traces: pl.DataFrame = field(repr=False)


def inspect_correction(path: Path) -> CorrectionInspection | None:
    """The inspection of ``path`` when it is a self-correction run or dataset folder, else None."""
    manifest_file = path / MANIFEST_FILE
    if manifest_file.is_file():
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        if manifest.get("kind") != KIND:
            return None
        traces = pl.read_parquet(path / TRACES_FILE) if (path / TRACES_FILE).is_file() else pl.DataFrame()
        return CorrectionInspection(path, "run", correction_summary(manifest), traces)
    card = path / "README.md"
    if card.is_file():
        summary = DatasetCard.load(card).data.to_dict().get("score")
        if isinstance(summary, dict):
            return CorrectionInspection(path, "dataset", summary, pl.DataFrame())
    return None


def render_correction(inspection: CorrectionInspection, console: Console, examples: int = 3) -> None:
    """Print the metrics, transitions, labels, configs and (for a run) example traces."""
    s = inspection.summary
    metrics = s.get("self_correction") or {}
    console.print(Text(f"self-correction {inspection.kind} {inspection.path}: domain {s.get('domain')}, "
                       f"model {s.get('model')}, {s.get('n')} first attempts x {s.get('second_n')} second, "
                       f"alpha {s.get('alpha')}"))
    console.print(metrics_table(metrics, "Self-correction"))
    moves = metrics.get("transitions") or {}
    console.print(_table("Attempt 1 -> attempt 2", ("transition", "traces"),
                         [(TRANSITIONS.get(name, name), str(n)) for name, n in moves.items()]))
    console.print(_table("Labels (problems)", ("source", "problems"),
                         [(name, str(n)) for name, n in sorted((s.get("label_sources") or {}).items())]))
    console.print(_table("Dataset configs", ("config", "rows"),
                         [(name, str(n)) for name, n in (s.get("configs") or {}).items()]))
    if examples and inspection.traces.height:
        console.print(_examples(inspection.traces, examples))


def metrics_table(metrics: dict[str, Any], title: str) -> Table:
    """The five metrics of a :func:`~scpo_data.correct.metrics.self_correction` report with their
    95% intervals (the caption says how they were computed)."""
    table = _table(f"{title} ({metrics.get('traces', 0)} traces, {metrics.get('problems', 0)} problems)",
                   ("metric", "value", "95% interval"), metric_rows(metrics))
    table.caption = metrics.get("ci_method")
    return table


def _examples(traces: pl.DataFrame, n: int) -> Table:
    """The first ``n`` traces: question tail, both attempts (answer key, reward, text tail), label."""
    table = Table(title=f"Example traces ({min(n, traces.height)} of {traces.height})", show_lines=True)
    for column in ("problem", "attempt 1 (answer, r1)", "attempt 2 (answer, r2)", "label (source)"):
        table.add_column(column, overflow="fold")
    for row in traces.head(n).iter_rows(named=True):
        table.add_row(plain(row["question"], 160), plain(f"{row['first_key']}, {row['r1']}\n{row['first']}"),
                      plain(f"{row['second_key']}, {row['r2']}\n{row['second']}"),
                      plain(f"{row['label']} ({row['label_source']})", 60))
    return table
