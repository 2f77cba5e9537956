"""Join shard folders of ``scpo-data correct --shard i/N`` into one correction run.

The folders must be finished correction runs of the same configuration (all settings but
the output folder, the shard, the engine and the backend's connection settings) with the
same model weights, and all N distinct shards must be present (the checks of
:func:`scpo_data.generate.merge.check_shards`). Problems and traces are concatenated in
shard order; the dataset configs, the metrics and the manifest are then made by the same
code as a single run (:func:`scpo_data.correct.pipeline.finish_correction`), from the
traces, so they are those of the union. Every label and random pick is per problem, so
each dataset row equals the row its shard made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scpo_data import records as rec
from scpo_data.correct.attempts import correction_prompt
from scpo_data.correct.config import CorrectConfig
from scpo_data.correct.pipeline import KIND, CorrectSummary, Totals, finish_correction
from scpo_data.correct.traces import TRACES_FILE, Trace, read_traces
from scpo_data.errors import ScpoError
from scpo_data.generate.merge import OPERATIONAL, check_distinct, open_shards, shard_model, summed_cache

#: Settings of a correction run that may differ between shards (they change where and
#: how the attempts are generated, not what is generated).
CORRECT_OPERATIONAL = OPERATIONAL | {"engine", "options"}


def is_correction_run(manifest: dict[str, Any]) -> bool:
    """Whether a manifest is that of a ``scpo-data correct`` run."""
    return manifest.get("kind") == KIND


def merge_corrections(folders: Sequence[Path], out: Path) -> CorrectSummary:
    """Merge correction shard folders into the run folder ``out`` (which must not exist or be empty).

    Raises:
        ScpoError: When a folder is not a correction run, see
            :func:`~scpo_data.generate.merge.open_shards`, or a problem is in two shards.
    """
    folders, manifests = open_shards(folders, out, CORRECT_OPERATIONAL)
    for folder, manifest in zip(folders, manifests, strict=True):
        if not is_correction_run(manifest):
            raise ScpoError(f"{folder} is not a `scpo-data correct` run; merge correction shards with each other")
    problems: list[rec.Problem] = []
    traces: list[Trace] = []
    for folder in folders:
        problems += rec.read_records(folder / rec.PROBLEMS_FILE, rec.Problem)
        traces += read_traces(folder / TRACES_FILE)
    check_distinct(problems)
    config = CorrectConfig.from_dict({**manifests[0]["config"], "out": str(out), "shard": None})
    totals = Totals(sum(m["counts"]["first_attempts"] for m in manifests),
                    sum(m["counts"]["tokens"] for m in manifests))
    by_id = {p.problem_id: p for p in problems}
    prompts = {(t.problem_id, t.first_idx): correction_prompt(by_id[t.problem_id], t.first, config.instruction)
               for t in traces}
    rec.write_records(problems, rec.Problem, out / rec.PROBLEMS_FILE)
    manifest = finish_correction(config, shard_model(manifests[0]), problems, traces, prompts, totals,
                                 summed_cache(manifests), {})
    return CorrectSummary(out, manifest["counts"], {})
