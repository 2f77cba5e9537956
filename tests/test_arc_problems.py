"""ARC-Challenge records as problems (options in the question, gold from answerKey), MATH meta."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scpo_data.generate.answers import extract_answers, gold_keys
from scpo_data.errors import ScpoError
from scpo_data.extractors.choice import parse_options
from scpo_data.generate.problems import load_problems
from scpo_data.domains import get_domain
from scpo_data.records import Sample
from helpers import SHARED_DATA as DATA, needs_shared_data



@needs_shared_data
def test_arc_rows_list_their_options_and_take_the_answer_key_as_gold() -> None:
    problems = load_problems(str(DATA / "arc" / "ARC-Challenge-test.jsonl"), "arc", limit=3)
    first = problems[0]
    assert first.problem_id == "Mercury_7175875" and first.gold == "C"
    assert first.question.startswith("An astronomer observes")
    assert parse_options(first.question) == {
        "A": "Planetary density will decrease.", "B": "Planetary years will become longer.",
        "C": "Planetary days will become shorter.", "D": "Planetary gravity will become stronger."}
    prompt = get_domain("arc").chat(first.question)[0]["content"]
    assert "C) Planetary days will become shorter." in prompt and "The answer is (X)" in prompt
    assert set(gold_keys(problems, "arc").values()) <= set("ABCDE")


@needs_shared_data
def test_the_answers_stage_maps_option_text_to_its_letter() -> None:
    problems = load_problems(str(DATA / "arc" / "ARC-Challenge-test.jsonl"), "arc", limit=1)
    samples = [Sample(problems[0].problem_id, 0, "So: planetary days will become shorter.", "stop", 9, 0.7, 0)]
    assert extract_answers(samples, "arc", problems)[0].key == "C"
    assert extract_answers(samples, "arc")[0].key is None  # without the question there are no options


def test_malformed_choices_are_a_clean_error(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(json.dumps({"question": "Q?", "choices": {"text": ["x"], "label": []}, "answerKey": "A"}) + "\n")
    with pytest.raises(ScpoError, match="malformed choices"):
        load_problems(str(src), "arc")


@needs_shared_data
def test_math_problems_keep_level_and_subject_in_meta() -> None:
    problems = load_problems(str(DATA / "math" / "test.jsonl"), "math", limit=2)
    meta = json.loads(problems[0].meta)
    assert meta == {"level": 2, "subject": "Precalculus"}
