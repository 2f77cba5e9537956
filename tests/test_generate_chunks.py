"""Bounded driver memory (issue 16): ``generate`` samples, answers and pairs problems in
chunks and streams the samples to Parquet.

A deterministic stand-in backend answers each "What is a + b?" by a rule of the prompt and
the sample index, so a run cut into chunks must give exactly the files of a run in one
chunk; with long texts, the Python memory a run holds must follow the chunk, not the run.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from scpo_data import engines
from scpo_data import records as rec
from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.backends.models import ModelRef
from scpo_data.config import GenerateConfig
from scpo_data.generate import pipeline
from scpo_data.generate.pipeline import chunks, run_generate
from scpo_data.records import Message, Problem, RecordSink, Sample


class Adder(Backend):
    """Answers a + b, except a + b + 1 on every third sample when a is odd and on every
    sample above temperature 1 (so even a are unanimous and get extra samples), after
    ``pad`` characters of working; with ``unanimous`` every sample gives a + b (no pair)."""

    name = "adder"

    def __init__(self, pad: int = 20, unanimous: bool = False) -> None:
        self.pad, self.unanimous = pad, unanimous

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        return [WorkUnit(tuple((i, j) for j in range(params.n)), params.seed) for i in range(len(prompts))]

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        out = []
        for i, j in unit.items:
            a, b = map(int, re.findall(r"What is (\d+) \+ (\d+)\?", prompts[i][-1]["content"])[0])
            wrong = not self.unanimous and ((a % 2 and j % 3 == 2) or params.temperature > 1)
            out.append(Completion(f"{'w' * self.pad} {j}\n#### {a + b + wrong}", "stop", 7))
        return out


def _source(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "problems.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{i}", "question": f"What is {i} + {2 * i}?", "answer": f"#### {3 * i}"})
                            + "\n" for i in range(count)))
    return path


def _generate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, backend: Adder, count: int,
              **settings: object) -> Path:
    monkeypatch.setattr(pipeline, "backend_model", lambda backend_name, spec: ModelRef(spec, "", "adder", "0" * 64))
    monkeypatch.setattr(engines, "get_backend", lambda *args: backend)
    out = tmp_path / name
    run_generate(GenerateConfig(problems=str(_source(tmp_path, count)), domain="gsm8k", model="adder", k=4,
                                synthesize=0, out=str(out), **settings))  # type: ignore[arg-type]
    return out


def test_chunks_cut_in_order_and_keep_one_empty_chunk() -> None:
    problems = [Problem(f"p{i}", "gsm8k", "q", None, "t") for i in range(5)]
    assert [[p.problem_id for p in c] for c in chunks(problems, 2)] == [["p0", "p1"], ["p2", "p3"], ["p4"]]
    assert chunks([], 3) == [[]]


def test_a_sink_appends_batches_and_writes_only_on_success(tmp_path: Path) -> None:
    sample = Sample("p", 0, "text", "stop", 3, 0.7, 0)
    with RecordSink(tmp_path / "s.parquet", Sample) as sink:
        sink.write([sample])
        sink.write([])
        sink.write([sample, sample])
    assert rec.read_records(tmp_path / "s.parquet", Sample) == [sample] * 3 and sink.rows == 3
    with RecordSink(tmp_path / "empty.parquet", Sample):
        pass
    assert pl.read_parquet(tmp_path / "empty.parquet").columns == list(rec.to_frame([], Sample).columns)
    with pytest.raises(RuntimeError), RecordSink(tmp_path / "failed.parquet", Sample) as sink:
        sink.write([sample])
        raise RuntimeError("stop")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.parquet", "s.parquet"]


@pytest.mark.parametrize("labels", ["none", "gold"])
def test_a_chunked_run_writes_the_files_of_a_run_in_one_chunk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               labels: str) -> None:
    settings = {"labels": labels, "extra_samples": 2, "tau": 0.5}
    whole = _generate(monkeypatch, tmp_path, "whole", Adder(), 23, **settings)
    cut = _generate(monkeypatch, tmp_path, "cut", Adder(), 23, chunk=5, **settings)
    for name in (rec.PROBLEMS_FILE, rec.PAIRS_FILE):
        assert pl.read_parquet(cut / name).equals(pl.read_parquet(whole / name)), name
    for name in (rec.SAMPLES_FILE, rec.ANSWERS_FILE):  # each chunk's extra samples follow its first k
        order = ["problem_id", "sample_idx"]
        assert pl.read_parquet(cut / name).sort(order).equals(pl.read_parquet(whole / name).sort(order)), name
    counts = [json.loads((folder / rec.MANIFEST_FILE).read_text())["counts"] for folder in (whole, cut)]
    assert counts[0]["pairs"] > 0 and counts[0]["samples"] > 23 * 4  # pairs, and extra samples
    for key in ("problems", "samples", "tokens", "parsed", "answer_status", "passing_tau", "pairs", "skipped",
                "mean_weight", "pairs_by_label", "audit"):
        assert counts[1][key] == counts[0][key], key


def _peak_mib(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, chunk: int) -> float:
    tracemalloc.start()
    try:
        _generate(monkeypatch, tmp_path, name, Adder(pad=20_000, unanimous=True), 300, chunk=chunk)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_the_memory_a_run_holds_follows_the_chunk_not_the_run(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    # 300 problems x 4 samples x 20 kB of text = 23 MiB of samples; a chunk of 10 holds 0.8 MiB
    whole = _peak_mib(monkeypatch, tmp_path, "whole", 4096)
    cut = _peak_mib(monkeypatch, tmp_path, "cut", 10)
    assert whole > 23, whole
    assert cut < whole / 4, (cut, whole)
    assert rec.to_frame([], Sample).columns == pl.read_parquet(tmp_path / "cut" / rec.SAMPLES_FILE).columns
    assert pl.read_parquet(tmp_path / "cut" / rec.SAMPLES_FILE).height == 1200
