"""``scpo-data eval --self-correct``: how well a model corrects itself, measured as SCoRe does.

Greedy attempt 1 with the domain's prompt, then greedy attempt 2 after the domain's
correction instruction (:meth:`scpo_data.domains.Domain.correction_chat`), both scored
against gold; the report holds Acc@t1, Acc@t2, delta, delta(i->c) and delta(c->i) with
95% intervals (:mod:`scpo_data.correct.metrics`), so M0 and trained models compare on
the same problems. The eval folder holds ``problems.parquet``, ``traces.parquet``,
``report.json`` and the request cache.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console

from scpo_data import records as rec
from scpo_data.backends.base import SamplingParams
from scpo_data.backends.cache import cache_line, resumable
from scpo_data.correct.attempts import sample_attempts
from scpo_data.correct.config import DEFAULT_ALPHA
from scpo_data.correct.metrics import self_correction
from scpo_data.correct.traces import TRACES_FILE, build_traces, write_traces
from scpo_data.evaluate.run import REPORT_FILE, EvalConfig, open_eval
from scpo_data.manifest import package_versions


def run_self_correct_eval(config: EvalConfig, instruction: str | None = None,
                          console: Console | None = None) -> dict[str, Any]:
    """Sample both attempts greedily, score them against gold, and write the eval folder.

    Args:
        config: The eval settings (``k``, ``temperature`` and ``top_p`` do not apply).
        instruction: Replaces the domain's correction instruction.
        console: Where progress goes (stderr by default).

    Returns:
        The report: settings, model, cache counts and ``self_correction`` (problems without
        gold are left out and counted).

    Raises:
        ScpoError: On bad input (data source, fields, no gold answers, model, backend).
    """
    console = console or Console(stderr=True)
    problems, model, backend = open_eval(config)
    greedy = SamplingParams(1, 0.0, 1.0, config.max_tokens, config.seed)
    with closing(backend), resumable(backend.cache):  # closing: the cache, and Ray replicas when there are any
        attempts = sample_attempts(backend, problems, greedy, greedy, instruction, console)
    console.print(cache_line(backend.stats), highlight=False)
    traces, _ = build_traces(problems, attempts, config.domain, DEFAULT_ALPHA)
    scored = [t for t in traces if t.label_source == "gold"]
    report = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {**asdict(config), "self_correct": True, "instruction": instruction},
        "versions": package_versions(),
        "model": {"spec": model.spec, "identity": model.identity, "file_hash": model.file_hash},
        "cache": backend.stats.to_dict(),
        "problems_without_gold": len(problems) - len(scored),
        "self_correction": self_correction(scored),
    }
    out = Path(config.out)
    rec.write_records(problems, rec.Problem, out / rec.PROBLEMS_FILE)
    write_traces(traces, out / TRACES_FILE)
    rec.write_json(report, out / REPORT_FILE)
    return report
