"""The OpenAI-compatible backend: chat completions from any server that speaks the API
(``vllm serve``, SGLang, llama.cpp's ``llama-server``, hosted endpoints).

One work unit is one request: a prompt with ``n`` choices, sampled under a seed derived
from the run seed and the prompt's content (not its position), so a re-run or another
shard sends the same request. Requests run ``concurrency`` at a time; 429, 5xx,
timeouts and dropped connections are retried with exponential backoff (honouring
``Retry-After``); any other 4xx stops the run with the server's message.

The API reports token usage per request, not per choice: choices cut by the limit
(``finish_reason == "length"``) get ``max_tokens`` and the rest of the reported
completion tokens are shared among the others in proportion to their text length.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit, request_seed
from scpo_data.errors import ScpoError
from scpo_data.records import Message

#: HTTP statuses worth retrying: rate limits and server-side failures.
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAIBackend(Backend):
    """Chat completions over HTTP with bounded concurrency and retries."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 8,
        timeout: float = 600.0,
        max_retries: int = 6,
        backoff: float = 1.0,
    ) -> None:
        """Configure the client (no request is sent here).

        Args:
            base_url: The API root, e.g. ``http://localhost:8000/v1``.
            model: The model name the server knows.
            api_key_env: Environment variable holding the API key (unset: no key sent).
            concurrency: Requests in flight at once.
            timeout: Seconds to wait for one response.
            max_retries: Retries of a request before giving up.
            backoff: First retry delay in seconds; doubled on each retry.
        """
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = os.environ.get(api_key_env)
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff

    def identity(self) -> str:
        """Backend, server URL and served model name."""
        return f"openai:{self.url}:{self.model}"

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """One request per prompt, seeded by the run seed and the prompt's content."""
        return [
            WorkUnit(tuple((i, j) for j in range(params.n)), request_seed(params.seed, prompt))
            for i, prompt in enumerate(prompts)
        ]

    def run_unit(
        self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit
    ) -> list[Completion]:
        """Send one chat-completions request with ``n`` choices."""
        prompt = prompts[unit.items[0][0]]
        body = {
            "model": self.model,
            "messages": prompt,
            "n": len(unit.items),
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "seed": unit.seed,
        }
        reply = self._post(body)
        try:
            choices = sorted(reply["choices"], key=lambda c: c.get("index", 0))
            texts = [str(c["message"].get("content") or "") for c in choices]
            reasons = ["length" if c.get("finish_reason") == "length" else "stop" for c in choices]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ScpoError(f"{self.url} returned a malformed completion: {exc!r}") from None
        if len(choices) != len(unit.items):
            raise ScpoError(f"{self.url} returned {len(choices)} choices, {len(unit.items)} were asked for")
        usage = reply.get("usage") or {}
        tokens = share_tokens(texts, reasons, int(usage.get("completion_tokens") or 0), params.max_tokens)
        return [Completion(t, r, n) for t, r, n in zip(texts, reasons, tokens)]

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        for attempt in range(self.max_retries + 1):
            delay = self.backoff * 2**attempt * (0.75 + 0.5 * random.random())
            try:
                request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                detail = _error_message(exc)
                if exc.code not in RETRY_STATUS:
                    raise ScpoError(f"{self.url} refused the request: HTTP {exc.code}: {detail}") from None
                problem = f"HTTP {exc.code}: {detail}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    delay = min(float(retry_after), 60.0)
            except (urllib.error.URLError, TimeoutError, socket.timeout, ConnectionError) as exc:
                problem = str(getattr(exc, "reason", exc)) or type(exc).__name__
            except json.JSONDecodeError:
                raise ScpoError(f"{self.url} did not answer with JSON") from None
            if attempt < self.max_retries:
                time.sleep(delay)
        raise ScpoError(f"{self.url} failed after {self.max_retries + 1} attempts: {problem}")


def share_tokens(texts: Sequence[str], reasons: Sequence[str], total: int, max_tokens: int) -> list[int]:
    """Per-choice token counts from a request's total (see the module docstring)."""
    counts = [max_tokens if r == "length" else 0 for r in reasons]
    rest = max(0, total - sum(counts))
    free = [i for i, r in enumerate(reasons) if r != "length"]
    chars = sum(len(texts[i]) for i in free)
    for i in free:
        counts[i] = round(rest * len(texts[i]) / chars) if chars else rest // len(free)
    return counts


def _error_message(exc: urllib.error.HTTPError) -> str:
    """The server's error message from an OpenAI-style error body, or the HTTP reason."""
    try:
        body = json.loads(exc.read() or b"{}")
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else str(error)
    except (json.JSONDecodeError, AttributeError, OSError):
        message = None
    return " ".join(str(message or exc.reason).split())[:300]
