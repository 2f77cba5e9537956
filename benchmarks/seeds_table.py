"""One table over seeds: each model's greedy test gain on every seed of an ``iterate`` recipe.

Reads the ``summary.json`` of several ``scpo-data iterate`` runs of one recipe (one run
per seed) and prints, per model (arm and iteration), its test greedy accuracy and gain
over M0 with the 95% CI on each seed, the mean gain over the seeds, and on how many seeds
the gain is at least ``--min-gain`` points with the CI above 0 (issue 14's target:
ScPO M1 at least +5 on each of 3 seeds).

Runs may differ in their arms and number of iterations (a model is the same given the
rest of the recipe, as ``iterate`` itself resumes a run with other arms), never in any
other setting: those are refused.

    python benchmarks/seeds_table.py runs/laptop-s0 runs/laptop-s1 runs/laptop-s2 [--min-gain 5] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: Recipe settings that may differ between the runs of one table.
FREE_SETTINGS = {"name", "description", "seed", "arms", "iterations"}


class SeedsError(ValueError):
    """Runs that cannot share one table (missing summary, other settings, a seed twice)."""


def load_summaries(runs: list[Path]) -> list[dict[str, Any]]:
    """Each run's ``summary.json``, checked to be seeds of one recipe, sorted by seed.

    Raises:
        SeedsError: A run without a (readable) summary, two runs of one seed, or runs whose recipes
            differ in more than :data:`FREE_SETTINGS`.
    """
    summaries = []
    for run in runs:
        path = run / "summary.json"
        if not path.is_file():
            raise SeedsError(f"{run} has no summary.json (is it a finished `scpo-data iterate` run?)")
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SeedsError(f"{path} is not JSON ({exc})") from None
        if not isinstance(summary, dict) or "seed" not in summary.get("recipe", {}) or "models" not in summary:
            raise SeedsError(f"{path} is not an iterate summary (no recipe seed or models)")
        summaries.append(summary)
    first = summaries[0]["recipe"]
    for run, summary in zip(runs, summaries):
        differ = sorted(key for key in set(first) | set(summary["recipe"])
                        if key not in FREE_SETTINGS and first.get(key) != summary["recipe"].get(key))
        if differ:
            raise SeedsError(f"{run} is a run of other settings than {runs[0]} ({', '.join(differ)})")
    seeds = [summary["recipe"]["seed"] for summary in summaries]
    if len(set(seeds)) < len(seeds):
        raise SeedsError(f"two runs of one seed: seeds {seeds}")
    return sorted(summaries, key=lambda summary: summary["recipe"]["seed"])


def seeds_table(summaries: list[dict[str, Any]], min_gain: float) -> str:
    """The markdown table: a row per model, a column per seed, then the mean gain and the
    number of seeds with a gain of at least ``min_gain`` points and its CI above 0. From the
    second iteration on, a cell also gives the gain over the model it was trained from."""
    seeds = [summary["recipe"]["seed"] for summary in summaries]
    by_seed = [{(m["arm"], m["iteration"]): m for m in summary["models"]} for summary in summaries]
    keys = list(dict.fromkeys(key for models in by_seed for key in models))
    lines = ["| Model | " + " | ".join(f"Seed {seed}: test greedy, gain [95% CI]" for seed in seeds)
             + f" | Mean gain | Seeds with gain >= {min_gain:g}, CI > 0 |",
             "|---|" + "---|" * len(seeds) + "---:|---:|"]
    for key in keys:
        cells, gains, met = [], [], 0
        name = next(models[key]["name"] for models in by_seed if key in models)
        for models in by_seed:
            model = models.get(key)
            if model is None:
                cells.append("not run")
                continue
            if model["iteration"] == 0:  # M0: the baseline of every gain
                cells.append(f"{model['test']['greedy']:.1%}")
                continue
            gain, low = model["gain"], model["gain"]["ci95"][0]
            gains.append(100 * gain["greedy"])
            met += 100 * gain["greedy"] >= min_gain and low > 0
            cell = f"{model['test']['greedy']:.1%}, {_interval(gain)}"
            if model["iteration"] > 1 and model.get("step_gain"):
                cell += f" (vs M{model['iteration'] - 1}: {_interval(model['step_gain'])})"
            cells.append(cell)
        mean = f"{sum(gains) / len(gains):+.1f}" if gains else ""
        count = f"{met} of {len(gains)}" if gains else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {mean} | {count} |")
    return "\n".join(lines) + "\n"


def _interval(gain: dict[str, Any]) -> str:
    """A gain and its 95% CI in points, e.g. ``+5.6 [+2.6, +8.6]``."""
    low, high = gain["ci95"]
    return f"{100 * gain['greedy']:+.1f} [{100 * low:+.1f}, {100 * high:+.1f}]"


def main(argv: list[str] | None = None) -> int:
    """Print (and with ``--out`` write) the table; a one-line error and exit 2 on bad runs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="iterate output folders, one per seed")
    parser.add_argument("--min-gain", type=float, default=5.0, help="the gain (points) a seed must reach")
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    try:
        table = seeds_table(load_summaries(args.runs), args.min_gain)
    except SeedsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
