"""Loading problems: built-in seeds, local files in three formats, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from scpo_data.errors import ScpoError
from scpo_data.domains import get_domain
from scpo_data.generate.problems import load_problems
from helpers import SHARED_DATA as SHARED



def test_builtin_seeds_have_gold_and_unique_ids() -> None:
    problems = load_problems("builtin", "gsm8k")
    assert 18 <= len(problems) <= 30
    assert len({p.problem_id for p in problems}) == len(problems)
    extractor = get_domain("gsm8k").extractor
    for p in problems:
        assert p.gold is not None and extractor.canonical(p.gold).status == "ok"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not beside the checkout")
def test_gsm8k_file_gold_is_the_number_after_hashes() -> None:
    problems = load_problems(str(SHARED / "gsm8k" / "test.jsonl"), "gsm8k", limit=5)
    first = json.loads((SHARED / "gsm8k" / "test.jsonl").read_text().splitlines()[0])
    assert len(problems) == 5
    assert problems[0].question == first["question"].strip()
    assert problems[0].gold == first["answer"].rsplit("####", 1)[1].strip()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".csv"])
def test_formats_and_named_fields(tmp_path: Path, suffix: str) -> None:
    rows = {"q": ["What is 2+2?", "What is 3+3?"], "a": ["4", "6"]}
    path = tmp_path / f"p{suffix}"
    frame = pl.DataFrame(rows)
    {".jsonl": frame.write_ndjson, ".parquet": frame.write_parquet, ".csv": frame.write_csv}[suffix](path)
    problems = load_problems(str(path), "gsm8k", question_field="q", answer_field="a")
    assert [(p.question, p.gold) for p in problems] == [("What is 2+2?", "4"), ("What is 3+3?", "6")]
    assert problems[0].problem_id != problems[1].problem_id


def test_problems_without_answer_column_have_no_gold(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"question": "How many legs has a cat?"}) + "\n")
    assert load_problems(str(path), "gsm8k")[0].gold is None


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.jsonl", "not found"),
        ('{"text": "hi"}\n', "p.jsonl", "no question field"),
        ("not json\n", "p.jsonl", "line 1 is not valid JSON"),
        ("", "p.jsonl", "holds no problems"),
        ("a,b\n1,2\n", "p.txt", "unknown problems file type"),
    ],
)
def test_bad_sources_raise_one_clear_error(tmp_path: Path, content: str | None, name: str, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(ScpoError, match=message):
        load_problems(str(path), "gsm8k")


def test_named_field_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"question": "q?"}) + "\n")
    with pytest.raises(ScpoError, match="no question field 'prompt'"):
        load_problems(str(path), "gsm8k", question_field="prompt")


def test_bad_hub_source_syntax() -> None:
    with pytest.raises(ScpoError, match="bad Hub source"):
        load_problems("hf:not a name", "gsm8k")
