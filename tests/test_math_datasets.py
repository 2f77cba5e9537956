"""MATH-500: the key extracted from every reference solution equals the key of its gold answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scpo_data.extractors.base import STATUS_OK
from scpo_data.extractors.math_extractor import MathExtractor

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MATH500 = DATA / "math" / "test.jsonl"

#: Records whose solution and answer legitimately disagree: unique_id -> reason. (None today.)
KNOWN_EXCEPTIONS: dict[str, str] = {}

pytestmark = pytest.mark.skipif(not MATH500.exists(), reason=f"shared data not found at {MATH500}")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """All MATH-500 records."""
    return [json.loads(line) for line in MATH500.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_math500_solution_key_equals_answer_key(records: list[dict]) -> None:
    """Every solution's extracted key equals its gold answer's key, and every gold answer parses."""
    extractor = MathExtractor()
    extracted = extractor.extract_batch([r["solution"] for r in records])
    gold = [extractor.canonical(r["answer"]) for r in records]
    mismatches = [
        (r["unique_id"], r["answer"], e.raw, e.key, g.key, g.status)
        for r, e, g in zip(records, extracted, gold, strict=True)
        if (e.key != g.key or g.status != STATUS_OK) and r["unique_id"] not in KNOWN_EXCEPTIONS
    ]
    assert len(records) == 500
    assert mismatches == []
