"""ARC-style multiple choice: options listed as ``A) ...`` lines, the answer a letter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scpo_data.domains.base import CORRECTION_REVIEW, Domain
from scpo_data.errors import ScpoError
from scpo_data.records import Problem

if TYPE_CHECKING:
    from scpo_data.config import GenerateConfig
    from scpo_data.extractors import Extractor


class Arc(Domain):
    """Multiple-choice science questions (ARC): ``question``, ``choices`` and ``answerKey``."""

    name = "arc"
    title = "science multiple-choice (ARC)"
    k = 8
    max_tokens = 256
    prompt_template = (
        "Answer the following multiple-choice question. Reason step by step, then write "
        "the letter of the correct option on its own last line in the form "
        "`The answer is (X)`.\n\nQuestion: {question}"
    )
    synthesis = False
    synthesis_refusal = "synthesis writes open-answer problems"
    licenses = {"allenai/ai2_arc": "cc-by-sa-4.0"}
    correction_instruction = (
        f"{CORRECTION_REVIEW} Then write your reasoning again, with the letter of the correct "
        "option on its own last line in the form `The answer is (X)`."
    )

    def make_extractor(self) -> Extractor:
        """The choice extractor (a letter, or the text of an option)."""
        from scpo_data.extractors.choice import ChoiceExtractor

        return ChoiceExtractor()

    def builtin_problems(self, config: GenerateConfig) -> list[Problem]:
        """ARC has no built-in problems: the user names a multiple-choice file.

        Raises:
            ScpoError: Always.
        """
        raise ScpoError("--domain arc needs multiple-choice problems: --problems FILE with question, "
                        "choices and answerKey (e.g. ARC-Challenge)")


DOMAIN = Arc()
