"""``scpo-data correct``: sample two attempts per problem, reward them, and write the run folder.

The run folder holds ``problems.parquet``, ``traces.parquet`` (one row per attempt 1 /
attempt 2 pair), ``manifest.json`` (settings, versions, model, counts and
``counts.self_correction``), the request cache ``cache.sqlite`` and ``dataset/`` (four
configs: ``traces``, ``star``, ``pair_sft``, ``preference``). Problems, the model and the
instruction are checked before anything is written, so bad input leaves no folder
behind; a re-run of the same command replays finished completions from the cache.
With ``shard = (i, N)`` only the problems of ``generate``'s shard i are answered;
``scpo-data merge`` (:mod:`scpo_data.correct.merge`) joins the shards' folders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data import records as rec
from scpo_data.backends import backend_model
from scpo_data.backends.base import SamplingParams
from scpo_data.backends.cache import cache_line, resumable
from scpo_data.backends.models import ModelRef
from scpo_data.correct.attempts import sample_attempts
from scpo_data.correct.config import CorrectConfig
from scpo_data.correct.datasets import config_frames
from scpo_data.correct.metrics import self_correction
from scpo_data.correct.traces import TRACES_FILE, Trace, build_traces, trace_labels, write_traces
from scpo_data.domains import get_domain
from scpo_data.engines import open_backend
from scpo_data.evaluate.scoring import rate
from scpo_data.generate.pipeline import Timer
from scpo_data.generate.pipeline import _seed_problems as seed_problems
from scpo_data.generate.shards import select_shard
from scpo_data.manifest import package_versions
from scpo_data.publish.dataset import export_correction_dataset

#: The manifest's ``kind`` for a self-correction run (``inspect`` tells the runs apart by it).
KIND = "self_correction"


@dataclass(frozen=True)
class CorrectSummary:
    """What a finished correction run reports."""

    out: Path
    counts: dict[str, Any]
    timings: dict[str, float]


def run_correct(config: CorrectConfig, console: Console | None = None) -> CorrectSummary:
    """Sample both attempts of every problem, reward them, and write the run folder.

    Raises:
        ScpoError: On bad input (problems, fields, model, backend).
    """
    console = console or Console(stderr=True)
    timer = Timer()
    with timer("load"):
        problems = select_shard(seed_problems(config.problem_config()), config.shard)
        model = backend_model(config.backend, config.model)
        out = Path(config.out)
        backend = open_backend(config.backend, model, config.batch_size, config.dtype, config.options, out,
                               config.resume, config.engine)
    first = SamplingParams(config.n, config.temperature, config.top_p, config.max_tokens, config.seed)
    second = SamplingParams(config.second_n, config.temperature, config.top_p, config.max_tokens, config.seed + 1)
    with closing(backend), resumable(backend.cache), timer("sampling"):
        rec.write_records(problems, rec.Problem, out / rec.PROBLEMS_FILE)
        attempts = sample_attempts(backend, problems, first, second, config.instruction, console)
    console.print(cache_line(backend.stats), highlight=False)

    with timer("rewards"):
        traces, _ = build_traces(problems, attempts, config.domain, config.alpha)
    tokens = sum(s.n_tokens for s in (*attempts.first, *attempts.second))
    manifest = finish_correction(config, model, problems, traces, attempts.prompts,
                                 Totals(len(attempts.first), tokens), backend.stats.to_dict(), timer.timings)
    return CorrectSummary(out, manifest["counts"], timer.timings)


@dataclass(frozen=True)
class Totals:
    """What the traces do not hold: the number of first attempts and all tokens generated."""

    first_attempts: int
    tokens: int


def finish_correction(config: CorrectConfig, model: ModelRef, problems: Sequence[rec.Problem],
                      traces: Sequence[Trace], prompts: dict[tuple[str, int], list[rec.Message]],
                      totals: Totals, cache: dict[str, int], timings: dict[str, float]) -> dict[str, Any]:
    """Write the traces, the dataset folder and the manifest of a run; return the manifest.

    ``run_correct`` and ``merge`` (of shards) both end here, so a merged folder is made
    by the same code as a single run.
    """
    out = Path(config.out)
    write_traces(traces, out / TRACES_FILE)
    frames = config_frames(traces, prompts, config.seed)
    counts = {
        **run_counts(problems, traces, totals),
        "configs": {name: frame.height for name, frame in frames.items()},
        "cache": cache,
    }
    manifest = correction_manifest(config, model, counts, timings)
    export_correction_dataset(frames, manifest, out / "dataset")
    rec.write_json(manifest, out / rec.MANIFEST_FILE)
    return manifest


def run_counts(problems: Sequence[rec.Problem], traces: Sequence[Trace], totals: Totals) -> dict[str, Any]:
    """The run's counts: attempts, tokens, parse rates, label sources, answer changes and
    ``self_correction`` (the five metrics with their intervals)."""
    labels = trace_labels(traces)
    shares = [label.vote_share for label in labels.values() if label.vote_share is not None]
    first_keys = {(t.problem_id, t.first_idx): t.first_key for t in traces}
    return {
        "problems": len(problems),
        "first_attempts": totals.first_attempts,
        "second_attempts": len(traces),
        "tokens": totals.tokens,
        "first_parse_rate": rate([key is not None for key in first_keys.values()]),
        "second_parse_rate": rate([t.second_key is not None for t in traces]),
        "label_sources": dict(Counter(label.source for label in labels.values())),
        "mean_vote_share": sum(shares) / len(shares) if shares else None,
        "answer_changed": rate([t.first_key != t.second_key for t in traces]),
        "mean_edit_distance": sum(t.edit_distance for t in traces) / len(traces) if traces else None,
        "self_correction": self_correction(traces),
    }


def correction_manifest(config: CorrectConfig, model: ModelRef, counts: dict[str, Any],
                        timings: dict[str, float]) -> dict[str, Any]:
    """The manifest written to ``manifest.json`` and read by the dataset card."""
    return {
        "kind": KIND,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config.to_dict(),
        "instruction": config.instruction or get_domain(config.domain).correction_instruction,
        "versions": package_versions(),
        "model": {"spec": model.spec, "path": model.path, "identity": model.identity,
                  "file_hash": model.file_hash},
        "seeds": {"attempt_1": config.seed, "attempt_2": config.seed + 1, "datasets": config.seed},
        "counts": counts,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
