"""The interface every generation backend implements.

A backend cuts a generation request into :class:`WorkUnit` s (a batch of sequences,
one server request ...), each sampled under its own seed; :meth:`Backend.generate`
runs the units in order. The request cache (:mod:`scpo_data.backends.cache`) stores and
replays whole units, so a resumed run regenerates exactly the unfinished ones.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from scpo_data.records import Message

#: Called after each finished unit with (completions done, tokens generated).
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class SamplingParams:
    """How to sample: ``n`` completions per prompt."""

    n: int = 1
    temperature: float = 0.7
    top_p: float = 0.9
    max_tokens: int = 256
    seed: int = 0


@dataclass(frozen=True)
class Completion:
    """One generated completion."""

    text: str
    finish_reason: str  # "stop" (end of turn) or "length" (hit max_tokens)
    n_tokens: int


@dataclass(frozen=True)
class WorkUnit:
    """A piece of a request that a backend generates at once, and the cache stores at once.

    Attributes:
        items: ``(prompt index, sample index)`` of each sequence, in the order
            :meth:`Backend.run_unit` returns their completions.
        seed: The seed this unit is sampled under.
    """

    items: tuple[tuple[int, int], ...]
    seed: int


class Backend(ABC):
    """A text generator: a batch of chat prompts and n in, n completions per prompt out."""

    #: Short backend name recorded in manifests (``hf``, ``vllm``, ``openai``).
    name: str
    #: Units run at once (threads); more than 1 only for backends that wait on a server.
    concurrency: int = 1

    def identity(self) -> str:
        """What, beside the model and the sampling parameters, shapes the outputs
        (dtype, device, server URL ...); part of every request-cache key."""
        return self.name

    @abstractmethod
    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """Cut a request into work units covering every (prompt, sample) exactly once.

        The plan must depend only on the prompts and ``params``, so a re-run plans the
        same units with the same seeds.
        """

    @abstractmethod
    def run_unit(
        self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit
    ) -> list[Completion]:
        """Generate one unit: a completion for each of ``unit.items``, in order."""

    def generate(
        self,
        prompts: Sequence[list[Message]],
        params: SamplingParams,
        progress: ProgressFn | None = None,
    ) -> list[list[Completion]]:
        """Generate ``params.n`` completions for each chat prompt.

        Args:
            prompts: Chat prompts (lists of role/content messages).
            params: Sampling parameters; the same seed gives the same completions.
            progress: Optional callback after each finished unit.

        Returns:
            For each prompt, in order, ``params.n`` completions.
        """
        results: list[list[Completion | None]] = [[None] * params.n for _ in prompts]
        for unit, done in self._run_all(prompts, params):
            for (i, j), completion in zip(unit.items, done, strict=True):
                results[i][j] = completion
            if progress is not None:
                progress(len(done), sum(c.n_tokens for c in done))
        return [[c for c in row if c is not None] for row in results]

    def _run_all(
        self, prompts: Sequence[list[Message]], params: SamplingParams
    ) -> Iterator[tuple[WorkUnit, list[Completion]]]:
        """Run every planned unit, ``concurrency`` at a time, yielding each as it finishes."""
        units = self.plan(prompts, params)
        if self.concurrency <= 1:
            for unit in units:
                yield unit, self.run_unit(prompts, params, unit)
            return
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            futures = {pool.submit(self.run_unit, prompts, params, unit): unit for unit in units}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def request_seed(seed: int, prompt: list[Message]) -> int:
    """A request seed from the run seed and the prompt's content (31 bits, for any server)."""
    digest = hashlib.sha256(json.dumps(prompt, sort_keys=True).encode()).hexdigest()
    return (seed * 1_000_003 + int(digest[:12], 16)) % 2**31
