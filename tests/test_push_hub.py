"""``scpo-data push`` against a loopback Hub: the commit's files, the private flag, the token's
whereabouts, and one-line errors for 401/403/404/5xx/connection refused/no token."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import constants
from typer.testing import CliRunner

from scpo_data.cli.app import app
from scpo_data.publish.dataset import export_dataset
from scpo_data.records import Pair

TOKEN = "hf_loopbackSecret0123456789"


@dataclass
class Request:
    """One request the loopback Hub received."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class FakeHub:
    """The few Hub endpoints create_repo / create_branch / upload_folder call."""

    url: str = ""
    requests: list[Request] = field(default_factory=list)
    #: Answer this status to requests whose path contains the key.
    failures: dict[str, int] = field(default_factory=dict)

    def commits(self) -> list[list[dict[str, Any]]]:
        """The NDJSON payload of each commit, one list of items per commit."""
        return [[json.loads(line) for line in r.body.splitlines() if line.strip()]
                for r in self.requests if "/commit/" in r.path]

    def respond(self, req: Request) -> tuple[int, Any]:
        for fragment, status in self.failures.items():
            if fragment in req.path:
                return status, {"error": f"loopback failure {status}"}
        path = req.path.split("?")[0]
        if req.method == "POST" and path == "/api/repos/create":
            payload = json.loads(req.body)
            name = f"{payload['organization']}/{payload['name']}"
            return 200, {"url": f"{self.url}/datasets/{name}", "name": name}
        if req.method == "POST" and path == "/api/validate-yaml":
            return 200, {"errors": [], "warnings": []}
        if req.method == "POST" and "/branch/" in path:
            return 200, {}
        if req.method == "POST" and "/preupload/" in path:
            files = json.loads(req.body)["files"]
            return 200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                    "oid": None} for f in files]}
        if req.method == "POST" and "/commit/" in path:
            repo = path.split("/api/datasets/")[1].split("/commit/")[0]
            return 200, {"commitUrl": f"{self.url}/datasets/{repo}/commit/{'a' * 40}",
                         "commitOid": "a" * 40, "pullRequestUrl": None}
        return 404, {"error": "not found"}


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    state = FakeHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            state.requests.append(req)
            status, payload = state.respond(req)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _pair(i: int, chosen_votes: int, gold: str | None) -> Pair:
    return Pair(prompt=[{"role": "user", "content": f"What is {i} + {i}?"}],
                chosen=[{"role": "assistant", "content": f"{2 * i}\n#### {2 * i}"}],
                rejected=[{"role": "assistant", "content": "#### 0"}],
                weight=(chosen_votes - 1) / 4, chosen_votes=chosen_votes, rejected_votes=1, k=4,
                chosen_answer=str(2 * i), rejected_answer="0", gold=gold, problem_id=f"p{i}",
                domain="gsm8k")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run folder whose dataset/ was written by the real exporter."""
    run = tmp_path / "run"
    manifest = {"config": {"domain": "gsm8k", "k": 4, "tau": 0.5, "problems": "builtin"},
                "counts": {"problems": 2, "samples": 8, "pairs": 2}, "versions": {}, "model": {}}
    export_dataset([_pair(1, 3, "2"), _pair(2, 4, None)], manifest, run / "dataset")
    return run


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _env(hub: FakeHub, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")}
    env.update(HF_ENDPOINT=hub.url, HF_HUB_OFFLINE="0", HF_HOME=str(tmp_path / "hf-home"),
               HF_HUB_DISABLE_TELEMETRY="1", **extra)
    return env


def _push(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scpo_data", "push", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_push_commits_card_parquet_and_plot_privately_with_token_only_in_auth_header(
    hub: FakeHub, run_dir: Path, tmp_path: Path
) -> None:
    before = _snapshot(run_dir)
    result = _push(_env(hub, tmp_path, HF_TOKEN=TOKEN), str(run_dir), "--repo-id", "alice/scpo-pairs",
                   "--private", "--commit-message", "first pairs")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"{hub.url}/datasets/alice/scpo-pairs"

    create = [r for r in hub.requests if r.path == "/api/repos/create"]
    assert len(create) == 1
    assert json.loads(create[0].body) == {"name": "scpo-pairs", "organization": "alice",
                                          "visibility": "private", "type": "dataset"}
    [commit] = hub.commits()
    header, *ops = commit
    assert header["key"] == "header" and header["value"]["summary"] == "first pairs"
    files = {op["value"]["path"]: base64.b64decode(op["value"]["content"]) for op in ops if op["key"] == "file"}
    data_files = [p for p in files if p.startswith("data/train-") and p.endswith(".parquet")]
    assert set(files) == {"README.md", "plots/vote_margins.png", *data_files} and len(data_files) == 1
    assert files["plots/vote_margins.png"].startswith(b"\x89PNG")
    assert files[data_files[0]] == (run_dir / "dataset" / data_files[0]).read_bytes()
    card = files["README.md"].decode()
    assert 'load_dataset("alice/scpo-pairs", split="train")' in card and "OWNER/NAME" not in card

    for req in hub.requests:
        assert req.headers.get("authorization") == f"Bearer {TOKEN}"
        others = {k: v for k, v in req.headers.items() if k != "authorization"}
        assert TOKEN not in json.dumps(others) and TOKEN not in req.path
        assert TOKEN.encode() not in req.body
    assert TOKEN not in result.stdout + result.stderr
    assert _snapshot(run_dir) == before  # the local folder is untouched (card still says OWNER/NAME)
    assert all(TOKEN.encode() not in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def test_push_reads_the_login_cache_and_commits_to_a_branch(hub: FakeHub, run_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "hf-home").mkdir()
    (tmp_path / "hf-home" / "token").write_text(TOKEN)
    result = _push(_env(hub, tmp_path), str(run_dir / "dataset"), "--repo-id", "alice/pairs",
                   "--revision", "iter-1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"{hub.url}/datasets/alice/pairs/tree/iter-1"
    assert any(r.path == "/api/datasets/alice/pairs/branch/iter-1" for r in hub.requests)
    assert [r.path for r in hub.requests if "/commit/" in r.path] == ["/api/datasets/alice/pairs/commit/iter-1"]
    assert json.loads(next(r.body for r in hub.requests if r.path == "/api/repos/create"))["type"] == "dataset"
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in hub.requests)


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, hub: FakeHub) -> FakeHub:
    """In-process pushes to the loopback Hub (conftest sets HF_HUB_OFFLINE=1 for the rest)."""
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("MY_TOKEN", TOKEN)
    return hub


@pytest.mark.parametrize(
    ("fragment", "status", "message"),
    [
        ("/api/repos/create", 401, "the Hub rejected the token (401)"),
        ("/api/", 403, "may not write to alice/pairs (403)"),
        ("/preupload/", 404, "alice/pairs or its branch was not found"),
        ("/api/repos/create", 503, "failed (503): try again later"),
    ],
)
def test_http_failures_give_one_line(
    online: FakeHub, run_dir: Path, fragment: str, status: int, message: str
) -> None:
    online.failures[fragment] = status
    before = _snapshot(run_dir)
    result = CliRunner().invoke(app, ["push", str(run_dir), "--repo-id", "alice/pairs", "--token-env", "MY_TOKEN"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("pushing ")  # what it does, then the one-line cause
    assert lines[1].startswith("error: ") and message in lines[1]
    assert "Traceback" not in result.output and TOKEN not in result.output
    assert not online.commits()
    assert _snapshot(run_dir) == before


def test_connection_refused_and_missing_token(
    online: FakeHub, run_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    result = CliRunner().invoke(app, ["push", str(run_dir), "--repo-id", "alice/pairs", "--token-env", "MY_TOKEN"])
    assert result.exit_code == 1 and f"cannot reach the Hub at {dead}" in result.output

    result = CliRunner().invoke(app, ["push", str(run_dir), "--repo-id", "alice/pairs", "--token-env", "NOPE"])
    assert result.exit_code == 2 and "--token-env NOPE: the environment variable is not set" in result.output

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    result = CliRunner().invoke(app, ["push", str(run_dir), "--repo-id", "alice/pairs"])
    assert result.exit_code == 2 and "no Hub token" in result.output


def test_bad_folder_and_repo_id(online: FakeHub, run_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["push", str(tmp_path / "empty"), "--repo-id", "alice/pairs"])
    assert result.exit_code == 2 and "neither a dataset folder nor a run folder" in result.output
    result = CliRunner().invoke(app, ["push", str(run_dir), "--repo-id", "no-owner", "--token-env", "MY_TOKEN"])
    assert result.exit_code == 2 and "OWNER/NAME" in result.output
    assert not online.requests
