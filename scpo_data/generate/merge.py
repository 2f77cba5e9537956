"""Join shard run folders (``generate --shard i/N``) into one run folder and one dataset.

Every folder must be a finished run of the same configuration (all settings but the
output folder, the shard and operational knobs such as ``--resume`` or
``--concurrency``) with the same model weights, the shards must be distinct and all N
present. Problems, samples and answers are concatenated in shard order, one shard's
samples in memory at a time; pairs, counts, the dataset folder and the manifest are then
made by the same code as ``generate`` (pairs are chosen per problem, so they equal the
shards' own pairs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from scpo_data import records as rec
from scpo_data.config import GenerateConfig
from scpo_data.errors import ScpoError
from scpo_data.backends.models import ModelRef
from scpo_data.generate.answers import gold_keys
from scpo_data.generate.pipeline import RunRecords, RunSummary, Timer, finish_run

#: Settings that may differ between shards: they do not change what is generated.
OPERATIONAL = frozenset({"out", "shard", "resume", "concurrency", "api_key_env", "base_url"})


def read_manifest(folder: Path) -> dict[str, Any]:
    """A finished run's manifest.

    Raises:
        ScpoError: When ``folder`` is not a finished run.
    """
    path = folder / rec.MANIFEST_FILE
    if not path.is_file():
        raise ScpoError(f"{folder} is not a finished run (no {rec.MANIFEST_FILE})")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ScpoError(f"{path} is not valid JSON: {exc.msg}") from None


def check_shards(folders: Sequence[Path], manifests: Sequence[dict[str, Any]],
                 operational: frozenset[str] = OPERATIONAL) -> list[int]:
    """Check that the folders are the complete, distinct shards of one configuration.

    Settings named in ``operational`` may differ between the shards.

    Returns:
        The order of the folders by shard index.

    Raises:
        ScpoError: On a mismatched configuration or model, a repeated, foreign or
            missing shard, or a folder that was not made with ``--shard``.
    """
    first, base = folders[0], manifests[0]
    for folder, manifest in zip(folders, manifests):
        if manifest["config"].get("shard") is None:
            raise ScpoError(f"{folder} was not made with --shard")
        differ = sorted(
            key for key in set(base["config"]) | set(manifest["config"])
            if key not in operational and base["config"].get(key) != manifest["config"].get(key)
        )
        if differ:
            raise ScpoError(f"{folder} and {first} have different configurations: {', '.join(differ)}")
        if (manifest["model"]["identity"], manifest["model"]["file_hash"]) != (
                base["model"]["identity"], base["model"]["file_hash"]):
            raise ScpoError(f"{folder} and {first} were made with different models")
    shards = [tuple(m["config"]["shard"]) for m in manifests]
    total = shards[0][1]
    if any(n != total for _, n in shards):
        raise ScpoError("the folders split the problems into different numbers of shards")
    seen: dict[int, Path] = {}
    for folder, (index, _) in zip(folders, shards):
        if index in seen:
            raise ScpoError(f"{folder} and {seen[index]} are both shard {index}/{total}")
        seen[index] = folder
    missing = sorted(set(range(total)) - set(seen))
    if missing:
        raise ScpoError(f"missing shard(s) {', '.join(f'{i}/{total}' for i in missing)}")
    return sorted(range(len(folders)), key=lambda i: shards[i][0])


def open_shards(folders: Sequence[Path], out: Path,
                operational: frozenset[str] = OPERATIONAL) -> tuple[list[Path], list[dict[str, Any]]]:
    """The shard folders and their manifests in shard order, checked for a merge into ``out``.

    Raises:
        ScpoError: When no folder is named, ``out`` is not empty, or see :func:`check_shards`.
    """
    if not folders:
        raise ScpoError("name the shard folders to merge")
    if out.exists() and any(out.iterdir()):
        raise ScpoError(f"{out} exists and is not empty")
    manifests = [read_manifest(folder) for folder in folders]
    order = check_shards(folders, manifests, operational)
    return [folders[i] for i in order], [manifests[i] for i in order]


def check_distinct(problems: Sequence[rec.Problem]) -> None:
    """Refuse problems that appear in more than one shard."""
    ids = [p.problem_id for p in problems]
    if len(set(ids)) != len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise ScpoError(f"problems appear in more than one shard: {', '.join(repeated[:5])}")


def shard_model(manifest: dict[str, Any]) -> ModelRef:
    """The model a shard's manifest records (the same for all shards after :func:`check_shards`)."""
    return ModelRef(**{k: manifest["model"][k] for k in ("spec", "path", "identity", "file_hash")})


def summed_cache(manifests: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The shards' request-cache counts added up."""
    return {key: sum(m["counts"].get("cache", {}).get(key, 0) for m in manifests)
            for key in manifests[0]["counts"].get("cache", {})}


def merge_runs(folders: Sequence[Path], out: Path) -> RunSummary:
    """Merge shard folders into the run folder ``out`` (which must not exist or be empty).

    Raises:
        ScpoError: See :func:`open_shards`; also when two shards hold the same problem.
    """
    folders, manifests = open_shards(folders, out)
    shard_problems = [rec.read_records(folder / rec.PROBLEMS_FILE, rec.Problem) for folder in folders]
    problems = [p for part in shard_problems for p in part]
    check_distinct(problems)
    base = manifests[0]
    known = {f.name for f in fields(GenerateConfig)}
    settings = {k: v for k, v in base["config"].items() if k in known}
    config = GenerateConfig(**{**settings, "out": str(out), "shard": None})
    records = RunRecords(gold_keys(problems, config.domain))
    timer = Timer()
    rec.write_records(problems, rec.Problem, out / rec.PROBLEMS_FILE)
    with rec.RecordSink(out / rec.SAMPLES_FILE, rec.Sample) as sink:
        for folder, part in zip(folders, shard_problems):  # one shard's samples in memory at a time
            samples = rec.read_records(folder / rec.SAMPLES_FILE, rec.Sample)
            sink.write(samples)
            records.add(config, part, samples, rec.read_records(folder / rec.ANSWERS_FILE, rec.AnswerRecord), timer)
    rec.write_records(records.answers, rec.AnswerRecord, out / rec.ANSWERS_FILE)
    origin = {key: sum(m["counts"].get(key, 0) for m in manifests) for key in ("seed_problems", "synthesized")}
    return finish_run(config, shard_model(base), problems, records, timer, origin, summed_cache(manifests))
