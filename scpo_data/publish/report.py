"""``inspect``: what a run or a dataset folder holds, as rich tables and PNG plots.

A run folder gives everything (the tau sweep is recomputed from every problem's votes).
A dataset folder alone gives what its card's ``scpo`` block and its Parquet hold: the
tau sweep then covers only taus at or above the run's own (looser thresholds would
have kept pairs that were never made).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from huggingface_hub import DatasetCard
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scpo_data.evaluate.audit import DEFAULT_TAUS, Accuracy, TauRow, load_vote_tables, pair_accuracy, pair_tau_sweep, tau_sweep
from scpo_data.publish.card import card_summary, margin_counts, margin_rows, percent, stage_rows
from scpo_data.errors import ScpoError
from scpo_data.publish.plots import margin_histogram, status_plot, tau_sweep_plot
from scpo_data.records import ANSWERS_FILE, MANIFEST_FILE, PAIRS_FILE, PROBLEMS_FILE

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class Inspection:
    """What ``inspect`` found in a folder.

    Attributes:
        path: The folder inspected.
        kind: ``run`` or ``dataset``.
        summary: Domain, labels, k, tau, model (the card's ``scpo`` block).
        stages: (stage, count) rows.
        statuses: Samples per answer status.
        margins: (vote margin, weight, pairs) rows.
        k: Samples per problem (largest, for merged shards).
        accuracy: Chosen/rejected accuracy of the pairs against gold.
        sweep: The tau sweep.
        sweep_note: How the sweep was computed.
        pairs: The pairs frame (for examples).
    """

    path: Path
    kind: str
    summary: dict[str, Any]
    stages: list[tuple[str, str]]
    statuses: dict[str, int]
    margins: list[tuple[int, str, int]]
    k: int
    accuracy: Accuracy
    sweep: list[TauRow]
    sweep_note: str
    pairs: pl.DataFrame = field(repr=False)


def inspect_folder(path: Path, taus: Sequence[float] = DEFAULT_TAUS) -> Inspection:
    """Inspect a run folder or a dataset folder.

    Raises:
        ScpoError: When ``path`` is neither.
    """
    if (path / MANIFEST_FILE).is_file() and (path / PROBLEMS_FILE).is_file() and (path / ANSWERS_FILE).is_file():
        return _inspect_run(path, taus)
    if (path / "README.md").is_file() and any((path / "data").glob("*.parquet")):
        return _inspect_dataset(path, taus)
    raise ScpoError(f"{path} is neither a run folder (manifest.json + Parquet files) "
                    "nor a dataset folder (README.md + data/*.parquet)")


def _inspect_run(path: Path, taus: Sequence[float]) -> Inspection:
    manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    pairs = pl.read_parquet(path / PAIRS_FILE) if (path / PAIRS_FILE).is_file() else _dataset_pairs(path / "dataset")
    statuses = dict(pl.read_parquet(path / ANSWERS_FILE)["status"].value_counts().iter_rows())
    tables = load_vote_tables(path)
    k = manifest.get("config", {}).get("k") or max((len(t.keys) for t in tables), default=0)
    return Inspection(
        path=path, kind="run", summary=card_summary(manifest),
        stages=stage_rows(manifest.get("counts", {}), pairs.height), statuses=statuses,
        margins=margin_rows(pairs), k=k, accuracy=pair_accuracy(pairs), sweep=tau_sweep(tables, taus, k),
        sweep_note="every problem's votes; accuracy is the expected value over the random pick in a cluster",
        pairs=pairs,
    )


def _inspect_dataset(path: Path, taus: Sequence[float]) -> Inspection:
    summary = DatasetCard.load(path / "README.md").data.to_dict().get("scpo") or {}
    pairs = _dataset_pairs(path)
    counts = {**summary.get("counts", {}), "skipped": summary.get("skipped", {})}
    run_tau = float(summary.get("tau") or 0.0)
    k = int(pairs["k"].max() or 0) if pairs.height else int(summary.get("k") or 0)  # type: ignore[arg-type]
    return Inspection(
        path=path, kind="dataset", summary=summary, stages=stage_rows(counts, pairs.height),
        statuses=dict(summary.get("answer_status", {})), margins=margin_rows(pairs), k=k,
        accuracy=pair_accuracy(pairs), sweep=pair_tau_sweep(pairs, taus, run_tau),
        sweep_note=f"the kept pairs only (dataset folder): taus below the run's {run_tau:g} are not shown",
        pairs=pairs,
    )


def _dataset_pairs(folder: Path) -> pl.DataFrame:
    """The train split of a dataset folder: the file its card's ``configs`` names, else data/*.parquet."""
    files: list[Path] = []
    if (folder / "README.md").is_file():
        for config in DatasetCard.load(folder / "README.md").data.to_dict().get("configs") or []:
            for entry in config.get("data_files") or []:
                if isinstance(entry, dict) and entry.get("split") == "train" and (folder / entry["path"]).is_file():
                    files.append(folder / entry["path"])
    files = files or sorted((folder / "data").glob("*.parquet"))
    if not files:
        raise ScpoError(f"{folder} has no pairs (no pairs.parquet, no data/*.parquet)")
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


def plain(text: object, limit: int = 200) -> Text:
    """Untrusted text (model output) for a table cell: no markup, no control characters.

    Longer text keeps its last ``limit`` characters (where the question or the answer is).
    """
    value = _CONTROL.sub("?", "" if text is None else str(text))
    if len(value) > limit:
        value = "…" + value[-(limit - 1):]
    return Text(value)


def render(inspection: Inspection, console: Console, examples: int = 3) -> None:
    """Print the inspection as rich tables."""
    s = inspection.summary
    console.print(Text(f"{inspection.kind} {inspection.path}: domain {s.get('domain')}, labels "
                       f"{s.get('labels', 'none')}, k {s.get('k')}, tau {s.get('tau')}, model {s.get('model')}"))
    console.print(_table("Stage counts", ("stage", "count"), inspection.stages))
    if inspection.statuses:
        total = sum(inspection.statuses.values())
        rows = [(plain(name), str(n), percent(n / total))
                for name, n in sorted(inspection.statuses.items(), key=lambda kv: -kv[1])]
        console.print(_table("Answers by status (parse rate = share with a key)", ("status", "samples", "share"),
                             rows))
    if inspection.margins:
        top = max(n for _, _, n in inspection.margins)
        rows = [(str(m), w, str(n), "█" * max(1, round(30 * n / top))) for m, w, n in inspection.margins]
        console.print(_table("Vote margins V(chosen) - V(rejected)", ("margin", "weight", "pairs", ""), rows))
    else:
        console.print(Text("no pairs (the stage counts say why; the sweep shows looser thresholds)"))
    acc = inspection.accuracy
    if acc.chosen is not None:
        console.print(Text(f"pairs vs gold: {acc.with_gold} of {acc.pairs} labelled, chosen correct "
                           f"{percent(acc.chosen)}, rejected correct {percent(acc.rejected)}"))
    rows = [(f"{r.tau:.2f}", f"{r.tau_votes:g}", str(r.accuracy.pairs), str(r.accuracy.with_gold),
             percent(r.accuracy.chosen), percent(r.accuracy.rejected),
             "—" if r.accuracy.gap is None else f"{100 * r.accuracy.gap:+.1f}") for r in inspection.sweep]
    sweep = _table("Tau sweep", ("tau", "votes", "pairs kept", "with gold", "chosen acc", "rejected acc", "gap"),
                   rows)
    sweep.caption = inspection.sweep_note
    console.print(sweep)
    if examples and inspection.pairs.height:
        console.print(_examples(inspection.pairs, examples))


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str | Text]]) -> Table:
    """A table whose first column is left-aligned and the others right-aligned."""
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _examples(pairs: pl.DataFrame, n: int) -> Table:
    """The first ``n`` pairs: question tail, chosen and rejected (votes, answer, response tail), gold."""
    table = Table(title=f"Example pairs ({min(n, pairs.height)} of {pairs.height})", show_lines=True)
    for col in ("problem", "chosen (votes: answer)", "rejected (votes: answer)", "gold"):
        table.add_column(col, overflow="fold")
    for row in pairs.head(n).iter_rows(named=True):
        table.add_row(plain(row["prompt"][-1]["content"], 160),
                      plain(f"{row['chosen_votes']}: {row['chosen_answer']}\n{row['chosen'][-1]['content']}"),
                      plain(f"{row['rejected_votes']}: {row['rejected_answer']}\n{row['rejected'][-1]['content']}"),
                      plain(row["gold"], 60))
    return table


def write_plots(inspection: Inspection, folder: Path) -> list[Path]:
    """Write the margin histogram, tau sweep and answer-status PNGs into ``folder``."""
    paths = [margin_histogram(margin_counts(inspection.margins), inspection.k, folder / "vote_margins.png"),
             tau_sweep_plot(inspection.sweep, folder / "tau_sweep.png")]
    if inspection.statuses:
        paths.append(status_plot(inspection.statuses, folder / "answer_status.png"))
    return paths
