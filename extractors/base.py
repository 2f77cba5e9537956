"""The extractor interface: free-form model text in, a canonical answer key out.

Every domain (gsm8k, math, zebra, arc) has one extractor. An extractor never
raises on model output: whatever the text, it returns an :class:`Answer` whose
``key`` is a hashable canonical string (equal keys mean "the same answer") or
``None`` when no answer could be found, and whose ``status`` says how the key was
obtained.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

#: The answer was found and canonicalised.
STATUS_OK = "ok"
#: No final answer was found in the text.
STATUS_NO_ANSWER = "no_answer"
#: An answer was found but could not be canonicalised; the key is a normalised string.
STATUS_UNPARSED = "unparsed"
#: Canonicalisation ran out of time; the key is a normalised string.
STATUS_TIMEOUT = "timeout"


@dataclass(frozen=True)
class Answer:
    """A canonicalised answer.

    Attributes:
        key: Canonical, hashable form of the answer, or ``None`` when no answer was found.
        status: How the key was obtained (``ok``, ``no_answer``, ``unparsed``, ``timeout``
            or a domain-specific status such as ``partial``).
        raw: The answer text as it was cut out of the response, before canonicalisation.
    """

    key: str | None
    status: str
    raw: str | None = None

    @property
    def found(self) -> bool:
        """Whether the response carried an answer at all (``key`` is not ``None``)."""
        return self.key is not None


NO_ANSWER = Answer(key=None, status=STATUS_NO_ANSWER, raw=None)


class Extractor(ABC):
    """Base class of the per-domain answer extractors."""

    #: The domain name this extractor serves (``gsm8k``, ``math``, ...).
    domain: ClassVar[str]

    @abstractmethod
    def extract(self, text: str) -> Answer:
        """Find the final answer in a free-form response and canonicalise it.

        Args:
            text: The model's whole response (untrusted).

        Returns:
            The canonical answer; ``key`` is ``None`` when the text has no answer.
        """

    @abstractmethod
    def canonical(self, answer_text: str) -> Answer:
        """Canonicalise a bare answer (a gold label, say) without searching for it.

        Args:
            answer_text: The answer alone, e.g. ``"18"`` or ``"\\frac{1}{2}"``.

        Returns:
            The canonical answer.
        """

    def extract_batch(self, texts: Iterable[str]) -> list[Answer]:
        """Extract answers from many responses; subclasses may spread the work over cores.

        Args:
            texts: Responses, in order.

        Returns:
            One answer per response, in the same order.
        """
        return [self.extract(t) for t in texts]

    def extract_batch_in_context(self, texts: Iterable[str], questions: Iterable[str | None]) -> list[Answer]:
        """Extract answers knowing each response's question (multiple-choice options, say).

        The default ignores the questions; an extractor that needs them (``arc``) overrides this.

        Args:
            texts: Responses, in order.
            questions: The question of each response (None when unknown), in the same order.

        Returns:
            One answer per response, in the same order.
        """
        return self.extract_batch(texts)
