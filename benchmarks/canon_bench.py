"""Cluster answers with the project's keys vs pairwise ``math_verify.verify``, on two shapes.

**k=2-3 (real answers)**: the shape the pipeline and the audit see most. Per MATH-500
problem its reference solution, its gold answer as written and a model-style response
"The final answer is $<an equivalent rewrite>$."; per GSM8K test problem its reference
solution and its gold number. All answers of a problem are the same answer.

**k=8 (variants)**: for every MATH-500 problem (and GSM8K test problem) eight responses are built from
the gold answer, deterministically (seeded): the gold answer, three equivalent
rewrites of it (``\\dfrac``, spacing, ``\\left``/``\\right``, group braces and, for
numbers, fraction/decimal/thousands forms), two wrong answers (one number of the gold
answer changed; the first written twice) and a distractor, the answer of another
problem. Each response ends in ``\\boxed{...}``, which both sides extract.

* **keys**: ``extract_batch`` of the math or gsm8k extractor on the responses of a
  chunk of problems, on one fresh worker pool (its start-up, sympy import and
  warm-up included), then group by key.
* **math-verify**: Qwen2.5-Math's ``group_pred`` with ``use_symbol=True``: each
  response is parsed once with ``math_verify.parse`` and joins the first group whose
  representative it ``verify``-matches, else opens a new group.

The two sides alternate chunk by chunk (``--chunk`` problems) so that a change in
machine load affects both alike; each shape starts a fresh pool, and math-verify's
import falls in its first chunk. For each shape the script prints answers/s both ways,
the speed ratio and the share of problems with identical clusters, then (k=8) every
disagreement with the constructed truth (which variants were built equal) and who matches it.
math-verify is a dev/benchmark dependency only; the product never imports it.

Run: ``.venv/bin/python benchmarks/canon_bench.py [--shape both|real|variants] [--limit N] [--show N] [--chunk N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from scpo_data.extractors.math_extractor import Gsm8kExtractor, MathExtractor
from scpo_data.extractors.math_worker import CanonPool

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
K = 8
REAL_WORDING = "The final answer is ${}$."

Partition = frozenset[frozenset[int]]


@dataclass
class Problem:
    """One problem's eight responses and the constructed truth (equal labels = equal answers)."""

    domain: str
    gold: str
    responses: list[str]
    truth: list[str]


def _number_forms(gold: str) -> list[str] | None:
    """Equivalent rewrites of a plain-number answer, or ``None`` when it is not one."""
    text = gold.replace(",", "").replace("\\!", "").strip()
    match = re.fullmatch(r"-?\d+(?:\.\d+)?", text) or re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", text)
    if not match:
        return None
    if text.startswith(("\\frac", "-\\frac")):
        sign, num, den = match.groups()
        value = Fraction(int(sign + num), int(den))
    else:
        value = Fraction(text)
    forms = [f"\\frac{{{2 * value.numerator}}}{{{2 * value.denominator}}}", f"{value.numerator}/{value.denominator}"]
    if value.denominator in (1, 2, 4, 5, 8, 10, 20, 25):
        forms.append(f"{float(value):.3f}")
    if value.denominator == 1 and abs(value) >= 1000:
        forms.append(f"{int(value):,}")
    return forms


def _surface_forms(gold: str) -> list[str]:
    """Equivalent LaTeX surface rewrites of any answer."""
    forms = [
        gold.replace("\\frac", "\\dfrac"),
        re.sub(r"\s+", "", gold),
        " ".join(gold.replace(",", ", ").split()),
        gold.replace("\\left", "").replace("\\right", ""),
        f"{gold}" if "=" in gold or "," in gold else f"{{{gold}}}",
    ]
    return [f for f in forms if f.strip()]


def _perturb(gold: str, rng: random.Random) -> str:
    """A wrong answer: one number in the gold answer changed, or a term added."""
    numbers = list(re.finditer(r"\d+", gold))
    if not numbers:
        return gold + "+1"
    target = rng.choice(numbers)
    changed = str(int(target.group(0)) + rng.randint(1, 9))
    return gold[: target.start()] + changed + gold[target.end() :]


def _label(answer: str) -> str:
    """Truth label of a non-gold variant: its text without spaces (equal texts, equal answers)."""
    return "w:" + re.sub(r"\s+", "", answer)


def _respond(answer: str, style: int) -> str:
    """A response ending in a boxed answer, in one of a few wordings."""
    wordings = [
        "Let me work through it step by step.\nTherefore the answer is $\\boxed{%s}$.",
        "We simplify carefully.\n\nThe final answer is $\\boxed{%s}$",
        "Solution: after the computation we get \\[\\boxed{%s}\\]",
    ]
    return wordings[style % len(wordings)] % answer


def build_problems(domain: str, golds: list[str], seed: int = 0) -> list[Problem]:
    """Eight responses per gold answer: the gold, 3 rewrites, 2 wrong (one twice), 1 distractor."""
    rng = random.Random(seed)
    problems = []
    for index, gold in enumerate(golds):
        equivalent = (_number_forms(gold) or []) + _surface_forms(gold)
        rng.shuffle(equivalent)
        wrong_a = _perturb(gold, rng)
        wrong_b = _perturb(gold, rng)
        distractor = gold
        while distractor.replace(" ", "") == gold.replace(" ", ""):
            distractor = golds[rng.randrange(len(golds))]
        same = [equivalent[i % len(equivalent)] for i in range(3)]
        answers = [gold, same[0], same[1], wrong_a, wrong_a, wrong_b, distractor, same[2]]
        truth = ["gold", "gold", "gold"] + [_label(a) for a in (wrong_a, wrong_a, wrong_b, distractor)] + ["gold"]
        order = list(range(K))
        rng.shuffle(order)
        problems.append(
            Problem(
                domain=domain,
                gold=gold,
                responses=[_respond(answers[i], index + i) for i in order],
                truth=[truth[i] for i in order],
            )
        )
    return problems


def partition(labels: list[object]) -> Partition:
    """The partition of response indices induced by equal labels."""
    groups: dict[object, set[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, set()).add(index)
    return frozenset(frozenset(g) for g in groups.values())


def build_real(math_rows: list[dict], gsm8k_rows: list[dict], seed: int = 0) -> list[Problem]:
    """The k=2-3 shape: reference solutions, gold answers as written, one model-style rewrite (MATH)."""
    rng = random.Random(seed)
    problems = []
    for row in math_rows:
        gold = row["answer"]
        rewrite = rng.choice((_number_forms(gold) or []) + _surface_forms(gold))
        responses = [row["solution"], gold, REAL_WORDING.format(rewrite)]
        problems.append(Problem("math", gold, responses, ["gold"] * len(responses)))
    for row in gsm8k_rows:
        gold = row["answer"].rsplit("####", 1)[1].strip()
        problems.append(Problem("gsm8k", gold, [row["answer"], gold], ["gold", "gold"]))
    return problems


def cluster_with_keys(problems: list[Problem], pool: CanonPool) -> list[Partition]:
    """Key every response of single-domain ``problems`` in one ``extract_batch`` and group by key."""
    extractor = MathExtractor(pool=pool) if problems[0].domain == "math" else Gsm8kExtractor(pool=pool)
    answers = iter(extractor.extract_batch([r for p in problems for r in p.responses]))
    partitions = []
    for problem in problems:
        keys = [next(answers).key for _ in problem.responses]
        partitions.append(partition([key if key is not None else ("none", j) for j, key in enumerate(keys)]))
    return partitions


def cluster_with_math_verify(problems: list[Problem]) -> list[Partition]:
    """Qwen2.5-Math ``group_pred(use_symbol=True)`` with math-verify's parse/verify."""
    from math_verify import parse, verify

    results = []
    for problem in problems:
        parsed = [parse(r) for r in problem.responses]
        representatives: list[int] = []
        labels: list[int] = []
        for index, prediction in enumerate(parsed):
            for rep in representatives:
                try:
                    if verify(parsed[rep], prediction):
                        labels.append(rep)
                        break
                except Exception:  # group_pred skips comparisons that raise
                    continue
            else:
                representatives.append(index)
                labels.append(index)
        results.append(partition(labels))
    return results


@dataclass
class Timing:
    """Seconds spent by each side, in total and on the first chunk (the keys side's pool start-up)."""

    ours_s: float = 0.0
    theirs_s: float = 0.0
    first_ours_s: float = 0.0
    first_theirs_s: float = 0.0
    first_answers: int = 0


def run_both(problems: list[Problem], chunk: int) -> tuple[list[Partition], list[Partition], Timing]:
    """Cluster both ways, alternating in chunks of problems so that load changes hit both alike.

    The keys side uses one fresh pool: its start-up falls in the first chunk.

    Returns:
        Key partitions, math-verify partitions, and the timings.
    """
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    pool = CanonPool()
    ours: list[Partition] = []
    theirs: list[Partition] = []
    timing = Timing()
    for start in range(0, len(problems), chunk):
        block = problems[start : start + chunk]
        for domain in ("math", "gsm8k"):
            part = [p for p in block if p.domain == domain]
            if not part:
                continue
            began = time.perf_counter()
            ours += cluster_with_keys(part, pool)
            ours_s = time.perf_counter() - began
            began = time.perf_counter()
            theirs += cluster_with_math_verify(part)
            theirs_s = time.perf_counter() - began
            if not timing.first_answers:
                first_answers = sum(len(p.responses) for p in part)
                timing.first_ours_s, timing.first_theirs_s, timing.first_answers = ours_s, theirs_s, first_answers
            timing.ours_s += ours_s
            timing.theirs_s += theirs_s
    pool.close()
    return ours, theirs, timing


def _rows(path: Path, limit: int | None) -> list[dict]:
    """The first ``limit`` records of a JSONL file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit]


SHAPES = {"real": "k=2-3 (real answers)", "variants": "k=8 (variants)"}


def main() -> None:
    """Run both clusterings on each shape (each in a fresh process) and print the comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="problems per data set (default: all)")
    parser.add_argument("--show", type=int, default=40, help="disagreements to print")
    parser.add_argument("--chunk", type=int, default=100, help="problems per alternating timing chunk")
    parser.add_argument("--shape", choices=["both", *SHAPES], default="both", help="which shape (default: both)")
    args = parser.parse_args()
    if args.shape == "both":
        for shape in SHAPES:  # a fresh process each: fresh pool, math-verify imported again
            forwarded = ["--shape", shape, "--show", str(args.show), "--chunk", str(args.chunk)]
            forwarded += ["--limit", str(args.limit)] if args.limit else []
            subprocess.run([sys.executable, __file__, *forwarded], check=True)
        return
    math_rows = _rows(DATA / "math" / "test.jsonl", args.limit)
    gsm8k_rows = _rows(DATA / "gsm8k" / "test.jsonl", args.limit)
    if args.shape == "real":
        problems = build_real(math_rows, gsm8k_rows)
    else:
        problems = build_problems("math", [r["answer"] for r in math_rows])
        problems += build_problems("gsm8k", [r["answer"].rsplit("####", 1)[1].strip() for r in gsm8k_rows], seed=1)
    report(SHAPES[args.shape], problems, args.chunk, args.show)


def report(shape: str, problems: list[Problem], chunk: int, show: int) -> None:
    """Cluster ``problems`` both ways and print speed, agreement and the first ``show`` disagreements."""
    n_answers = sum(len(p.responses) for p in problems)
    load_before = os.getloadavg()[0]
    ours, theirs, timing = run_both(problems, chunk)
    ours_s, theirs_s = timing.ours_s, timing.theirs_s

    load_after = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0))
    print(f"=== shape {shape} ===")
    print(f"cores: {cores}, load average (1 min) before/after: {load_before:.1f}/{load_after:.1f}")
    print(
        f"problems: {len(problems)} ({sum(p.domain == 'math' for p in problems)} MATH-500, "
        f"{sum(p.domain == 'gsm8k' for p in problems)} GSM8K), answers: {n_answers}"
    )
    print(f"keys (this project): {ours_s:8.2f} s  {n_answers / ours_s:10.1f} answers/s")
    print(f"math-verify pairwise: {theirs_s:8.2f} s  {n_answers / theirs_s:10.1f} answers/s")
    print(f"speed-up ({shape}): {theirs_s / ours_s:.1f}x")
    rest = n_answers - timing.first_answers
    rest_ours, rest_theirs = ours_s - timing.first_ours_s, theirs_s - timing.first_theirs_s
    print(
        f"  first chunk ({timing.first_answers} answers; keys side starts its pool, math-verify is imported): "
        f"keys {timing.first_ours_s:.2f} s, math-verify {timing.first_theirs_s:.2f} s"
    )
    print(
        f"  after it (warm pool): keys {rest / rest_ours:.1f} answers/s, math-verify {rest / rest_theirs:.1f} "
        f"answers/s, speed-up {rest_theirs / rest_ours:.1f}x"
    )
    for domain in ("math", "gsm8k", None):
        index = [i for i, p in enumerate(problems) if domain is None or p.domain == domain]
        same = sum(ours[i] == theirs[i] for i in index)
        truth_ours = sum(ours[i] == partition(problems[i].truth) for i in index)
        truth_theirs = sum(theirs[i] == partition(problems[i].truth) for i in index)
        name = domain or "all"
        print(
            f"[{name}] same clusters: {same}/{len(index)} ({100 * same / len(index):.1f}%); "
            f"match constructed truth: keys {truth_ours}, math-verify {truth_theirs}"
        )
    differ = [i for i in range(len(problems)) if ours[i] != theirs[i]]
    print(f"\ndisagreements: {len(differ)}")
    for i in differ[:show]:
        problem = problems[i]
        truth = partition(problem.truth)
        verdict = {(True, False): "keys right", (False, True): "math-verify right"}.get(
            (ours[i] == truth, theirs[i] == truth), "neither right"
        )
        answers = [_shown(r) for r in problem.responses]
        print(f"- [{problem.domain}] gold {problem.gold!r}: {verdict}")
        print(f"    answers: {answers}")
        print(f"    keys:        {sorted(sorted(g) for g in ours[i])}")
        print(f"    math-verify: {sorted(sorted(g) for g in theirs[i])}")
        print(f"    truth:       {sorted(sorted(g) for g in truth)}")
    print()


def _shown(response: str) -> str:
    """A response as printed in a disagreement: its boxed answer, or its last 60 characters."""
    boxed = re.search(r"boxed\{(.*)\}", response)
    return boxed.group(1) if boxed else response[-60:]


if __name__ == "__main__":
    main()
