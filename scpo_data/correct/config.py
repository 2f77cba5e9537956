"""The configuration of one ``scpo-data correct`` run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from scpo_data.backends import BackendOptions
from scpo_data.config import EngineOptions, GenerateConfig

#: SCoRe's weight of the progress bonus: the shaped reward is r2 + alpha * (r2 - r1).
DEFAULT_ALPHA = 10.0


@dataclass(frozen=True)
class CorrectConfig:
    """Everything that determines a ``scpo-data correct`` run.

    Attributes:
        problems: ``builtin`` (the domain's own), a .jsonl/.parquet/.csv file or ``hf:...``.
        domain: A registered domain: prompt, correction instruction, extractor.
        model: ``embedded``, ``embedded-arith``, a model folder or a Hub id.
        backend: ``hf``, ``vllm`` or ``openai``.
        n: First attempts per problem (their majority answer is the label without gold).
        second_n: Second attempts after each first attempt (2 or more give the
            ``preference`` config pairs of second attempts after the same first attempt).
        temperature: Sampling temperature of both attempts (0: greedy).
        top_p: Nucleus threshold of both attempts.
        max_tokens: Most new tokens per attempt.
        alpha: Weight of the progress bonus in the shaped reward r2 + alpha * (r2 - r1).
        instruction: The correction instruction replacing the domain's (None: the domain's).
        seed: Sampling seed (attempt 1 uses it, attempt 2 the next one) and the seed of
            the datasets' random picks.
        out: The run folder.
        question_field: Column holding the question (None: guess).
        answer_field: Column holding the gold answer (None: guess; absent means no gold).
        limit: Use at most this many problems.
        count: Problems the domain's generator makes for ``builtin`` (arith; zebra per size).
        sizes: zebra: puzzle sizes of ``builtin``.
        batch_size: Sequences generated together (hf).
        dtype: Model dtype.
        resume: Replay finished completions from the run folder's request cache.
        options: Engine settings of the ``openai`` and ``vllm`` backends.
        engine: Where the attempts are generated (this process, or replicas on a Ray cluster).
        shard: ``(i, N)``: answer only the problems of shard i of N (``generate``'s split;
            ``scpo-data merge`` joins the shards' folders). None: all.
    """

    problems: str = "builtin"
    domain: str = "arith"
    model: str = "embedded-arith"
    backend: str = "hf"
    n: int = 8
    second_n: int = 2
    temperature: float = 0.7
    top_p: float = 0.9
    max_tokens: int = 256
    alpha: float = DEFAULT_ALPHA
    instruction: str | None = None
    seed: int = 0
    out: str = "scpo-runs/correct-latest"
    question_field: str | None = None
    answer_field: str | None = None
    limit: int | None = None
    count: int = 128
    sizes: str = "2x2,3x3"
    batch_size: int = 64
    dtype: str = "auto"
    resume: bool = True
    options: BackendOptions = field(default_factory=BackendOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)
    shard: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a plain JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CorrectConfig":
        """The configuration a manifest's ``config`` records (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        settings = {key: value for key, value in data.items() if key in known}
        options = BackendOptions(**settings.pop("options", {}))
        engine = EngineOptions(**settings.pop("engine", {}))
        shard = settings.pop("shard", None)
        return cls(**settings, options=options, engine=engine, shard=tuple(shard) if shard else None)

    def problem_config(self) -> GenerateConfig:
        """The problem settings as a :class:`GenerateConfig`, which the domains' problem
        sources (:meth:`scpo_data.domains.Domain.builtin_problems`) read."""
        return GenerateConfig(problems=self.problems, domain=self.domain, seed=self.seed, limit=self.limit,
                              question_field=self.question_field, answer_field=self.answer_field,
                              sizes=self.sizes, count=self.count)
