"""``scpo-data eval``: greedy and maj@k (self-consistency) accuracy against gold.

The evaluation reuses the generation stages: the same zero-shot chain-of-thought
prompts (:mod:`scpo_data.domains`), the same sampling stage and request cache
(:mod:`scpo_data.generate.sampling`, :mod:`scpo_data.backends.cache`), the same extractors
(:mod:`scpo_data.generate.answers`) and the same votes (:mod:`scpo_data.evaluate.scoring`).

* greedy: one sample at temperature 0; correct when its key equals the gold key.
* maj@k: k samples (temperature 0.7, top-p 0.9 by default); the answer is the most-voted
  key; a tie between top keys goes to the key whose first response has the lowest
  sample index (deterministic); a problem whose samples carry no answer is wrong.
* parse rate: the share of responses with an answer key (greedy, and all k samples).

Breakdowns come from the domain (:meth:`scpo_data.domains.Domain.eval_breakdowns`): MATH
by ``level`` and ``subject``; ZebraLogic puzzle and cell accuracy, easy / hard and per size.

The eval folder holds ``problems.parquet``, ``greedy_samples.parquet``,
``samples.parquet``, their ``*answers.parquet``, ``results.parquet`` (one row per
problem), ``report.json`` and the request cache ``cache.sqlite``: a re-run with the
same settings replays every finished completion instead of generating it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console

from scpo_data import records as rec
from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.backends import BackendOptions, backend_model
from scpo_data.backends.base import SamplingParams
from scpo_data.backends.cache import cache_line, resumable
from scpo_data.config import EngineOptions
from scpo_data.engines import RunBackend, open_backend
from scpo_data.backends.models import ModelRef
from scpo_data.domains import get_domain
from scpo_data.errors import ScpoError
from scpo_data.manifest import package_versions
from scpo_data.generate.problems import load_problems
from scpo_data.progress import stage
from scpo_data.generate.sampling import sample_problems
from scpo_data.evaluate.scoring import ProblemResult, accuracy, rate, score

GREEDY_SAMPLES_FILE = "greedy_samples.parquet"
GREEDY_ANSWERS_FILE = "greedy_answers.parquet"
RESULTS_FILE = "results.parquet"
REPORT_FILE = "report.json"
_RESULT_SCHEMA = {"problem_id": pl.String, "gold": pl.String, "greedy_answer": pl.String,
                  "greedy_correct": pl.Boolean, "maj_answer": pl.String, "maj_votes": pl.Int64,
                  "maj_correct": pl.Boolean}


@dataclass(frozen=True)
class EvalConfig:
    """Everything that determines an ``scpo-data eval`` run.

    Attributes:
        data: Problems with gold answers: a .jsonl/.parquet/.csv file or ``hf:...``.
        domain: A registered domain name (:data:`scpo_data.domains.DOMAINS`): prompt and extractor.
        model: ``embedded``, a local model folder, or a Hub id (``openai``: the served name).
        backend: Generation backend.
        k: Samples per problem for maj@k.
        temperature: Sampling temperature of the k samples (greedy uses 0).
        top_p: Nucleus threshold of the k samples.
        max_tokens: Most new tokens per response.
        limit: Evaluate the first N problems only (None: all).
        seed: Sampling seed.
        out: Eval folder.
        question_field: Column holding the question (None: guess).
        answer_field: Column holding the gold answer (None: guess).
        batch_size: Sequences generated together by the hf backend.
        dtype: Model dtype.
        resume: Replay finished completions from the folder's request cache.
        options: Engine settings of the ``openai`` and ``vllm`` backends.
        engine: Where the samples are generated (this process, or replicas on a Ray cluster).
    """

    data: str
    domain: str
    model: str = "embedded"
    backend: str = "hf"
    k: int = 8
    temperature: float = 0.7
    top_p: float = 0.9
    max_tokens: int = 256
    limit: int | None = None
    seed: int = 0
    out: str = "scpo-evals/latest"
    question_field: str | None = None
    answer_field: str | None = None
    batch_size: int = 64
    dtype: str = "auto"
    resume: bool = True
    options: BackendOptions = BackendOptions()
    engine: EngineOptions = EngineOptions()


def run_eval(config: EvalConfig, console: Console | None = None) -> dict[str, Any]:
    """Sample, extract and score; write the eval folder and return the report.

    Raises:
        ScpoError: On bad input (data source, fields, no gold answers, model, backend).
    """
    console = console or Console(stderr=True)
    problems, model, backend = open_eval(config)
    out = Path(config.out)
    greedy_params = SamplingParams(1, 0.0, 1.0, config.max_tokens, config.seed)
    sampled_params = SamplingParams(config.k, config.temperature, config.top_p, config.max_tokens, config.seed)
    with closing(backend), resumable(backend.cache):
        with stage(console, "greedy", len(problems)) as bar:
            greedy = sample_problems(backend, problems, greedy_params, bar)
        with stage(console, f"maj@{config.k} samples", len(problems) * config.k) as bar:
            sampled = sample_problems(backend, problems, sampled_params, bar)
    console.print(cache_line(backend.stats), highlight=False)

    greedy_answers = extract_answers(greedy, config.domain, problems)
    sampled_answers = extract_answers(sampled, config.domain, problems)
    results = score(problems, greedy_answers, sampled_answers, gold_keys(problems, config.domain))
    report = build_report(config, problems, results, greedy_answers, sampled_answers)
    report["model"] = {"spec": model.spec, "identity": model.identity, "file_hash": model.file_hash}
    report["cache"] = backend.stats.to_dict()

    rec.write_records(problems, rec.Problem, out / rec.PROBLEMS_FILE)
    rec.write_records(greedy, rec.Sample, out / GREEDY_SAMPLES_FILE)
    rec.write_records(greedy_answers, rec.AnswerRecord, out / GREEDY_ANSWERS_FILE)
    rec.write_records(sampled, rec.Sample, out / rec.SAMPLES_FILE)
    rec.write_records(sampled_answers, rec.AnswerRecord, out / rec.ANSWERS_FILE)
    rec.write_parquet(pl.DataFrame([asdict(r) for r in results], schema=_RESULT_SCHEMA, orient="row"),
                      out / RESULTS_FILE)
    rec.write_json(report, out / REPORT_FILE)
    return report


def open_eval(config: EvalConfig) -> tuple[list[rec.Problem], ModelRef, RunBackend]:
    """The problems (checked to have gold), the model and its cached backend of an eval run.

    The eval folder is created (by the cache) only after the problems and the model load.

    Raises:
        ScpoError: On a bad data source or fields, no gold answers, or an unusable model or backend.
    """
    problems = load_problems(config.data, config.domain, config.question_field, config.answer_field,
                             config.limit)
    if all(p.gold is None for p in problems):
        raise ScpoError(f"{config.data} has no gold answers to evaluate against "
                        "(name the column with --answer-field)")
    model = backend_model(config.backend, config.model)
    return problems, model, open_backend(config.backend, model, config.batch_size, config.dtype, config.options,
                                         Path(config.out), config.resume, config.engine)


def build_report(
    config: EvalConfig,
    problems: Sequence[rec.Problem],
    results: Sequence[ProblemResult],
    greedy: Sequence[rec.AnswerRecord],
    sampled: Sequence[rec.AnswerRecord],
) -> dict[str, Any]:
    """The JSON report: settings, overall accuracy and parse rates, and the domain's breakdowns."""
    report: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": asdict(config),
        "versions": package_versions(),
        "overall": {
            **accuracy(results),
            "problems_without_gold": len(problems) - len(results),
            "greedy_parse_rate": rate([a.key is not None for a in greedy]),
            "sample_parse_rate": rate([a.key is not None for a in sampled]),
        },
    }
    report.update(get_domain(config.domain).eval_breakdowns(problems, results))
    return report


