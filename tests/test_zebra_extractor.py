"""The zebra extractor on messy, real-looking model outputs, and its gold / per-cell helpers."""

from __future__ import annotations

import json

import pytest

from scpo_data.domains import get_domain
from scpo_data.extractors.zebra import (
    MAX_TEXT,
    STATUS_PARTIAL,
    ZebraExtractor,
    canonical_grid,
    compare_cells,
    normalize_value,
    parse_loose_json,
)

OK, PARTIAL, NONE = "ok", STATUS_PARTIAL, "no_answer"

#: The grid most cases answer with, in canonical form.
G2 = {"1": {"name": "eric", "pet": "dog"}, "2": {"name": "bob", "pet": "cat"}}
G3 = {
    "1": {"name": "arnold", "carmodel": "toyotacamry", "nationality": "brit"},
    "2": {"name": "peter", "carmodel": "teslamodel3", "nationality": "dane"},
    "3": {"name": "eric", "carmodel": "fordf150", "nationality": "swede"},
}

ZEROEVAL = """Let me work through the clues.
Clue 5 puts the Swede in house 3. Clue 2 and 3 link the Dane, the engineer and the Tesla.

{
    "reasoning": "The Swede is in house 3; the Dane owns the Tesla...",
    "solution": {
        "House 1": {"Name": "Arnold", "CarModel": "toyota camry", "Nationality": "brit"},
        "House 2": {"Name": "Peter", "CarModel": "tesla model 3", "Nationality": "dane"},
        "House 3": {"Name": "Eric", "CarModel": "ford f150", "Nationality": "swede"}
    }
}"""

CASES: list[tuple[str, str, dict | None, str]] = [
    ("zeroeval clean", ZEROEVAL, G3, OK),
    ("json fence", "Here is my answer:\n```json\n" + ZEROEVAL[ZEROEVAL.index("{") :] + "\n```", G3, OK),
    (
        "plain fence",
        '```\n{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}\n```',
        G2,
        OK,
    ),
    (
        "trailing commas",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog",}, "House 2": {"Name": "Bob", "Pet": "cat",},},}',
        G2,
        OK,
    ),
    (
        "single quotes",
        "{'reasoning': 'easy', 'solution': {'House 1': {'Name': 'Eric', 'Pet': 'dog'}, 'House 2': {'Name': 'Bob', 'Pet': 'cat'}}}",
        G2,
        OK,
    ),
    (
        "line comments",
        '{\n "solution": {\n  "House 1": {"Name": "Eric", "Pet": "dog"}, // from clue 1\n  "House 2": {"Name": "Bob", "Pet": "cat"} // the rest\n }\n}',
        G2,
        OK,
    ),
    (
        "block comment",
        '{"solution": /* final */ {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", /* sure */ "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "hash comments",
        '{\n# answer\n"solution": {"House 1": {"Name": "Eric", "Pet": "dog"},\n"House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "text after json",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}\n\nI hope this helps! Let me know {if} you need more.',
        G2,
        OK,
    ),
    (
        "house_1 keys",
        '{"solution": {"house_1": {"name": "Eric", "pet": "dog"}, "house_2": {"name": "Bob", "pet": "cat"}}}',
        G2,
        OK,
    ),
    ("numeric keys", '{"solution": {"1": {"Name": "Eric", "Pet": "dog"}, "2": {"Name": "Bob", "Pet": "cat"}}}', G2, OK),
    ("bare keys", '{solution: {House 1: {Name: "Eric", Pet: "dog"}, House 2: {Name: "Bob", Pet: "cat"}}}', G2, OK),
    (
        "H1 keys and spaces",
        '{"solution": {" H1 ": {"Name": "Eric", "Pet": "dog"}, "H2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    ("integer keys", "{'solution': {1: {'Name': 'Eric', 'Pet': 'dog'}, 2: {'Name': 'Bob', 'Pet': 'cat'}}}", G2, OK),
    (
        "capital Solution",
        '{"Solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "articles and case",
        '{"solution": {"House 1": {"Name": "ERIC", "Pet": "The Dog"}, "House 2": {"Name": " bob ", "Pet": "a cat"}}}',
        G2,
        OK,
    ),
    (
        "punctuation folded",
        '{"solution": {"House 1": {"Name": "Arnold", "Car Model": "Toyota Camry", "Nationality": "Brit."}, "House 2": {"Name": "Peter", "car_model": "Tesla Model-3", "Nationality": "Dane"}, "House 3": {"Name": "Eric", "CarModel": "Ford F-150", "Nationality": "Swede"}}}',
        G3,
        OK,
    ),
    (
        "unknown values kept",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "space ship"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        {"1": {"name": "eric", "pet": "spaceship"}, "2": {"name": "bob", "pet": "cat"}},
        OK,
    ),
    (
        "braces in reasoning",
        '{"reasoning": "Let {x} be the house of Eric; {x: 1} works.", "solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "escaped quotes",
        '{"reasoning": "He said \\"solution\\": none", "solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "solution word in prose",
        'The solution: Eric has the dog.\n{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "wrapped in answer",
        '{"answer": {"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}}',
        G2,
        OK,
    ),
    (
        "no solution key",
        'Final grid:\n{"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}',
        G2,
        OK,
    ),
    (
        "list of houses",
        '{"solution": [{"House": 1, "Name": "Eric", "Pet": "dog"}, {"House": 2, "Name": "Bob", "Pet": "cat"}]}',
        G2,
        OK,
    ),
    ("list without numbers", '{"solution": [{"Name": "Eric", "Pet": "dog"}, {"Name": "Bob", "Pet": "cat"}]}', G2, OK),
    (
        "header rows table",
        '{"solution": {"header": ["House", "Name", "Pet"], "rows": [["1", "Eric", "dog"], ["2", "Bob", "cat"]]}}',
        G2,
        OK,
    ),
    (
        "python literals",
        "{'solution': {'House 1': {'Name': 'Eric', 'Pet': 'dog'}, 'House 2': {'Name': 'Bob', 'Pet': None}}, 'done': True}",
        {"1": {"name": "eric", "pet": "dog"}, "2": {"name": "bob", "pet": ""}},
        PARTIAL,
    ),
    (
        "missing comma",
        '{"solution": {"House 1": {"Name": "Eric" "Pet": "dog"} "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "draft then final",
        '{"solution": {"House 1": {"Name": "Bob", "Pet": "cat"}, "House 2": {"Name": "Eric", "Pet": "dog"}}}\nWait, clue 2 says otherwise.\n{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "final truncated after complete draft",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}\nLet me double-check.\n{"solution": {"House 1": {"Name": "Eric", "Pe',
        G2,
        OK,
    ),
    (
        "truncated between houses",
        '```json\n{"reasoning": "...", "solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob",',
        {"1": {"name": "eric", "pet": "dog"}, "2": {"name": "bob"}},
        PARTIAL,
    ),
    (
        "truncated inside a value",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "ca',
        {"1": {"name": "eric", "pet": "dog"}, "2": {"name": "bob"}},
        PARTIAL,
    ),
    (
        "truncated complete-looking",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}',
        G2,
        PARTIAL,
    ),
    ("truncated before any house", '{"reasoning": "First, clue 1 tells us', None, NONE),
    (
        "wrong house numbers",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 3": {"Name": "Bob", "Pet": "cat"}}}',
        {"1": {"name": "eric", "pet": "dog"}, "3": {"name": "bob", "pet": "cat"}},
        PARTIAL,
    ),
    (
        "house missing an attribute",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob"}}}',
        {"1": {"name": "eric", "pet": "dog"}, "2": {"name": "bob"}},
        PARTIAL,
    ),
    (
        "template placeholders",
        '{"solution": {"House 1": {"Name": "Eric", "Pet": "___"}, "House 2": {"Name": "___", "Pet": "cat"}}}',
        {"1": {"name": "eric", "pet": ""}, "2": {"name": "", "pet": "cat"}},
        PARTIAL,
    ),
    (
        "empty strings",
        '{"solution": {"House 1": {"Name": "", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        {"1": {"name": "", "pet": "dog"}, "2": {"name": "bob", "pet": "cat"}},
        PARTIAL,
    ),
    (
        "list value",
        '{"solution": {"House 1": {"Name": ["Eric"], "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        {"1": {"name": "", "pet": "dog"}, "2": {"name": "bob", "pet": "cat"}},
        PARTIAL,
    ),
    (
        "number value",
        '{"solution": {"House 1": {"Name": "Eric", "Age": 30}, "House 2": {"Name": "Bob", "Age": 41}}}',
        {"1": {"name": "eric", "age": "30"}, "2": {"name": "bob", "age": "41"}},
        OK,
    ),
    (
        "markdown rows",
        "So the final arrangement is:\n\n| House | Name | Pet |\n|-------|------|-----|\n| 1 | Eric | Dog |\n| 2 | Bob | Cat |\n\nThis satisfies every clue.",
        G2,
        OK,
    ),
    (
        "markdown bold and colons",
        "| **House** | **Name** | **Pet** |\n|:---:|:---|---:|\n| **1** | **Eric** | dog |\n| **2** | Bob | the cat |",
        G2,
        OK,
    ),
    (
        "markdown transposed",
        "|      | House 1 | House 2 |\n|------|---------|---------|\n| Name | Eric    | Bob     |\n| Pet  | dog     | cat     |",
        G2,
        OK,
    ),
    (
        "markdown house labels",
        "| House | Name | Pet |\n|---|---|---|\n| House 1 | Eric | dog |\n| House 2 | Bob | cat |",
        G2,
        OK,
    ),
    (
        "markdown wrong count",
        "| House | Name | Pet |\n|---|---|---|\n| 1 | Eric | dog |\n| 2 | Bob | cat |\n| 3 | Peter | fish |",
        {
            "1": {"name": "eric", "pet": "dog"},
            "2": {"name": "bob", "pet": "cat"},
            "3": {"name": "peter", "pet": "fish"},
        },
        OK,
    ),
    (
        "markdown truncated row",
        "| House | Name | Pet |\n|---|---|---|\n| 1 | Eric | dog |\n| 2 | Bob |",
        {"1": {"name": "eric", "pet": "dog"}, "2": {"name": "bob"}},
        PARTIAL,
    ),
    (
        "json preferred to table",
        "| House | Name | Pet |\n|---|---|---|\n| 1 | Bob | cat |\n| 2 | Eric | dog |\n\n"
        + '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}',
        G2,
        OK,
    ),
    (
        "prose only",
        "After checking every clue, Eric lives in house 1 with the dog and Bob in house 2 with the cat.",
        None,
        NONE,
    ),
    ("refusal", "I'm sorry, but this puzzle has no solution.", None, NONE),
    ("empty", "", None, NONE),
    ("broken braces", '{"solution": {"House 1": [}}}', None, NONE),
]


@pytest.mark.parametrize(("text", "expected", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_extract(text: str, expected: dict | None, status: str) -> None:
    answer = ZebraExtractor().extract(text)
    assert answer.status == status
    if expected is None:
        assert answer.key is None
    else:
        assert json.loads(answer.key) == expected
        assert ZebraExtractor.grid(answer) == expected


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 40


def test_key_is_deterministic_and_order_free() -> None:
    a = '{"solution": {"House 2": {"Pet": "cat", "Name": "Bob"}, "House 1": {"Pet": "dog", "Name": "Eric"}}}'
    b = '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}'
    ext = ZebraExtractor()
    assert (
        ext.extract(a).key == ext.extract(b).key == '{"1":{"name":"eric","pet":"dog"},"2":{"name":"bob","pet":"cat"}}'
    )
    # Ten houses sort numerically.
    wide = {f"House {h}": {"Name": f"p{h}"} for h in range(1, 11)}
    assert list(json.loads(ext.extract(json.dumps({"solution": wide})).key)) == [str(h) for h in range(1, 11)]


def test_only_the_tail_of_a_long_response_is_read() -> None:
    answer = '{"solution": {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}}'
    ext = ZebraExtractor()
    assert ext.extract("x" * (3 * MAX_TEXT) + answer).status == OK
    assert ext.extract(answer + "x" * MAX_TEXT).key is None


def test_many_braces_stay_fast() -> None:
    import time

    start = time.perf_counter()
    ZebraExtractor().extract('"solution": ' + "{" * 5000 + "solution: x")
    ZebraExtractor().extract("{[" * 20000)
    assert time.perf_counter() - start < 5


def test_canonical_accepts_gold_table_and_grid() -> None:
    ext = ZebraExtractor()
    table = {"header": ["House", "Name", "Pet"], "rows": [["1", "Eric", "dog"], ["2", "Bob", "cat"]]}
    grid = {"House 1": {"Name": "Eric", "Pet": "dog"}, "House 2": {"Name": "Bob", "Pet": "cat"}}
    key = ext.canonical(json.dumps(table)).key
    assert key == ext.canonical(json.dumps(grid)).key == ext.extract(json.dumps({"solution": grid})).key
    assert ext.canonical(json.dumps(table)).status == OK
    assert ext.canonical("not a grid").key is None
    assert ext.canonical("").key is None


def test_registered_and_batch() -> None:
    ext = get_domain("zebra").extractor
    assert isinstance(ext, ZebraExtractor) and ext.domain == "zebra"
    answers = ext.extract_batch([CASES[0][1], "nothing"])
    assert [a.status for a in answers] == [OK, NONE]


def test_compare_cells() -> None:
    gold = canonical_grid({"header": ["House", "Name", "Pet"], "rows": [["1", "Eric", "dog"], ["2", "Bob", "cat"]]})
    assert gold == G2
    assert compare_cells(G2, gold).all_correct
    swapped = {"1": {"name": "eric", "pet": "cat"}, "2": {"name": "bob", "pet": "dog"}}
    score = compare_cells(swapped, gold)
    assert (score.correct, score.total, score.all_correct) == (2, 4, False)
    assert (compare_cells({"1": {"name": "eric"}}, gold).correct, compare_cells(None, gold).correct) == (1, 0)
    assert not compare_cells(None, gold).all_correct
    extra = {**G2, "3": {"name": "peter", "pet": "fish"}}
    assert compare_cells(extra, gold).all_correct


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("The Dane", "dane"),
        ("  Ford F-150 ", "fordf150"),
        ("hip-hop", "hiphop"),
        ("hip hop", "hiphop"),
        ("`tea`", "tea"),
        ("**Eric**", "eric"),
        ("___", ""),
        (None, ""),
        ("An Apple", "apple"),
        ("Théo", "théo"),
        ("Theater", "theater"),
        ("a", "a"),
    ],
)
def test_normalize_value(raw: object, folded: str) -> None:
    assert normalize_value(raw) == folded


def test_loose_json_never_evaluates() -> None:
    assert parse_loose_json("__import__('os')", 0) is None
    assert parse_loose_json("{'a': __import__('os').system('x')}", 0) is None
