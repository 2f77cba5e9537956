"""Competition math (MATH): the answer in ``\\boxed{}``; reports by level and subject."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scpo_data.domains.base import CORRECTION_REVIEW, Domain, ReportTable, percent
from scpo_data.records import Problem

if TYPE_CHECKING:
    from scpo_data.evaluate.scoring import ProblemResult
    from scpo_data.extractors import Extractor

#: Problem-meta fields that MATH results are broken down by.
GROUPS = ("level", "subject")


class Math(Domain):
    """MATH-style problems: exact answers in ``\\boxed{}``, compared by the math canonicaliser."""

    name = "math"
    title = "competition math (MATH)"
    k = 8
    max_tokens = 384
    prompt_template = (
        "Solve the following math problem. Reason step by step, then give the final "
        "answer in simplest exact form inside \\boxed{{}}.\n\nProblem: {question}"
    )
    licenses = {"hendrycks/competition_math": "mit", "HuggingFaceH4/MATH-500": "mit"}
    correction_instruction = (
        f"{CORRECTION_REVIEW} Then write your solution again in full, with the final answer in "
        "simplest exact form inside \\boxed{}."
    )

    def make_extractor(self) -> Extractor:
        """The MATH extractor (``\\boxed{}`` first, then the math canonicaliser)."""
        from scpo_data.extractors.math_extractor import MathExtractor

        return MathExtractor()

    def eval_breakdowns(self, problems: Sequence[Problem],
                        results: Sequence[ProblemResult]) -> dict[str, Any]:
        """Accuracy per ``level`` and per ``subject`` (``by_level``, ``by_subject``)."""
        from scpo_data.evaluate.scoring import grouped

        meta = {p.problem_id: json.loads(p.meta or "{}") for p in problems}
        return {f"by_{field}": grouped(results, lambda r, f=field: meta[r.problem_id].get(f))
                for field in GROUPS}

    def eval_tables(self, report: Mapping[str, Any]) -> list[ReportTable]:
        """One table per breakdown: problems, greedy and maj@k accuracy per group."""
        k = report["config"]["k"]
        tables = []
        for field in GROUPS:
            groups = report.get(f"by_{field}")
            if groups:
                rows = tuple((name, str(acc["problems"]), percent(acc["greedy_accuracy"]),
                              percent(acc["maj_accuracy"])) for name, acc in groups.items())
                tables.append(ReportTable(f"by {field}", ("group", "problems", "greedy", f"maj@{k}"), rows))
        return tables


DOMAIN = Math()
