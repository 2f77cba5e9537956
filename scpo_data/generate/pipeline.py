"""The whole ScPO loop for one iteration: problems -> samples -> answers -> votes -> pairs.

Every stage writes its records to the run folder; the dataset folder and the manifest
are written last. Input problems are loaded and checked before anything is written,
so bad input leaves no output behind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data import records as rec
from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.backends import BackendOptions, backend_model
from scpo_data.backends.base import SamplingParams
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
from scpo_data.generate.pairs import build_pairs
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
    """Wall-clock timings of named stages (``with timer(name): ...``)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start


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

        with resumable(backend.cache), timer("sampling"), \
                stage(console, "sampling", len(problems) * config.k) as bar:
            samples = sample_problems(backend, problems, params, bar)
        if config.extra_samples:
            extra = SamplingParams(config.extra_samples, config.extra_temperature, config.top_p,
                                   config.max_tokens, config.seed + 1)
            with resumable(backend.cache), timer("extra_samples"), \
                    stage(console, "extra samples", len(problems) * config.extra_samples) as bar:
                samples += extra_samples(backend, problems, samples, config.domain, extra, bar)
    console.print(cache_line(backend.stats), highlight=False)
    rec.write_records(samples, rec.Sample, out / rec.SAMPLES_FILE)

    with timer("answers"):
        answers = extract_answers(samples, config.domain, problems)
    rec.write_records(answers, rec.AnswerRecord, out / rec.ANSWERS_FILE)
    origin = {"seed_problems": len(problems) - len(new), "synthesized": len(new)}
    return finish_run(config, model, problems, samples, answers, timer, origin, backend.stats.to_dict())


def finish_run(
    config: GenerateConfig,
    model: ModelRef,
    problems: list[rec.Problem],
    samples: list[rec.Sample],
    answers: list[rec.AnswerRecord],
    timer: Timer,
    origin: dict[str, int],
    cache: dict[str, int],
) -> RunSummary:
    """Votes, pairs, counts, the dataset folder and the manifest, from finished samples.

    Shared by ``generate`` and ``merge`` (which joins shard folders' records and
    finishes them here). ``origin`` holds the seed/synthesised problem counts and
    ``cache`` the request-cache counts.
    """
    out = Path(config.out)
    with timer("pairs"):
        gold = gold_keys(problems, config.domain)
        pairs, stats = build_pairs(problems, samples, answers, config.tau_votes, config.seed,
                                   labels=config.labels, pairs_per_problem=config.pairs_per_problem,
                                   gold=gold)
    rec.write_records(pairs, rec.Pair, out / rec.PAIRS_FILE)

    counts = {
        **origin,
        "problems": len(problems),
        "samples": len(samples),
        "tokens": sum(s.n_tokens for s in samples),
        "parsed": sum(a.key is not None for a in answers),
        "parse_rate": sum(a.key is not None for a in answers) / max(1, len(answers)),
        "answer_status": dict(Counter(a.status for a in answers)),
        "passing_tau": stats.passing_tau,
        "pairs": stats.pairs,
        "skipped": dict(stats.skipped),
        "mean_weight": sum(p.weight for p in pairs) / len(pairs) if pairs else 0.0,
        "pairs_by_label": dict(stats.by_label),
        "audit": audit_summary(problems, answers, pairs, gold, config.k),
        "cache": cache,
    }
    stats = get_domain(config.domain).run_stats(problems, answers, pairs)
    if stats is not None:
        counts[config.domain] = stats
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


