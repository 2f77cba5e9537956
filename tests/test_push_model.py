"""``scpo-data push --model``: a trained LoRA adapter goes to the loopback Hub as a model repo, with
a model card that parses as a ModelCard and links the data, the base model, the loss and the evals."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import ModelCard
from test_push_hub import TOKEN, FakeHub, Request, _env, _push, _snapshot, hub  # noqa: F401 (hub: fixture)
from train_helpers import write_options, write_pairs
from typer.testing import CliRunner

from scpo_data.cli.app import app

REPO = "alice/smol-scpo"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """iterate's layout: ITER/model is a LoRA adapter (1 step), ITER/eval/test/report.json evaluated it."""
    root = tmp_path_factory.mktemp("push-model")
    run = write_pairs(root / "run")
    model = root / "iter1" / "model"
    result = CliRunner().invoke(app, ["train", "--data", str(run), "--out", str(model), "--lora", "--batch-size", "2",
                                      "--save-steps", "1", "--config", str(write_options(root / "o.yaml", 1))])
    assert result.exit_code == 0, result.output
    report = {"config": {"data": "/data/test.jsonl", "model": str(model), "k": 8},
              "overall": {"problems": 100, "greedy_accuracy": 0.45, "maj_accuracy": 0.5}}
    (root / "iter1" / "eval" / "test").mkdir(parents=True)
    (root / "iter1" / "eval" / "test" / "report.json").write_text(json.dumps(report))
    other = {**report, "config": {**report["config"], "model": str(root / "elsewhere")}}
    (root / "iter1" / "eval" / "other").mkdir()
    (root / "iter1" / "eval" / "other" / "report.json").write_text(json.dumps(other))  # another model's eval
    return model


def serve_models(hub: FakeHub) -> FakeHub:
    """Let the loopback Hub take commits to model repos too (/api/models/OWNER/NAME/commit/REV)."""
    plain = hub.respond

    def respond(req: Request) -> tuple[int, Any]:
        path = req.path.split("?")[0]
        if req.method == "POST" and path.startswith("/api/models/") and "/commit/" in path:
            return 200, {"commitUrl": f"{hub.url}/{REPO}/commit/{'b' * 40}", "commitOid": "b" * 40,
                         "pullRequestUrl": None}
        return plain(req)

    hub.respond = respond  # type: ignore[method-assign]
    return hub


def test_push_model_uploads_the_adapter_with_a_model_card(hub: FakeHub, model_dir: Path, tmp_path: Path) -> None:
    serve_models(hub)
    before = _snapshot(model_dir)
    result = _push(_env(hub, tmp_path, HF_TOKEN=TOKEN), "--model", str(model_dir), "--repo", REPO,
                   "--dataset", "alice/scpo-pairs")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"{hub.url}/{REPO}"

    create = [r for r in hub.requests if r.path == "/api/repos/create"]
    assert len(create) == 1 and json.loads(create[0].body)["type"] == "model"
    [commit] = hub.commits()
    files = {op["value"]["path"]: op["value"].get("content") for op in commit[1:] if op["key"] == "file"}
    lfs = {op["value"]["path"] for op in commit[1:] if op["key"] == "lfsFile"}
    uploaded = set(files) | lfs
    assert {"README.md", "adapter_config.json", "adapter_model.safetensors", "training.json",
            "tokenizer.json", "trainer_state.json"} <= uploaded
    assert not [p for p in uploaded if p.startswith("checkpoint-") or p == "training_args.bin"]
    adapter_config = json.loads(base64.b64decode(files["adapter_config.json"]))
    assert adapter_config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"

    card = ModelCard(base64.b64decode(files["README.md"]).decode())
    data = card.data.to_dict()
    assert data["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert data["datasets"] == ["alice/scpo-pairs"] and data["library_name"] == "peft"
    assert {"scpo-data", "scpo", "lora", "dpo"} <= set(data["tags"])
    results = {r.metric_name: r.metric_value for r in card.data.eval_results}
    assert results == {"greedy accuracy": 0.45, "maj@8 accuracy": 0.5}  # the other model's eval is not shown
    text = card.text
    assert "https://huggingface.co/datasets/alice/scpo-pairs" in text and "2411.04109" in text
    assert "| beta | 0.5 |" in text and "| alpha (NLL weight) | 1.0 |" in text and "r 16, alpha 32.0" in text
    assert "| test | test.jsonl | 100 | 45.0% | 50.0% (8) |" in text
    assert f'AutoPeftModelForCausalLM.from_pretrained("{REPO}")' in text

    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in hub.requests)
    assert TOKEN not in result.stdout + result.stderr
    assert _snapshot(model_dir) == before  # the local adapter config still names the local base


def test_push_model_refuses_what_it_cannot_describe(hub: FakeHub, model_dir: Path, tmp_path: Path) -> None:
    env = _env(hub, tmp_path, HF_TOKEN=TOKEN)
    untrained = tmp_path / "untrained"
    untrained.mkdir()
    (untrained / "config.json").write_text("{}")  # a model folder, but not one scpo-data trained
    cases = [
        (["--model", str(tmp_path / "empty")], "is not a model folder"),
        (["--model", str(untrained)], "has no training.json"),
        (["--model", str(model_dir), "--eval", str(tmp_path / "nope.json")], "cannot read it"),
        (["--model", str(model_dir), "--repo", "no-owner"], "OWNER/NAME"),
        ([str(model_dir), "--model", str(model_dir)], "one of them"),
    ]
    for args, message in cases:
        result = _push(env, *args, *([] if "--repo" in args else ["--repo", REPO]))
        assert result.returncode == 2, (args, result.stderr[-2000:])
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not hub.requests
