"""The whole ScPO loop for one iteration: problems -> samples -> answers -> votes -> pairs.

Problems go through sampling, answers and pairs in chunks of ``config.chunk``: each
chunk's samples are appended to ``samples.parquet`` and dropped, so the driver's memory
is bounded by one chunk's texts plus the small per-sample answer keys and the pairs.
Every stage writes its records to the run folder; the dataset folder and the manifest
are written last. Input problems are loaded and checked before anything is written,
so bad input leaves no output behind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data import records as rec
from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.backends import BackendOptions, backend_model
from scpo_data.backends.base import Backend, SamplingParams
from scpo_data.backends.cache import cache_line, resumable
from scpo_data.config import EngineOptions, GenerateConfig
from scpo_data.engines import open_backend
from scpo_data.domains import get_domain
from scpo_data.generate.extra import extra_samples
from scpo_data.publish.dataset import export_dataset
from scpo_data.errors import ScpoError
from scpo_data.manifest import build_manifest
from scpo_data.backends.models import ModelRef
from scpo_data.evaluate.pair_audit import audit_summary
from scpo_data.generate.pairs import PairStats, build_pairs
from scpo_data.generate.problems import BUILTIN, load_problems
from scpo_data.progress import stage
from scpo_data.generate.sampling import sample_problems
from scpo_data.generate.shards import select_shard, shard_seed, shard_share
from scpo_data.generate.synthesis import synthesize

#: Token limit for one synthesised problem.
SYNTHESIS_MAX_TOKENS = 160


@dataclass(frozen=True)
class RunSummary:
    """What a finished run reports."""

    out: Path
    domain: str
    counts: dict[str, Any]
    timings: dict[str, float]


class Timer:
    """Wall-clock timings of named stages (``with timer(name): ...``; a stage entered
    again, as in each chunk, adds to its time)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def run_generate(config: GenerateConfig, console: Console | None = None,
                 engine: EngineOptions = EngineOptions()) -> RunSummary:
    """Run the whole loop and write the run folder; ``engine`` says where the samples are
    generated (it does not change them, so it is not part of ``config``).

    Raises:
        ScpoError: On bad input (problems source, fields, model).
    """
    console = console or Console(stderr=True)
    timer = Timer()
    with timer("load"):
        get_domain(config.domain).check_generate(config)
        seeds = _seed_problems(config)
        if config.labels == "gold" and all(p.gold is None for p in seeds):
            raise ScpoError(f"--labels gold needs gold answers, and {config.problems} has none "
                            "(name the column with --answer-field)")
        model = backend_model(config.backend, config.model)
        out = Path(config.out)
        backend = open_backend(config.backend, model, config.batch_size, config.dtype, backend_options(config),
                               out, config.resume, engine)
    params = SamplingParams(config.k, config.temperature, config.top_p, config.max_tokens, config.seed)

    with closing(backend):  # on any exit: a Ray engine's replicas stop
        with resumable(backend.cache), timer("synthesis"), \
                stage(console, "synthesis", shard_share(config.synthesize, config.shard), "problems") as bar:
            new = synthesize(backend, seeds, shard_share(config.synthesize, config.shard), config.domain,
                             SYNTHESIS_MAX_TOKENS, config.temperature, config.top_p,
                             shard_seed(config.seed, config.shard), progress=_only_tokens(bar))
        problems = [*select_shard(seeds, config.shard), *new]
        rec.write_records(problems, rec.Problem, out / rec.PROBLEMS_FILE)
        records = RunRecords(gold_keys(problems, config.domain))
        parts = chunks(problems, config.chunk)
        with rec.RecordSink(out / rec.SAMPLES_FILE, rec.Sample) as sink:
            for number, chunk in enumerate(parts, start=1):
                label = f" (chunk {number} of {len(parts)})" if len(parts) > 1 else ""
                samples = _sample_chunk(backend, chunk, config, params, console, timer, label)
                sink.write(samples)
                with timer("answers"):
                    answers = extract_answers(samples, config.domain, chunk)
                records.add(config, chunk, samples, answers, timer)
    console.print(cache_line(backend.stats), highlight=False)
    rec.write_records(records.answers, rec.AnswerRecord, out / rec.ANSWERS_FILE)
    origin = {"seed_problems": len(problems) - len(new), "synthesized": len(new)}
    return finish_run(config, model, problems, records, timer, origin, backend.stats.to_dict())


def chunks(problems: list[rec.Problem], size: int) -> list[list[rec.Problem]]:
    """The problems cut into consecutive chunks of ``size`` (one empty chunk when there are none)."""
    return [problems[start:start + size] for start in range(0, len(problems), size)] or [[]]


def _sample_chunk(backend: Backend, chunk: list[rec.Problem], config: GenerateConfig, params: SamplingParams,
                  console: Console, timer: Timer, label: str) -> list[rec.Sample]:
    """The k samples of every problem of a chunk, plus the extra samples of unanimous ones."""
    with resumable(backend.cache), timer("sampling"), \
            stage(console, f"sampling{label}", len(chunk) * config.k) as bar:
        samples = sample_problems(backend, chunk, params, bar)
    if config.extra_samples:
        extra = SamplingParams(config.extra_samples, config.extra_temperature, config.top_p,
                               config.max_tokens, config.seed + 1)
        with resumable(backend.cache), timer("extra_samples"), \
                stage(console, f"extra samples{label}", len(chunk) * config.extra_samples) as bar:
            samples += extra_samples(backend, chunk, samples, config.domain, extra, bar)
    return samples


@dataclass
class RunRecords:
    """What a run keeps of its samples, chunk by chunk: their answer keys (small), the
    pairs, the pair-stage counts and the sample and token totals. The sample texts
    themselves go to ``samples.parquet`` and are dropped."""

    gold: dict[str, str | None]
    answers: list[rec.AnswerRecord] = field(default_factory=list)
    pairs: list[rec.Pair] = field(default_factory=list)
    stats: PairStats = field(default_factory=PairStats)
    samples: int = 0
    tokens: int = 0

    def add(self, config: GenerateConfig, problems: list[rec.Problem], samples: list[rec.Sample],
            answers: list[rec.AnswerRecord], timer: Timer) -> None:
        """Vote and pair one chunk of answered samples (pairs are chosen per problem, so
        chunks do not change them) and keep its answers and totals."""
        with timer("pairs"):
            pairs, stats = build_pairs(problems, samples, answers, config.tau_votes, config.seed,
                                       labels=config.labels, pairs_per_problem=config.pairs_per_problem,
                                       gold=self.gold)
        self.answers += answers
        self.pairs += pairs
        self.stats.add(stats)
        self.samples += len(samples)
        self.tokens += sum(s.n_tokens for s in samples)


def finish_run(
    config: GenerateConfig,
    model: ModelRef,
    problems: list[rec.Problem],
    records: RunRecords,
    timer: Timer,
    origin: dict[str, int],
    cache: dict[str, int],
) -> RunSummary:
    """Counts, the pairs file, the dataset folder and the manifest, from a run's records.

    Shared by ``generate`` and ``merge`` (which adds the shards' records one shard at a
    time and finishes them here). ``origin`` holds the seed/synthesised problem counts
    and ``cache`` the request-cache counts.
    """
    out = Path(config.out)
    answers, pairs, stats = records.answers, records.pairs, records.stats
    rec.write_records(pairs, rec.Pair, out / rec.PAIRS_FILE)
    counts = {
        **origin,
        "problems": len(problems),
        "samples": records.samples,
        "tokens": records.tokens,
        "parsed": sum(a.key is not None for a in answers),
        "parse_rate": sum(a.key is not None for a in answers) / max(1, len(answers)),
        "answer_status": dict(Counter(a.status for a in answers)),
        "passing_tau": stats.passing_tau,
        "pairs": stats.pairs,
        "skipped": dict(stats.skipped),
        "mean_weight": sum(p.weight for p in pairs) / len(pairs) if pairs else 0.0,
        "pairs_by_label": dict(stats.by_label),
        "audit": audit_summary(problems, answers, pairs, records.gold, config.k),
        "cache": cache,
    }
    domain_stats = get_domain(config.domain).run_stats(problems, answers, pairs)
    if domain_stats is not None:
        counts[config.domain] = domain_stats
    manifest = build_manifest(config, model, counts, timer.timings)
    export_dataset(pairs, manifest, out / "dataset")
    rec.write_json(manifest, out / rec.MANIFEST_FILE)
    return RunSummary(out=out, domain=config.domain, counts=counts, timings=timer.timings)


def _seed_problems(config: GenerateConfig) -> list[rec.Problem]:
    """The seed problems: the domain's built-in set, or loaded from the source."""
    if config.problems == BUILTIN:
        return get_domain(config.domain).builtin_problems(config)
    return load_problems(
        config.problems, config.domain, config.question_field, config.answer_field, config.limit
    )


def backend_options(config: GenerateConfig) -> BackendOptions:
    """The engine settings of ``config`` (openai server, vLLM parallelism and memory)."""
    return BackendOptions(config.base_url, config.api_key_env, config.concurrency,
                          config.tensor_parallel_size, config.gpu_memory_utilization, config.max_model_len)


def _only_tokens(bar: Callable[[int, int], None]) -> Callable[[int, int], None]:
    """Synthesis counts accepted problems, not attempts: advance tokens only."""
    return lambda done, tokens: bar(0, tokens)


