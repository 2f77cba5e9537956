"""PNG plots of a run: vote-margin histogram, tau sweep, answer status.

matplotlib is imported lazily with the non-interactive Agg backend, so importing this
module costs nothing and works without a display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scpo_data.evaluate.audit import TauRow


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    _pyplot().close(fig)
    return path


def margin_histogram(margins: Mapping[int, int], k: int, path: Path) -> Path:
    """Bar chart of pairs per vote margin V(chosen) - V(rejected) (vote pairs: weight = margin / k)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3))
    xs = list(range(min(1, min(margins, default=1)), max(k, max(margins, default=1)) + 1))
    ax.bar(xs, [margins.get(x, 0) for x in xs], color="#4c72b0")
    ax.set_xlabel(f"vote margin V(chosen) - V(rejected)  (weight = margin / {k})")
    ax.set_ylabel("pairs")
    ax.set_xticks(xs)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("ScPO pair vote margins")
    return _save(fig, path)


def tau_sweep_plot(rows: Sequence[TauRow], path: Path) -> Path:
    """Pairs kept at each tau (bars) and, with gold, chosen/rejected accuracy (lines)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3))
    taus = [r.tau for r in rows]
    ax.bar(taus, [r.accuracy.pairs for r in rows], width=0.06, color="#bbbbbb", label="pairs kept")
    ax.set_xlabel("tau (fraction of k)")
    ax.set_ylabel("pairs kept")
    ax.yaxis.get_major_locator().set_params(integer=True)
    gold = [r for r in rows if r.accuracy.chosen is not None]
    if gold:
        acc = ax.twinx()
        acc.plot([r.tau for r in gold], [r.accuracy.chosen for r in gold], "o-", color="#55a868",
                 label="chosen accuracy")
        acc.plot([r.tau for r in gold], [r.accuracy.rejected for r in gold], "s-", color="#c44e52",
                 label="rejected accuracy")
        acc.set_ylim(0, 1.05)
        acc.set_ylabel("accuracy vs gold")
        acc.legend(loc="upper right", fontsize=7)
    ax.set_title("tau sweep")
    return _save(fig, path)


def status_plot(status_counts: Mapping[str, int], path: Path) -> Path:
    """Horizontal bars: samples per answer status (ok, no_answer, truncated, ...)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3))
    names = sorted(status_counts, key=lambda s: -status_counts[s])
    ax.barh(names, [status_counts[n] for n in names], color="#8172b2")
    ax.invert_yaxis()
    ax.set_xlabel("samples")
    ax.set_title("answer status")
    return _save(fig, path)
