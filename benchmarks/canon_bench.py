"""Cluster answer variants with the project's keys vs pairwise ``math_verify.verify``.

For every MATH-500 problem (and GSM8K test problem) eight responses are built from
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
machine load affects both alike. The script prints answers/s both ways, the speed
ratio and the share of problems with identical clusters, then every disagreement
with the constructed truth (which variants were built equal) and who matches it.
math-verify is a dev/benchmark dependency only; the product never imports it.

Run: ``.venv/bin/python benchmarks/canon_bench.py [--limit N] [--show N] [--chunk N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from scpo_data.extractors.math_extractor import Gsm8kExtractor, MathExtractor
from scpo_data.extractors.math_worker import CanonPool

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
K = 8

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


def cluster_with_keys(problems: list[Problem], pool: CanonPool) -> list[Partition]:
    """Key every response of single-domain ``problems`` in one ``extract_batch`` and group by key."""
    extractor = MathExtractor(pool=pool) if problems[0].domain == "math" else Gsm8kExtractor(pool=pool)
    answers = extractor.extract_batch([r for p in problems for r in p.responses])
    return [
        partition([a.key if a.key is not None else ("none", j) for j, a in enumerate(answers[i * K : (i + 1) * K])])
        for i in range(len(problems))
    ]


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
                timing.first_ours_s, timing.first_theirs_s, timing.first_answers = ours_s, theirs_s, K * len(part)
            timing.ours_s += ours_s
            timing.theirs_s += theirs_s
    pool.close()
    return ours, theirs, timing


def _load(path: Path, field: Callable[[dict], str], limit: int | None) -> list[str]:
    """Gold answers from a JSONL file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [field(r) for r in rows[:limit]]


def main() -> None:
    """Run both clusterings on MATH-500 and GSM8K test variants and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="problems per data set (default: all)")
    parser.add_argument("--show", type=int, default=40, help="disagreements to print")
    parser.add_argument("--chunk", type=int, default=100, help="problems per alternating timing chunk")
    args = parser.parse_args()

    problems = build_problems("math", _load(DATA / "math" / "test.jsonl", lambda r: r["answer"], args.limit))
    gsm8k_golds = _load(DATA / "gsm8k" / "test.jsonl", lambda r: r["answer"].rsplit("####", 1)[1].strip(), args.limit)
    problems += build_problems("gsm8k", gsm8k_golds, seed=1)
    n_answers = K * len(problems)
    load_before = os.getloadavg()[0]
    ours, theirs, timing = run_both(problems, args.chunk)
    ours_s, theirs_s = timing.ours_s, timing.theirs_s

    load_after = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0))
    print(f"cores: {cores}, load average (1 min) before/after: {load_before:.1f}/{load_after:.1f}")
    print(
        f"problems: {len(problems)} ({sum(p.domain == 'math' for p in problems)} MATH-500, "
        f"{sum(p.domain == 'gsm8k' for p in problems)} GSM8K), answers: {n_answers}"
    )
    print(f"keys (this project): {ours_s:8.2f} s  {n_answers / ours_s:10.1f} answers/s")
    print(f"math-verify pairwise: {theirs_s:8.2f} s  {n_answers / theirs_s:10.1f} answers/s")
    print(f"speed-up: {theirs_s / ours_s:.1f}x")
    rest = n_answers - timing.first_answers
    rest_ours, rest_theirs = ours_s - timing.first_ours_s, theirs_s - timing.first_theirs_s
    print(
        f"  first chunk ({timing.first_answers} answers; keys side starts its pool): keys {timing.first_ours_s:.2f} s, "
        f"math-verify {timing.first_theirs_s:.2f} s"
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
    for i in differ[: args.show]:
        problem = problems[i]
        truth = partition(problem.truth)
        verdict = {(True, False): "keys right", (False, True): "math-verify right"}.get(
            (ours[i] == truth, theirs[i] == truth), "neither right"
        )
        answers = [re.search(r"boxed\{(.*)\}", r).group(1) for r in problem.responses]
        print(f"- [{problem.domain}] gold {problem.gold!r}: {verdict}")
        print(f"    answers: {answers}")
        print(f"    keys:        {sorted(sorted(g) for g in ours[i])}")
        print(f"    math-verify: {sorted(sorted(g) for g in theirs[i])}")
        print(f"    truth:       {sorted(sorted(g) for g in truth)}")


if __name__ == "__main__":
    main()
