"""The openai backend against real loopback HTTP servers started by the tests: canned
replies for retries, errors, timeouts and concurrency; the embedded model served through
the hf backend for a whole ``scpo-data generate --backend openai`` run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from scpo_data.backends.base import SamplingParams
from scpo_data.backends.openai import OpenAIBackend, share_tokens
from scpo_data.errors import ScpoError

#: A reply: (status, JSON body, extra headers, seconds to wait before answering).
Reply = tuple[int, dict[str, Any], dict[str, str], float]
PROMPTS = [[{"role": "user", "content": f"What is {i} + {i}?"}] for i in range(3)]
PARAMS = SamplingParams(n=2, temperature=0.7, top_p=0.9, max_tokens=20, seed=5)


def ok(body: dict[str, Any]) -> Reply:
    """A successful chat completion echoing the request's n."""
    choices = [{"index": i, "message": {"role": "assistant", "content": f"answer {i} #### {i}"},
                "finish_reason": "stop"} for i in range(body["n"])]
    return 200, {"choices": choices, "usage": {"completion_tokens": 6 * body["n"]}}, {}, 0.0


class Server:
    """A loopback chat-completions server; ``answer`` decides each reply."""

    def __init__(self, answer: Callable[[int, dict[str, Any]], Reply]) -> None:
        self.answer = answer
        self.requests: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    number = len(server.requests)
                    server.requests.append((body, dict(self.headers)))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if self.path != "/v1/chat/completions":
                        status, payload, headers, wait = 404, {"error": {"message": "no such route"}}, {}, 0.0
                    else:
                        status, payload, headers, wait = server.answer(number, body)
                    time.sleep(wait)
                finally:
                    # Leave the count before replying: once the client has the reply it may send
                    # its next request, which must not find this one still counted.
                    with server.lock:
                        server.in_flight -= 1
                try:
                    data = json.dumps(payload).encode()
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@contextmanager
def serving(answer: Callable[[int, dict[str, Any]], Reply]) -> Iterator[Server]:
    """Run a :class:`Server` in a thread for the duration of the block."""
    server = Server(answer)
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def backend(url: str, **kwargs: Any) -> OpenAIBackend:
    return OpenAIBackend(url, "tiny-model", **{"backoff": 0.01, **kwargs})


def test_request_carries_n_seed_and_sampling_and_replies_are_parsed() -> None:
    with serving(lambda n, body: ok(body)) as server:
        out = backend(server.url).generate(PROMPTS, PARAMS)
    assert [[c.text for c in row] for row in out] == [["answer 0 #### 0", "answer 1 #### 1"]] * 3
    assert all(c.n_tokens == 6 and c.finish_reason == "stop" for row in out for c in row)
    bodies = sorted((b for b, _ in server.requests), key=lambda b: b["messages"][0]["content"])
    assert [b["messages"] for b in bodies] == PROMPTS
    assert {(b["model"], b["n"], b["temperature"], b["top_p"], b["max_tokens"]) for b in bodies} == {
        ("tiny-model", 2, 0.7, 0.9, 20)}
    assert len({b["seed"] for b in bodies}) == 3  # one seed per prompt, from its content


def test_429_and_5xx_are_retried_with_retry_after() -> None:
    replies = {0: (429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}, 0.0),
               1: (503, {"error": "overloaded"}, {}, 0.0)}
    with serving(lambda n, body: replies.get(n) or ok(body)) as server:
        out = backend(server.url).generate(PROMPTS[:1], PARAMS)
    assert len(server.requests) == 3 and len(out[0]) == 2


def test_a_timeout_is_retried() -> None:
    def answer(n: int, body: dict[str, Any]) -> Reply:
        status, payload, headers, _ = ok(body)
        return status, payload, headers, 1.5 if n == 0 else 0.0

    with serving(answer) as server:
        out = backend(server.url, timeout=0.5).generate(PROMPTS[:1], PARAMS)
    assert len(server.requests) == 2 and len(out[0]) == 2


def test_a_4xx_is_a_clear_error_without_retries() -> None:
    with serving(lambda n, body: (400, {"error": {"message": "model 'tiny-model' does not exist"}}, {}, 0.0)) as server:
        with pytest.raises(ScpoError, match=r"refused the request: HTTP 400: model 'tiny-model' does not exist"):
            backend(server.url).generate(PROMPTS[:1], PARAMS)
    assert len(server.requests) == 1


def test_persistent_5xx_gives_up_after_the_retries() -> None:
    with serving(lambda n, body: (500, {"error": {"message": "boom"}}, {}, 0.0)) as server:
        with pytest.raises(ScpoError, match="failed after 3 attempts: HTTP 500: boom"):
            backend(server.url, max_retries=2).generate(PROMPTS[:1], PARAMS)
    assert len(server.requests) == 3


def test_concurrency_is_bounded_and_used() -> None:
    def slow(n: int, body: dict[str, Any]) -> Reply:
        status, payload, headers, _ = ok(body)
        return status, payload, headers, 0.2

    prompts = [[{"role": "user", "content": f"q{i}"}] for i in range(12)]
    with serving(slow) as server:
        out = backend(server.url, concurrency=3).generate(prompts, PARAMS)
    assert len(out) == 12 and server.max_in_flight == 3


def test_api_key_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCPO_TEST_KEY", "sk-test-123")
    with serving(lambda n, body: ok(body)) as server:
        backend(server.url, api_key_env="SCPO_TEST_KEY").generate(PROMPTS[:1], PARAMS)
    assert server.requests[0][1]["Authorization"] == "Bearer sk-test-123"


def test_malformed_reply_is_a_clear_error() -> None:
    with serving(lambda n, body: (200, {"choices": [{"text": "no message"}]}, {}, 0.0)) as server:
        with pytest.raises(ScpoError, match="malformed completion"):
            backend(server.url).generate(PROMPTS[:1], PARAMS)


def test_token_usage_is_shared_by_text_length_and_length_cuts() -> None:
    assert share_tokens(["aaa", "a", "xxxx"], ["stop", "stop", "length"], 28, 20) == [6, 2, 20]
    assert share_tokens(["", ""], ["stop", "stop"], 4, 20) == [2, 2]


def test_generate_cli_through_a_server_that_serves_the_embedded_model(tmp_path: Path) -> None:
    from scpo_data.backends.hf import HFBackend
    from scpo_data.backends.models import resolve_model

    model = HFBackend(resolve_model("embedded"), dtype="float32")
    served: list[str] = []

    def answer(n: int, body: dict[str, Any]) -> Reply:
        params = SamplingParams(body["n"], body["temperature"], body["top_p"], body["max_tokens"], body["seed"])
        (row,) = model.generate([body["messages"]], params)
        served.extend(c.text for c in row)
        choices = [{"index": i, "message": {"role": "assistant", "content": c.text},
                    "finish_reason": c.finish_reason} for i, c in enumerate(row)]
        return 200, {"choices": choices, "usage": {"completion_tokens": sum(c.n_tokens for c in row)}}, {}, 0.0

    out = tmp_path / "run"
    args = [sys.executable, "-m", "scpo_data", "generate", "--domain", "gsm8k", "--backend", "openai", "--limit", "2", "--k", "2",
            "--max-tokens", "24", "--synthesize", "0", "--tau", "0.5", "--out", str(out)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with serving(answer) as server:
        first = subprocess.run([*args, "--base-url", server.url], capture_output=True, text=True, env=env,
                               timeout=900)
        assert first.returncode == 0, first.stderr[-2000:]
        assert len(server.requests) == 2 and {b["n"] for b, _ in server.requests} == {2}
        samples = pl.read_parquet(out / "samples.parquet")
        assert sorted(samples["text"].to_list()) == sorted(served)
        assert (samples["n_tokens"] > 0).all() and (samples["n_tokens"] <= 24).all()
        again = subprocess.run([*args, "--base-url", server.url], capture_output=True, text=True, env=env,
                               timeout=900)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "0 generated in 0 model calls" in again.stderr and len(server.requests) == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["backend"] == "openai" and manifest["counts"]["samples"] == 4
