"""SCoRe's self-correction metrics with 95% intervals.

Over the traces with a label (each a first attempt and one second attempt after it):

* ``accuracy_t1`` = mean r1, ``accuracy_t2`` = mean r2, ``delta`` = accuracy_t2 - accuracy_t1;
* ``delta_i_to_c``: the share of traces wrong at attempt 1 and right at attempt 2;
* ``delta_c_to_i``: the share right at attempt 1 and wrong at attempt 2
  (so ``delta = delta_i_to_c - delta_c_to_i``).

Intervals (95%): ``delta`` from a percentile bootstrap that resamples *problems* with
replacement (all of a problem's traces together, since attempts at one problem are not
independent; with one trace per problem it is the ordinary paired bootstrap), with a fixed
seed so a report is reproducible. The four shares use the same bootstrap when a problem
has several traces, and the Wilson score interval when each problem has one (``eval
--self-correct``, greedy ``correct``), which, unlike a bootstrap, does not shrink to a point
when a share is 0 or 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scpo_data.correct.traces import Trace

#: The five metrics, in the order reports show them.
METRICS = ("accuracy_t1", "accuracy_t2", "delta", "delta_i_to_c", "delta_c_to_i")
#: Bootstrap resamples and the seed of their draws.
RESAMPLES = 10_000
BOOTSTRAP_SEED = 0
BOOTSTRAP_METHOD = "percentile bootstrap over problems (10,000 resamples, seed 0)"
#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def self_correction(traces: Sequence[Trace], resamples: int = RESAMPLES,
                    seed: int = BOOTSTRAP_SEED) -> dict[str, Any]:
    """The five metrics, the transition counts and their 95% intervals.

    Traces without a label (no gold and no answered first attempt) are left out and counted.

    Returns:
        ``{accuracy_t1, accuracy_t2, delta, delta_i_to_c, delta_c_to_i}`` (None without
        labelled traces), ``traces``, ``problems``, ``unlabelled_traces``, ``transitions``
        (``c_to_c``, ``c_to_i``, ``i_to_c``, ``i_to_i`` counts), ``ci95`` (metric -> [low,
        high]) and ``ci_method`` (which interval each metric has).
    """
    scored = [t for t in traces if t.r1 is not None and t.r2 is not None]
    problems = sorted({t.problem_id for t in scored})
    index = {pid: i for i, pid in enumerate(problems)}
    # per problem: traces, right at 1, right at 2, wrong -> right, right -> wrong
    sums = np.zeros((len(problems), 5))
    for t in scored:
        sums[index[t.problem_id]] += (1, t.r1, t.r2, t.r1 == 0 and t.r2 == 1, t.r1 == 1 and t.r2 == 0)
    transitions = {
        "c_to_c": sum(t.r1 == 1 and t.r2 == 1 for t in scored),
        "c_to_i": int(sums[:, 4].sum()),
        "i_to_c": int(sums[:, 3].sum()),
        "i_to_i": sum(t.r1 == 0 and t.r2 == 0 for t in scored),
    }
    report: dict[str, Any] = {
        **dict.fromkeys(METRICS),
        "traces": len(scored),
        "problems": len(problems),
        "unlabelled_traces": len(traces) - len(scored),
        "transitions": transitions,
        "ci95": dict.fromkeys(METRICS),
        "ci_method": None,
    }
    if not scored:
        return report
    report.update(dict(zip(METRICS, (float(v) for v in _metrics(sums.sum(axis=0, keepdims=True))[0]))))
    draws = _bootstrap(sums, resamples, seed)
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    report["ci95"] = {name: [float(lo), float(hi)] for name, lo, hi in zip(METRICS, low, high)}
    report["ci_method"] = f"95%: {BOOTSTRAP_METHOD}"
    if len(scored) == len(problems):
        for name in METRICS:
            if name != "delta":
                report["ci95"][name] = list(wilson(round(report[name] * len(scored)), len(scored)))
        report["ci_method"] = f"95%: Wilson score for the shares, {BOOTSTRAP_METHOD} for delta"
    return report


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a share ``successes / total`` (``total`` > 0)."""
    share = successes / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _metrics(totals: np.ndarray) -> np.ndarray:
    """The five metrics from rows of summed (traces, r1, r2, i->c, c->i)."""
    n = totals[:, 0]
    t1, t2 = totals[:, 1] / n, totals[:, 2] / n
    return np.stack([t1, t2, t2 - t1, totals[:, 3] / n, totals[:, 4] / n], axis=1)


def _bootstrap(sums: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """The metrics of ``resamples`` resamples of the problems (rows of ``sums``), with replacement."""
    rng = np.random.default_rng(seed)
    count = len(sums)
    chunk = max(1, 1_000_000 // count)  # bound the index matrix's memory
    draws = []
    for start in range(0, resamples, chunk):
        picks = rng.integers(0, count, size=(min(chunk, resamples - start), count))
        draws.append(_metrics(sums[picks].sum(axis=1)))
    return np.concatenate(draws)


#: How reports name the metrics.
METRIC_NAMES = {"accuracy_t1": "Accuracy@t1", "accuracy_t2": "Accuracy@t2", "delta": "delta (t2 - t1)",
                "delta_i_to_c": "delta i->c (wrong, then right)", "delta_c_to_i": "delta c->i (right, then wrong)"}


def metric_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, value, 95% interval) text rows of a :func:`self_correction` report, for
    the card, ``inspect`` and ``eval``: accuracies in percent, deltas in signed points."""
    rows = []
    for name in METRICS:
        value, interval = report.get(name), (report.get("ci95") or {}).get(name)
        signed = name == "delta"
        rows.append((METRIC_NAMES[name], _points(value, signed),
                     "-" if not interval else f"[{_points(interval[0], signed)}, {_points(interval[1], signed)}]"))
    return rows


def _points(value: float | None, signed: bool) -> str:
    if value is None:
        return "-"
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}%"
