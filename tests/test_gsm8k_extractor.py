"""The gsm8k extractor: ``####`` lines, marked answers, and the last-number fallback."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from scpo_data.domains import get_domain
from scpo_data.extractors.base import STATUS_NO_ANSWER, STATUS_OK
from scpo_data.extractors.math_extractor import STATUS_LAST_NUMBER, Gsm8kExtractor, MathExtractor
from helpers import SHARED_DATA as DATA

GSM8K_TEST = DATA / "gsm8k" / "test.jsonl"


@pytest.mark.skipif(not GSM8K_TEST.exists(), reason=f"shared data not found at {GSM8K_TEST}")
def test_gsm8k_hash_line_equals_gold_number() -> None:
    """For every GSM8K test record the extracted key is the gold number as an exact rational."""
    records = [json.loads(line) for line in GSM8K_TEST.read_text(encoding="utf-8").splitlines() if line.strip()]
    answers = Gsm8kExtractor().extract_batch([r["answer"] for r in records])
    wrong = [
        (r["answer"][-60:], a)
        for r, a in zip(records, answers, strict=True)
        if a.status != STATUS_OK or a.key != str(Fraction(r["answer"].rsplit("####", 1)[1].strip().replace(",", "")))
    ]
    assert len(records) == 1319
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("She pays $1,200 in total.\n#### 1200", "1200"),
        ("So the answer is $18.", "18"),
        ("The answer is: Janet makes $18 per day.", "18"),
        (r"Total: \boxed{\frac{7}{2}}", "7/2"),
        ("#### -4", "-4"),
        (r"so \boxed{\sqrt{4}}", "2"),
        (r"\boxed{\begin{pmatrix} 1 \\ 2 \end{pmatrix}}", "[[1], [2]]"),
    ],
)
def test_gsm8k_answers(text: str, key: str) -> None:
    """Marked answers are narrowed to their number."""
    answer = get_domain("gsm8k").extractor.extract(text)
    assert (answer.key, answer.status) == (key, STATUS_OK)


def test_last_number_fallback_in_both_domains() -> None:
    """Unmarked text falls back to the last number in both domains, with a status that says so."""
    text = "She has 3 apples, then 5 more, so 8 apples."
    for extractor in (MathExtractor(), Gsm8kExtractor()):
        answer = extractor.extract(text)
        assert (answer.key, answer.status) == ("8", STATUS_LAST_NUMBER)
    assert Gsm8kExtractor().extract("no digits here").status == STATUS_NO_ANSWER
    assert Gsm8kExtractor().extract("It costs 2.50 dollars.").key == "5/2"


def test_registry_points_at_the_new_extractors() -> None:
    """The gsm8k and math domains serve these extractor classes."""
    assert isinstance(get_domain("gsm8k").extractor, Gsm8kExtractor)
    assert type(get_domain("math").extractor) is MathExtractor
