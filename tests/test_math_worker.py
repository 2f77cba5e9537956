"""The killable worker pool and adversarial inputs: bounded time, no side effects, no hangs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scpo_data.extractors.base import STATUS_NO_ANSWER, STATUS_OK, STATUS_TIMEOUT, STATUS_UNPARSED
from scpo_data.extractors.math_extractor import STATUS_LAST_MATH, STATUS_LAST_NUMBER, MathExtractor
from scpo_data.extractors.math_fast import guard
from scpo_data.extractors.math_worker import CanonPool

#: Every status a math answer may have.
STATUSES = (STATUS_OK, STATUS_UNPARSED, STATUS_TIMEOUT, STATUS_NO_ANSWER, STATUS_LAST_MATH, STATUS_LAST_NUMBER)
#: A generous wall-clock bound (seconds) for one adversarial input: a bound, not a benchmark.
BOUND_S = 10.0
#: An answer that keeps sympy busy for far longer than any time limit used here.
SLOW = r"(x+1)^{400}(y+2)^{400}(z+3)^{60}"


@pytest.fixture(scope="module")
def pool() -> Iterator[CanonPool]:
    """A private two-worker pool with a short time limit."""
    pool = CanonPool(workers=2, timeout_s=1.0)
    yield pool
    pool.close()


def _adversarial(marker: Path) -> list[tuple[str, str]]:
    """(name, response) pairs that must come back quickly and harmlessly."""
    payload = f"__import__('os').system('touch {marker}')"
    return [
        ("100 kB response", "word " * 20_000 + r"so \boxed{5}"),
        ("5,000 nested braces", r"\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}"),
        ("5,000 nested braces, no box", "{" * 5000 + "}" * 5000),
        ("20,000 unclosed boxes", r"\boxed{" * 20_000),
        ("exponent tower", r"\boxed{9^{9^{9^{9}}}}"),
        ("giant power", r"\boxed{2^{1000000}}"),
        ("giant integer", r"\boxed{" + "9" * 2000 + "}"),
        ("giant factorial", r"\boxed{1000000!}"),
        ("caret chain", r"\boxed{" + "2^" * 300 + "2}"),
        ("backtracking bait: unit words", "Answer: 5 " + "ab" * 2000 + "1"),
        ("backtracking bait: unclosed \\(", "The answer is " + "\\(" * 50_000),
        ("backtracking bait: bold markers", "**" * 50_000),
        ("backtracking bait: commas", "#### " + "1," * 50_000),
        ("code injection in a box", r"\boxed{" + payload + "}"),
        ("code injection as answer", "The final answer is " + payload),
        ("code injection in a phrase", "Answer: " + payload.replace("'", '"')),
    ]


def test_adversarial_inputs_are_bounded_and_harmless(tmp_path: Path) -> None:
    """Every hostile response returns within the bound, and nothing is executed."""
    marker = tmp_path / "pwned"
    extractor = MathExtractor(pool=CanonPool(workers=1, timeout_s=2.0))
    try:
        for name, text in _adversarial(marker):
            start = time.monotonic()
            answer = extractor.extract(text)
            elapsed = time.monotonic() - start
            assert elapsed < BOUND_S, (name, elapsed)
            assert answer.status in STATUSES, name
    finally:
        extractor.pool.close()
    assert not marker.exists()


@pytest.mark.parametrize(
    "answer",
    [r"9^{9^{9^{9}}}", "2^{100000}", "2^{10^{6}}", "2^2^2^2^2^2", "9" * 400, "100000!", "{" * 60 + "1" + "}" * 60],
)
def test_guard_rejects_before_sympy(answer: str) -> None:
    """Towers, giant powers, giant integers and deep nesting never reach sympy."""
    assert guard(answer) is not None


@pytest.mark.parametrize(
    "answer", ["2^{10}", "2^{3^{2}}", r"x^{y^{2}}", "10^{6}", "(2^3)^2", "2^{-3}", "5!", r"\frac{1}{2}"]
)
def test_guard_lets_ordinary_answers_through(answer: str) -> None:
    """Ordinary powers and factorials are not rejected."""
    assert guard(answer) is None


def test_timeout_kills_and_replaces_the_worker(pool: CanonPool) -> None:
    """A runaway answer times out near the limit; its worker is replaced and the pool keeps working."""
    pool.keys(["x+1"])
    before = set(pool.pids)
    start = time.monotonic()
    key, status = pool.key(SLOW)
    elapsed = time.monotonic() - start
    assert status == STATUS_TIMEOUT
    assert key.startswith("str:")
    assert elapsed < pool.timeout_s + 5
    assert len(before - set(pool.pids)) == 1
    assert pool.keys(["(x+1)^2", "x^2+2x+1"]) == [("x**2 + 2*x + 1", STATUS_OK)] * 2


def test_batch_keeps_order_and_spreads_over_workers(pool: CanonPool) -> None:
    """A batch with duplicates, fast-path numbers and sympy answers comes back in order, on all workers."""
    answers = [r"\sqrt{12}", "3", r"2\sqrt3", "(x+1)^2", "3", r"\frac{6}{2}", SLOW, "x^2+2x+1"]
    keys = pool.keys(answers)
    assert keys[0] == keys[2] and keys[0][1] == STATUS_OK
    assert keys[1] == keys[4] == keys[5] == ("3", STATUS_OK)
    assert keys[3] == keys[7] == ("x**2 + 2*x + 1", STATUS_OK)
    assert keys[6][1] == STATUS_TIMEOUT
    assert len(pool.pids) == 2


def test_workers_are_reused_and_results_cached() -> None:
    """Workers start lazily and are reused; cached answers need no worker; close stops them."""
    pool = CanonPool(workers=1)
    assert pool.pids == []
    first = pool.key(r"\frac{x}{2}")
    pids = pool.pids
    assert len(pids) == 1
    assert pool.key(r"\sqrt[3]{2}")[1] == STATUS_OK
    assert pool.pids == pids
    pool.close()
    assert pool.pids == []
    assert pool.cached == 2
    assert pool.key(r"\frac{x}{2}") == first
    assert pool.pids == []


def test_unguarded_script_can_use_the_pool(tmp_path: Path) -> None:
    """A script without ``if __name__ == "__main__"`` works: workers never re-import ``__main__``."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            """
            from scpo_data.domains import get_domain
            print(get_domain("math").extractor.extract(r"so \\boxed{\\frac{1}{\\sqrt{2}}}").key)
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("~0.70710678118654")


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_killed_worker_is_replaced_and_close_stops_everything() -> None:
    """A worker killed from outside is replaced on the next call; close() ends the workers and the server."""
    pool = CanonPool(workers=2)
    try:
        pool.keys([r"\sqrt[3]{2}", "x+1"])
        victim, survivor = pool.pids
        os.kill(victim, signal.SIGKILL)
        keys = pool.keys([r"\sqrt[3]{3}", "y+1", r"\frac{x}{5}"])
        assert [status for _, status in keys] == [STATUS_OK] * 3
        assert keys[1] == ("y + 1", STATUS_OK)
        assert victim not in pool.pids and survivor in pool.pids
        workers = pool.pids
    finally:
        pool.close()
    time.sleep(0.5)
    assert not any(_alive(pid) for pid in workers)
    assert pool.pids == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    """When the process that owns the pool is killed, its fork server and workers exit too."""
    script = tmp_path / "owner.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from scpo_data.extractors.math_worker import CanonPool
            pool = CanonPool(workers=2)
            pool.keys([r"\\sqrt[3]{2}", "x+1"])
            print(*pool.pids, flush=True)
            os.kill(os.getpid(), 9)
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    workers = [int(pid) for pid in done.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
