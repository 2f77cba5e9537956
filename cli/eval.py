"""``scpo-data eval``: greedy and maj@k accuracy of a model on problems with gold answers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from scpo_data.backends import BackendOptions
from scpo_data.cli.common import (
    AnswerFieldOpt,
    ApiKeyEnvOpt,
    BaseUrlOpt,
    BatchSizeOpt,
    ConcurrencyOpt,
    DtypeOpt,
    ModelOpt,
    QuestionFieldOpt,
    SeedOpt,
    clean_errors,
    err_console,
)
from scpo_data.config import DEFAULT_K, DEFAULT_MAX_TOKENS
from scpo_data.errors import ScpoError
from scpo_data.evaluate import EvalConfig, run_eval


def evaluate(
    data: Annotated[
        str,
        typer.Option("--data", help="Problems with gold answers: a .jsonl/.parquet/.csv file "
                     "(GSM8K, MATH, ZebraLogic grid mode, ARC) or hf:OWNER/NAME:CONFIG@SPLIT."),
    ],
    domain: Annotated[
        str, typer.Option("--domain", help="Prompt and extractor: gsm8k, math, zebra or arc.")
    ],
    model: ModelOpt = "embedded",
    backend: Annotated[
        str, typer.Option("--backend", help="Generation backend: hf, vllm or openai (see generate --help).")
    ] = "hf",
    k: Annotated[
        Optional[int], typer.Option("--k", min=1, help="Samples per problem for maj@k (default 8; 16 zebra).")
    ] = None,
    limit: Annotated[
        Optional[int], typer.Option("--limit", min=1, help="Evaluate the first N problems only.")
    ] = None,
    max_tokens: Annotated[
        Optional[int],
        typer.Option("--max-tokens", min=1, help="Most new tokens per response (256 gsm8k/arc, 384 math, "
                     "1024 zebra)."),
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
        typer.Option("--resume/--no-resume", help="Replay finished completions from OUT/cache.sqlite; "
                     "--no-resume samples afresh."),
    ] = True,
) -> None:
    """Zero-shot chain-of-thought accuracy against gold: greedy and maj@k (self-consistency).

    Uses the prompts, extractors and votes of `generate`. Prints tables and
    writes OUT/report.json (per level and subject for math; puzzle and cell
    accuracy, easy/hard and per size for zebra) and OUT/results.parquet.
    A tie in the maj@k vote goes to the answer given first.
    """
    with clean_errors():
        if domain not in DEFAULT_K:
            raise ScpoError(f"--domain must be one of {', '.join(DEFAULT_K)}")
        config = EvalConfig(
            data=data,
            domain=domain,
            model=model,
            backend=backend,
            k=k or DEFAULT_K[domain],
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens or DEFAULT_MAX_TOKENS[domain],
            limit=limit,
            seed=seed,
            out=str(out or Path("scpo-evals") / f"{domain}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"),
            question_field=question_field,
            answer_field=answer_field,
            batch_size=batch_size,
            dtype=dtype,
            resume=resume,
            options=BackendOptions(base_url=base_url, api_key_env=api_key_env, concurrency=concurrency),
        )
        report = run_eval(config, err_console)
        console = Console()
        for table in report_tables(report):
            console.print(table)
        err_console.print(f"report: {Path(config.out) / 'report.json'}", highlight=False)


def report_tables(report: dict[str, Any]) -> list[Table]:
    """The report as rich tables: overall accuracy and parse rates, then each breakdown."""
    k = report["config"]["k"]
    overall = report["overall"]
    main = Table(title=f"scpo-data eval ({report['config']['domain']}, {overall['problems']} problems)")
    main.add_column("metric", style="bold")
    main.add_column("value", justify="right")
    main.add_row("greedy accuracy", _pct(overall["greedy_accuracy"]))
    main.add_row(f"maj@{k} accuracy", _pct(overall["maj_accuracy"]))
    main.add_row("greedy parse rate", _pct(overall["greedy_parse_rate"]))
    main.add_row(f"sample parse rate (k={k})", _pct(overall["sample_parse_rate"]))
    tables = [main]
    for field in ("level", "subject"):
        groups = report.get(f"by_{field}")
        if groups:
            tables.append(_group_table(f"by {field}", groups, k))
    zebra = report.get("zebra")
    if zebra:
        table = Table(title="ZebraLogic")
        for column in ("size", "puzzles", "greedy puzzle", "greedy cell", f"maj@{k} puzzle", f"maj@{k} cell"):
            table.add_column(column, justify="right")
        rows = [("all", zebra["all"])] + list(zebra["by_size"].items())
        for name, m in rows:
            g, v = m["greedy"], m["maj"]
            table.add_row(name, str(g["puzzles"]), _pct(g["puzzle_accuracy"]), _pct(g["cell_accuracy"]),
                          _pct(v["puzzle_accuracy"]), _pct(v["cell_accuracy"]))
        g, v = zebra["all"]["greedy"], zebra["all"]["maj"]
        table.add_row("easy", str(g["easy_puzzles"]), _pct(g["easy_accuracy"]), "", _pct(v["easy_accuracy"]), "")
        table.add_row("hard", str(g["hard_puzzles"]), _pct(g["hard_accuracy"]), "", _pct(v["hard_accuracy"]), "")
        tables.append(table)
    return tables


def _group_table(title: str, groups: dict[str, dict[str, Any]], k: int) -> Table:
    table = Table(title=title)
    for column in ("group", "problems", "greedy", f"maj@{k}"):
        table.add_column(column, justify="right")
    for name, acc in groups.items():
        table.add_row(name, str(acc["problems"]), _pct(acc["greedy_accuracy"]), _pct(acc["maj_accuracy"]))
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
