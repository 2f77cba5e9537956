"""The interface every generation backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scpo_data.records import Message

#: Called after each finished batch with (completions done, tokens generated).
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


class Backend(ABC):
    """A text generator: a batch of chat prompts and n in, n completions per prompt out."""

    #: Short backend name recorded in manifests (``hf``, ``vllm``, ``openai``).
    name: str

    @abstractmethod
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
            progress: Optional callback after each finished batch.

        Returns:
            For each prompt, in order, ``params.n`` completions.
        """
