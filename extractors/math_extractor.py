"""The ``math`` and ``gsm8k`` extractors: find the final answer, clean it, key it with sympy.

::

    from scpo_data.extractors import get_extractor
    extractor = get_extractor("math")
    extractor.extract("... so the answer is $\\\\boxed{\\\\frac{1}{2}}$.")  # Answer(key='1/2', status='ok', ...)
    extractor.canonical("0.5").key == extractor.canonical("\\\\frac12").key  # True
    extractor.extract_batch(responses)  # the sympy work spread over all cores

The pieces: ``math_extract`` (find and clean the answer text), ``math_fast`` (keys
without sympy, and the guard), ``math_canon`` (the sympy keys) and ``math_worker``
(the killable worker pool with time limit and cache).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scpo_data.extractors.base import NO_ANSWER, Answer, Extractor
from scpo_data.extractors.math_extract import clean_answer, find_answer, last_number
from scpo_data.extractors.math_fast import guard, quick_key
from scpo_data.extractors.math_worker import CanonPool, get_pool

_WORD = re.compile(r"[A-Za-z]{2,}")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+(?:\{[A-Za-z*]+\})?")  # \sqrt, \begin{pmatrix}


class MathExtractor(Extractor):
    """Final answers of MATH-style solutions (``\\\\boxed{}``, "final answer is", ...) as canonical keys.

    Args:
        pool: The worker pool that runs sympy; default: the shared :func:`math_worker.get_pool`.
    """

    domain = "math"

    def __init__(self, pool: CanonPool | None = None) -> None:
        self._pool = pool

    @property
    def pool(self) -> CanonPool:
        """The worker pool (the shared one unless another was given)."""
        if self._pool is None:
            self._pool = get_pool()
        return self._pool

    def find(self, text: str) -> str | None:
        """Cut the raw final answer out of a response (see ``math_extract.find_answer``)."""
        return find_answer(text)

    def extract(self, text: str) -> Answer:
        """Find the final answer in a response and canonicalise it.

        Args:
            text: The model's whole response (untrusted).

        Returns:
            The answer; ``key`` is ``None`` (status ``no_answer``) when none is marked.
        """
        return self.extract_batch([text])[0]

    def canonical(self, answer_text: str) -> Answer:
        """Canonicalise a bare answer such as a gold label (``"\\\\frac{1}{2}"``, ``"(1, 2)"``).

        Args:
            answer_text: The answer alone; a ``\\\\boxed{}`` around it is removed.

        Returns:
            The answer with its key and status (``ok``, ``unparsed`` or ``timeout``).
        """
        return self._key_all([answer_text])[0]

    def extract_batch(self, texts: Iterable[str]) -> list[Answer]:
        """Extract answers from many responses; the sympy work is spread over the pool's workers.

        Args:
            texts: Responses, in order.

        Returns:
            One answer per response, in the same order.
        """
        return self._key_all(self.find(text) for text in texts)

    def _key_all(self, found: Iterable[str | None]) -> list[Answer]:
        """Clean and key raw answers in one pool call; ``None`` or empty stays "no answer"."""
        raws: list[str | None] = []
        cleaned: list[str | None] = []
        started = False
        for raw in found:
            if raw is not None and raw.lstrip().startswith(("\\boxed", "\\fbox")):
                raw = find_answer(raw) or raw
            clean = clean_answer(raw) if raw is not None else None
            if not started and clean and quick_key(clean) is None and guard(clean) is None:
                self.pool.start()  # first answer that needs sympy: the workers warm up meanwhile
                started = True
            raws.append(raw)
            cleaned.append(clean)
        todo = [c for c in cleaned if c]
        keyed = iter(self.pool.keys(todo))
        answers: list[Answer] = []
        for raw, clean in zip(raws, cleaned, strict=True):
            if not clean:
                answers.append(NO_ANSWER)
                continue
            key, status = next(keyed)
            answers.append(Answer(key=key, status=status, raw=raw))
        return answers


class Gsm8kExtractor(MathExtractor):
    """GSM8K answers: like :class:`MathExtractor`, falling back to the last number in the text."""

    domain = "gsm8k"

    def find(self, text: str) -> str | None:
        """The marked final answer (``####``, box, phrase), else the last number in the text.

        A marked answer written in words (``"Janet makes $18 a day"``) is narrowed
        to the last number inside it, when it has one.
        """
        marked = find_answer(text)
        if marked is None:
            return last_number(text)
        if _WORD.search(_LATEX_COMMAND.sub("", clean_answer(marked))):
            return last_number(marked) or marked
        return marked
