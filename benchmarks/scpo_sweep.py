"""Choose ScPO's training settings on dev: train variants of one iteration from an
``iterate`` run's M0 samples and report each variant's dev greedy accuracy per epoch.

Each variant re-pairs M0's samples of pool slice 1 (replayed from the run's request cache:
nothing is sampled again unless a variant asks for draws the run did not make) at its own
tau and extra samples, trains from M0 with its own learning rate and loss settings through
the same steps ``iterate`` uses, and keeps its best epoch on dev. Test is never touched here:
evaluate the chosen variant on test once, afterwards (``--test NAME``).

    python benchmarks/scpo_sweep.py --run RUN --variants benchmarks/sweeps/laptop-dev.yaml \\
        --out RUN/sweep --report benchmarks/results/laptop-seed0-sweep.md
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from scpo_data.iterate.driver import RECIPE_FILE
from scpo_data.iterate.recipe import ARM_LABELS, load_recipe
from scpo_data.iterate.steps import Step, eval_step, generate_step, train_step

#: The keys a variant may set besides ``name``.
VARIANT_KEYS = {"arm", "tau", "extra_samples", "learning_rate", "epochs", "options"}


def run_recipe(run: Path) -> Any:
    """The recipe the run pinned (``recipe.json``), rebuilt through :func:`load_recipe`'s checks."""
    pinned = json.loads((run / RECIPE_FILE).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{pinned.pop('name')}.yaml"
        train = dict(pinned["train"])
        options = train.pop("options", {})
        pinned["train"] = {key: value for key, value in {**train, **options}.items() if value is not None}
        path.write_text(yaml.safe_dump(pinned), encoding="utf-8")
        return load_recipe(str(path))


def variant_recipe(base: Any, variant: dict[str, Any]) -> Any:
    """``base`` (the run's recipe) with one variant's sampling, tau and training settings."""
    unknown = set(variant) - VARIANT_KEYS - {"name"}
    if unknown:
        raise SystemExit(f"variant {variant.get('name')}: unknown keys {sorted(unknown)}")
    sampling = dataclasses.replace(base.sampling, extra_samples=variant.get("extra_samples",
                                                                            base.sampling.extra_samples))
    rates = variant.get("learning_rate", base.train.learning_rate)
    train = dataclasses.replace(
        base.train, epochs=variant.get("epochs", base.train.epochs),
        learning_rate=tuple(rates) if isinstance(rates, list) else (rates,),
        options={**base.train.options, **variant.get("options", {})})
    return dataclasses.replace(base, sampling=sampling, train=train, iterations=1,
                               tau=(variant.get("tau", base.tau[0]),))


def run_variant(base: Any, run: Path, out: Path, variant: dict[str, Any], console: Console) -> dict[str, Any]:
    """Pair, train and pick the dev-best epoch of one variant; return its row."""
    recipe = variant_recipe(base, variant)
    arm = variant.get("arm", "scpo")
    folder = out / variant["name"]
    step = Step(recipe, console, arm, 1)
    console.print(f"[bold]variant {variant['name']}[/]")
    started = time.perf_counter()
    pool = run / "data" / "pool1.jsonl"
    manifest = generate_step(step, folder / "run", str(_m0(run)), pool, ARM_LABELS[arm],
                             cache_from=run / "base" / "iter1" / "run")
    selection = train_step(step, folder, folder / "run", str(_m0(run)), run / "data" / "dev.jsonl")
    audit = manifest["counts"].get("audit") or {}
    return {"name": variant["name"], "arm": arm, "tau": recipe.tau[0], "extra_samples": recipe.sampling.extra_samples,
            "options": variant.get("options", {}), "pairs": selection.get("pairs", 0),
            "chosen_correct": audit.get("chosen_accuracy"), "rejected_correct": audit.get("rejected_accuracy"),
            "dev_grid": selection.get("dev_grid", {}), "learning_rate": selection.get("learning_rate"),
            "epochs": selection.get("epochs"), "model": selection.get("path"),
            "seconds": selection.get("train_seconds", round(time.perf_counter() - started, 1))}


def _m0(run: Path) -> Path:
    """M0 as the run used it (the warm model the base evaluation names)."""
    report = json.loads((run / "base" / "iter0" / "eval" / "dev" / "report.json").read_text(encoding="utf-8"))
    return Path(report["config"]["model"])


def m0_dev(run: Path) -> float:
    """M0's dev greedy accuracy in the run."""
    report = json.loads((run / "base" / "iter0" / "eval" / "dev" / "report.json").read_text(encoding="utf-8"))
    return float(report["overall"]["greedy_accuracy"])


def write_report(rows: list[dict[str, Any]], run: Path, path: Path) -> None:
    """A markdown table of every variant (dev only), M0 first."""
    lines = [f"# ScPO settings chosen on dev ({run.name}: M0's pool-1 samples, dev greedy on the run's dev split)", "",
             "| Variant | Arm | tau | Extra samples | Loss options | Pairs | Chosen right | Rejected right "
             "| Dev greedy per (lr: epochs) | Best | Train minutes |",
             "|---|---|---:|---:|---|---:|---:|---:|---|---:|---:|",
             f"| M0 | - | | | | | | | | {m0_dev(run):.1%} | |"]
    for row in rows:
        grid = "; ".join(f"{rate}: " + ", ".join(f"{s:.1%}" for s in scores) for rate, scores in row["dev_grid"].items())
        best = best_dev(row)
        pct = (lambda v: "" if v is None else f"{v:.1%}")
        lines.append(f"| {row['name']} | {row['arm']} | {row['tau']:g}k | {row['extra_samples']} | "
                     f"{json.dumps(row['options']) if row['options'] else '-'} | {row['pairs']} | "
                     f"{pct(row['chosen_correct'])} | {pct(row['rejected_correct'])} | {grid} | {pct(best)} | "
                     f"{row['seconds'] / 60:.0f} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Run every variant of ``--variants`` (skipping finished ones) and write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="an iterate run folder whose base step is done")
    parser.add_argument("--variants", type=Path, required=True, help="YAML list of variants")
    parser.add_argument("--out", type=Path, required=True, help="where the variants' folders go")
    parser.add_argument("--report", type=Path, required=True, help="the markdown table to write")
    parser.add_argument("--only", nargs="*", help="run only these variants")
    parser.add_argument("--test", metavar="NAME", help="afterwards, evaluate variant NAME (or 'best': the scpo "
                        "variant best on dev) once on the run's test split, greedy, against M0")
    args = parser.parse_args()
    console = Console(stderr=True)
    base = run_recipe(args.run)
    variants = yaml.safe_load(args.variants.read_text(encoding="utf-8"))
    rows = []
    for variant in variants:
        if args.only and variant["name"] not in args.only:
            continue
        rows.append(run_variant(base, args.run, args.out, variant, console))
        (args.out / "sweep.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
        write_report(rows, args.run, args.report)
    if args.test:
        line = test_once(base, args.run, args.out, pick(rows, args.test), console)
        with args.report.open("a", encoding="utf-8") as report:
            report.write(f"\n{line}\n")
    print(args.report.read_text(encoding="utf-8"))


def pick(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The row named ``name``, or (``best``) the scpo row with the highest dev greedy (the first on a tie)."""
    if name != "best":
        return next(row for row in rows if row["name"] == name)
    scpo = [row for row in rows if row["arm"] == "scpo"]
    return max(scpo, key=lambda row: best_dev(row) or 0.0)


def best_dev(row: dict[str, Any]) -> float | None:
    """A variant's best dev greedy accuracy over its (rate, epoch) grid (None: it trained nothing)."""
    return max((s for scores in row["dev_grid"].values() for s in scores), default=None)


def test_once(base: Any, run: Path, out: Path, row: dict[str, Any], console: Console) -> str:
    """Greedy test accuracy of ``row``'s kept model and its paired gain over M0 (95% CI), as one line."""
    from scpo_data.iterate.report import greedy_by_problem
    from scpo_data.iterate.stats import paired_gain

    step = Step(variant_recipe(base, {"name": row["name"]}), console, row["arm"], 1)
    eval_step(step, out / row["name"] / "eval" / "test", row["model"], run / "data" / "test.jsonl", maj=False)
    new = greedy_by_problem(out / row["name"] / "eval" / "test")
    m0 = greedy_by_problem(run / "base" / "iter0" / "eval" / "test")
    gain = paired_gain(new, m0)
    return (f"Test, once, for the variant chosen on dev ({row['name']}, lr {row['learning_rate']:g}, epoch "
            f"{row['epochs']}): greedy {sum(new.values()) / len(new):.1%} on {len(new)} problems vs M0 "
            f"{sum(m0.values()) / len(m0):.1%}; gain {100 * gain.mean:+.1f} [{100 * gain.low:+.1f}, "
            f"{100 * gain.high:+.1f}] (95% CI, paired bootstrap).")


if __name__ == "__main__":
    main()
