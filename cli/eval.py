"""``scpo-data eval``: greedy and maj@k accuracy of a model on problems with gold answers, or
(``--self-correct``) its two-attempt self-correction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from scpo_data.backends import BackendOptions
from scpo_data.cli.common import CpusPerReplicaOpt, EngineOpt, GpusPerReplicaOpt, RayAddressOpt, ReplicasOpt
from scpo_data.cli.common import (
    AnswerFieldOpt,
    ApiKeyEnvOpt,
    BaseUrlOpt,
    BatchSizeOpt,
    ConcurrencyOpt,
    DtypeOpt,
    DomainModelOpt,
    QuestionFieldOpt,
    SeedOpt,
    Backend,
    clean_errors,
    domain_defaults,
    engine_options,
    DomainName,
    err_console,
)
from scpo_data.domains import ReportTable, get_domain
from scpo_data.domains.base import percent
from scpo_data.cli.correct import read_instruction
from scpo_data.correct.report import metrics_table
from scpo_data.errors import ScpoError
from scpo_data.evaluate.run import REPORT_FILE, EvalConfig, run_eval
from scpo_data.evaluate.self_correct import run_self_correct_eval


def evaluate(
    data: Annotated[
        str,
        typer.Option("--data", help="Problems with gold answers: a .jsonl/.parquet/.csv file "
                     "(GSM8K, MATH, ZebraLogic grid mode, ARC) or hf:OWNER/NAME:CONFIG@SPLIT."),
    ],
    domain: Annotated[DomainName, typer.Option("--domain", help="Prompt, answer extractor and report breakdowns.")],
    model: DomainModelOpt = None,
    backend: Annotated[Backend, typer.Option("--backend", help="Generation backend (see generate --help).")] = "hf",
    k: Annotated[
        Optional[int], typer.Option("--k", min=1, help="Samples per problem for maj@k (default: the domain's, "
                                              f"{domain_defaults('k')}).")
    ] = None,
    limit: Annotated[
        Optional[int], typer.Option("--limit", min=1, help="Evaluate the first N problems only.")
    ] = None,
    max_tokens: Annotated[
        Optional[int],
        typer.Option("--max-tokens", min=1, help="Most new tokens per response (default: the domain's, "
                     f"{domain_defaults('max_tokens')})."),
    ] = None,
    temperature: Annotated[
        float, typer.Option("--temperature", min=0.0, help="Temperature of the k samples (greedy: 0).")
    ] = 0.7,
    top_p: Annotated[float, typer.Option("--top-p", min=0.0, max=1.0)] = 0.9,
    seed: SeedOpt = 0,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Eval folder (default: scpo-evals/<domain>-<time>).")
    ] = None,
    question_field: QuestionFieldOpt = None,
    answer_field: AnswerFieldOpt = None,
    batch_size: BatchSizeOpt = 64,
    dtype: DtypeOpt = "auto",
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = "OPENAI_API_KEY",
    concurrency: ConcurrencyOpt = 8,
    resume: Annotated[
        bool,
        typer.Option("--resume/--no-resume", help="Replay finished completions from OUT/cache.sqlite "
                     "(--engine ray: OUT/cache-shards/); --no-resume samples afresh."),
    ] = True,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    replicas: ReplicasOpt = 1,
    gpus_per_replica: GpusPerReplicaOpt = 0.0,
    cpus_per_replica: CpusPerReplicaOpt = 1.0,
    self_correct: Annotated[
        bool,
        typer.Option("--self-correct", help="Measure self-correction instead (SCoRe): a greedy attempt, the "
                     "domain's correction instruction, a greedy second attempt; reports Acc@t1, Acc@t2, "
                     "delta, delta i->c and c->i with 95% intervals (--k, --temperature, --top-p unused)."),
    ] = False,
    instruction_file: Annotated[
        Optional[Path], typer.Option("--instruction-file", help="With --self-correct: a text file replacing "
                                     "the domain's correction instruction.")
    ] = None,
) -> None:
    """Zero-shot chain-of-thought accuracy against gold: greedy and maj@k (self-consistency).

    Uses the prompts, extractors and votes of `generate`. Prints tables and
    writes OUT/report.json (per level and subject for math; puzzle and cell
    accuracy, easy/hard and per size for zebra) and OUT/results.parquet.
    A tie in the maj@k vote goes to the answer given first. With --self-correct it
    measures self-correction instead and writes OUT/report.json and OUT/traces.parquet.
    """
    with clean_errors():
        spec = get_domain(domain)
        config = EvalConfig(
            data=data,
            domain=domain,
            model=model or spec.default_model,
            backend=backend,
            k=k or spec.k,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens or spec.max_tokens,
            limit=limit,
            seed=seed,
            out=str(out or Path("scpo-evals") / f"{domain}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"),
            question_field=question_field,
            answer_field=answer_field,
            batch_size=batch_size,
            dtype=dtype,
            resume=resume,
            options=BackendOptions(base_url=base_url, api_key_env=api_key_env, concurrency=concurrency),
            engine=engine_options(engine, ray_address, replicas, gpus_per_replica, cpus_per_replica),
        )
        if instruction_file is not None and not self_correct:
            raise ScpoError("--instruction-file applies only with --self-correct")
        if self_correct:
            instruction = read_instruction(instruction_file) if instruction_file else None
            report = run_self_correct_eval(config, instruction, err_console)
            tables = [metrics_table(report["self_correction"], f"eval --self-correct, {domain}")]
        else:
            tables = report_tables(run_eval(config, err_console))
        console = Console()
        for table in tables:
            console.print(table)
        err_console.print(f"report: {Path(config.out) / REPORT_FILE}", highlight=False)


def report_tables(report: dict[str, Any]) -> list[Table]:
    """The report as rich tables: overall accuracy and parse rates, then each breakdown."""
    k = report["config"]["k"]
    overall = report["overall"]
    main = Table(title=f"scpo-data eval ({report['config']['domain']}, {overall['problems']} problems)")
    main.add_column("metric", style="bold")
    main.add_column("value", justify="right")
    main.add_row("greedy accuracy", percent(overall["greedy_accuracy"]))
    main.add_row(f"maj@{k} accuracy", percent(overall["maj_accuracy"]))
    main.add_row("greedy parse rate", percent(overall["greedy_parse_rate"]))
    main.add_row(f"sample parse rate (k={k})", percent(overall["sample_parse_rate"]))
    return [main, *(_rich_table(t) for t in get_domain(report["config"]["domain"]).eval_tables(report))]


def _rich_table(spec: ReportTable) -> Table:
    """A domain's report table as a rich table."""
    table = Table(title=spec.title)
    for column in spec.columns:
        table.add_column(column, justify="right")
    for row in spec.rows:
        table.add_row(*row)
    return table
