"""``--engine ray`` on a local Ray cluster (2 CPUs, replicas of half a CPU each): the same
files as a local run, a killed replica retried with the same output, a terminated (exit
143) then killed driver re-run without regenerating a finished unit, and one-line errors in seconds.

The runs use the arith domain's warmed embedded model, which makes pairs on a handful of
problems; the extra samples of unanimous problems make a second request per run.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ENV, scpo as scpo_local
from scpo_data.backends.base import Completion
from scpo_data.engines.ray_cluster import probe
from scpo_data.engines.shard_cache import SHARDS_DIR, ShardCache
from scpo_data.errors import ScpoError

ray = pytest.importorskip("ray")

#: 4 problems x 4 samples in batches of 4 (and extra samples): several units per request.
ARGS = ["generate", "--domain", "arith", "--count", "4", "--k", "4", "--max-tokens", "32", "--tau", "0.25",
        "--seed", "3", "--batch-size", "4"]
#: Two replicas of half a CPU each fit the 2-CPU test cluster.
RAY = ["--engine", "ray", "--replicas", "2", "--cpus-per-replica", "0.5"]
#: Local Ray clusters use token auth (the token is in ~/.ray/auth_token); a driver joining by
#: address must say so.
RAY_ENV = {**ENV, "RAY_AUTH_MODE": "token"}
#: The files a run writes that must not depend on the engine.
FILES = ["problems.parquet", "samples.parquet", "answers.parquet", "pairs.parquet"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A local 2-CPU Ray cluster for the module; yields its address for ``--ray-address``."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same command on the local engine."""
    out = tmp_path_factory.mktemp("local") / "run"
    result = scpo_local(*ARGS, "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((out / "manifest.json").read_text())["counts"]["pairs"] > 0
    return out


def scpo(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    """Run ``scpo-data ARGS`` in a fresh process that may join the test cluster."""
    return subprocess.run([sys.executable, "-m", "scpo_data", *args], capture_output=True, text=True,
                          env=RAY_ENV, timeout=timeout)


def shard_lines(out: Path, names: set[str] | None = None) -> list[list[str]]:
    """The keys of every complete line of the run's cache shards (of ``names`` only, if given)."""
    lines = []
    for shard in sorted((out / SHARDS_DIR).glob("*.jsonl")):
        if names is None or shard.name in names:
            data = shard.read_bytes()
            lines += [json.loads(line)["keys"] for line in data[: data.rfind(b"\n") + 1].splitlines()]
    return lines


def assert_same_files(run: Path, reference: Path) -> None:
    """The engine-independent files of ``run`` are byte for byte those of ``reference``."""
    for name in FILES:
        assert (run / name).read_bytes() == (reference / name).read_bytes(), name
    dataset = sorted((reference / "dataset" / "data").glob("*.parquet"))
    assert dataset and [p.read_bytes() for p in dataset] == [
        (run / "dataset" / "data" / p.name).read_bytes() for p in dataset]


def start(out: Path, address: str) -> subprocess.Popen[str]:
    """The Ray run as a user starts it, in a fresh process."""
    return subprocess.Popen([sys.executable, "-m", "scpo_data", *ARGS, *RAY, "--ray-address", address,
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=RAY_ENV)


def wait_for_units(proc: subprocess.Popen[str], out: Path, count: int) -> None:
    """Wait until ``count`` units are in the shards, while the run is still busy."""
    deadline = time.monotonic() + 900
    while len(shard_lines(out)) < count:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


@pytest.mark.slow
def test_ray_run_matches_local_run(cluster: str, local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "ray"
    result = scpo(*ARGS, *RAY, "--ray-address", cluster, "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_files(out, local_run)
    assert len(list((out / SHARDS_DIR).glob("*.jsonl"))) == 2, "both replicas should have run units"
    cache = json.loads((out / "manifest.json").read_text())["counts"]["cache"]
    local = json.loads((local_run / "manifest.json").read_text())["counts"]["cache"]
    assert cache == local  # the same units, all generated once

    again = scpo(*ARGS, *RAY, "--ray-address", cluster, "--out", str(out))
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"cache: {local['completions_generated']} completions replayed, 0 generated" in again.stderr
    assert_same_files(out, local_run)


@pytest.mark.slow
def test_correct_on_ray_matches_the_local_run(cluster: str, tmp_path: Path) -> None:
    args = ["correct", "--model", "embedded-arith", "--domain", "arith", "--count", "3", "--n", "2",
            "--second-n", "2", "--max-tokens", "24", "--batch-size", "2"]
    local = scpo_local(*args, "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr[-2000:]
    result = scpo(*args, *RAY, "--ray-address", cluster, "--out", str(tmp_path / "ray"))
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("problems.parquet", "traces.parquet"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert shard_lines(tmp_path / "ray") and not (tmp_path / "ray" / "cache.sqlite").exists()
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert manifest["config"]["engine"]["engine"] == "ray"


#: A one-iteration ScPO recipe small enough to run twice: no warm-up (M0 is the warmed model).
SMALL_RECIPE = """
model: embedded-arith
arms: [scpo]
iterations: 1
tau: [0.25]
problems: {source: arith, arith: {preset: easy}, pool_per_iteration: 3, dev: 2, test: 2}
sampling: {k: 4, max_tokens: 24, batch_size: 4}
train: {epochs: 1, learning_rate: 1.0e-5, per_device_train_batch_size: 2, max_length: 256}
eval: {maj_n: 1, k: 2}
"""


@pytest.mark.slow
def test_iterate_samples_and_evaluates_on_ray_as_locally(cluster: str, tmp_path: Path) -> None:
    recipe = tmp_path / "small.yaml"
    recipe.write_text(SMALL_RECIPE)
    args = ["iterate", "--recipe", str(recipe), "--no-warmup"]
    local = scpo_local(*args, "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr[-2000:]
    result = scpo(*args, *RAY, "--ray-address", cluster, "--out", str(tmp_path / "ray"))
    assert result.returncode == 0, result.stderr[-2000:]
    base = Path("base") / "iter1" / "run"
    for name in (base / "samples.parquet", base / "pairs.parquet", Path("base/iter0/eval/test/results.parquet"),
                 Path("base/iter0/eval/maj/results.parquet"), Path("base/iter0/eval/dev/results.parquet")):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert shard_lines(tmp_path / "ray" / base) and not (tmp_path / "ray" / base / "cache.sqlite").exists()
    # the arm pairs M0's samples again: replayed from the shards copied in, none generated
    arm = json.loads((tmp_path / "ray" / "scpo" / "iter1" / "run" / "manifest.json").read_text())
    assert arm["counts"]["cache"]["completions_generated"] == 0


@pytest.mark.slow
def test_killed_replica_is_retried(cluster: str, local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "ray"
    proc = start(out, cluster)
    wait_for_units(proc, out, 1)
    victim = next((out / SHARDS_DIR).glob("*.jsonl"))
    os.kill(int(victim.stem.split("-")[-2]), signal.SIGKILL)  # the shard is named HOST-PID-TAG
    _, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 0, stderr[-2000:]
    assert_same_files(out, local_run)
    keys = [key for line in shard_lines(out) for key in line]
    assert len(keys) == len(set(keys)), "a finished unit was generated twice"
    assert len(list((out / SHARDS_DIR).glob("*.jsonl"))) > 2, "the killed replica was not restarted"


@pytest.mark.slow
def test_stopped_driver_rerun_regenerates_no_finished_unit(cluster: str, local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "ray"
    proc = start(out, cluster)
    wait_for_units(proc, out, 1)
    proc.send_signal(signal.SIGTERM)  # scancel, a preempted job: a clean stop first
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 143, stderr[-2000:]
    assert stderr.strip().splitlines()[-1].startswith("error: terminated: "), stderr[-2000:]
    assert "run the same command again to resume" in stderr

    proc = start(out, cluster)
    wait_for_units(proc, out, len(shard_lines(out)) + 1)
    proc.kill()
    proc.communicate()
    time.sleep(2)  # the killed driver's replicas are stopped by Ray
    before = {p.name for p in (out / SHARDS_DIR).glob("*.jsonl")}

    result = scpo(*ARGS, *RAY, "--ray-address", cluster, "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_files(out, local_run)
    finished = {key for line in shard_lines(out, before) for key in line}
    regenerated = {key for line in shard_lines(out, {p.name for p in (out / SHARDS_DIR).glob("*.jsonl")} - before)
                   for key in line}
    assert finished and regenerated, "the driver was not killed mid-run"
    assert not finished & regenerated, "a unit finished before the kill was generated again"
    cache = json.loads((out / "manifest.json").read_text())["counts"]["cache"]
    assert cache["completions_generated"] == len(regenerated)


def test_unreachable_address_fails_in_seconds_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]  # closed once the block ends: nothing listens there
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        out = tmp_path / "run"
        start_time = time.monotonic()
        with pytest.raises(ScpoError, match="cannot reach the Ray cluster"):
            probe(address)
        assert time.monotonic() - start_time < 5  # the CLI's start (torch imports) is not timed
        result = scpo(*ARGS, *RAY, "--ray-address", address, "--out", str(out), timeout=300)
        assert result.returncode == 2, result.stderr[-2000:]
        assert result.stderr.strip().splitlines() == [
            f"error: cannot reach the Ray cluster at {address}: Connection refused (no answer from "
            f"127.0.0.1:{port})"]
        assert not out.exists()


def test_cluster_wanting_a_token_is_one_clean_error(cluster: str, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "scpo_data", *ARGS, *RAY, "--ray-address", cluster, "--out",
                             str(out)], capture_output=True, text=True, timeout=120,
                            env={**ENV, "RAY_AUTH_MODE": "disabled"})
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [
        f"error: the Ray cluster at {cluster} wants its auth token: export RAY_AUTH_MODE=token (the token is "
        "read from RAY_AUTH_TOKEN or ~/.ray/auth_token)"]
    assert not out.exists()


def test_missing_ray_is_one_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from scpo_data.engines.ray_cluster import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ScpoError, match=r'^--engine ray needs Ray: pip install "scpo-data\[ray\]"$'):
        import_ray()


def test_replicas_asking_for_missing_resources_are_refused(cluster: str) -> None:
    from scpo_data.engines.ray_cluster import check_resources

    with pytest.raises(ScpoError, match=r"--gpus-per-replica 1: no node of the Ray cluster has 1 GPUs"):
        check_resources(1, 0.5, 1)
    with pytest.raises(ScpoError, match=r"--replicas 3 x --cpus-per-replica 1: the Ray cluster holds only 2"):
        check_resources(3, 1, 0)
    check_resources(4, 0.5, 0)


def test_shard_cache_reads_other_writers_and_ignores_a_torn_line(tmp_path: Path) -> None:
    first, second = ShardCache(tmp_path), ShardCache(tmp_path)
    done = [Completion("a", "stop", 1), Completion("b", "length", 2)]
    assert second.get_many(["k1", "k2"]) is None
    first.put_many(["k1", "k2"], done)
    assert second.get_many(["k2", "k1"]) == done[::-1]  # found on a miss, written by another writer
    shard = next(tmp_path.glob("*.jsonl"))
    with shard.open("ab") as handle:
        handle.write(b'{"keys": ["k3"], "completions": [["c", "st')  # a writer killed mid-line
    assert ShardCache(tmp_path).get_many(["k3"]) is None
    assert len(ShardCache(tmp_path)) == 2
    first.close()
