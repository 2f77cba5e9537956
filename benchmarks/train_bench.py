"""Benchmark the ScPO trainer against stock TRL: seconds per optimiser step.

Both trainers run in one process on the same model, the same pairs in the same order,
the same precision and batch size; each has a frozen copy of the starting model as its
reference. The stock baseline is ``trl.DPOTrainer`` with ``loss_type=["sigmoid", "sft"]``
(TRL 1.16's RPO, the nearest stock loss). The machine may be shared, so the two real
training loops run in two threads that take turns, one optimiser step at a time: load
from other processes hits both alike. The first steps of each are discarded as warm-up;
the report gives the median (and the fastest) seconds per step of each and our overhead
in percent (target: within 5%).

Pairs: GSM8K training problems (``../shared/data/gsm8k/train.jsonl``) with the gold
solution as chosen and another problem's solution as rejected, random weights; or a
real pairs dataset with ``--data RUN|DIR|HUB_ID``.

Run: ``.venv/bin/python benchmarks/train_bench.py [--model embedded] [--steps 10]
[--batch-size 2] [--max-length 256] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from operator import truediv
from pathlib import Path
from typing import Any

import datasets
import torch
from transformers import Trainer, TrainerCallback
from trl import DPOConfig, DPOTrainer

from scpo_data.backends.models import load_model, resolve_model
from scpo_data.train.config import ScpoConfig, bf16_supported
from scpo_data.train.data import load_pairs
from scpo_data.train.trainer import ScpoTrainer, frozen_copy

GSM8K = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gsm8k" / "train.jsonl"


class TakeTurns:
    """Lets several training loops run one optimiser step at a time, in a fixed rotation, and times each step."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.durations: dict[str, list[float]] = {name: [] for name in names}
        self._running = list(names)
        self._turn = 0
        self._started = 0.0
        self._condition = threading.Condition()

    def callback(self, name: str) -> TrainerCallback:
        """The callback that makes the loop ``name`` wait for its turn before each step."""
        turns = self

        class Turn(TrainerCallback):
            def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                with turns._condition:
                    turns._condition.wait_for(lambda: turns._running[turns._turn] == name)
                turns._started = time.perf_counter()

            def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                turns.durations[name].append(time.perf_counter() - turns._started)
                turns._pass(name, finished=False)

            def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                turns._pass(name, finished=True)

        return Turn()

    def _pass(self, name: str, finished: bool) -> None:
        with self._condition:
            index = self._running.index(name)
            if finished:
                self._running.remove(name)
                self._turn = index % len(self._running) if self._running else 0
            else:
                self._turn = (index + 1) % len(self._running)
            self._condition.notify_all()

    def run(self, trainers: dict[str, Trainer]) -> None:
        """Train every trainer in its own thread, taking turns; re-raise the first error."""
        errors: list[BaseException] = []

        def train(name: str) -> None:
            try:
                trainers[name].train()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                errors.append(exc)
                self._pass(name, finished=True)

        threads = [threading.Thread(target=train, args=(name,)) for name in self.names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]


def gsm8k_pairs(count: int, seed: int) -> datasets.Dataset:
    """``count`` pairs from GSM8K: gold solution chosen, a neighbour's solution rejected."""
    lines = GSM8K.read_text(encoding="utf-8").splitlines()[: count + 1]
    problems = [json.loads(line) for line in lines]
    rng = random.Random(seed)
    rows = [
        {
            "prompt": [{"role": "user", "content": problem["question"]}],
            "chosen": [{"role": "assistant", "content": problem["answer"]}],
            "rejected": [{"role": "assistant", "content": problems[i + 1]["answer"]}],
            "weight": rng.choice([0.25, 0.5, 0.75, 1.0]),
        }
        for i, problem in enumerate(problems[:count])
    ]
    return datasets.Dataset.from_list(rows)


def shared_options(args: argparse.Namespace, output_dir: str) -> dict[str, Any]:
    """The training options both trainers get."""
    return {
        "output_dir": output_dir,
        "max_steps": args.steps,
        "per_device_train_batch_size": args.batch_size,
        "max_length": args.max_length,
        "gradient_checkpointing": False,
        "bf16": args.bf16,
        "use_cpu": args.bf16 and not torch.accelerator.is_available(),
        "save_strategy": "no",
        "report_to": "none",
        "logging_steps": args.steps,
        "disable_tqdm": True,
        "dataloader_pin_memory": False,
        "seed": args.seed,
    }


def build_trainer(kind: str, args: argparse.Namespace, pairs: datasets.Dataset, tmp: str, callback: Any) -> Trainer:
    """A fresh trainer of ``kind`` (``scpo`` or ``stock``) on a fresh copy of the model."""
    model, tokenizer = load_model(resolve_model(args.model), dtype="float32")
    options = shared_options(args, f"{tmp}/{kind}")
    if kind == "scpo":
        return ScpoTrainer(
            model, args=ScpoConfig(**options), train_dataset=pairs, processing_class=tokenizer, callbacks=[callback]
        )
    return DPOTrainer(
        model,
        ref_model=frozen_copy(model),
        args=DPOConfig(**options, loss_type=["sigmoid", "sft"], beta=0.5),
        train_dataset=pairs,
        processing_class=tokenizer,
        callbacks=[callback],
    )


def main() -> None:
    """Parse the options, run both trainers in turns, print (and optionally write) the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded", help="embedded, a model folder, or a Hub id")
    parser.add_argument("--data", default=None, help="a pairs dataset (default: GSM8K-built pairs)")
    parser.add_argument("--steps", type=int, default=10, help="steps per trainer")
    parser.add_argument("--warmup", type=int, default=2, help="first steps of each trainer not timed")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None, help="default: if supported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if args.bf16 is None:
        args.bf16 = bf16_supported()

    count = args.steps * args.batch_size
    pairs = load_pairs(args.data).select(range(count)) if args.data else gsm8k_pairs(count, args.seed)
    turns = TakeTurns(["scpo", "stock"])
    with tempfile.TemporaryDirectory() as tmp:
        trainers = {kind: build_trainer(kind, args, pairs, tmp, turns.callback(kind)) for kind in turns.names}
        turns.run(trainers)
    durations = {kind: steps[args.warmup :] for kind, steps in turns.durations.items()}
    ours, stock = (statistics.median(durations[kind]) for kind in ("scpo", "stock"))
    results = {
        "model": args.model,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "bf16": args.bf16,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "timed_steps_each": len(durations["scpo"]),
        "scpo_s_per_step": ours,
        "stock_sigmoid_sft_s_per_step": stock,
        "scpo_min_s_per_step": min(durations["scpo"]),
        "stock_min_s_per_step": min(durations["stock"]),
        "overhead_percent": 100 * (ours / stock - 1),
        "paired_overhead_percent": 100 * (statistics.median(map(truediv, durations["scpo"], durations["stock"])) - 1),
        "durations": durations,
    }
    print(
        f"ScpoTrainer {ours:.3f} s/step, stock DPOTrainer [sigmoid, sft] {stock:.3f} s/step: "
        f"overhead {results['overhead_percent']:+.1f}% (median of step-by-step ratios "
        f"{results['paired_overhead_percent']:+.1f}%, fastest steps {results['scpo_min_s_per_step']:.3f} vs "
        f"{results['stock_min_s_per_step']:.3f}; {results['timed_steps_each']} steps each, "
        f"batch {args.batch_size}, max_length {args.max_length}, bf16 {args.bf16})"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
