"""A killable pool of sympy worker processes with a per-answer time limit and a cache.

sympy can run for ever (or fill memory) on hostile input, and math-verify's
``signal.alarm`` cannot stop it. Here every sympy call runs in a worker process; a
worker that overruns its time limit is killed and replaced, and its answer gets
status ``timeout`` with a string key. The pool

* starts lazily on first use; each worker is a fresh interpreter
  (``python -m scpo_data.extractors.math_worker``) talking JSON lines over its
  stdin/stdout, so nothing is forked from a process holding torch threads and,
  unlike ``multiprocessing``'s spawn/forkserver, the caller's ``__main__`` is never
  re-imported (a script without an ``if __name__ == "__main__"`` guard works);
* is reused across calls and shut down at interpreter exit;
* spreads a batch over all its workers (one per core by default) and dedupes it;
* keeps an LRU cache of answer -> (key, status) so repeated answers cost nothing.

Use :func:`get_pool` for the shared pool, or build a :class:`CanonPool` yourself.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import IO

from scpo_data.extractors.base import STATUS_OK, STATUS_TIMEOUT, STATUS_UNPARSED
from scpo_data.extractors.math_fast import guard, quick_key, string_key

#: Default wall-clock limit (seconds) of one sympy canonicalisation.
DEFAULT_TIMEOUT_S = 2.0
#: How long (seconds) a fresh worker may take to import sympy and report ready.
START_TIMEOUT_S = 60.0
#: Default number of cached answers.
DEFAULT_CACHE_SIZE = 100_000



def serve(stdin: IO[str], stdout: IO[str]) -> None:
    """Worker loop: read ``[index, answer]`` JSON lines, write ``[index, key, parsed]`` lines.

    Writes ``"ready"`` first; stops at end of input.

    Args:
        stdin: Where tasks arrive, one JSON line each.
        stdout: Where results go, one JSON line each, flushed.
    """
    from scpo_data.extractors.math_canon import canonical_key  # sympy: only ever in the worker

    stdout.write('"ready"\n')
    stdout.flush()
    for line in stdin:
        index, answer = json.loads(line)
        key, parsed = canonical_key(answer)
        stdout.write(json.dumps([index, key, parsed]) + "\n")
        stdout.flush()


@dataclass
class _Worker:
    """One worker process and what it is doing."""

    process: subprocess.Popen[str]
    started: float
    ready: bool = False
    task: int | None = None
    deadline: float = 0.0

    @property
    def conn(self) -> IO[str]:
        """The worker's output pipe (what :func:`multiprocessing.connection.wait` watches)."""
        assert self.process.stdout is not None
        return self.process.stdout


class CanonPool:
    """Worker processes that canonicalise cleaned math answers under a time limit.

    Args:
        workers: Number of worker processes (default: the usable cores).
        timeout_s: Wall-clock limit of one answer; on overrun the worker is killed.
        cache_size: Answers remembered (LRU); 0 disables the cache.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self.n_workers = workers or cores
        self.timeout_s = timeout_s
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()

    def key(self, answer: str) -> tuple[str, str]:
        """Canonicalise one cleaned answer; see :meth:`keys`."""
        return self.keys([answer])[0]

    def keys(self, answers: Sequence[str]) -> list[tuple[str, str]]:
        """Canonicalise cleaned answers, in order, spread over the workers.

        Plain numbers (alone, in tuples, sets or intervals), words and choice letters
        are keyed in this process without sympy (``math_fast.quick_key``); answers rejected by
        ``math_fast.guard`` get a string key with status ``unparsed``; the rest go
        to the workers, each under the time limit.

        Args:
            answers: Cleaned answers (``math_extract.clean_answer``).

        Returns:
            ``(key, status)`` per answer, status one of ``ok``, ``unparsed``, ``timeout``.
        """
        results: dict[str, tuple[str, str]] = {}
        todo: list[str] = []
        for answer in dict.fromkeys(answers):
            cached = self._cache_get(answer)
            if cached is not None:
                results[answer] = cached
                continue
            quick = quick_key(answer)
            if quick is not None:
                results[answer] = (quick, STATUS_OK)
            elif guard(answer) is not None:
                results[answer] = (string_key(answer), STATUS_UNPARSED)
            else:
                todo.append(answer)
                continue
            self._cache_put(answer, results[answer])
        if todo:
            with self._lock:
                for answer, result in zip(todo, self._run(todo)):
                    results[answer] = result
                    self._cache_put(answer, result)
        return [results[answer] for answer in answers]

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers (empty before first use and after :meth:`close`)."""
        return [w.process.pid for w in self._workers if w.process.poll() is None]

    @property
    def cached(self) -> int:
        """Number of answers in the cache."""
        return len(self._cache)

    def close(self) -> None:
        """Stop all workers (they are restarted lazily if the pool is used again)."""
        with self._lock:
            for worker in self._workers:
                self._stop(worker)
            self._workers = []

    def _cache_get(self, answer: str) -> tuple[str, str] | None:
        """Look an answer up in the LRU cache."""
        hit = self._cache.get(answer)
        if hit is not None:
            self._cache.move_to_end(answer)
        return hit

    def _cache_put(self, answer: str, result: tuple[str, str]) -> None:
        """Remember an answer's result, evicting the least recently used beyond the size."""
        if self.cache_size <= 0:
            return
        self._cache[answer] = result
        self._cache.move_to_end(answer)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _spawn(self) -> _Worker:
        """Start one worker process (it reports ``ready`` once sympy is imported)."""
        process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        return _Worker(process=process, started=time.monotonic())

    @staticmethod
    def _stop(worker: _Worker) -> None:
        """Kill a worker and release its pipes."""
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait(timeout=5)
        for pipe in (worker.process.stdin, worker.process.stdout):
            if pipe is not None:
                pipe.close()

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill a worker and start a fresh one in its place."""
        self._stop(worker)
        fresh = self._spawn()
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def _run(self, answers: list[str]) -> list[tuple[str, str]]:
        """Run answers through the workers, killing any that overrun the time limit."""
        while len(self._workers) < min(self.n_workers, max(1, len(answers))) or not self._workers:
            self._workers.append(self._spawn())
        results: list[tuple[str, str] | None] = [None] * len(answers)
        pending = list(range(len(answers) - 1, -1, -1))
        while self._workers and (pending or any(w.task is not None for w in self._workers)):
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.ready and worker.task is None and pending:
                    worker.task = pending.pop()
                    worker.deadline = now + self.timeout_s
                    try:
                        assert worker.process.stdin is not None
                        worker.process.stdin.write(json.dumps([worker.task, answers[worker.task]]) + "\n")
                        worker.process.stdin.flush()
                    except (BrokenPipeError, OSError):
                        pending.append(worker.task)
                        worker.task = None
                        self._replace(worker)
            if not any(w.ready for w in self._workers) and all(
                now - w.started > START_TIMEOUT_S for w in self._workers
            ):
                for index in pending:
                    results[index] = (string_key(answers[index]), STATUS_TIMEOUT)
                pending = []
                break
            deadlines = [w.deadline for w in self._workers if w.task is not None]
            deadlines += [w.started + START_TIMEOUT_S for w in self._workers if not w.ready]
            wait_s = max(0.0, min(deadlines, default=now + 0.1) - now)
            ready = wait([w.conn for w in self._workers], timeout=wait_s)
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._receive(worker, answers, results)
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.task is not None and now > worker.deadline:
                    results[worker.task] = (string_key(answers[worker.task]), STATUS_TIMEOUT)
                    worker.task = None
                    self._replace(worker)
        return [r if r is not None else (string_key(a), STATUS_TIMEOUT) for r, a in zip(results, answers)]

    def _receive(self, worker: _Worker, answers: list[str], results: list[tuple[str, str] | None]) -> None:
        """Read one message from a worker; a worker that died mid-answer is replaced and the answer timed out."""
        line = worker.conn.readline()
        if not line:
            if not worker.ready:
                self._stop(worker)
                self._workers.remove(worker)
                return
            if worker.task is not None:
                results[worker.task] = (string_key(answers[worker.task]), STATUS_TIMEOUT)
                worker.task = None
            self._replace(worker)
            return
        message = json.loads(line)
        if message == "ready":
            worker.ready = True
            return
        index, key, parsed = message
        results[index] = (key, STATUS_OK if parsed else STATUS_UNPARSED)
        worker.task = None


_POOL: CanonPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> CanonPool:
    """The process-wide shared pool (created on first use, closed at exit)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = CanonPool()
            atexit.register(_POOL.close)
        return _POOL


if __name__ == "__main__":
    _results = sys.stdout
    sys.stdout = sys.stderr  # stray prints from libraries must not corrupt the result stream
    serve(sys.stdin, _results)
