"""The ARC (multiple-choice) extractor: a table of responses and the letter each names."""

from __future__ import annotations


import pytest

from scpo_data.domains import get_domain
from scpo_data.extractors.choice import ChoiceExtractor, format_question, parse_options
from helpers import SHARED_DATA as DATA, needs_shared_data


OPTIONS = {
    "A": "Planetary density will decrease.",
    "B": "Planetary years will become longer.",
    "C": "Planetary days will become shorter.",
    "D": "Planetary gravity will become stronger.",
}

CASES = [
    ("Faster rotation means shorter days.\nThe answer is (C).", "C"),
    ("So the best fit is\nC) Planetary days will become shorter.", "C"),
    ("Reasoning...\nThe answer is C", "C"),
    ("Reasoning...\nthe answer is c.", "C"),
    ("Therefore $\\boxed{C}$", "C"),
    ("Therefore \\boxed{(B)} is right.", "B"),
    ("**Answer:** D) Planetary gravity will become stronger.", "D"),
    ("Answer: A", "A"),
    ("The correct option is B because years grow.", "B"),
    ("The answer is planetary days will become shorter.", "C"),
    ("A faster spin makes each day pass sooner.\nPlanetary days will become shorter.", "C"),
    ("I think (A) is tempting, but (D) fits.\nIt is the last one.", "D"),
    # the box wins over an earlier answer phrase
    ("The answer is A. Wait, no.\n\\boxed{B}", "B"),
    # a sentence that starts with the article "A" names no option
    ("A planet spins.\nA day is one turn.", None),
    ("I do not know.", None),
    ("", None),
    # a letter that is not an option is no answer
    ("The answer is (F).", None),
]


@pytest.mark.parametrize(("text", "key"), CASES)
def test_letters_with_options(text: str, key: str | None) -> None:
    answer = ChoiceExtractor().extract(text, OPTIONS)
    assert answer.key == key, (text, answer)
    assert answer.status == ("ok" if key else "no_answer")


def test_option_text_needs_the_options() -> None:
    text = "The answer is planetary days will become shorter."
    assert ChoiceExtractor().extract(text).key is None
    assert ChoiceExtractor().extract(text, OPTIONS).key == "C"


def test_two_option_texts_in_one_line_name_nothing() -> None:
    text = "Either planetary days will become shorter or planetary years will become longer."
    assert ChoiceExtractor().extract(text, OPTIONS).key is None


def test_without_options_any_letter_a_to_j_counts() -> None:
    assert ChoiceExtractor().extract("The answer is (F).").key == "F"


@pytest.mark.parametrize(("gold", "key"), [("C", "C"), ("c", "C"), ("(B)", "B"), (" D) ", "D")])
def test_canonical_gold_labels(gold: str, key: str) -> None:
    assert get_domain("arc").extractor.canonical(gold).key == key


def test_question_round_trip_and_batch_in_context() -> None:
    question = format_question("Which effect?", list(OPTIONS), list(OPTIONS.values()))
    assert parse_options(question) == OPTIONS
    texts = ["The answer is planetary days will become shorter.", "Answer: B"]
    answers = get_domain("arc").extractor.extract_batch_in_context(texts, [question, None])
    assert [a.key for a in answers] == ["C", "B"]


def test_other_extractors_ignore_questions() -> None:
    answers = get_domain("gsm8k").extractor.extract_batch_in_context(["#### 12"], ["A) 12"])
    assert answers[0].key == "12"


@pytest.mark.parametrize(
    ("text", "options", "key"),
    [
        # an option text that opens with the article "A" is not the letter A
        ("The answer is A mouse runs from a coyote.", {"A": "A tiger hunts a deer.", "B": "A mouse runs from a coyote."}, "B"),
        # one option's text inside another's: the longer one that matches wins
        ("The answer is health of the living organisms in the environment",
         {"A": "living organisms in the environment", "B": "health of the living organisms in the environment"}, "B"),
        # signs and case are kept before folding
        ("The answer is -1", {"A": "+1", "B": "-1"}, "B"),
        ("The answer is Rr", {"A": "rr", "B": "Rr", "C": "RR"}, "B"),
    ],
)
def test_option_texts_that_look_alike(text: str, options: dict[str, str], key: str) -> None:
    assert ChoiceExtractor().extract(text, options).key == key



@needs_shared_data
def test_every_arc_challenge_option_maps_back_to_its_letter() -> None:
    from scpo_data.generate.problems import load_problems

    problems = load_problems(str(DATA / "arc" / "ARC-Challenge-test.jsonl"), "arc")
    forms = ["Thinking...\nThe answer is ({L}).", "\\boxed{{{L}}}", "So:\n{L}) {T}", "The answer is {T}"]
    extractor = ChoiceExtractor()
    misses = {form: 0 for form in forms}
    total = 0
    for problem in problems:
        options = parse_options(problem.question)
        for label, text in options.items():
            total += 1
            for form in forms:
                misses[form] += extractor.extract(form.format(L=label, T=text), options).key != label
    assert total == 4687
    assert misses["Thinking...\nThe answer is ({L})."] == misses["\\boxed{{{L}}}"] == misses["So:\n{L}) {T}"] == 0
    # the one miss: an option whose text is the letter "C" (carbon) of another option
    assert misses["The answer is {T}"] == 1
