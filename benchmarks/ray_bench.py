"""Throughput of ``--engine ray`` (1 and 2 replicas) against the local engine, and what
starting the engine costs a run.

Every side samples the same request through the project's own stack
(:func:`scpo_data.engines.open_backend`, then ``generate``): the built-in gsm8k seed
problems, ``--k`` samples each, ``--max-tokens`` new tokens, the hf backend in batches of
``--batch-size`` sequences on the embedded model, each side with an empty cache (a fresh
run folder). Three sides:

* **local** (the baseline): the backend in this process, as ``--engine local`` runs it.
* **ray x1**, **ray x2**: ``--engine ray`` with 1 and 2 replicas on a local cluster
  started for the run, as the CLI starts it (``--cpus-per-replica`` each).

For each side the script prints the **start** time (opening the backend: loading the
model, and for Ray starting the cluster and the replicas, each loading the model), the
**generate** time and its useful tokens per second, and the **close** time (stopping the
replicas and the cluster). The per-run overhead of the engine is Ray's start + close
minus the local start. Every side must give the same completions (checked).

On a machine with fewer cores than replicas x threads, more replicas cannot go faster:
the replicas share the same cores. One pass per side: on a shared machine the timings are
noisy (machine load only ever slows a side down; run it twice to see the spread).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ray_bench.py [--k 4] [--max-tokens 32]
[--batch-size 8] [--cpus-per-replica 1]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scpo_data.backends import BackendOptions, backend_model
from scpo_data.backends.base import Completion, SamplingParams
from scpo_data.config import EngineOptions, GenerateConfig
from scpo_data.domains import get_domain
from scpo_data.engines import open_backend


@dataclass(frozen=True)
class Side:
    """One measured engine setting and what it took."""

    name: str
    start_s: float
    generate_s: float
    close_s: float
    tokens: int

    @property
    def tokens_per_s(self) -> float:
        """Useful tokens per second of the generate pass."""
        return self.tokens / self.generate_s


def measure(name: str, engine: EngineOptions, args: argparse.Namespace,
            prompts: list[list[dict[str, str]]]) -> tuple[Side, list[list[Completion]]]:
    """Open the backend on ``engine`` (an empty cache), generate the request once, close
    it; returns the timings and the completions."""
    params = SamplingParams(args.k, 0.7, 0.9, args.max_tokens, 0)
    model = backend_model("hf", "embedded")
    with tempfile.TemporaryDirectory() as folder:
        begin = time.perf_counter()
        backend = open_backend("hf", model, args.batch_size, "auto", BackendOptions(), Path(folder), False, engine)
        start_s = time.perf_counter() - begin
        begin = time.perf_counter()
        outputs = backend.generate(prompts, params)
        generate_s = time.perf_counter() - begin
        begin = time.perf_counter()
        backend.close()
        close_s = time.perf_counter() - begin
    tokens = sum(c.n_tokens for row in outputs for c in row)
    return Side(name, start_s, generate_s, close_s, tokens), outputs


def main() -> None:
    """Measure the three sides and print a table, the ratios and the engine's overhead."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--cpus-per-replica", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    domain = get_domain("gsm8k")
    prompts = [domain.chat(p.question) for p in domain.builtin_problems(GenerateConfig())]
    sides: list[Side] = []
    reference: list[list[Completion]] | None = None
    settings = [("local", EngineOptions())] + [
        (f"ray x{n}", EngineOptions("ray", None, n, 0.0, args.cpus_per_replica)) for n in (1, 2)]
    for name, engine in settings:
        side, outputs = measure(name, engine, args, prompts)
        if reference is None:
            reference = outputs
        assert outputs == reference, f"{name} gave other completions than local"
        sides.append(side)
        print(f"{name}: start {side.start_s:.1f}s, generate {side.generate_s:.1f}s "
              f"({side.tokens} tokens, {side.tokens_per_s:.1f} tok/s), close {side.close_s:.1f}s", flush=True)

    base = sides[0]
    print(f"\n{len(prompts)} prompts x k={args.k}, {args.max_tokens} max tokens, batch {args.batch_size}, "
          f"{os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"{'engine':<8} {'start s':>8} {'gen s':>7} {'tok/s':>7} {'vs local':>9} {'close s':>8}")
    for side in sides:
        print(f"{side.name:<8} {side.start_s:>8.1f} {side.generate_s:>7.1f} {side.tokens_per_s:>7.1f} "
              f"{side.tokens_per_s / base.tokens_per_s:>8.2f}x {side.close_s:>8.1f}")
    for side in sides[1:]:
        print(f"{side.name}: engine overhead per run {side.start_s + side.close_s - base.start_s:.1f}s "
              "(start + close, minus the local start)")


if __name__ == "__main__":
    main()
