"""The :class:`Domain` type: everything the loop asks of one kind of problem.

A domain is one unit (DESIGN.md, "Layout"): its prompt, its answer extractor, its
defaults (k, token limit), how gold is read, whether synthesis applies, where its
problems come from by default, the licences of known sources, and the statistics it
adds to the run summary and the eval report. The pipeline, the evaluator, the card and
the CLI ask the domain object and never branch on a domain's name.

A subclass overrides the class attributes and, where the domain differs from the
default, the methods. See :mod:`scpo_data.domains` for the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from scpo_data.errors import ScpoError
from scpo_data.records import AnswerRecord, Message, Pair, Problem

if TYPE_CHECKING:
    from scpo_data.config import GenerateConfig
    from scpo_data.evaluate.scoring import ProblemResult
    from scpo_data.extractors import Extractor


#: The start of every domain's correction instruction: a neutral review request that
#: neither says nor suggests whether attempt 1 was right.
CORRECTION_REVIEW = (
    "Review your solution above step by step. It may be correct, or it may contain a mistake: "
    "keep what is right and fix what is wrong."
)


@dataclass(frozen=True)
class ReportTable:
    """A plain table a domain adds to a report (the CLI renders it).

    Attributes:
        title: The table's title.
        columns: Column headers.
        rows: One tuple of cell texts per row.
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Domain:
    """One domain: prompt, extractor, defaults, problem source, and extra statistics.

    Attributes:
        name: The name users give to ``--domain``.
        title: What the problems are, for the dataset card ("grade-school math").
        k: Default samples per problem (paper: 8 math, 16 ZebraLogic).
        max_tokens: Default token limit per sample.
        prompt_template: The user message, with ``{question}`` where the question goes.
        synthesis: Whether few-shot synthesis of new problems applies (open-answer
            word problems only); ``synthesis_refusal`` says why when it does not.
        licenses: Licences of known problem sources (Hub ids or short names).
        default_model: The model ``generate`` and ``eval`` use when ``--model`` is not given.
        builtin_count: How many problems ``--problems builtin`` makes when the domain
            generates them and ``--count`` is not given (per size for zebra).
        extra_samples: Default ``--extra-samples``: more samples (at the extra
            temperature) for problems whose k samples all agree, so they can make a pair.
        correction_instruction: The user turn of ``scpo-data correct`` between attempt 1
            and attempt 2 (SCoRe): it asks for a review and a final solution in this
            domain's answer format, and never says whether attempt 1 was right.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    k: ClassVar[int] = 8
    max_tokens: ClassVar[int] = 256
    prompt_template: ClassVar[str] = "{question}"
    synthesis: ClassVar[bool] = True
    synthesis_refusal: ClassVar[str] = ""
    licenses: ClassVar[Mapping[str, str]] = {}
    default_model: ClassVar[str] = "embedded"
    builtin_count: ClassVar[int] = 4
    extra_samples: ClassVar[int] = 0
    correction_instruction: ClassVar[str] = (
        f"{CORRECTION_REVIEW} Then write your solution again in full, ending with the final answer "
        "in the form the problem asked for."
    )

    def user_prompt(self, question: str) -> str:
        """The user message that asks for a solution of ``question`` in this domain's format."""
        return self.prompt_template.format(question=question)

    def chat(self, question: str) -> list[Message]:
        """The prompt as a one-turn chat (TRL's conversational ``prompt`` column)."""
        return [{"role": "user", "content": self.user_prompt(question)}]

    def correction_chat(self, question: str, first: str, instruction: str | None = None) -> list[Message]:
        """The prompt of attempt 2: the question, attempt 1, and the correction instruction.

        Args:
            question: The problem.
            first: The model's first attempt (untrusted text, passed on as is).
            instruction: Replaces :attr:`correction_instruction` (``--instruction-file``).
        """
        return [*self.chat(question), {"role": "assistant", "content": first},
                {"role": "user", "content": instruction or self.correction_instruction}]

    @cached_property
    def extractor(self) -> Extractor:
        """The domain's (shared) answer extractor."""
        return self.make_extractor()

    def make_extractor(self) -> Extractor:
        """Build the answer extractor (called once per process)."""
        raise NotImplementedError(f"domain {self.name} has no extractor")

    def gold_key(self, gold: str | None) -> str | None:
        """The canonical key of a problem's raw gold answer (None without gold)."""
        return None if gold is None else self.extractor.canonical(gold).key

    def builtin_problems(self, config: GenerateConfig) -> list[Problem]:
        """The problems of ``--problems builtin``: the package's seed word problems.

        Raises:
            ScpoError: When the domain has no built-in problems.
        """
        from scpo_data.generate.problems import BUILTIN, load_problems

        return load_problems(BUILTIN, self.name, config.question_field, config.answer_field, config.limit)

    def key_fits(self, key: str, problem: Problem | None) -> bool:
        """Whether an answer key is a complete answer to ``problem`` (False: status ``partial``)."""
        return True

    def run_stats(self, problems: Sequence[Problem], answers: Sequence[AnswerRecord],
                  pairs: Sequence[Pair]) -> dict[str, Any] | None:
        """Extra statistics of a run, stored in the manifest's ``counts[name]`` (None: none)."""
        return None

    def summary_rows(self, stats: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Rows the ``generate`` summary table shows from :meth:`run_stats`' output."""
        return []

    def eval_breakdowns(self, problems: Sequence[Problem],
                        results: Sequence[ProblemResult]) -> dict[str, Any]:
        """Extra sections of the eval report (e.g. accuracy per level), merged into it."""
        return {}

    def eval_tables(self, report: Mapping[str, Any]) -> list[ReportTable]:
        """Tables ``scpo-data eval`` prints from :meth:`eval_breakdowns`' sections."""
        return []

    def check_generate(self, config: GenerateConfig) -> None:
        """Refuse settings that do not apply to this domain, before anything is written.

        Raises:
            ScpoError: When ``--synthesize`` is asked of a domain without synthesis.
        """
        if config.synthesize and not self.synthesis:
            raise ScpoError(f"--synthesize does not apply to {self.name}: {self.synthesis_refusal}")

    def __repr__(self) -> str:
        return f"<domain {self.name}>"


def percent(value: float | None) -> str:
    """A share as ``12.3%`` (``-`` when unknown), as report tables show it."""
    return "-" if value is None else f"{100 * value:.1f}%"
