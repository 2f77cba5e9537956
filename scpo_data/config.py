"""The configuration of one ``generate`` run, as a frozen dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Domain = Literal["gsm8k", "math", "zebra"]
BackendName = Literal["hf"]

#: Default number of samples per problem for each domain (paper: 8 math, 16 ZebraLogic).
DEFAULT_K: dict[str, int] = {"gsm8k": 8, "math": 8, "zebra": 16}
#: Default token limit per sample for each domain (grids need room for the JSON).
DEFAULT_MAX_TOKENS: dict[str, int] = {"gsm8k": 256, "math": 384, "zebra": 1024}


@dataclass(frozen=True)
class GenerateConfig:
    """Everything that determines a ``scpo-data generate`` run.

    Attributes:
        problems: Problem source: ``builtin``, a .jsonl/.parquet/.csv path or
            ``hf:OWNER/NAME[:CONFIG][@SPLIT]``; for ``zebra``, ``builtin`` means puzzles
            freshly made by the project's generator (``sizes`` x ``count``).
        domain: Answer domain (prompt format and extractor).
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
    """

    problems: str = "builtin"
    domain: Domain = "gsm8k"
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
    dtype: str = "float32"

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a plain JSON-serialisable dict."""
        return asdict(self)

    @property
    def tau_votes(self) -> float:
        """The consistency threshold in votes (tau * k)."""
        return self.tau * self.k
