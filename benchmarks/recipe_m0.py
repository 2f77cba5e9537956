"""Build an ``iterate`` recipe's warm M0 for one seed and write that seed's dev split (dev only).

For ``benchmarks/m0_gap.sh`` with ``RECIPE=FILE``: the warm-up is the recipe's own (its
arithmetic options, count, learning rate and batch) at ``--steps``, and the dev split is the
one ``scpo-data iterate --recipe FILE --seed S`` would draw, so a change of problem options
can be screened on dev before any run. Prints the model folder (cached like every warm-up).

    python benchmarks/recipe_m0.py RECIPE.yaml --seed S --steps N --dev OUT/dev.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from scpo_data.errors import ScpoError
from scpo_data.iterate.data import make_splits, write_jsonl
from scpo_data.iterate.recipe import load_recipe, warmup_spec
from scpo_data.train.warmup import warm_model


def main(argv: list[str] | None = None) -> int:
    """Build the warm M0 and write the dev split; print the model folder (exit 2 on a bad recipe)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", help="an iterate recipe (YAML file or shipped name) with a warmup section")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, required=True, help="warm-up optimizer steps")
    parser.add_argument("--dev", type=Path, required=True, help="where to write the seed's dev split (JSONL)")
    args = parser.parse_args(argv)
    try:
        recipe = load_recipe(args.recipe, {"seed": args.seed})
        spec = warmup_spec(recipe)
        if spec is None:
            raise ScpoError(f"{args.recipe} has no warmup section")
        spec = dataclasses.replace(spec, steps=args.steps)
        write_jsonl(make_splits(recipe, spec).dev, args.dev)
        print(warm_model(spec))
    except ScpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
