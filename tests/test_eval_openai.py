"""``run_eval`` through ``--backend openai`` against a loopback server started by the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_openai_backend import Reply, serving

from scpo_data.backends import BackendOptions
from scpo_data.evaluate.run import EvalConfig, run_eval
from helpers import SHARED_DATA, needs_shared_data

GSM8K = SHARED_DATA / "gsm8k" / "test.jsonl"


def answer(number: int, body: dict[str, Any]) -> Reply:
    """Always 18 at temperature 0; at temperature 0.7 two votes for 18 and the rest for 5."""
    texts = ["Adding up... #### 18"] if body["temperature"] == 0 else [
        f"Reply {i}: #### {18 if i < 2 else 5}" for i in range(body["n"])]
    choices = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
               for i, t in enumerate(texts)]
    return 200, {"choices": choices, "usage": {"completion_tokens": 5 * len(texts)}}, {}, 0.0


@needs_shared_data
def test_eval_through_a_server(tmp_path: Path) -> None:
    golds = [json.loads(line)["answer"].rsplit("####", 1)[1].strip() for line in GSM8K.read_text().splitlines()[:3]]
    with serving(answer) as server:
        config = EvalConfig(data=str(GSM8K), domain="gsm8k", model="served-model", backend="openai", k=3,
                            limit=3, out=str(tmp_path / "ev"), options=BackendOptions(base_url=server.url))
        report = run_eval(config)
        assert len(server.requests) == 3 + 3  # one greedy and one n=k request per problem
        assert {body["model"] for body, _ in server.requests} == {"served-model"}
    right = sum(g == "18" for g in golds) / 3
    assert report["overall"]["greedy_accuracy"] == pytest.approx(right)
    assert report["overall"]["maj_accuracy"] == pytest.approx(right)  # 18 wins 2 votes to 1
    assert report["overall"]["sample_parse_rate"] == 1.0
    assert report["model"]["identity"] == "served:served-model"
