"""Self-correction (issue 15) on a scripted backend: attempts, labels, rewards, metrics, datasets.

The scripted model answers each arith problem by a rule of the prompt (attempt 1 or
attempt 2, which first attempt it sees), so every reward, metric and dataset row is known.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import datasets
import polars as pl
import pytest
from typer.testing import CliRunner

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.backends.models import ModelRef
from scpo_data.cli.app import app
from scpo_data.correct import pipeline
from scpo_data.correct.attempts import sample_attempts
from scpo_data.correct.config import CorrectConfig
from scpo_data.correct.datasets import CONFIGS, SCHEMAS
from scpo_data.correct.edit import edit_distance, edit_ratio
from scpo_data.correct.labels import Label, reward, reward_labels, shaped_reward
from scpo_data.correct.merge import merge_corrections
from scpo_data.correct.metrics import metric_rows, self_correction, wilson
from scpo_data.correct.pipeline import run_correct
from scpo_data.correct.traces import Trace
from scpo_data.domains import DOMAINS, get_domain
from scpo_data import engines
from scpo_data.evaluate import run as evaluate
from scpo_data.evaluate.run import EvalConfig
from scpo_data.evaluate.self_correct import run_self_correct_eval
from scpo_data.errors import ScpoError
from scpo_data.records import AnswerRecord, Message, Problem


class Scripted(Backend):
    """Replies ``reply(prompt messages, sample index, seed)`` to every prompt."""

    name = "scripted"

    def __init__(self, reply: Callable[[list[Message], int], str]) -> None:
        self.reply = reply
        self.prompts: list[list[Message]] = []

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        return [WorkUnit(tuple((i, j) for i in range(len(prompts)) for j in range(params.n)), params.seed)]

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        self.prompts += [prompts[i] for i, j in unit.items if j == 0]
        return [Completion(self.reply(prompts[i], j), "stop", 5) for i, j in unit.items]


#: Problem -> (gold, first attempts' answers, second answer after each first answer by draw).
SCRIPT = {
    "What is 2 + 3?": ("5", ["5", "4", "4"], {"5": ["5", "5"], "4": ["5", "4"]}),
    "What is 7 + 1?": ("8", ["8", "8", "8"], {"8": ["9", "8"]}),
    "What is 6 - 1?": ("5", ["1", "2", "3"], {"1": ["1", "1"], "2": ["2", "2"], "3": ["3", "3"]}),
}


def script_reply(messages: list[Message], j: int) -> str:
    """Attempt 1: the j-th scripted first answer; attempt 2: the scripted answer after it."""
    question = next(q for q in SCRIPT if q in messages[0]["content"])
    _, firsts, seconds = SCRIPT[question]
    if len(messages) == 1:
        return f"Working.\n#### {firsts[j]}"
    previous = messages[1]["content"].rsplit("#### ", 1)[1]
    return f"Checked.\n#### {seconds[previous][j]}"


def problems(gold: bool = True) -> list[Problem]:
    return [Problem(f"p{i}", "arith", q, g if gold else None, "t")
            for i, (q, (g, _, _)) in enumerate(SCRIPT.items())]


def _trace(pid: str, r1: int | None, r2: int | None, first_idx: int = 0, second_idx: int = 0,
           first_key: str | None = "1", second_key: str | None = "1") -> Trace:
    return Trace(pid, first_idx, second_idx, "q", f"first {first_idx}", f"second {second_idx}", "stop", "stop",
                 first_key, second_key, "ok", "ok", "1", "gold", 1.0, r1, r2, shaped_reward(r1, r2, 10.0), 3, 5)


# --- labels and rewards ---------------------------------------------------------------


def test_labels_come_from_gold_else_the_first_attempts_majority() -> None:
    probs = [Problem("g", "arith", "q", "7", "t"), Problem("v", "arith", "q", None, "t"),
             Problem("n", "arith", "q", None, "t"), Problem("t", "arith", "q", None, "t")]
    answers = [AnswerRecord("g", i, k, "ok") for i, k in enumerate(["3", "3", "7", None])]
    answers += [AnswerRecord("v", i, k, "ok") for i, k in enumerate([None, "4", "9", "9"])]
    answers += [AnswerRecord("n", i, None, "truncated") for i in range(4)]
    answers += [AnswerRecord("t", i, k, "ok") for i, k in reversed(list(enumerate(["2", "1", "1", "2"])))]
    labels = reward_labels(probs, answers, {"g": "7", "v": None, "n": None, "t": None})
    assert labels["g"] == Label("7", "gold", 0.5)  # gold wins over the majority "3"; share of that majority
    assert labels["v"] == Label("9", "vote", 0.5)
    assert labels["n"] == Label(None, "none", 0.0)
    assert labels["t"] == Label("2", "vote", 0.5)  # a tie goes to the answer of the lowest sample index


def test_rewards_and_the_shaped_reward() -> None:
    label = Label("5", "vote", 0.75)
    assert (reward("5", label), reward("4", label), reward(None, label)) == (1, 0, 0)
    assert reward("5", Label(None, "none", None)) is None
    assert [shaped_reward(r1, r2, 10.0) for r1, r2 in ((0, 1), (1, 0), (1, 1), (0, 0))] == [11.0, -10.0, 1.0, 0.0]
    assert shaped_reward(1, 1, 0.5) == 1.0 and shaped_reward(0, 1, 0.5) == 1.5
    assert shaped_reward(None, 1, 10.0) is None


def test_the_instruction_never_depends_on_attempt_1() -> None:
    for domain in DOMAINS.values():
        right = domain.correction_chat("What is 2 + 3?", "#### 5")
        wrong = domain.correction_chat("What is 2 + 3?", "#### 4")
        assert right[0] == domain.chat("What is 2 + 3?")[0] and right[1]["role"] == "assistant"
        assert right[2] == wrong[2] == {"role": "user", "content": domain.correction_instruction}
    assert get_domain("arith").correction_chat("q", "a", "Try again.")[2]["content"] == "Try again."
    assert "####" in get_domain("gsm8k").correction_instruction
    assert "boxed" in get_domain("math").correction_instruction


# --- edit distance and metrics ----------------------------------------------------------


def _reference_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        new = [i]
        for j, cb in enumerate(b, 1):
            new.append(min(row[j] + 1, new[j - 1] + 1, row[j - 1] + (ca != cb)))
        row = new
    return row[-1]


def test_edit_distance_matches_the_textbook_recurrence() -> None:
    rng = random.Random(3)
    for _ in range(500):
        a = "".join(rng.choice("abé#5 ") for _ in range(rng.randint(0, 15)))
        b = "".join(rng.choice("abé#5 ") for _ in range(rng.randint(0, 15)))
        assert edit_distance(a, b) == _reference_distance(a, b), (a, b)
    assert edit_distance("kitten", "sitting") == 3
    assert edit_ratio("abcd", "abcd") == 0.0 and edit_ratio("", "") == 0.0 and edit_ratio("ab", "") == 1.0


def test_metrics_with_one_trace_per_problem_use_wilson_for_shares() -> None:
    outcomes = [(1, 1)] * 5 + [(1, 0)] * 2 + [(0, 1)] * 3 + [(0, 0)] * 10
    traces = [_trace(f"p{i}", r1, r2) for i, (r1, r2) in enumerate(outcomes)]
    traces.append(_trace("unlabelled", None, None))
    report = self_correction(traces)
    assert report["traces"] == 20 and report["problems"] == 20 and report["unlabelled_traces"] == 1
    assert report["accuracy_t1"] == pytest.approx(7 / 20) and report["accuracy_t2"] == pytest.approx(8 / 20)
    assert report["delta"] == pytest.approx(1 / 20)
    assert report["delta_i_to_c"] == pytest.approx(3 / 20) and report["delta_c_to_i"] == pytest.approx(2 / 20)
    assert report["delta"] == pytest.approx(report["delta_i_to_c"] - report["delta_c_to_i"])
    assert report["transitions"] == {"c_to_c": 5, "c_to_i": 2, "i_to_c": 3, "i_to_i": 10}
    assert report["ci95"]["accuracy_t1"] == pytest.approx(list(wilson(7, 20)))
    assert report["ci95"]["delta_i_to_c"] == pytest.approx(list(wilson(3, 20)))
    low, high = report["ci95"]["delta"]
    assert -0.3 < low < 0.05 < high < 0.35
    assert "Wilson" in report["ci_method"]
    assert self_correction(traces) == report  # the bootstrap is seeded
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12) and wilson(0, 10)[1] == pytest.approx(0.2775, abs=1e-3)


def test_metrics_with_several_traces_per_problem_resample_problems() -> None:
    # problem a: always fixed (0 -> 1) four times; problem b: always broken (1 -> 0) four times
    traces = [_trace("a", 0, 1, i) for i in range(4)] + [_trace("b", 1, 0, i) for i in range(4)]
    report = self_correction(traces)
    assert report["delta"] == 0.0 and report["accuracy_t1"] == 0.5
    # resampling problems (not traces): a resample is {a,a}, {a,b} or {b,b}, so delta spans -1 .. 1
    assert report["ci95"]["delta"] == [-1.0, 1.0]
    assert "bootstrap" in report["ci_method"] and "Wilson" not in report["ci_method"]


def test_metrics_without_labelled_traces_are_empty() -> None:
    report = self_correction([_trace("a", None, None)])
    assert report["accuracy_t1"] is None and report["traces"] == 0 and report["unlabelled_traces"] == 1
    assert [value for _, value, _ in metric_rows(report)] == ["-"] * 5


def test_metric_rows_show_accuracies_in_percent_and_delta_in_signed_points() -> None:
    report = self_correction([_trace(f"p{i}", r1, r2) for i, (r1, r2) in enumerate([(0, 1), (0, 0), (1, 1)])])
    rows = {name: (value, interval) for name, value, interval in metric_rows(report)}
    assert rows["Accuracy@t1"][0] == "33.3%" and rows["Accuracy@t2"][0] == "66.7%"
    assert rows["delta (t2 - t1)"][0] == "+33.3" and rows["delta (t2 - t1)"][1].startswith("[")


# --- attempts on the scripted backend -------------------------------------------------------


def test_attempt_2_sees_the_question_attempt_1_and_the_instruction() -> None:
    backend = Scripted(script_reply)
    first = SamplingParams(3, 0.7, 0.9, 32, 0)
    second = SamplingParams(2, 0.7, 0.9, 32, 1)
    attempts = sample_attempts(backend, problems(), first, second, "Look again.")
    assert len(attempts.first) == 9 and len(attempts.second) == 18
    conversation = backend.prompts[3]  # the first second-attempt prompt
    assert [m["role"] for m in conversation] == ["user", "assistant", "user"]
    assert conversation[1]["content"] == attempts.first[0].text and conversation[2]["content"] == "Look again."
    after = [s for s in attempts.second if s.problem_id == "p0" and attempts.first_index(s) == 1]
    assert [s.text for s in after] == ["Checked.\n#### 5", "Checked.\n#### 4"]  # after the first "4"
    assert attempts.prompts[("p0", 1)][1]["content"] == "Working.\n#### 4"


# --- the whole run on the scripted backend ----------------------------------------------------


def _run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gold: bool, name: str = "run",
         reply: Callable[[list[Message], int], str] = script_reply, **overrides: object) -> dict:
    source = tmp_path / "problems.jsonl"
    source.write_text("".join(json.dumps({"id": p.problem_id, "question": p.question, **({"answer": p.gold} if gold else {})}) + "\n"
                              for p in problems()))
    monkeypatch.setattr(pipeline, "backend_model", lambda backend, spec: ModelRef(spec, "", "scripted", "0" * 64))
    monkeypatch.setattr(engines, "get_backend", lambda *args: Scripted(reply))
    settings: dict = {"n": 3, "second_n": 2, **overrides}
    config = CorrectConfig(problems=str(source), domain="arith", model="scripted", out=str(tmp_path / name),
                           **settings)
    run_correct(config)
    return json.loads((tmp_path / name / "manifest.json").read_text())


def test_a_gold_run_writes_traces_metrics_and_four_configs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    manifest = _run(monkeypatch, tmp_path, gold=True)
    run = tmp_path / "run"
    traces = pl.read_parquet(run / "traces.parquet")
    assert traces.height == 18 and set(traces["label_source"]) == {"gold"}
    p0 = traces.filter(pl.col("problem_id") == "p0").sort("first_idx", "second_idx")
    assert p0["r1"].to_list() == [1, 1, 0, 0, 0, 0] and p0["r2"].to_list() == [1, 1, 1, 0, 1, 0]
    assert p0["shaped_reward"].to_list() == [1.0, 1.0, 11.0, 0.0, 11.0, 0.0]
    assert p0["vote_share"].to_list() == [2 / 3] * 6
    assert p0["edit_distance"].to_list() == [edit_distance(a, b) for a, b in zip(p0["first"], p0["second"])]
    sc = manifest["counts"]["self_correction"]
    # p0: t1 2/6, t2 4/6; p1: t1 6/6, t2 3/6 (8 -> 9, 8 -> 8); p2: all wrong
    assert sc["accuracy_t1"] == pytest.approx(8 / 18) and sc["accuracy_t2"] == pytest.approx(7 / 18)
    assert sc["transitions"] == {"c_to_c": 5, "c_to_i": 3, "i_to_c": 2, "i_to_i": 8}
    assert sc["delta"] == pytest.approx(-1 / 18) and sc["problems"] == 3
    assert manifest["kind"] == "self_correction" and manifest["counts"]["label_sources"] == {"gold": 3}
    assert manifest["instruction"] == get_domain("arith").correction_instruction
    assert manifest["counts"]["configs"] == {"traces": 18, "star": 2, "pair_sft": 2, "preference": 5}

    folder = run / "dataset"
    loaded = {name: datasets.load_dataset(str(folder), name, split="train") for name in CONFIGS}
    assert {name: d.num_rows for name, d in loaded.items()} == manifest["counts"]["configs"]
    assert all(set(d.column_names) == set(SCHEMAS[name]) for name, d in loaded.items())
    assert len(loaded["traces"][0]["messages"]) == 4
    for row in loaded["star"]:
        assert row["first_key"] != row["label"] and row["second_key"] == row["label"]
        assert [m["role"] for m in row["prompt"]] == ["user", "assistant", "user"]
    for row in loaded["pair_sft"]:
        assert row["first_key"] != row["label"] and row["completion_key"] == row["label"]
        assert row["completion_from"] == "first" or row["problem_id"] != "p0"
    assert {r["problem_id"] for r in loaded["pair_sft"]} == {"p0"}  # p2 has no correct solution
    for row in loaded["preference"]:
        assert row["chosen_answer"] == row["label"] != row["rejected_answer"]
        assert row["chosen"][0]["role"] == "assistant" and len(row["prompt"]) == 3
    card = (folder / "README.md").read_text()
    assert "Accuracy@t1" in card and "44.4%" in card and "`pair_sft` | 2" in card


def test_a_run_without_gold_is_labelled_by_the_vote(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    manifest = _run(monkeypatch, tmp_path, gold=False, alpha=2.0)
    traces = pl.read_parquet(tmp_path / "run" / "traces.parquet")
    by_problem = {pid: group for (pid,), group in traces.group_by("problem_id")}
    assert by_problem["p0"]["label"].unique().to_list() == ["4"]  # majority of 5, 4, 4
    assert by_problem["p0"]["label_source"].unique().to_list() == ["vote"]
    assert by_problem["p2"]["vote_share"].unique().to_list() == [pytest.approx(1 / 3)]  # 1, 2, 3: tie -> "1"
    assert by_problem["p2"]["label"].unique().to_list() == ["1"]
    shaped = traces.filter((pl.col("r1") == 1) & (pl.col("r2") == 0))["shaped_reward"].unique().to_list()
    assert shaped == [-2.0]  # 0 + alpha * (0 - 1) with alpha 2
    assert manifest["counts"]["label_sources"] == {"vote": 3}


def test_empty_configs_keep_their_columns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    manifest = _run(monkeypatch, tmp_path, gold=True, second_n=1)  # one draw: no preference pairs
    assert manifest["counts"]["configs"]["preference"] == 0
    card = (tmp_path / "run" / "dataset" / "README.md").read_text()
    path = next(line.split("path: ")[1] for line in card.splitlines() if "path: data/preference-" in line)
    frame = pl.read_parquet(tmp_path / "run" / "dataset" / path)
    assert frame.height == 0 and frame.columns == list(SCHEMAS["preference"])


def test_inspect_shows_the_metrics_of_a_run_and_its_dataset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _run(monkeypatch, tmp_path, gold=True)
    runner = CliRunner()
    for folder in (tmp_path / "run", tmp_path / "run" / "dataset"):
        result = runner.invoke(app, ["inspect", str(folder)], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "Accuracy@t1" in result.output and "44.4%" in result.output and "wrong -> right" in result.output
    assert "Example traces" in runner.invoke(app, ["inspect", str(tmp_path / "run")], env={"COLUMNS": "200"}).output


def test_eval_self_correct_is_greedy_and_scores_gold_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "eval.jsonl"
    rows = [{"question": p.question, "answer": p.gold} for p in problems()] + [{"question": "What is 9 + 9?"}]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    seen: list[SamplingParams] = []

    def reply(messages: list[Message], j: int) -> str:
        if "9 + 9" in messages[0]["content"]:
            return "#### 18"
        return script_reply(messages, 0)

    class Greedy(Scripted):
        def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams,
                     unit: WorkUnit) -> list[Completion]:
            seen.append(params)
            return super().run_unit(prompts, params, unit)

    monkeypatch.setattr(evaluate, "backend_model", lambda backend, spec: ModelRef(spec, "", "scripted", "0" * 64))
    monkeypatch.setattr(engines, "get_backend", lambda *args: Greedy(reply))
    report = run_self_correct_eval(EvalConfig(data=str(source), domain="arith", out=str(tmp_path / "ev")))
    assert {(p.n, p.temperature) for p in seen} == {(1, 0.0)}
    sc = report["self_correction"]
    # first answers 5 (right), 8 (right), 1 (wrong); seconds 5, 9, 1
    assert sc["traces"] == 3 and report["problems_without_gold"] == 1
    assert (sc["accuracy_t1"], sc["accuracy_t2"]) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert sc["delta_c_to_i"] == pytest.approx(1 / 3) and sc["delta_i_to_c"] == 0.0
    assert (tmp_path / "ev" / "traces.parquet").is_file() and (tmp_path / "ev" / "report.json").is_file()


# --- shards and merge ------------------------------------------------------------------


def _rows(folder: Path, name: str) -> list[str]:
    """A config's rows as sorted JSON lines (row order aside)."""
    files = sorted((folder / "dataset" / "data").glob(f"{name}-*.parquet"))
    return sorted(json.dumps(row, sort_keys=True) for row in pl.read_parquet(files[0]).to_dicts())


def drawn_reply(messages: list[Message], j: int) -> str:
    """Right on even first draws and on second draws 0 and 1, in texts that tell the draws
    apart, so that every random pick of ``pair_sft`` and ``preference`` has two options."""
    gold = int(next(g for q, (g, _, _) in SCRIPT.items() if q in messages[0]["content"]))
    right = j % 2 == 0 if len(messages) == 1 else j < 2
    return f"Draw {j} of {len(messages)}.\n#### {gold if right else gold + 1}"


@pytest.mark.parametrize("gold", [True, False])
def test_merged_shards_equal_the_unsharded_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gold: bool) -> None:
    settings = {"reply": drawn_reply, "n": 4, "second_n": 3}
    whole = _run(monkeypatch, tmp_path, gold=gold, **settings)
    shards = [_run(monkeypatch, tmp_path, gold=gold, name=f"shard{i}", shard=(i, 2), **settings) for i in (1, 0)]
    assert whole["counts"]["configs"]["pair_sft"] and whole["counts"]["configs"]["preference"]
    assert sorted(m["counts"]["problems"] for m in shards) == [1, 2]  # the split is not trivial
    merged = merge_corrections([tmp_path / "shard1", tmp_path / "shard0"], tmp_path / "merged").counts
    keep = ("problems", "first_attempts", "second_attempts", "tokens", "first_parse_rate", "second_parse_rate",
            "label_sources", "mean_vote_share", "answer_changed", "mean_edit_distance", "self_correction", "configs")
    assert {k: merged[k] for k in keep} == {k: whole["counts"][k] for k in keep}
    columns = [c for c in pl.read_parquet(tmp_path / "run" / "traces.parquet").columns]
    order = ["problem_id", "first_idx", "second_idx"]
    assert (pl.read_parquet(tmp_path / "merged" / "traces.parquet").sort(order)
            .equals(pl.read_parquet(tmp_path / "run" / "traces.parquet").sort(order).select(columns)))
    for name in CONFIGS:
        assert _rows(tmp_path / "merged", name) == _rows(tmp_path / "run", name), name
    manifest = json.loads((tmp_path / "merged" / "manifest.json").read_text())
    assert manifest["kind"] == "self_correction" and manifest["config"]["shard"] is None
    assert manifest["config"]["out"] == str(tmp_path / "merged")


def test_merge_refuses_mismatched_or_incomplete_correction_shards(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    for i in (0, 1):
        _run(monkeypatch, tmp_path, gold=True, name=f"shard{i}", shard=(i, 2))
    with pytest.raises(ScpoError, match=r"missing shard\(s\) 1/2"):
        merge_corrections([tmp_path / "shard0"], tmp_path / "m1")
    with pytest.raises(ScpoError, match="are both shard 0/2"):
        merge_corrections([tmp_path / "shard0", tmp_path / "shard0"], tmp_path / "m2")
    path = tmp_path / "shard1" / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "config": {**manifest["config"], "second_n": 3}}))
    with pytest.raises(ScpoError, match="different configurations: second_n"):
        merge_corrections([tmp_path / "shard0", tmp_path / "shard1"], tmp_path / "m3")
    path.write_text(json.dumps({**manifest, "kind": "generate"}))
    with pytest.raises(ScpoError, match="is not a `scpo-data correct` run"):
        merge_corrections([tmp_path / "shard0", tmp_path / "shard1"], tmp_path / "m4")
    assert not any((tmp_path / f"m{i}").exists() for i in range(1, 5))
