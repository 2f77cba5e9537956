"""The answers stage: canonical answer keys for every sample.

A sample cut off by the token limit (``finish_reason == "length"``) never reached its
final answer: it gets no key and the status ``truncated``, so it can be rejected but
never chosen. The same holds for an incomplete ZebraLogic grid (status ``partial``):
votes are on complete solutions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scpo_data.extractors import get_extractor
from scpo_data.records import AnswerRecord, Problem, Sample
from scpo_data.zebra_stats import fits_size

STATUS_TRUNCATED = "truncated"
#: Statuses whose key does not take part in the vote.
NO_VOTE_STATUSES = frozenset({"partial"})


def extract_answers(
    samples: Sequence[Sample], domain: str, problems: Sequence[Problem] = ()
) -> list[AnswerRecord]:
    """Extract and canonicalise the final answer of each finished sample.

    For ``zebra``, a grid that does not match its puzzle's size (taken from the
    problems' ``meta``) is ``partial``. Each sample's question goes to the extractor
    (``arc`` reads the options from it).
    """
    sizes = {p.problem_id: json.loads(p.meta).get("size") for p in problems} if domain == "zebra" else {}
    finished = [s for s in samples if s.finish_reason != "length"]
    questions = {p.problem_id: p.question for p in problems}
    keyed = dict(
        zip(
            ((s.problem_id, s.sample_idx) for s in finished),
            get_extractor(domain).extract_batch_in_context(
                [s.text for s in finished], [questions.get(s.problem_id) for s in finished]
            ),
        )
    )
    records = []
    for s in samples:
        answer = keyed.get((s.problem_id, s.sample_idx))
        if answer is None:
            records.append(AnswerRecord(s.problem_id, s.sample_idx, None, STATUS_TRUNCATED))
        else:
            status = answer.status
            size = sizes.get(s.problem_id)
            if answer.key is not None and size and not fits_size(answer.key, size):
                status = "partial"
            key = None if status in NO_VOTE_STATUSES else answer.key
            records.append(AnswerRecord(s.problem_id, s.sample_idx, key, status))
    return records


def gold_keys(problems: Sequence[Problem], domain: str) -> dict[str, str | None]:
    """The canonical key of each problem's gold answer (None when it has no gold)."""
    extractor = get_extractor(domain)
    return {
        p.problem_id: (extractor.canonical(p.gold).key if p.gold is not None else None)
        for p in problems
    }
