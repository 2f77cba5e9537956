"""Help texts: rich reads ``[word]`` as markup and drops it, so a literal bracket must be escaped."""

from __future__ import annotations

import re

import typer

from scpo_data.cli.app import app

#: A bracket rich would eat as a style tag: ``[vllm]`` not preceded by a backslash.
MARKUP = re.compile(r"(?<!\\)\[[a-zA-Z/][^\]]*\]")


def _commands(command, path=()):  # noqa: ANN001, ANN202 - click objects
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_no_help_text_hides_words_as_markup() -> None:
    hidden = []
    for path, command in _commands(typer.main.get_command(app)):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        hidden += [f"{' '.join(path)}: {m}" for text in texts for m in MARKUP.findall(text)]
    assert hidden == []


def test_the_vllm_extra_shows_in_generate_help() -> None:
    from helpers import scpo

    assert "pip install 'scpo-data[vllm]'" in " ".join(scpo("generate", "--help").stdout.replace("│", " ").split())
