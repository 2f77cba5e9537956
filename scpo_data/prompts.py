"""Zero-shot chain-of-thought prompts per domain, written for this project.

Each prompt asks the model to reason step by step and to end with the final answer
in the fixed format the domain's extractor looks for.
"""

from __future__ import annotations

from scpo_data.puzzles import zebra_prompt
from scpo_data.records import Message

_TEMPLATES: dict[str, str] = {
    "gsm8k": (
        "Solve the following math word problem. Reason step by step, then write the "
        "final answer as a number on its own last line in the form `#### <number>`.\n\n"
        "Problem: {question}"
    ),
    "math": (
        "Solve the following math problem. Reason step by step, then give the final "
        "answer in simplest exact form inside \\boxed{{}}.\n\nProblem: {question}"
    ),
    "arc": (
        "Answer the following multiple-choice question. Reason step by step, then write "
        "the letter of the correct option on its own last line in the form "
        "`The answer is (X)`.\n\nQuestion: {question}"
    ),
}


def user_prompt(domain: str, question: str) -> str:
    """The user message that asks for a solution of ``question`` in ``domain``'s format."""
    if domain == "zebra":
        return zebra_prompt(question)
    try:
        template = _TEMPLATES[domain]
    except KeyError:
        raise ValueError(f"no prompt for domain {domain!r}") from None
    return template.format(question=question)


def chat(domain: str, question: str) -> list[Message]:
    """The prompt as a one-turn chat (TRL's conversational ``prompt`` column)."""
    return [{"role": "user", "content": user_prompt(domain, question)}]
