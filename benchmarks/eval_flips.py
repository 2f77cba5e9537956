"""How much two greedy evaluations of the same problems differ: answers that went right ->
wrong and wrong -> right, and the share of identical greedy texts and answers.

A model whose greedy text changes on half the problems after an update that barely moved
its training margins (or after a change of dtype alone) has its accuracy on a knife edge:
differences of a few points between such models are mostly that, not learning.

    python benchmarks/eval_flips.py BASE_EVAL OTHER_EVAL [OTHER_EVAL ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

RESULTS, GREEDY = "results.parquet", "greedy_samples.parquet"


def flips(base: Path, other: Path) -> dict[str, float]:
    """Right -> wrong, wrong -> right, same text and same answer of ``other`` against ``base``."""
    a = pl.read_parquet(base / RESULTS).join(pl.read_parquet(other / RESULTS), on="problem_id", suffix="_b")
    texts = pl.read_parquet(base / GREEDY).join(pl.read_parquet(other / GREEDY), on="problem_id", suffix="_b")
    return {
        "problems": a.height,
        "accuracy_base": a["greedy_correct"].mean(),
        "accuracy_other": a["greedy_correct_b"].mean(),
        "right_to_wrong": int((a["greedy_correct"] & ~a["greedy_correct_b"]).sum()),
        "wrong_to_right": int((~a["greedy_correct"] & a["greedy_correct_b"]).sum()),
        "same_answer": (a["greedy_answer"] == a["greedy_answer_b"]).mean(),
        "same_text": (texts["text"] == texts["text_b"]).mean(),
    }


def main() -> None:
    """Print one Markdown row per compared evaluation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, help="an eval folder (results.parquet, greedy_samples.parquet)")
    parser.add_argument("others", type=Path, nargs="+", help="eval folders of the same problems")
    args = parser.parse_args()
    print("| eval | problems | base acc | acc | right -> wrong | wrong -> right | same answer | same text |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for other in args.others:
        row = flips(args.base, other)
        print(f"| {other} | {row['problems']} | {row['accuracy_base']:.1%} | {row['accuracy_other']:.1%} | "
              f"{row['right_to_wrong']} | {row['wrong_to_right']} | {row['same_answer']:.0%} | {row['same_text']:.0%} |")


if __name__ == "__main__":
    main()
