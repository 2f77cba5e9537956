"""The four configs of a correction run's dataset folder, as typed frames.

* ``traces``: every trace as a four-turn conversation (``messages``: question, attempt 1,
  instruction, attempt 2) with its rewards.
* ``star`` (STaR on self-corrections): traces whose attempt 2 fixes a wrong attempt 1, in
  TRL's conversational prompt-completion format (``prompt``: question, attempt 1,
  instruction; ``completion``: attempt 2), so SFT trains attempt 2 only.
* ``pair_sft``: each wrong first attempt followed, as attempt 2, by a correct solution of
  the same problem (a correct first attempt when there is one, else a correct second
  attempt), in the same format.
* ``preference``: after the same first attempt, a right second attempt (chosen) and a
  wrong one (rejected), in TRL's conversational preference format.

A wrong attempt is one whose answer is not the label (no answer counts as wrong);
traces without a label are in ``traces`` only. Random picks use the run seed and the
problem's id, so a problem's rows do not depend on the other problems (the configs of
merged shards are the shards' own rows).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import polars as pl

from scpo_data.correct.traces import Trace
from scpo_data.records import Message

#: The config names, in the order the card lists them.
CONFIGS = ("traces", "star", "pair_sft", "preference")

_MESSAGES = pl.List(pl.Struct({"role": pl.String, "content": pl.String}))
_LABEL = {"problem_id": pl.String, "label": pl.String, "label_source": pl.String}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "traces": {"messages": _MESSAGES, **_LABEL, "first_key": pl.String, "second_key": pl.String,
               "vote_share": pl.Float64, "r1": pl.Int64, "r2": pl.Int64, "shaped_reward": pl.Float64,
               "edit_distance": pl.Int64},
    "star": {"prompt": _MESSAGES, "completion": _MESSAGES, **_LABEL, "first_key": pl.String,
             "second_key": pl.String},
    "pair_sft": {"prompt": _MESSAGES, "completion": _MESSAGES, **_LABEL, "first_key": pl.String,
                 "completion_key": pl.String, "completion_from": pl.String},
    "preference": {"prompt": _MESSAGES, "chosen": _MESSAGES, "rejected": _MESSAGES, **_LABEL,
                   "first_key": pl.String, "first_correct": pl.Boolean, "chosen_answer": pl.String,
                   "rejected_answer": pl.String},
}


def config_frames(traces: Sequence[Trace], prompts: dict[tuple[str, int], list[Message]],
                  seed: int) -> dict[str, pl.DataFrame]:
    """The four configs' rows.

    Args:
        traces: The run's traces.
        prompts: The attempt-2 prompt (question, attempt 1, instruction) of each
            (problem id, first attempt index).
        seed: Seed of the random picks (a correct solution for ``pair_sft``, the chosen
            and rejected draws for ``preference``).
    """
    rows = {
        "traces": [_trace_row(t, prompts) for t in traces],
        "star": [{"prompt": prompts[(t.problem_id, t.first_idx)], "completion": _assistant(t.second),
                  **_label(t), "first_key": t.first_key, "second_key": t.second_key}
                 for t in traces if t.r1 == 0 and t.r2 == 1],
        "pair_sft": _pair_sft(traces, prompts, seed),
        "preference": _preference(traces, prompts, seed + 1),
    }
    return {name: pl.DataFrame(rows[name], schema=SCHEMAS[name], orient="row") for name in CONFIGS}


def _rng(seed: int, key: str) -> random.Random:
    """The random picks of one first attempt's rows (``key``: problem id and attempt index)."""
    return random.Random(f"{seed}:{key}")


def _assistant(text: str) -> list[Message]:
    return [{"role": "assistant", "content": text}]


def _label(trace: Trace) -> dict[str, str | None]:
    return {"problem_id": trace.problem_id, "label": trace.label, "label_source": trace.label_source}


def _trace_row(t: Trace, prompts: dict[tuple[str, int], list[Message]]) -> dict[str, object]:
    return {"messages": [*prompts[(t.problem_id, t.first_idx)], *_assistant(t.second)], **_label(t),
            "first_key": t.first_key, "second_key": t.second_key, "vote_share": t.vote_share, "r1": t.r1,
            "r2": t.r2, "shaped_reward": t.shaped_reward, "edit_distance": t.edit_distance}


def _pair_sft(traces: Sequence[Trace], prompts: dict[tuple[str, int], list[Message]],
              seed: int) -> list[dict[str, object]]:
    """Each wrong first attempt (once, however many second attempts follow it) with a correct solution."""
    correct: dict[str, dict[str, list[Trace]]] = defaultdict(lambda: {"first": [], "second": []})
    firsts: dict[tuple[str, int], Trace] = {}
    for t in traces:
        firsts.setdefault((t.problem_id, t.first_idx), t)
        if t.r2 == 1:
            correct[t.problem_id]["second"].append(t)
    for t in firsts.values():
        if t.r1 == 1:
            correct[t.problem_id]["first"].append(t)
    rows = []
    for (problem_id, index), t in firsts.items():
        if t.r1 != 0:
            continue
        source = "first" if correct[problem_id]["first"] else "second"
        if not correct[problem_id][source]:
            continue
        pick = _rng(seed, f"{problem_id}:{index}").choice(correct[problem_id][source])
        text, key = (pick.first, pick.first_key) if source == "first" else (pick.second, pick.second_key)
        rows.append({"prompt": prompts[(problem_id, index)], "completion": _assistant(text), **_label(t),
                     "first_key": t.first_key, "completion_key": key, "completion_from": source})
    return rows


def _preference(traces: Sequence[Trace], prompts: dict[tuple[str, int], list[Message]],
                seed: int) -> list[dict[str, object]]:
    """One pair per first attempt with a right and a wrong second attempt after it."""
    groups: dict[tuple[str, int], list[Trace]] = defaultdict(list)
    for t in traces:
        if t.r2 is not None:
            groups[(t.problem_id, t.first_idx)].append(t)
    rows = []
    for key, group in groups.items():
        right = [t for t in group if t.r2 == 1]
        wrong = [t for t in group if t.r2 == 0]
        if not right or not wrong:
            continue
        rng = _rng(seed, f"{key[0]}:{key[1]}")
        chosen, rejected = rng.choice(right), rng.choice(wrong)
        rows.append({"prompt": prompts[key], "chosen": _assistant(chosen.second),
                     "rejected": _assistant(rejected.second), **_label(chosen), "first_key": chosen.first_key,
                     "first_correct": chosen.r1 == 1, "chosen_answer": chosen.second_key,
                     "rejected_answer": rejected.second_key})
    return rows
