"""``scpo-data correct``: two-attempt self-correction traces (SCoRe), their metrics and datasets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from scpo_data.backends import BackendOptions
from scpo_data.cli.common import (
    AnswerFieldOpt,
    ApiKeyEnvOpt,
    BaseUrlOpt,
    BatchSizeOpt,
    ConcurrencyOpt,
    CpusPerReplicaOpt,
    DomainModelOpt,
    DomainName,
    DtypeOpt,
    EngineOpt,
    GpusPerReplicaOpt,
    QuestionFieldOpt,
    RayAddressOpt,
    ReplicasOpt,
    SeedOpt,
    ShardOpt,
    Backend,
    clean_errors,
    domain_defaults,
    engine_options,
    err_console,
)
from scpo_data.correct.config import DEFAULT_ALPHA, CorrectConfig
from scpo_data.correct.pipeline import CorrectSummary, run_correct
from scpo_data.correct.report import metrics_table
from scpo_data.domains import get_domain
from scpo_data.errors import ScpoError
from scpo_data.generate.shards import parse_shard

#: The longest correction instruction ``--instruction-file`` accepts (characters).
MAX_INSTRUCTION = 4000


def correct(
    problems: Annotated[
        str,
        typer.Option("--problems", help="'builtin' (the domain's own problems), a .jsonl/.parquet/.csv file, "
                     "or hf:OWNER/NAME:CONFIG@SPLIT. Gold answers give the rewards; without them the "
                     "majority answer of each problem's first attempts does."),
    ] = "builtin",
    domain: Annotated[
        DomainName, typer.Option("--domain", help="Prompt, correction instruction, extractor and built-in problems.")
    ] = "arith",
    model: DomainModelOpt = None,
    backend: Annotated[Backend, typer.Option("--backend", help="Generation backend (see generate --help).")] = "hf",
    n: Annotated[
        Optional[int], typer.Option("--n", min=1, help="First attempts per problem (default: the domain's k, "
                                    f"{domain_defaults('k')}).")
    ] = None,
    second_n: Annotated[
        int, typer.Option("--second-n", min=1, help="Second attempts after each first attempt (2 or more "
                          "make the 'preference' config's pairs).")
    ] = 2,
    temperature: Annotated[float, typer.Option("--temperature", min=0.0, help="Temperature of both attempts.")] = 0.7,
    top_p: Annotated[float, typer.Option("--top-p", min=0.0, max=1.0)] = 0.9,
    max_tokens: Annotated[
        Optional[int],
        typer.Option("--max-tokens", min=1, help="Most new tokens per attempt (default: the domain's, "
                     f"{domain_defaults('max_tokens')})."),
    ] = None,
    alpha: Annotated[
        float, typer.Option("--alpha", help="Shaped reward of attempt 2: r2 + alpha * (r2 - r1) (SCoRe: 10).")
    ] = DEFAULT_ALPHA,
    instruction_file: Annotated[
        Optional[Path], typer.Option("--instruction-file", help="A text file whose content replaces the "
                                     "domain's correction instruction (the user turn between the attempts).")
    ] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Use at most N problems.")] = None,
    count: Annotated[
        Optional[int], typer.Option("--count", min=1, help="Problems the domain's generator makes for "
                                    "--problems builtin (arith; zebra: per size).",
                                    show_default="128 arith, 4 zebra")
    ] = None,
    seed: SeedOpt = 0,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Run folder (default: scpo-runs/correct-<time>).")
    ] = None,
    question_field: QuestionFieldOpt = None,
    answer_field: AnswerFieldOpt = None,
    batch_size: BatchSizeOpt = 64,
    dtype: DtypeOpt = "auto",
    resume: Annotated[
        bool,
        typer.Option("--resume/--no-resume", help="Replay finished completions from OUT/cache.sqlite "
                     "(--engine ray: OUT/cache-shards/); --no-resume samples afresh."),
    ] = True,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = "OPENAI_API_KEY",
    concurrency: ConcurrencyOpt = 8,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    replicas: ReplicasOpt = 1,
    gpus_per_replica: GpusPerReplicaOpt = 0.0,
    cpus_per_replica: CpusPerReplicaOpt = 1.0,
    shard: ShardOpt = None,
) -> None:
    """Sample two attempts per problem (SCoRe's self-correction setting) and write the traces.

    Attempt 1 answers with the domain's prompt; attempt 2 follows the domain's correction
    instruction, which never says whether attempt 1 was right. Rewards r1, r2 come from
    gold (or the first attempts' majority answer). The run folder gets traces.parquet,
    manifest.json (counts.self_correction: Acc@t1, Acc@t2, delta, i->c, c->i with 95%
    intervals) and dataset/ with the configs traces, star, pair_sft and preference.
    With --shard I/N only generate's shard I of the problems is answered; scpo-data merge
    joins the N folders.
    """
    with clean_errors():
        spec = get_domain(domain)
        config = CorrectConfig(
            problems=problems,
            domain=domain,
            model=model or spec.default_model,
            backend=backend,
            n=n or spec.k,
            second_n=second_n,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens or spec.max_tokens,
            alpha=alpha,
            instruction=read_instruction(instruction_file) if instruction_file else None,
            seed=seed,
            out=str(out or Path("scpo-runs") / f"correct-{datetime.now().strftime('%Y%m%d-%H%M%S')}"),
            question_field=question_field,
            answer_field=answer_field,
            limit=limit,
            count=count or spec.builtin_count,
            batch_size=batch_size,
            dtype=dtype,
            resume=resume,
            options=BackendOptions(base_url=base_url, api_key_env=api_key_env, concurrency=concurrency),
            engine=engine_options(engine, ray_address, replicas, gpus_per_replica, cpus_per_replica),
            shard=parse_shard(shard) if shard else None,
        )
        summary = run_correct(config, err_console)
        Console().print(metrics_table(summary.counts["self_correction"], "scpo-data correct"))
        err_console.print(summary_line(summary), highlight=False, soft_wrap=True)


def read_instruction(path: Path) -> str:
    """The correction instruction in ``path`` (stripped).

    Raises:
        ScpoError: When the file is missing, unreadable, not UTF-8, empty or too long.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScpoError(f"cannot read --instruction-file {path}: {exc.__class__.__name__}") from None
    if not text:
        raise ScpoError(f"--instruction-file {path} is empty")
    if len(text) > MAX_INSTRUCTION:
        raise ScpoError(f"--instruction-file {path} holds {len(text)} characters; at most {MAX_INSTRUCTION}")
    return text


def summary_line(summary: CorrectSummary) -> str:
    """Rows of each dataset config and where the run went."""
    configs = ", ".join(f"{name} {rows}" for name, rows in summary.counts["configs"].items())
    return f"dataset configs: {configs} rows; run folder: {summary.out}"
