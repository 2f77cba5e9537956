"""The Ray engine: the project's own backend, replicated as Ray actors, fed work units.

Plain actors rather than Ray Data, because a run's samples must not depend on the
engine: the driver plans the backend's work units exactly as a local run does (one
replica plans, since planning the ``hf`` backend needs its tokenizer), so every unit
keeps its composition and seed, and sends each unit, with only its own prompts, to
whichever replica has room (:data:`IN_FLIGHT` units queued per replica). A replica
builds its backend once and runs units through
:class:`~scpo_data.backends.cache.CachedBackend` over its own
:class:`~scpo_data.engines.shard_cache.ShardCache` writer, so:

* a replica that dies (killed, out of memory, a lost node) is restarted by Ray and its
  units are retried (at least once, up to :data:`RETRIES` times): a unit it had
  finished is a cache hit, whichever replica retries it;
* a driver that dies loses only the units in flight: the same command, run again,
  replays every finished unit from the shards.

Units come back as they finish, so the driver's progress bar covers the whole cluster.
Ray Data would re-block rows its own way, hide the actor restarts behind its own retry
policy and, on few cores, starve its read tasks next to the actors; ``ray.data.llm``'s
vLLM stage keeps only the first of ``n`` completions.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scpo_data.backends import BackendOptions, get_backend
from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.backends.cache import CachedBackend, CacheStats
from scpo_data.backends.models import ModelRef
from scpo_data.config import EngineOptions
from scpo_data.engines.ray_cluster import (check_resources, connect, disconnect, first_line, import_ray,
                                            stderr_muted)
from scpo_data.engines.shard_cache import ShardCache
from scpo_data.errors import ScpoError, Terminated
from scpo_data.records import Message

#: Units queued on one replica at once (one running, one waiting: no idle gap between them).
IN_FLIGHT = 2
#: Seconds between looks for a SIGTERM while waiting for units.
WAIT_SLICE = 0.5
#: Restarts of a dead replica, and retries of each of its units, before the run fails.
RETRIES = 3


@dataclass(frozen=True)
class ReplicaSpec:
    """What a replica builds: the backend, its model and settings, and the cache folder.

    The model's path must be readable on every node (a shared filesystem, or a Hub id),
    and so must ``cache_dir``, the run folder's :data:`~scpo_data.engines.shard_cache.SHARDS_DIR`.
    """

    backend: str
    model: ModelRef
    batch_size: int
    dtype: str
    options: BackendOptions
    cache_dir: str


class Replica:
    """One copy of the backend with its own cache shard: the body of a Ray actor.

    The backend is built on first use, so a replica that Ray restarts builds it again
    before it runs the units it is retrying.
    """

    def __init__(self, spec: ReplicaSpec) -> None:
        """Keep the spec; nothing is loaded yet."""
        self.spec = spec
        self._backend: CachedBackend | None = None

    def backend(self) -> CachedBackend:
        """The cached backend, built on first call."""
        if self._backend is None:
            spec = self.spec
            inner = get_backend(spec.backend, spec.model, spec.batch_size, spec.dtype, spec.options)
            self._backend = CachedBackend(inner, ShardCache(Path(spec.cache_dir)), spec.model)
        return self._backend

    def identity(self) -> str:
        """The backend's identity (building it: the driver's check that replicas start)."""
        return self.backend().identity()

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """The backend's plan of a request."""
        return self.backend().plan(prompts, params)

    def run(self, prompts: Sequence[list[Message]], params: SamplingParams,
            unit: WorkUnit) -> tuple[list[Completion], bool]:
        """Run (or replay) one unit; returns its completions and whether it was replayed."""
        backend = self.backend()
        replayed = backend.stats.units_replayed
        done = backend.run_unit(prompts, params, unit)
        return done, backend.stats.units_replayed > replayed


class RayBackend(Backend):
    """A backend whose units run on replicas on a Ray cluster, cached in the run's shards."""

    def __init__(self, spec: ReplicaSpec, engine: EngineOptions) -> None:
        """Join (or start) the cluster and start the replicas; returns once one is ready.

        Raises:
            ScpoError: When Ray is missing, the cluster is unreachable or too small for the
                replicas, or a replica cannot build its backend.
        """
        self.name = spec.backend
        self.cache = ShardCache(Path(spec.cache_dir))
        self.stats = CacheStats()
        self._ray = import_ray()
        self._started = connect(engine.ray_address)
        try:
            check_resources(engine.replicas, engine.cpus_per_replica, engine.gpus_per_replica)
            actor = self._ray.remote(Replica).options(
                num_cpus=engine.cpus_per_replica, num_gpus=engine.gpus_per_replica,
                max_restarts=RETRIES, max_task_retries=RETRIES)
            self.replicas = [actor.remote(spec) for _ in range(engine.replicas)]
            self._identity = str(self._get(self.replicas[0].identity.remote()))
        except BaseException:
            self.close()
            raise

    def identity(self) -> str:
        """The replicas' backend identity."""
        return self._identity

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """The backend's own plan, made by one replica."""
        return list(self._get(self.replicas[0].plan.remote(list(prompts), params)))

    def run_unit(
        self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit
    ) -> list[Completion]:
        """Run one unit on the first replica."""
        for _, done in self._dispatch(prompts, params, [unit]):
            return done
        raise AssertionError("a dispatched unit did not come back")

    def _run_all(
        self, prompts: Sequence[list[Message]], params: SamplingParams
    ) -> Iterator[tuple[WorkUnit, list[Completion]]]:
        """Every planned unit, spread over the replicas, yielded as each finishes."""
        return self._dispatch(prompts, params, self.plan(prompts, params))

    def _dispatch(
        self, prompts: Sequence[list[Message]], params: SamplingParams, units: Sequence[WorkUnit]
    ) -> Iterator[tuple[WorkUnit, list[Completion]]]:
        pending = deque(units)
        running: dict[Any, tuple[WorkUnit, int]] = {}
        load = [0] * len(self.replicas)
        with _sigterm_deferred() as terminated:
            while pending or running:
                for number, replica in enumerate(self.replicas):
                    while pending and load[number] < IN_FLIGHT:
                        unit = pending.popleft()
                        own_prompts, renumbered = local_unit(prompts, unit)
                        running[replica.run.remote(own_prompts, params, renumbered)] = (unit, number)
                        load[number] += 1
                ready, _ = self._ray.wait(list(running), num_returns=1, timeout=WAIT_SLICE)
                if terminated.is_set():
                    raise Terminated()
                if not ready:
                    continue
                unit, number = running.pop(ready[0])
                load[number] -= 1
                done, replayed = self._get(ready[0])
                self.stats.add(len(done), replayed)
                yield unit, done

    def _get(self, ref: Any) -> Any:
        """A task's result, with Ray's errors turned into one-line :class:`ScpoError` s."""
        exceptions = self._ray.exceptions
        try:
            return self._ray.get(ref)
        except exceptions.RayTaskError as exc:
            if isinstance(exc.cause, ScpoError):
                raise ScpoError(str(exc.cause)) from None
            raise ScpoError(f"a replica failed: {first_line(exc.cause or exc)}") from None
        except exceptions.RayActorError as exc:
            raise ScpoError(f"a replica died {RETRIES + 1} times (out of memory? see the Ray logs): "
                            f"{first_line(exc)}") from None

    def close(self) -> None:
        """Stop the replicas and leave the cluster (stopping it when the run started it)."""
        with stderr_muted():
            for replica in getattr(self, "replicas", []):
                self._ray.kill(replica)
            if self._started:
                disconnect()
        self.cache.close()


@contextmanager
def _sigterm_deferred() -> Iterator[threading.Event]:
    """While units run, SIGTERM only sets the yielded event; the dispatch loop then raises
    :class:`~scpo_data.errors.Terminated` itself. (Ray runs signal handlers inside its own
    waits and turns whatever they raise into a plain ``KeyboardInterrupt``, which would
    make a terminated run exit 130 instead of 143.)"""
    seen = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.set())
    try:
        yield seen
    finally:
        signal.signal(signal.SIGTERM, previous)


def local_unit(prompts: Sequence[list[Message]], unit: WorkUnit) -> tuple[list[list[Message]], WorkUnit]:
    """The unit's own prompts, and the unit renumbered to index them.

    Cache keys, seeds and the backends' outputs depend on the prompts' contents and the
    unit's composition, not on prompt positions, so the renumbered unit gives the same
    completions and cache keys as the original.
    """
    order = {i: position for position, i in enumerate(dict.fromkeys(i for i, _ in unit.items))}
    return ([prompts[i] for i in order],
            WorkUnit(tuple((order[i], j) for i, j in unit.items), unit.seed))
