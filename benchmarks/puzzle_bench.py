"""Benchmark the puzzle generator and the exact solver.

Prints (and with ``--json`` writes):

1. generation speed, puzzles per second by size (6x6 included); every puzzle's uniqueness
   is proven by the solver during generation;
2. the same for reasoning-gym's zebra generator (its ``generate_puzzle``, which proves
   uniqueness with the pycosat SAT solver) when reasoning-gym is installed, and the ratio
   (it is not a dependency: ``pip install reasoning-gym`` to include it);
3. parse and solve time on the 1,000 ZebraLogic grid-mode puzzles (every one must have
   exactly one solution, equal to the gold), and the same puzzles through a SAT encoding
   with pycosat when it is installed (the alternative the solver was measured against).

Run: ``.venv/bin/python benchmarks/puzzle_bench.py [--count 20] [--sizes 2x2,...,6x6]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from scpo_data.puzzles.clues import RELATIONS, Clue
from scpo_data.puzzles.generator import generate_puzzle, puzzle_seed
from scpo_data.puzzles.model import parse_size
from scpo_data.puzzles.parser import PuzzleParseError, load_zebralogic, parse_puzzle
from scpo_data.puzzles.solver import solve

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "zebralogic" / "grid_mode.jsonl"


def _time_sizes(
    sizes: Sequence[tuple[int, int]], count: int, make: Callable[[int, int, int], int]
) -> dict[str, dict]:
    """Time ``count`` calls of ``make(n, m, index) -> clue count`` per size: puzzles/s and mean clues."""
    results = {}
    for n, m in sizes:
        start = time.perf_counter()
        clues = sum(make(n, m, index) for index in range(count))
        elapsed = time.perf_counter() - start
        results[f"{n}x{m}"] = {
            "puzzles": count,
            "seconds": elapsed,
            "per_second": count / elapsed,
            "clues": clues / count,
        }
    return results


def bench_generator(sizes: Sequence[tuple[int, int]], count: int, seed: int) -> dict[str, dict]:
    """Puzzles per second and mean clue count of this project's generator, by size."""

    def make(n: int, m: int, index: int) -> int:
        puzzle, _ = generate_puzzle(n, m, random.Random(puzzle_seed(seed, n, m, index)))
        return len(puzzle.clues)

    return _time_sizes(sizes, count, make)


def bench_reasoning_gym(sizes: Sequence[tuple[int, int]], count: int, seed: int) -> dict[str, dict] | None:
    """The same for reasoning-gym's zebra generator, or None when it is not installed."""
    try:
        from reasoning_gym.logic.contrib.logic_puzzle.generate import generate_puzzle as rg_generate
    except ImportError:
        return None

    def make(n: int, m: int, index: int) -> int:
        _, puzzle = rg_generate(random.Random(f"{seed}:{n}x{m}:{index}"), n, m)
        return len(puzzle.clues)

    return _time_sizes(sizes, count, make)


def _sat_count(n: int, m: int, clues: Sequence[Clue], limit: int = 2) -> int:
    """Count solutions with pycosat (one boolean per entity and house)."""
    import pycosat

    def var(a: int, v: int, h: int) -> int:
        return (a * n + v) * n + h + 1

    cnf: list[list[int]] = []
    for a in range(m):
        for v in range(n):
            cnf.append([var(a, v, h) for h in range(n)])
            cnf += [[-var(a, v, h), -var(a, v, k)] for h in range(n) for k in range(h + 1, n)]
        for h in range(n):
            cnf.append([var(a, v, h) for v in range(n)])
            cnf += [[-var(a, v, h), -var(a, w, h)] for v in range(n) for w in range(v + 1, n)]
    for clue in clues:
        (a, v) = clue.first
        if clue.family == "found_at":
            cnf.append([var(a, v, clue.house)])  # type: ignore[arg-type]
        elif clue.family == "not_at":
            cnf.append([-var(a, v, clue.house)])  # type: ignore[arg-type]
        else:
            (b, w) = clue.second  # type: ignore[misc]
            relation = RELATIONS[clue.family]
            for p in range(n):
                cnf.append([-var(a, v, p)] + [var(b, w, q) for q in range(n) if relation(p, q)])
    found = 0
    for _ in pycosat.itersolve(cnf):
        found += 1
        if found >= limit:
            break
    return found


def bench_benchmark_puzzles(path: Path) -> dict:
    """Parse and solve the ZebraLogic puzzles; check each against its gold; time both solvers."""
    records = list(load_zebralogic(path))
    unparsed: list[str] = []
    wrong: list[str] = []
    solve_times: list[float] = []
    parsed = []
    start = time.perf_counter()
    for record in records:
        try:
            parsed.append((record, parse_puzzle(record["puzzle"])))
        except PuzzleParseError as error:
            unparsed.append(f"{record['id']}: {error}")
    parse_seconds = time.perf_counter() - start
    for record, puzzle in parsed:
        t0 = time.perf_counter()
        found = solve(puzzle.n_houses, len(puzzle.attributes), puzzle.clues, limit=2)
        solve_times.append(time.perf_counter() - t0)
        if len(found) != 1 or puzzle.table(found[0]) != record["solution"]:
            wrong.append(record["id"])
    result = {
        "puzzles": len(records),
        "unparsed": unparsed,
        "not_unique_or_wrong": wrong,
        "parse_seconds": parse_seconds,
        "solve_seconds": sum(solve_times),
        "solve_ms_mean": 1000 * statistics.mean(solve_times) if solve_times else 0.0,
        "solve_ms_max": 1000 * max(solve_times, default=0.0),
    }
    try:
        import pycosat  # noqa: F401
    except ImportError:
        result["sat_seconds"] = None
        return result
    start = time.perf_counter()
    sat_unique = sum(_sat_count(p.n_houses, len(p.attributes), p.clues) == 1 for _, p in parsed)
    result["sat_seconds"] = time.perf_counter() - start
    result["sat_unique"] = sat_unique
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print a report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2x2,3x3,4x4,5x5,6x6")
    parser.add_argument("--count", type=int, default=20, help="puzzles per size")
    parser.add_argument("--rg-count", type=int, default=None, help="reasoning-gym puzzles per size [--count]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",")]

    report: dict = {"generator": bench_generator(sizes, args.count, args.seed)}
    report["reasoning_gym"] = bench_reasoning_gym(sizes, args.rg_count or args.count, args.seed)
    print("generation (uniqueness proven by the exact solver), puzzles/s by size")
    print(f"{'size':>5} {'ours/s':>9} {'clues':>6} {'reasoning-gym/s':>16} {'clues':>6} {'ratio':>7}")
    for size, ours in report["generator"].items():
        theirs = (report["reasoning_gym"] or {}).get(size)
        rg = (
            f"{theirs['per_second']:16.2f} {theirs['clues']:6.1f} {ours['per_second'] / theirs['per_second']:6.1f}x"
            if theirs
            else f"{'(not installed)':>16}"
        )
        print(f"{size:>5} {ours['per_second']:9.2f} {ours['clues']:6.1f} {rg}")

    if args.data.is_file():
        bench = bench_benchmark_puzzles(args.data)
        report["zebralogic"] = bench
        print(
            f"\nZebraLogic grid mode: {bench['puzzles']} puzzles, {len(bench['unparsed'])} unparsed, "
            f"{len(bench['not_unique_or_wrong'])} not unique or not the gold"
        )
        print(
            f"  parse {bench['parse_seconds']:.2f} s, solve {bench['solve_seconds']:.2f} s "
            f"(mean {bench['solve_ms_mean']:.2f} ms, max {bench['solve_ms_max']:.1f} ms)"
        )
        if bench["sat_seconds"] is not None:
            print(f"  pycosat SAT encoding: {bench['sat_seconds']:.2f} s ({bench['sat_unique']} unique)")
        for line in bench["unparsed"]:
            print("  unparsed:", line)
    else:
        print(f"\nZebraLogic data not found at {args.data}; solver benchmark skipped")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
