"""The ``math`` and ``gsm8k`` extractors: find the final answer, clean it, key it with sympy.

::

    from scpo_data.extractors.math_extractor import MathExtractor
    extractor = MathExtractor()
    extractor.extract("... so the answer is $\\\\boxed{\\\\frac{1}{2}}$.")  # Answer(key='1/2', status='ok', ...)
    extractor.canonical("0.5").key == extractor.canonical("\\\\frac12").key  # True
    extractor.extract("so the area is $12\\\\sqrt{3}$ square units.")  # status 'last_math': no marker
    extractor.extract_batch(responses)  # the sympy work spread over all cores

The pieces: ``math_extract`` (find and clean the answer text), ``math_prose`` (answers
without a marker, words around math), ``math_numbers`` (digit groups, decimal commas,
currency), ``math_fast`` (keys
without sympy, and the guard), ``math_canon`` (the sympy keys) and ``math_worker``
(the killable worker pool with time limit and cache).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar, NamedTuple

from scpo_data.extractors.base import NO_ANSWER, STATUS_OK, Answer, Extractor
from scpo_data.extractors.math_extract import clean_answer, find_answer, last_number
from scpo_data.extractors.math_fast import guard, quick_key
from scpo_data.extractors.math_prose import RULE_LAST_MATH, RULE_LAST_NUMBER, find_unmarked
from scpo_data.extractors.math_worker import CanonPool, get_pool

#: Status of an answer found by the no-marker rule "last math span of the final paragraph".
STATUS_LAST_MATH = RULE_LAST_MATH
#: Status of an answer found by the no-marker rule "last number of the final paragraph".
STATUS_LAST_NUMBER = RULE_LAST_NUMBER

_WORD = re.compile(r"[A-Za-z]{2,}")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+(?:\{[A-Za-z*]+\})?")  # \sqrt, \begin{pmatrix}


class Cut(NamedTuple):
    """A raw answer cut out of a response, and the no-marker rule that found it (``None``: it was marked)."""

    text: str
    rule: str | None = None


class MathExtractor(Extractor):
    """Final answers of MATH-style solutions (``\\\\boxed{}``, "final answer is", ...) as canonical keys.

    A response that marks no answer falls back on the last math span or number of
    its final paragraph (``math_prose.find_unmarked``); such an answer's status names
    the rule (``last_math``, ``last_number``) instead of ``ok``.

    Args:
        pool: The worker pool that runs sympy; default: the shared :func:`math_worker.get_pool`.
    """

    domain = "math"
    #: Whether every answer of the domain is one number (a comma is then never a list separator).
    single_number: ClassVar[bool] = False

    def __init__(self, pool: CanonPool | None = None) -> None:
        self._pool = pool

    @property
    def pool(self) -> CanonPool:
        """The worker pool (the shared one unless another was given)."""
        if self._pool is None:
            self._pool = get_pool()
        return self._pool

    def find(self, text: str) -> Cut | None:
        """Cut the raw final answer out of a response: the marked one, else the no-marker fallback.

        Args:
            text: The model's whole response (untrusted).

        Returns:
            The raw answer and its rule, or ``None`` when the response has no answer at all.
        """
        marked = find_answer(text)
        if marked is not None:
            return Cut(marked)
        unmarked = find_unmarked(text)
        return Cut(unmarked.text, unmarked.rule) if unmarked else None

    def extract(self, text: str) -> Answer:
        """Find the final answer in a response and canonicalise it.

        Args:
            text: The model's whole response (untrusted).

        Returns:
            The answer; ``key`` is ``None`` (status ``no_answer``) when the response has none.
        """
        return self.extract_batch([text])[0]

    def canonical(self, answer_text: str) -> Answer:
        """Canonicalise a bare answer such as a gold label (``"\\\\frac{1}{2}"``, ``"(1, 2)"``).

        A marked answer inside the text (``\\\\boxed{}``, "the answer is") is taken, and
        a text of several paragraphs is read as a response (``find``); words around math
        are dropped (``"Answer $ 9 $"`` is 9).

        Args:
            answer_text: The answer alone.

        Returns:
            The answer with its key and status (``ok``, ``unparsed`` or ``timeout``).
        """
        found = self.find(answer_text) if _PARAGRAPH_BREAK.search(answer_text.strip()) else None
        return self._key_all([Cut(found.text if found else find_answer(answer_text) or answer_text)])[0]

    def extract_batch(self, texts: Iterable[str]) -> list[Answer]:
        """Extract answers from many responses; the sympy work is spread over the pool's workers.

        Args:
            texts: Responses, in order.

        Returns:
            One answer per response, in the same order.
        """
        return self._key_all(self.find(text) for text in texts)

    def _key_all(self, found: Iterable[Cut | None]) -> list[Answer]:
        """Clean and key raw answers in one pool call; ``None`` or empty stays "no answer"."""
        cuts: list[Cut | None] = []
        cleaned: list[str | None] = []
        started = False
        for cut in found:
            clean = clean_answer(cut.text, self.single_number) if cut is not None else None
            if not started and clean and quick_key(clean) is None and guard(clean) is None:
                self.pool.start()  # first answer that needs sympy: the workers warm up meanwhile
                started = True
            cuts.append(cut)
            cleaned.append(clean)
        keyed = iter(self.pool.keys([c for c in cleaned if c]))
        answers: list[Answer] = []
        for cut, clean in zip(cuts, cleaned, strict=True):
            if cut is None or not clean:
                answers.append(NO_ANSWER)
                continue
            key, status = next(keyed)
            if status == STATUS_OK and cut.rule is not None:
                status = cut.rule
            answers.append(Answer(key=key, status=status, raw=cut.text))
        return answers


class Gsm8kExtractor(MathExtractor):
    """GSM8K answers: like :class:`MathExtractor`, narrowed to a number; a comma is never a list separator."""

    domain = "gsm8k"
    single_number = True

    def find(self, text: str) -> Cut | None:
        """The marked final answer (``####``, box, phrase), else the no-marker fallback.

        An answer written in words (``"Janet makes $18 a day"``) is narrowed to the
        last number inside it, when it has one.
        """
        cut = super().find(text)
        if cut is None or not _WORD.search(_LATEX_COMMAND.sub("", clean_answer(cut.text, True))):
            return cut
        return Cut(last_number(cut.text) or cut.text, cut.rule)
