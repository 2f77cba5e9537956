"""A killable pool of sympy worker processes with a per-answer time limit and a cache.

sympy can run for ever (or fill memory) on hostile input, and math-verify's
``signal.alarm`` cannot stop it. Here every sympy call runs in a worker process; a
worker that overruns its time limit is killed and replaced, and its answer gets
status ``timeout`` with a string key.

Processes: the pool starts one fresh interpreter, the *fork server*
(``python -m scpo_data.extractors.math_worker FD``), which imports sympy and the
LaTeX parser, parses :data:`WARM_UP` so that the parser's prediction cache is
warm, and then forks one worker per request. So

* nothing is forked from the caller's process (which may hold torch threads), and
  unlike ``multiprocessing``'s spawn/forkserver the caller's ``__main__`` is never
  re-imported: a script without an ``if __name__ == "__main__"`` guard works;
* every worker starts warm in milliseconds, including the replacement of a worker
  killed on timeout;
* each worker talks JSON lines over its own socket: ``[index, answer]`` in,
  ``[index, key, parsed]`` out.

The pool starts lazily on first use, is reused across calls and shut down at
interpreter exit, spreads a batch over all its workers (one per core by default),
dedupes it, and keeps an LRU cache of answer -> (key, status). It needs ``fork``
and Unix sockets (Linux, macOS).

Use :func:`get_pool` for the shared pool, or build a :class:`CanonPool` yourself.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import resource
import signal
import socket
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
#: How long (seconds) the fork server may take to start, warm up and fork a worker.
START_TIMEOUT_S = 60.0
#: Default number of cached answers.
DEFAULT_CACHE_SIZE = 100_000
#: Address-space cap of one worker process (a runaway answer gets MemoryError, not the machine's RAM).
WORKER_MEMORY_BYTES = 4 * 1024**3

#: Typical answers the fork server parses once before forking workers (warms the parser's caches).
#: Few and short: the warm-up delays the first answer, and numbers, roots, pi and tuples of them
#: never reach the parser (``math_fast.quick_key``).
WARM_UP: tuple[str, ...] = (
    "x^2+2x+1",
    r"\frac{x+1}{x-1}",
    r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
    "3x - y + 13 = 0",
)


def serve(reader: IO[str], writer: IO[str]) -> None:
    """Worker loop: read ``[index, answer]`` JSON lines, write ``[index, key, parsed]`` lines.

    Writes ``"ready"`` first; stops at end of input.

    Args:
        reader: Where tasks arrive, one JSON line each.
        writer: Where results go, one JSON line each, flushed.
    """
    from scpo_data.extractors.math_canon import canonical_key  # sympy: only ever in the workers

    writer.write('"ready"\n')
    writer.flush()
    for line in reader:
        index, answer = json.loads(line)
        key, parsed = canonical_key(answer)
        writer.write(json.dumps([index, key, parsed]) + "\n")
        writer.flush()


def fork_server(control: socket.socket) -> None:
    """The fork server's loop: warm up, then fork one worker per socket received on ``control``.

    Each request carries one end of a socket pair (``SCM_RIGHTS``); the forked child
    runs :func:`serve` on it with its address space capped at :data:`WORKER_MEMORY_BYTES`,
    and the server answers with the child's pid. Ctrl-C is ignored (the pool owns
    these processes). When ``control`` closes (the pool closed, or its process died)
    the server kills the workers it still has and exits.

    Args:
        control: The Unix socket shared with the pool.
    """
    from scpo_data.extractors.math_canon import canonical_key

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for answer in WARM_UP:
        canonical_key(answer)
    children: set[int] = set()
    while True:
        children -= {pid for pid in children if os.waitpid(pid, os.WNOHANG)[0] == pid}
        message, fds, _, _ = socket.recv_fds(control, 16, 1)
        if not message:
            break
        if not fds:
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            _limit_memory()
            conn = socket.socket(fileno=fds[0])
            try:
                serve(conn.makefile("r", encoding="utf-8"), conn.makefile("w", encoding="utf-8"))
            finally:
                os._exit(0)
        children.add(pid)
        os.close(fds[0])
        control.sendall(f"{pid}\n".encode())
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _limit_memory() -> None:
    """Cap this process's address space at :data:`WORKER_MEMORY_BYTES` (sympy then fails with MemoryError)."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))


@dataclass
class _Worker:
    """One worker process, its socket, and what it is doing."""

    pid: int
    conn: socket.socket
    reader: IO[str]
    started: float
    ready: bool = False
    task: int | None = None
    deadline: float = 0.0


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
        self._server: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._control_reader: IO[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the fork server in the background (it imports sympy and warms up while you work).

        Optional: the pool starts itself when needed. Returns at once.
        """
        with self._lock:
            self._start_server()

    def key(self, answer: str) -> tuple[str, str]:
        """Canonicalise one cleaned answer; see :meth:`keys`."""
        return self.keys([answer])[0]

    def keys(self, answers: Sequence[str]) -> list[tuple[str, str]]:
        """Canonicalise cleaned answers, in order, spread over the workers.

        Plain numbers (alone, in tuples, sets or intervals), words and choice letters
        are keyed in this process without sympy (``math_fast.quick_key``); answers
        rejected by ``math_fast.guard`` get a string key with status ``unparsed``; the
        rest go to the workers, each under the time limit.

        Args:
            answers: Cleaned answers (``math_extract.clean_answer``).

        Returns:
            ``(key, status)`` per answer, status one of ``ok``, ``unparsed``, ``timeout``.
        """
        with self._lock:
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
                for answer, result in zip(todo, self._run(todo), strict=True):
                    results[answer] = result
                    self._cache_put(answer, result)
            return [results[answer] for answer in answers]

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers (empty before first use and after :meth:`close`)."""
        return [w.pid for w in self._workers]

    @property
    def cached(self) -> int:
        """Number of answers in the cache."""
        return len(self._cache)

    def close(self) -> None:
        """Stop the workers and the fork server (both restart lazily if the pool is used again)."""
        with self._lock:
            for worker in self._workers:
                self._stop(worker)
            self._workers = []
            self._stop_server()

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

    def _start_server(self) -> None:
        """Start the fork server (a fresh interpreter) unless it is running."""
        if self._server is not None and self._server.poll() is None:
            return
        self._stop_server()
        ours, theirs = socket.socketpair()
        self._server = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        theirs.close()
        ours.settimeout(START_TIMEOUT_S)
        self._control = ours
        self._control_reader = ours.makefile("r", encoding="utf-8")

    def _stop_server(self) -> None:
        """Close the control socket (the server then exits) and make sure the server is gone."""
        if self._control is not None:
            assert self._control_reader is not None
            self._control_reader.close()
            self._control.close()
            self._control = self._control_reader = None
        if self._server is not None:
            try:
                self._server.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
            self._server = None

    def _spawn(self) -> _Worker | None:
        """Have the fork server fork one worker; ``None`` (and a server restart next time) on failure."""
        self._start_server()
        assert self._control is not None and self._control_reader is not None
        ours, theirs = socket.socketpair()
        try:
            socket.send_fds(self._control, [b"f"], [theirs.fileno()])
            pid = int(self._control_reader.readline())
        except (OSError, ValueError):
            ours.close()
            if self._server is not None:
                self._server.kill()
            self._stop_server()
            return None
        finally:
            theirs.close()
        return _Worker(pid=pid, conn=ours, reader=ours.makefile("r", encoding="utf-8"), started=time.monotonic())

    @staticmethod
    def _stop(worker: _Worker) -> None:
        """Kill a worker and release its socket (the fork server reaps it)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        worker.reader.close()
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and fork a fresh one in its place (or drop it if forking fails)."""
        self._stop(worker)
        index = self._workers.index(worker)
        fresh = self._spawn()
        if fresh is None:
            del self._workers[index]
        else:
            self._workers[index] = fresh

    def _run(self, answers: list[str]) -> list[tuple[str, str]]:
        """Run answers through the workers, killing any that overrun the time limit."""
        while len(self._workers) < min(self.n_workers, len(answers)):
            worker = self._spawn()
            if worker is None:
                break
            self._workers.append(worker)
        results: list[tuple[str, str] | None] = [None] * len(answers)
        pending = list(range(len(answers) - 1, -1, -1))
        crashed: set[int] = set()
        while self._workers and (pending or any(w.task is not None for w in self._workers)):
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.ready and worker.task is None and pending:
                    worker.task = pending.pop()
                    worker.deadline = now + self.timeout_s
                    try:
                        worker.conn.sendall((json.dumps([worker.task, answers[worker.task]]) + "\n").encode())
                    except OSError:
                        pending.append(worker.task)
                        worker.task = None
                        self._replace(worker)
            if not any(w.ready for w in self._workers) and all(
                now - w.started > START_TIMEOUT_S for w in self._workers
            ):
                break
            deadlines = [w.deadline for w in self._workers if w.task is not None]
            deadlines += [w.started + START_TIMEOUT_S for w in self._workers if not w.ready]
            ready = wait([w.conn for w in self._workers], timeout=max(0.0, min(deadlines, default=now) - now))
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._receive(worker, answers, results, pending, crashed)
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.task is not None and now > worker.deadline:
                    results[worker.task] = (string_key(answers[worker.task]), STATUS_TIMEOUT)
                    worker.task = None
                    self._replace(worker)
        return [r if r is not None else (string_key(a), STATUS_TIMEOUT) for r, a in zip(results, answers, strict=True)]

    def _receive(
        self,
        worker: _Worker,
        answers: list[str],
        results: list[tuple[str, str] | None],
        pending: list[int],
        crashed: set[int],
    ) -> None:
        """Read one message from a worker.

        A worker that died mid-answer is replaced; its answer is retried once on
        another worker (the death may have come from outside) and times out if it
        kills a worker again.
        """
        try:
            line = worker.reader.readline()
        except OSError:  # e.g. connection reset: the worker died
            line = ""
        if not line and not worker.ready:  # died on start: do not retry in a loop
            self._stop(worker)
            self._workers.remove(worker)
            return
        if not line:
            if worker.task in crashed:
                results[worker.task] = (string_key(answers[worker.task]), STATUS_TIMEOUT)
            elif worker.task is not None:
                crashed.add(worker.task)
                pending.append(worker.task)
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
    fork_server(socket.socket(fileno=int(sys.argv[1])))
