"""Publishing costs and the tau sweep's shape on simulated votes.

* **sweep**: ``--problems`` simulated MATH-like problems, k = 8 samples each. Each
  problem has a solve rate p ~ Beta(0.7, 1.0); a sample is gold with probability p,
  else one of 3 wrong answers (drawn with weights 3:2:1, so wrong answers can agree),
  and 10% of samples have no answer. The script prints the tau sweep (pairs kept,
  expected chosen/rejected accuracy, gap) and how long it took. This checks the
  machinery, not a model: the paper's numbers come from real model samples.
* **export**: ``export_dataset`` (Parquet, PNG histogram, card with accuracy against
  gold) for one pair per kept problem at tau = 0.5, then ``inspect`` of the folder.

Run: ``.venv/bin/python benchmarks/publish_bench.py [--problems N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from pathlib import Path

from rich.console import Console

from scpo_data.evaluate.audit import VoteTable, tau_sweep
from scpo_data.publish.dataset import export_dataset
from scpo_data.records import Pair
from scpo_data.publish.report import inspect_folder, render
from scpo_data.generate.voting import select_pair

K = 8


def simulate(n: int, rng: random.Random) -> list[VoteTable]:
    """Vote tables of ``n`` simulated problems (gold key ``"g"``)."""
    tables = []
    for i in range(n):
        p = rng.betavariate(0.7, 1.0)
        keys = []
        for _ in range(K):
            r = rng.random()
            if r < 0.1:
                keys.append(None)
            elif rng.random() < p:
                keys.append("g")
            else:
                keys.append(rng.choices(["w1", "w2", "w3"], weights=[3, 2, 1])[0])
        tables.append(VoteTable(f"p{i}", tuple(keys), "g"))
    return tables


def pairs_at(tables: list[VoteTable], tau: float, seed: int) -> list[Pair]:
    """One pair per problem voting keeps at ``tau`` (what ``generate`` would write)."""
    pairs = []
    for t in tables:
        c = select_pair(t.keys, tau * K, random.Random(f"{seed}:{t.problem_id}"))
        if c.kept and c.chosen is not None and c.rejected is not None:
            pairs.append(Pair([{"role": "user", "content": f"Problem {t.problem_id}"}],
                              [{"role": "assistant", "content": f"\\boxed{{{t.keys[c.chosen]}}}"}],
                              [{"role": "assistant", "content": f"\\boxed{{{t.keys[c.rejected]}}}"}],
                              c.weight, c.chosen_votes, c.rejected_votes, K, t.keys[c.chosen],
                              t.keys[c.rejected], t.gold, t.problem_id, "gsm8k"))
    return pairs


def main() -> None:
    """Print the sweep and the export/inspect timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=7500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tables = simulate(args.problems, random.Random(args.seed))

    start = time.perf_counter()
    rows = tau_sweep(tables, (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9))
    sweep_s = time.perf_counter() - start
    print(f"tau sweep over {len(tables)} problems x k={K}: {sweep_s:.2f}s")
    print("tau  votes  pairs  chosen  rejected  gap")
    for r in rows:
        a = r.accuracy
        if a.chosen is None or a.rejected is None or a.gap is None:
            print(f"{r.tau:.1f}  {r.tau_votes:5.1f}  {a.pairs:5d}       —         —      —")
            continue
        print(f"{r.tau:.1f}  {r.tau_votes:5.1f}  {a.pairs:5d}  {100 * a.chosen:5.1f}%  "
              f"{100 * a.rejected:6.1f}%  {100 * a.gap:+5.1f}")

    pairs = pairs_at(tables, 0.5, args.seed)
    manifest = {"config": {"domain": "gsm8k", "k": K, "tau": 0.5, "problems": "builtin"},
                "counts": {"problems": len(tables), "pairs": len(pairs)}}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        folder = export_dataset(pairs, manifest, Path(tmp) / "dataset")
        export_s = time.perf_counter() - start
        start = time.perf_counter()
        inspection = inspect_folder(folder)
        render(inspection, Console(file=io.StringIO()), examples=3)
        inspect_s = time.perf_counter() - start
    print(f"export_dataset of {len(pairs)} pairs (parquet + PNG + card): {export_s:.2f}s")
    print(f"inspect of the dataset folder: {inspect_s:.2f}s")


if __name__ == "__main__":
    main()
