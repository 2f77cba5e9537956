"""Grade-school math word problems (GSM8K): a number after ``####``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scpo_data.domains.base import CORRECTION_REVIEW, Domain

if TYPE_CHECKING:
    from scpo_data.extractors import Extractor


class Gsm8k(Domain):
    """GSM8K-style word problems: the gold is the number after ``####`` in the answer."""

    name = "gsm8k"
    title = "grade-school math"
    k = 8
    max_tokens = 256
    prompt_template = (
        "Solve the following math word problem. Reason step by step, then write the "
        "final answer as a number on its own last line in the form `#### <number>`.\n\n"
        "Problem: {question}"
    )
    licenses = {"openai/gsm8k": "mit", "gsm8k": "mit"}
    correction_instruction = (
        f"{CORRECTION_REVIEW} Then write your solution again in full, with the final answer as a "
        "number on its own last line in the form `#### <number>`."
    )

    def make_extractor(self) -> Extractor:
        """The GSM8K extractor (``####``, then the math canonicaliser)."""
        from scpo_data.extractors.math_extractor import Gsm8kExtractor

        return Gsm8kExtractor()


DOMAIN = Gsm8k()
