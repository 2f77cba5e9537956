"""ZebraLogic logic-grid puzzles: a JSON grid; puzzles from the project's generator.

Statistics: ZebraLogic's puzzle and cell accuracy (easy / hard, per size) of samples,
chosen responses and eval answers, and how many cells the chosen and rejected grids share.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from scpo_data.domains.base import CORRECTION_REVIEW, Domain, ReportTable, percent
from scpo_data.errors import ScpoError
from scpo_data.extractors.zebra import compare_cells
from scpo_data.puzzles import zebra_metrics, zebra_prompt
from scpo_data.records import AnswerRecord, Pair, Problem

if TYPE_CHECKING:
    from scpo_data.config import GenerateConfig
    from scpo_data.evaluate.scoring import ProblemResult
    from scpo_data.extractors import Extractor


class Zebra(Domain):
    """ZebraLogic grid mode: the answer is the completed grid; ``builtin`` means fresh puzzles."""

    name = "zebra"
    title = "logic-grid (ZebraLogic)"
    k = 16
    max_tokens = 1024
    synthesis = False
    synthesis_refusal = "use --count to generate more puzzles"
    correction_instruction = (
        f"{CORRECTION_REVIEW} Check every clue against your grid, then give your reasoning and the "
        "complete solution again in the same JSON format as before."
    )

    def user_prompt(self, question: str) -> str:
        """ZeroEval's zebra-grid instruction with a JSON template of the puzzle's grid."""
        return zebra_prompt(question)

    def make_extractor(self) -> Extractor:
        """The grid extractor (the last JSON solution, canonicalised)."""
        from scpo_data.extractors.zebra import ZebraExtractor

        return ZebraExtractor()

    def builtin_problems(self, config: GenerateConfig) -> list[Problem]:
        """Fresh puzzles from the project's generator (``--sizes`` x ``--count``)."""
        return puzzle_problems(config.sizes, config.count, config.seed, config.limit)

    def key_fits(self, key: str, problem: Problem | None) -> bool:
        """A grid votes only when it has exactly the puzzle's houses and attributes."""
        size = json.loads(problem.meta).get("size") if problem is not None else None
        return not size or fits_size(key, size)

    def run_stats(self, problems: Sequence[Problem], answers: Sequence[AnswerRecord],
                  pairs: Sequence[Pair]) -> dict[str, Any]:
        """ZebraLogic metrics of all samples and of the chosen responses against gold, plus agreement."""
        by_id = {p.problem_id: p for p in problems if p.gold is not None}
        sizes = {pid: json.loads(p.meta).get("size", "?") for pid, p in by_id.items()}
        samples = [(sizes[a.problem_id], a.key, by_id[a.problem_id].gold)
                   for a in answers if a.problem_id in by_id]
        chosen = [(sizes[p.problem_id], p.chosen_answer, by_id[p.problem_id].gold)
                  for p in pairs if p.problem_id in by_id]
        return {
            "cell_agreement": cell_agreement(pairs),
            "samples": asdict(zebra_metrics(samples)) if samples else None,
            "chosen": asdict(zebra_metrics(chosen)) if chosen else None,
        }

    def summary_rows(self, stats: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The chosen/rejected cell agreement, when there are pairs."""
        if stats.get("cell_agreement") is None:
            return []
        return [("chosen/rejected cell agreement", f"{100 * stats['cell_agreement']:.1f}%")]

    def eval_breakdowns(self, problems: Sequence[Problem],
                        results: Sequence[ProblemResult]) -> dict[str, Any]:
        """ZebraLogic metrics of the greedy and the maj@k grids: overall and per size (``zebra``)."""
        gold = {p.problem_id: p.gold for p in problems}
        size = {p.problem_id: str(json.loads(p.meta or "{}").get("size", "?")) for p in problems}
        by_size: dict[str, list[ProblemResult]] = defaultdict(list)
        for r in results:
            by_size[size[r.problem_id]].append(r)

        def metrics(group: Sequence[ProblemResult]) -> dict[str, Any]:
            return {
                "greedy": asdict(zebra_metrics((size[r.problem_id], r.greedy_answer, gold[r.problem_id])
                                               for r in group)),
                "maj": asdict(zebra_metrics((size[r.problem_id], r.maj_answer, gold[r.problem_id])
                                            for r in group)),
            }

        return {"zebra": {"all": metrics(results), "by_size": {s: metrics(by_size[s]) for s in sorted(by_size)}}}

    def eval_tables(self, report: Mapping[str, Any]) -> list[ReportTable]:
        """Puzzle and cell accuracy, greedy and maj@k: overall, per size, easy and hard."""
        zebra = report.get("zebra")
        if not zebra:
            return []
        k = report["config"]["k"]
        rows = []
        for name, m in [("all", zebra["all"]), *zebra["by_size"].items()]:
            g, v = m["greedy"], m["maj"]
            rows.append((name, str(g["puzzles"]), percent(g["puzzle_accuracy"]), percent(g["cell_accuracy"]),
                         percent(v["puzzle_accuracy"]), percent(v["cell_accuracy"])))
        g, v = zebra["all"]["greedy"], zebra["all"]["maj"]
        rows.append(("easy", str(g["easy_puzzles"]), percent(g["easy_accuracy"]), "", percent(v["easy_accuracy"]), ""))
        rows.append(("hard", str(g["hard_puzzles"]), percent(g["hard_accuracy"]), "", percent(v["hard_accuracy"]), ""))
        columns = ("size", "puzzles", "greedy puzzle", "greedy cell", f"maj@{k} puzzle", f"maj@{k} cell")
        return [ReportTable("ZebraLogic", columns, tuple(rows))]


def puzzle_problems(sizes: str, count: int, seed: int, limit: int | None = None) -> list[Problem]:
    """Fresh ZebraLogic-style puzzles from the project's generator, with their solutions as gold.

    Args:
        sizes: Comma-separated ``HxA`` sizes (houses x attributes), e.g. ``"2x2,3x3"``.
        count: Puzzles per size.
        seed: Generator seed.
        limit: Keep at most this many puzzles.

    Raises:
        ScpoError: On a malformed size.
    """
    from scpo_data.puzzles import generate_records
    from scpo_data.puzzles.model import parse_size

    try:
        parsed = [parse_size(part) for part in sizes.split(",") if part.strip()]
    except ValueError as exc:
        raise ScpoError(f"bad --sizes {sizes!r}: {exc}") from None
    if not parsed:
        raise ScpoError("give at least one puzzle size, e.g. --sizes 3x3")
    records = list(generate_records(parsed, count, seed))[:limit]
    return [
        Problem(r["id"], Zebra.name, r["puzzle"], json.dumps(r["solution"]), "generated",
                json.dumps({"size": r["size"]}))
        for r in records
    ]


def fits_size(key: str, size: str) -> bool:
    """Whether a grid key has exactly the puzzle's houses 1..N, each with M attributes.

    Args:
        key: A zebra answer key (compact JSON grid).
        size: The puzzle size as ZebraLogic writes it, ``"N*M"``.
    """
    n_houses, n_attributes = (int(x) for x in size.split("*"))
    grid = json.loads(key)
    return set(grid) == {str(h) for h in range(1, n_houses + 1)} and all(
        len(house) == n_attributes for house in grid.values()
    )


def cell_agreement(pairs: Sequence[Pair]) -> float | None:
    """Mean share of the chosen grid's cells that the rejected grid also has (None: no pairs).

    A rejected response without a grid agrees on no cell.
    """
    scores = []
    for pair in pairs:
        chosen = json.loads(pair.chosen_answer or "{}")
        rejected = json.loads(pair.rejected_answer) if pair.rejected_answer else {}
        score = compare_cells(rejected, chosen)
        scores.append(score.correct / score.total if score.total else 0.0)
    return sum(scores) / len(scores) if scores else None


DOMAIN = Zebra()
