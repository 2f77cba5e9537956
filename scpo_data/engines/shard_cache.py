"""A request cache made of one append-only file per writer, for many processes at once.

The Ray engine's replicas each store their finished units here, under the run folder
(``RUN/cache-shards/``): a writer creates its own file (host, process id and a random
tag in the name), so no file is ever written by two processes, and nothing relies on
file locks or shared memory (SQLite's WAL does, and breaks on NFS). A unit is one JSON
line, written with a single ``write`` on an ``O_APPEND`` descriptor and fsynced, so a
writer killed mid-line leaves a torn last line that readers ignore.

Readers index every shard's complete lines (key -> where the completion lies, not the
text, so an index stays small) and look again at the shards on a miss: a unit that a
replica finished before it died, or that a replica of an earlier, killed run finished,
is a hit for whichever replica retries it.

The interface is :class:`scpo_data.backends.cache.RequestCache`'s, so
:class:`~scpo_data.backends.cache.CachedBackend` uses either.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

from scpo_data.backends.base import Completion

#: The folder of cache shards inside a run folder.
SHARDS_DIR = "cache-shards"
SHARD_SUFFIX = ".jsonl"

#: Where one completion lies: (shard file, offset of its line, line length, position in the line).
_Location = tuple[Path, int, int, int]


class ShardCache:
    """Key -> completion store over a folder of append-only shard files."""

    def __init__(self, folder: Path) -> None:
        """Open the cache over ``folder``; shards are indexed on first use, and this
        instance's own shard is created on its first :meth:`put_many`."""
        self.path = folder
        self._index: dict[str, _Location] = {}
        self._offsets: dict[Path, int] = {}
        self._own: Path | None = None
        self._fd: int | None = None
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> list[Completion] | None:
        """The completions for all ``keys`` in order, or None when any is missing
        (after looking for shard lines written since the last look)."""
        with self._lock:
            if any(key not in self._index for key in keys):
                self._refresh()
            if any(key not in self._index for key in keys):
                return None
            lines: dict[tuple[Path, int, int], list[list[object]]] = {}
            found = []
            for key in keys:
                path, offset, length, position = self._index[key]
                where = (path, offset, length)
                if where not in lines:
                    lines[where] = _read_line(*where)["completions"]
                text, reason, n_tokens = lines[where][position]
                found.append(Completion(str(text), str(reason), int(n_tokens)))  # type: ignore[call-overload]
            return found

    def put_many(self, keys: Sequence[str], completions: Sequence[Completion]) -> None:
        """Append one finished unit to this writer's shard and fsync it."""
        line = json.dumps({"keys": list(keys),
                           "completions": [[c.text, c.finish_reason, c.n_tokens] for c in completions]},
                          ensure_ascii=False).encode() + b"\n"
        with self._lock:
            if self._fd is None:
                self.path.mkdir(parents=True, exist_ok=True)
                tag = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                self._own = self.path / f"{tag}{SHARD_SUFFIX}"
                self._fd = os.open(self._own, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                self._offsets[self._own] = 0
            own = self._own
            assert own is not None
            os.write(self._fd, line)
            os.fsync(self._fd)
            self._add(own, self._offsets[own], line)
            self._offsets[own] += len(line)

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._index)

    def close(self) -> None:
        """Close this writer's shard."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _refresh(self) -> None:
        """Index the complete lines written to any shard since the last look."""
        if not self.path.is_dir():
            return
        for shard in sorted(self.path.glob(f"*{SHARD_SUFFIX}")):
            start = self._offsets.get(shard, 0)
            with shard.open("rb") as handle:
                handle.seek(start)
                data = handle.read()
            end = data.rfind(b"\n") + 1
            position = 0
            while position < end:
                stop = data.index(b"\n", position) + 1
                self._add(shard, start + position, data[position:stop])
                position = stop
            self._offsets[shard] = start + end

    def _add(self, shard: Path, offset: int, line: bytes) -> None:
        try:
            keys = json.loads(line)["keys"]
        except (json.JSONDecodeError, KeyError, TypeError):
            return  # a damaged line: its unit is generated again
        for position, key in enumerate(keys):
            self._index[key] = (shard, offset, len(line), position)


def _read_line(path: Path, offset: int, length: int) -> dict[str, list[list[object]]]:
    with path.open("rb") as handle:
        handle.seek(offset)
        return json.loads(handle.read(length))  # type: ignore[no-any-return]


def clear_shards(out: Path) -> None:
    """Delete a run folder's cache shards (``--no-resume``)."""
    shutil.rmtree(out / SHARDS_DIR, ignore_errors=True)
