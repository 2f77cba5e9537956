"""``scpo-data eval``: greedy and maj@k (self-consistency) accuracy against gold.

The evaluation reuses the generation stages: the same zero-shot chain-of-thought
prompts (:mod:`scpo_data.prompts`), the same sampling stage and request cache
(:mod:`scpo_data.sampling`, :mod:`scpo_data.cache`), the same extractors
(:mod:`scpo_data.answers`) and the same votes (:mod:`scpo_data.voting`).

* greedy: one sample at temperature 0; correct when its key equals the gold key.
* maj@k: k samples (temperature 0.7, top-p 0.9 by default); the answer is the most-voted
  key; a tie between top keys goes to the key whose first response has the lowest
  sample index (deterministic); a problem whose samples carry no answer is wrong.
* parse rate: the share of responses with an answer key (greedy, and all k samples).

Breakdowns: MATH by ``level`` and ``subject`` (from the problem's ``meta``); ZebraLogic
puzzle and cell accuracy, easy / hard and per size (:func:`scpo_data.puzzles.zebra_metrics`).

The eval folder holds ``problems.parquet``, ``greedy_samples.parquet``,
``samples.parquet``, their ``*answers.parquet``, ``results.parquet`` (one row per
problem), ``report.json`` and the request cache ``cache.sqlite``: a re-run with the
same settings replays every finished completion instead of generating it again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console

from scpo_data import records as rec
from scpo_data.answers import extract_answers, gold_keys
from scpo_data.backends import BackendOptions, backend_model, get_backend
from scpo_data.backends.base import SamplingParams
from scpo_data.cache import CachedBackend, cache_line, open_cache, resumable
from scpo_data.errors import ScpoError
from scpo_data.manifest import package_versions
from scpo_data.problems import load_problems
from scpo_data.progress import stage
from scpo_data.puzzles import zebra_metrics
from scpo_data.sampling import sample_problems
from scpo_data.voting import vote_counts

GREEDY_SAMPLES_FILE = "greedy_samples.parquet"
GREEDY_ANSWERS_FILE = "greedy_answers.parquet"
RESULTS_FILE = "results.parquet"
REPORT_FILE = "report.json"
#: Problem-meta fields that MATH results are broken down by.
MATH_GROUPS = ("level", "subject")
_RESULT_SCHEMA = {"problem_id": pl.String, "gold": pl.String, "greedy_answer": pl.String,
                  "greedy_correct": pl.Boolean, "maj_answer": pl.String, "maj_votes": pl.Int64,
                  "maj_correct": pl.Boolean}


@dataclass(frozen=True)
class EvalConfig:
    """Everything that determines an ``scpo-data eval`` run.

    Attributes:
        data: Problems with gold answers: a .jsonl/.parquet/.csv file or ``hf:...``.
        domain: ``gsm8k``, ``math``, ``zebra`` or ``arc`` (prompt and extractor).
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


@dataclass(frozen=True)
class ProblemResult:
    """One problem's outcome: the greedy and the majority answer, and whether each is gold."""

    problem_id: str
    gold: str | None
    greedy_answer: str | None
    greedy_correct: bool
    maj_answer: str | None
    maj_votes: int
    maj_correct: bool


def majority(keys: Sequence[str | None]) -> tuple[str | None, int]:
    """The most-voted key and its votes; ties go to the key answered first; (None, 0) without answers."""
    votes = vote_counts(keys)
    top = max(votes, default=0)
    if top == 0:
        return None, 0
    first = next(i for i, v in enumerate(votes) if v == top)
    return keys[first], top


def run_eval(config: EvalConfig, console: Console | None = None) -> dict[str, Any]:
    """Sample, extract and score; write the eval folder and return the report.

    Raises:
        ScpoError: On bad input (data source, fields, no gold answers, model, backend).
    """
    console = console or Console(stderr=True)
    problems = load_problems(config.data, config.domain, config.question_field, config.answer_field,
                             config.limit)
    if all(p.gold is None for p in problems):
        raise ScpoError(f"{config.data} has no gold answers to evaluate against "
                        "(name the column with --answer-field)")
    model = backend_model(config.backend, config.model)
    out = Path(config.out)
    engine = get_backend(config.backend, model, config.batch_size, config.dtype, config.options)
    backend = CachedBackend(engine, open_cache(out, config.resume), model)
    greedy_params = SamplingParams(1, 0.0, 1.0, config.max_tokens, config.seed)
    sampled_params = SamplingParams(config.k, config.temperature, config.top_p, config.max_tokens, config.seed)
    with resumable(backend.cache):
        with stage(console, "greedy", len(problems)) as bar:
            greedy = sample_problems(backend, problems, greedy_params, bar)
        with stage(console, f"maj@{config.k} samples", len(problems) * config.k) as bar:
            sampled = sample_problems(backend, problems, sampled_params, bar)
    backend.cache.close()
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


def score(
    problems: Sequence[rec.Problem],
    greedy: Sequence[rec.AnswerRecord],
    sampled: Sequence[rec.AnswerRecord],
    gold: Mapping[str, str | None],
) -> list[ProblemResult]:
    """Score each problem that has a gold key: its greedy answer and its maj@k answer.

    Args:
        problems: The problems (order kept; those without a gold key are left out).
        greedy: The greedy answer record of each problem.
        sampled: The answer records of the k samples of each problem.
        gold: Canonical gold key per problem id.
    """
    greedy_key = {a.problem_id: a.key for a in greedy}
    keys: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
    for a in sampled:
        keys[a.problem_id].append((a.sample_idx, a.key))
    results = []
    for p in problems:
        gold_key = gold.get(p.problem_id)
        if gold_key is None:
            continue
        answer = greedy_key.get(p.problem_id)
        maj, votes = majority([key for _, key in sorted(keys.get(p.problem_id, []))])
        results.append(ProblemResult(p.problem_id, gold_key, answer, answer == gold_key, maj, votes,
                                     maj == gold_key))
    return results


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
            **_accuracy(results),
            "problems_without_gold": len(problems) - len(results),
            "greedy_parse_rate": _rate([a.key is not None for a in greedy]),
            "sample_parse_rate": _rate([a.key is not None for a in sampled]),
        },
    }
    meta = {p.problem_id: json.loads(p.meta or "{}") for p in problems}
    if config.domain == "math":
        for field in MATH_GROUPS:
            report[f"by_{field}"] = _grouped(results, lambda r, f=field: meta[r.problem_id].get(f))
    if config.domain == "zebra":
        report["zebra"] = _zebra(problems, results, meta)
    return report


def _accuracy(results: Sequence[ProblemResult]) -> dict[str, Any]:
    return {
        "problems": len(results),
        "greedy_accuracy": _rate([r.greedy_correct for r in results]),
        "maj_accuracy": _rate([r.maj_correct for r in results]),
    }


def _grouped(results: Sequence[ProblemResult], group: Callable[[ProblemResult], Any]) -> dict[str, Any]:
    """Accuracy per group value (groups sorted; results without a value go under ``"?"``)."""
    groups: dict[str, list[ProblemResult]] = defaultdict(list)
    for r in results:
        value = group(r)
        groups["?" if value is None else str(value)].append(r)
    return {name: _accuracy(groups[name]) for name in sorted(groups)}


def _zebra(problems: Sequence[rec.Problem], results: Sequence[ProblemResult],
           meta: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """ZebraLogic metrics of the greedy and the maj@k grids: overall and per size."""
    gold = {p.problem_id: p.gold for p in problems}
    size = {pid: str(m.get("size", "?")) for pid, m in meta.items()}
    by_size: dict[str, list[ProblemResult]] = defaultdict(list)
    for r in results:
        by_size[size[r.problem_id]].append(r)

    def metrics(group: Sequence[ProblemResult]) -> dict[str, Any]:
        return {
            "greedy": asdict(zebra_metrics((size[r.problem_id], r.greedy_answer, gold[r.problem_id])
                                           for r in group)),
            "maj": asdict(zebra_metrics((size[r.problem_id], r.maj_answer, gold[r.problem_id])
                                        for r in group)),
        }

    return {"all": metrics(results), "by_size": {s: metrics(by_size[s]) for s in sorted(by_size)}}


def _rate(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None
