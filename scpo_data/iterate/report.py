"""The summary of an ``iterate`` run, built from its step folders: ``summary.json``,
``summary.md`` (the paper's Table 1 shape and its tau table) and ``accuracy.png``.

Every number is read back from the folders (``results.parquet``, ``report.json``,
``selection.json``, the M0 run's answers), so a resumed run's summary is the same as an
uninterrupted one's. The gain of a model is measured against M0 on the same test
problems (joined by problem id) with a paired bootstrap CI (:mod:`scpo_data.iterate.stats`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console

from scpo_data.evaluate.run import REPORT_FILE
from scpo_data.iterate.recipe import ARM_LABELS, Recipe
from scpo_data.iterate.stats import paired_gain
from scpo_data.records import MANIFEST_FILE, write_json

#: How the summary names each arm's models (``ScPO M1``); M0's arm is ``base``.
ARM_NAMES = {"scpo": "ScPO", "irpo": "IRPO", "semi": "Semi-sup."}
#: The training data of each arm, as the paper's table says it.
ARM_DATA = {"base": "-", "scpo": "unlabelled (votes)", "irpo": "gold", "semi": "gold on a fraction, votes elsewhere"}
#: The tau values of the tau table (fractions of k), as in the paper's MATH analysis.
TAU_TABLE = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def write_summary(recipe: Recipe, out: Path, m0: str, console: Console | None = None) -> dict[str, Any]:
    """Build the summary from ``out``'s finished steps and write ``summary.json``, ``summary.md``
    and ``accuracy.png``.

    Args:
        recipe: The run's recipe.
        out: The iterate folder.
        m0: The path (or spec) of M0.
        console: Where to say where the summary is.

    Returns:
        The summary: ``recipe``, ``models`` and ``tau_table``.
    """
    base_test = greedy_by_problem(out / "base" / "iter0" / "eval" / "test")
    models = [_entry("M0", "base", 0, m0, out / "base" / "iter0", base_test, base_test, base_test,
                     _dev(out / "base" / "iter0"))]
    for arm in recipe.arms:
        previous, previous_test = models[0], base_test
        for t in range(1, recipe.iterations + 1):
            folder = out / arm / f"iter{t}"
            selection = json.loads((folder / "model" / "selection.json").read_text(encoding="utf-8"))
            dev = {"n": recipe.problems.dev, "greedy": selection["dev"][selection["epochs"] - 1]} \
                if selection["trained"] else previous["dev"]  # untrained: M(t) is M(t-1)
            test = greedy_by_problem(folder / "eval" / "test")
            entry = _entry(f"{ARM_NAMES[arm]} M{t}", arm, t, selection["path"], folder, test, base_test,
                           previous_test, dev)
            entry.update(labels=ARM_LABELS[arm], pairs=selection["pairs"], epochs=selection["epochs"],
                         learning_rate=selection.get("learning_rate"), trained=selection["trained"])
            models.append(entry)
            previous, previous_test = entry, test
    summary = {"recipe": recipe.to_dict(), "models": models, "tau_table": tau_table(out / "base" / "iter1" / "run")}
    write_json(summary, out / "summary.json")
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
    accuracy_plot(models, out / "accuracy.png")
    if console is not None:
        console.print(f"summary: {out / 'summary.md'} ({out / 'summary.json'}, {out / 'accuracy.png'})",
                      highlight=False)
    return summary


def tau_table(run: Path) -> list[dict[str, Any]]:
    """Pairs kept and their chosen/rejected accuracy against gold at each tau of
    :data:`TAU_TABLE`, from M0's votes in ``run`` (the expected accuracy over the random pick
    within the top and bottom clusters, as :func:`scpo_data.evaluate.audit.tau_sweep` measures it)."""
    from scpo_data.evaluate.audit import load_vote_tables, tau_sweep

    k = json.loads((run / MANIFEST_FILE).read_text(encoding="utf-8"))["config"]["k"]
    rows = []
    for row in tau_sweep(load_vote_tables(run), TAU_TABLE, k):
        acc = row.accuracy
        rows.append({"tau": row.tau, "votes": row.tau_votes, "pairs": acc.pairs, "with_gold": acc.with_gold,
                     "chosen_accuracy": acc.chosen, "rejected_accuracy": acc.rejected, "gap": acc.gap})
    return rows


def summary_markdown(summary: dict[str, Any]) -> str:
    """The summary as Markdown: the models table (the paper's Table 1 shape) and the tau table."""
    recipe, models = summary["recipe"], summary["models"]
    k, maj_n, test_n = recipe["eval"]["k"], recipe["eval"]["maj_n"], models[0]["test"]["n"]
    lines = [
        f"# scpo-data iterate: {recipe['name']}",
        "",
        f"Model {recipe['model']}{' (warmed up)' if recipe['warmup'] else ''}, {recipe['domain']}, seed "
        f"{recipe['seed']}; {recipe['iterations']} iteration(s) of {recipe['problems']['pool_per_iteration']} "
        f"pool problems, k = {recipe['sampling']['k']}, tau = {', '.join(f'{t:g}k' for t in recipe['tau'])}. "
        f"Test: greedy on {test_n} problems, maj@{k} on the first {maj_n}; gain = greedy accuracy minus "
        "M0's on the same problems, 95% CI by paired bootstrap; vs M(t-1): the same against the model it "
        "was trained from. Learning rate and epochs chosen on dev greedy.",
        "",
        f"| Model | Training data | Pairs | LR | Epochs | Dev greedy | Test greedy | Test maj@{k} | Gain | 95% CI "
        "| vs M(t-1) [95% CI] |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for m in models:
        base = m["arm"] == "base"
        gain = m["gain"]
        ci = "" if base else _interval(gain["ci95"])
        step = "" if base else f"{_signed(m['step_gain']['greedy'])} {_interval(m['step_gain']['ci95'])}"
        lines.append(f"| {m['name']} | {ARM_DATA[m['arm']]} | {m.get('pairs', '')} | "
                     f"{format(m['learning_rate'], 'g') if m.get('learning_rate') else ''} | {m.get('epochs', '')} | "
                     f"{_pct(m['dev']['greedy'])} | {_pct(m['test']['greedy'])} | {_pct(m['test']['maj'])} | "
                     f"{'' if base else _signed(gain['greedy'])} | {ci} | {step} |")
    lines += [
        "",
        f"## Tau table (M0's samples of pool slice 1, k = {recipe['sampling']['k']}, against gold)",
        "",
        "| tau | votes | pairs kept | chosen correct | rejected correct | gap |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary["tau_table"]:
        lines.append(f"| {row['tau']:g}k | {row['votes']:g} | {row['pairs']} | {_pct(row['chosen_accuracy'])} | "
                     f"{_pct(row['rejected_accuracy'])} | {_pct(row['gap'])} |")
    return "\n".join(lines) + "\n"


def accuracy_plot(models: list[dict[str, Any]], path: Path) -> Path:
    """Test accuracy by iteration, one line per arm from M0 (greedy solid, maj@k dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = models[0]
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for index, arm in enumerate(dict.fromkeys(m["arm"] for m in models[1:])):
        line = [base, *(m for m in models if m["arm"] == arm)]
        color = f"C{index}"
        xs = [m["iteration"] for m in line]
        ax.plot(xs, [100 * m["test"]["greedy"] for m in line], "o-", color=color, label=f"{ARM_NAMES[arm]} greedy")
        ax.plot(xs, [100 * (m["test"]["maj"] or 0) for m in line], "s--", color=color, alpha=0.6,
                label=f"{ARM_NAMES[arm]} maj@k")
    ax.set_xlabel("iteration (M0 = 0)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_xticks(sorted({m["iteration"] for m in models}))
    ax.legend(fontsize=7)
    ax.set_title("accuracy by iteration")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def _entry(name: str, arm: str, iteration: int, path: str, folder: Path, test: dict[str, bool],
           base_test: dict[str, bool], previous_test: dict[str, bool], dev: dict[str, Any]) -> dict[str, Any]:
    """One model's line from its greedy ``test`` results and ``folder``'s maj@k report: test
    accuracy, the gain over M0 and the gain over the model it was trained from (``step_gain``:
    M(t) against M(t-1))."""
    maj = json.loads((folder / "eval" / "maj" / REPORT_FILE).read_text(encoding="utf-8"))["overall"]
    gain, step = paired_gain(test, base_test), paired_gain(test, previous_test)
    return {"name": name, "arm": arm, "iteration": iteration, "path": path,
            "test": {"n": len(test), "greedy": sum(test.values()) / len(test), "maj": maj["maj_accuracy"],
                     "maj_n": maj["problems"]},
            "gain": {"greedy": gain.mean, "ci95": [gain.low, gain.high]},
            "step_gain": {"greedy": step.mean, "ci95": [step.low, step.high]},
            "dev": dev}


def greedy_by_problem(folder: Path) -> dict[str, bool]:
    """Greedy correctness per problem id from an eval folder's ``results.parquet``."""
    frame = pl.read_parquet(folder / "results.parquet", columns=["problem_id", "greedy_correct"])
    return dict(zip(frame["problem_id"].to_list(), frame["greedy_correct"].to_list(), strict=True))


def _dev(folder: Path) -> dict[str, Any]:
    """M0's dev greedy accuracy."""
    overall = json.loads((folder / "eval" / "dev" / REPORT_FILE).read_text(encoding="utf-8"))["overall"]
    return {"n": overall["problems"], "greedy": overall["greedy_accuracy"]}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _signed(value: float) -> str:
    return f"{100 * value:+.1f}"


def _interval(ci: list[float]) -> str:
    return f"[{_signed(ci[0])}, {_signed(ci[1])}]"
