"""Engines: where a run's work units are generated, which never changes what is generated.

* ``local``: the backend in this process, cached in ``RUN/cache.sqlite``
  (:mod:`scpo_data.backends.cache`).
* ``ray``: replicas of the backend on a Ray cluster, each caching the units it finishes
  in its own shard under ``RUN/cache-shards/`` (:mod:`scpo_data.engines.ray_backend`).
  Ray is imported only then.

Both give a backend with ``cache``, ``stats`` and ``close()``, which the stages use alike.
A run resumes from the cache of the engine it runs on: a local run's cache is not
replayed by a Ray run of the same command (its units are generated again, identically).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Union

from scpo_data.backends import BackendOptions, get_backend
from scpo_data.backends.cache import CachedBackend, open_cache
from scpo_data.backends.models import ModelRef
from scpo_data.config import EngineOptions
from scpo_data.engines.ray_backend import RayBackend, ReplicaSpec
from scpo_data.engines.shard_cache import SHARDS_DIR, clear_shards

#: A run's backend on either engine.
RunBackend = Union[CachedBackend, RayBackend]


def open_backend(
    name: str,
    model: ModelRef,
    batch_size: int,
    dtype: str,
    options: BackendOptions,
    out: Path,
    resume: bool,
    engine: EngineOptions,
) -> RunBackend:
    """The run's cached backend on ``engine``; ``resume=False`` empties its cache first.

    Raises:
        ScpoError: For an unusable backend, or (``ray``) a missing Ray, an unreachable or
            too small cluster.
    """
    if engine.engine == "local":
        return CachedBackend(get_backend(name, model, batch_size, dtype, options), open_cache(out, resume), model)
    if not resume:
        clear_shards(out)
    if name == "vllm" and engine.gpus_per_replica >= 1:
        options = replace(options, tensor_parallel_size=int(engine.gpus_per_replica))
    spec = ReplicaSpec(name, model, batch_size, dtype, options, str((out / SHARDS_DIR).resolve()))
    return RayBackend(spec, engine)
