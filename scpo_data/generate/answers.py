"""The answers stage: canonical answer keys for every sample.

A sample cut off by the token limit (``finish_reason == "length"``) never reached its
final answer: it gets no key and the status ``truncated``, so it can be rejected but
never chosen. The same holds for an incomplete ZebraLogic grid (status ``partial``):
votes are on complete solutions.
"""

from __future__ import annotations

from collections.abc import Sequence

from scpo_data.domains import get_domain
from scpo_data.records import AnswerRecord, Problem, Sample

STATUS_TRUNCATED = "truncated"
#: Statuses whose key does not take part in the vote.
NO_VOTE_STATUSES = frozenset({"partial"})


def extract_answers(
    samples: Sequence[Sample], domain: str, problems: Sequence[Problem] = ()
) -> list[AnswerRecord]:
    """Extract and canonicalise the final answer of each finished sample.

    A key that the domain finds incomplete for its problem (:meth:`Domain.key_fits`: a
    ZebraLogic grid of the wrong size) is ``partial``. Each sample's question goes to the
    extractor (``arc`` reads the options from it).
    """
    spec = get_domain(domain)
    by_id = {p.problem_id: p for p in problems}
    finished = [s for s in samples if s.finish_reason != "length"]
    keyed = dict(
        zip(
            ((s.problem_id, s.sample_idx) for s in finished),
            spec.extractor.extract_batch_in_context(
                [s.text for s in finished],
                [by_id[s.problem_id].question if s.problem_id in by_id else None for s in finished],
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
            if answer.key is not None and not spec.key_fits(answer.key, by_id.get(s.problem_id)):
                status = "partial"
            key = None if status in NO_VOTE_STATUSES else answer.key
            records.append(AnswerRecord(s.problem_id, s.sample_idx, key, status))
    return records


def gold_keys(problems: Sequence[Problem], domain: str) -> dict[str, str | None]:
    """The canonical key of each problem's gold answer (None when it has no gold)."""
    spec = get_domain(domain)
    return {p.problem_id: spec.gold_key(p.gold) for p in problems}
