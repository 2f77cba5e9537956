"""The request cache: every finished work unit is persisted as it finishes, and replayed.

Completions live in a SQLite database in WAL mode inside the run folder
(``RUN/cache.sqlite``). Each completion is keyed by the SHA-256 of the model identity
and weights hash, the backend identity (dtype, device, server), the chat prompt, the
sampling parameters, the sample index, the unit's seed and the unit's composition
(which prompts and samples were generated together, which decides the padding of an
``hf`` batch). A unit is written in one transaction after it finishes, so a crash or a
SIGKILL loses at most the units in flight; a re-run replays every finished unit and
calls the model only for the rest, under the same seeds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.errors import ScpoError, interrupt_exit
from scpo_data.backends.models import ModelRef
from scpo_data.records import Message

#: The cache file inside a run folder.
CACHE_FILE = "cache.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    n_tokens INTEGER NOT NULL
)
"""


class CompletionStore(Protocol):
    """What :class:`CachedBackend` needs of a cache: this module's :class:`RequestCache`, or
    the Ray engine's :class:`~scpo_data.engines.shard_cache.ShardCache` (one file per writer)."""

    path: Path

    def get_many(self, keys: Sequence[str]) -> list[Completion] | None:
        """The completions for all ``keys`` in order, or None when any is missing."""

    def put_many(self, keys: Sequence[str], completions: Sequence[Completion]) -> None:
        """Store one finished unit atomically."""

    def __len__(self) -> int: ...

    def close(self) -> None:
        """Release the store."""


class RequestCache:
    """A crash-safe key -> completion store (SQLite, WAL mode, one transaction per unit)."""

    def __init__(self, path: Path) -> None:
        """Open (or create) the cache at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> list[Completion] | None:
        """The completions for all ``keys`` in order, or None when any is missing."""
        found: dict[str, Completion] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, text, finish_reason, n_tokens FROM completions WHERE key IN ({marks})", chunk
                )
                found.update({key: Completion(text, reason, n) for key, text, reason, n in rows})
        if len(found) < len(set(keys)):
            return None
        return [found[key] for key in keys]

    def put_many(self, keys: Sequence[str], completions: Sequence[Completion]) -> None:
        """Store one finished unit atomically."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?)",
                [(k, c.text, c.finish_reason, c.n_tokens) for k, c in zip(keys, completions, strict=True)],
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    def close(self) -> None:
        """Close the database (WAL contents are checkpointed)."""
        with self._lock:
            self._db.close()


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class CacheStats:
    """What the cache did during a run: units and completions replayed or generated."""

    units_replayed: int = 0
    units_generated: int = 0
    completions_replayed: int = 0
    completions_generated: int = 0

    def add(self, completions: int, replayed: bool) -> None:
        """Count one unit of ``completions`` completions, replayed or generated."""
        if replayed:
            self.units_replayed += 1
            self.completions_replayed += completions
        else:
            self.units_generated += 1
            self.completions_generated += completions

    def to_dict(self) -> dict[str, int]:
        """The counts as a plain dict (for the manifest)."""
        return dict(self.__dict__)


class CachedBackend(Backend):
    """Wrap a backend so every unit is looked up in, or written to, a :class:`RequestCache`."""

    def __init__(self, inner: Backend, cache: CompletionStore, model: ModelRef) -> None:
        """Args: the backend that generates, the cache, and the model it serves."""
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.concurrency = inner.concurrency
        self._stats_lock = threading.Lock()
        self.model_key = f"{model.identity}|{model.file_hash}"
        self.stats = CacheStats()

    def identity(self) -> str:
        """The wrapped backend's identity."""
        return self.inner.identity()

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """The wrapped backend's plan."""
        return self.inner.plan(prompts, params)

    def run_unit(
        self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit
    ) -> list[Completion]:
        """Replay the unit when all its completions are cached; else generate and store it."""
        keys = self.keys(prompts, params, unit)
        cached = self.cache.get_many(keys)
        if cached is not None:
            with self._stats_lock:
                self.stats.add(len(cached), replayed=True)
            return cached
        done = self.inner.run_unit(prompts, params, unit)
        self.cache.put_many(keys, done)
        with self._stats_lock:
            self.stats.add(len(done), replayed=False)
        return done

    def close(self) -> None:
        """Close the cache (the run's generation is over)."""
        self.cache.close()

    def keys(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[str]:
        """The cache key of each item of ``unit``."""
        prompt_hash = {i: _digest(prompts[i]) for i, _ in unit.items}
        composition = _digest([(prompt_hash[i], j) for i, j in unit.items])
        base = [self.model_key, self.inner.identity(), params.n, params.temperature, params.top_p,
                params.max_tokens, unit.seed, composition]
        return [_digest([*base, prompt_hash[i], j]) for i, j in unit.items]


def open_cache(out: Path, resume: bool = True) -> RequestCache:
    """Open the run folder's cache; ``resume=False`` starts from an empty one."""
    path = out / CACHE_FILE
    if not resume:
        for stale in (path, path.with_name(CACHE_FILE + "-wal"), path.with_name(CACHE_FILE + "-shm")):
            stale.unlink(missing_ok=True)
    return RequestCache(path)


@contextmanager
def resumable(cache: CompletionStore) -> Iterator[None]:
    """Turn Ctrl-C (exit 130) or SIGTERM (exit 143) into a clean :class:`ScpoError` that
    says how to resume.

    Finished units are already committed; the one in flight is dropped.
    """
    try:
        yield
    except KeyboardInterrupt as exc:
        word, code = interrupt_exit(exc)
        saved = len(cache)
        cache.close()
        raise ScpoError(
            f"{word}: {saved} finished completions are saved in {cache.path}; "
            "run the same command again to resume", exit_code=code) from None


def cache_line(stats: CacheStats) -> str:
    """One log line: how much was replayed from the cache and how many model calls were made."""
    return (f"cache: {stats.completions_replayed} completions replayed, "
            f"{stats.completions_generated} generated in {stats.units_generated} model calls")
