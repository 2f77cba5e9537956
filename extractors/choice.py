"""Multiple-choice answers (ARC): find the chosen option letter in a response.

The key of an answer is the option letter in upper case (``"C"``). The search looks,
in order, at

1. the last ``\\boxed{...}`` (``\\boxed{C}``, ``\\boxed{(C)}``, ``\\boxed{C) text}``);
2. the last answer phrase (``The answer is (C)``, ``Answer: C``, ``the correct option is C.``,
   ``**Answer:** C) text``), whose tail may also be the text of an option;
3. the last line: a letter that opens it (``(C)``, ``C)``, ``C.``, ``C:``) or is the
   whole line, or the text of exactly one option inside it;
4. the last ``(C)`` or line-opening ``C)`` anywhere.

Within each of 1-3: a letter that opens it (``C)``, ``(C)``, ``C.``, ``C``), else the text
of exactly one option (compared as written, spaces collapsed, then case- and
punctuation-folded; an option whose text lies inside another matching one's does not
count), else, in a box or after an answer phrase, a letter followed by more words
(``C because ...``). So "The answer is A mouse runs ..." names the option with that text,
not option A.

The option texts come from the problem: :func:`parse_options` reads them from a question
that lists them as ``A) ...`` lines (the form :func:`format_question` writes), and
:meth:`ChoiceExtractor.extract` takes them as ``options``. Without options any letter
A-J is accepted; with options only their labels are, and a reply naming an option by
its text alone is mapped to that option's letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from scpo_data.extractors.base import NO_ANSWER, STATUS_OK, STATUS_UNPARSED, Answer, Extractor

__all__ = ["ChoiceExtractor", "format_question", "parse_options"]

#: Only this many characters at the end of a response are searched.
MAX_TEXT = 20_000
_LETTERS = "ABCDEFGHIJ"
_BOXED = re.compile(r"\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_PHRASE = re.compile(
    r"(?:answer|option|choice)(?:\s+(?:is|would\s+be|will\s+be))?(?:\s*:)?(?:\*\*)?\s*(?::|is\b|=)?\s*"
    r"(?P<tail>[^\n]*)",
    re.IGNORECASE,
)
_HEAD_LETTER = re.compile(r"^[\s*_`\"'\[]*\(?\s*(?P<letter>[A-Ja-j])\s*(?:\)|\]|\.(?!\w)|:|$|\s*$)")
#: After an answer phrase or in a box the letter may be followed by more words ("B because ...").
_PHRASE_LETTER = re.compile(r"^[\s*_`\"'\[]*\(?\s*(?P<letter>[A-Ja-j])\b(?!['’-])")
_BARE_LETTER = re.compile(r"^[\s*_`\"'\[(]*(?P<letter>[A-J])[\s*_`\"'\]).:]*$")
_PAREN_LETTER = re.compile(r"\((?P<letter>[A-J])\)|(?m:^\s*(?P<head>[A-J])\))")
_OPTION_LINE = re.compile(r"^\s*\(?(?P<label>[A-J])\)\s+(?P<text>\S.*?)\s*$", re.MULTILINE)
_NOT_WORD = re.compile(r"[\W_]+")


def format_question(question: str, labels: Sequence[str], texts: Sequence[str]) -> str:
    """The question followed by one ``A) option`` line per option (what the prompt shows)."""
    lines = [f"{label}) {text}" for label, text in zip(labels, texts)]
    return question.strip() + "\n\n" + "\n".join(lines)


def parse_options(question: str) -> dict[str, str]:
    """The options listed in a question as ``A) text`` lines (label -> text; empty when none)."""
    return {m["label"]: m["text"] for m in _OPTION_LINE.finditer(question)}


def _fold(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


class ChoiceExtractor(Extractor):
    """Extractor of the ``arc`` domain: the option letter a response settles on."""

    domain = "arc"

    def extract(self, text: str, options: Mapping[str, str] | None = None) -> Answer:
        """Find the chosen option letter (see the module docstring for the search order).

        Args:
            text: The model's whole response (untrusted).
            options: The problem's options, label -> text; None accepts any letter A-J.

        Returns:
            The letter as key, or no answer.
        """
        text = text[-MAX_TEXT:]
        allowed = {label.upper() for label in options} if options else set(_LETTERS)
        for candidate, head in self._candidates(text):
            letter = self._letter(candidate, head, allowed, options)
            if letter is not None:
                return Answer(letter, STATUS_OK, candidate.strip())
        for match in reversed(list(_PAREN_LETTER.finditer(text))):
            letter = (match["letter"] or match["head"]).upper()
            if letter in allowed:
                return Answer(letter, STATUS_OK, match.group(0).strip())
        return NO_ANSWER

    def canonical(self, answer_text: str) -> Answer:
        """Canonicalise a bare label such as a gold ``answerKey`` (``"c"``, ``"(C)"`` -> ``"C"``)."""
        match = _BARE_LETTER.match(answer_text.strip().upper())
        if match:
            return Answer(match["letter"], STATUS_OK, answer_text)
        return Answer(_fold(answer_text) or None, STATUS_UNPARSED, answer_text)

    def extract_batch_in_context(self, texts: Iterable[str], questions: Iterable[str | None]) -> list[Answer]:
        """Extract with each response's question at hand: its ``A) ...`` lines are the options."""
        return [self.extract(t, parse_options(q) if q else None) for t, q in zip(texts, questions)]

    @staticmethod
    def _candidates(text: str) -> list[tuple[str, re.Pattern[str]]]:
        """Answer strings in search order (last box, last answer phrase, last line), each with
        the pattern of a letter opening it."""
        found = []
        boxes = _BOXED.findall(text)
        if boxes:
            found.append((boxes[-1], _PHRASE_LETTER))
        phrases = [m["tail"] for m in _PHRASE.finditer(text) if m["tail"].strip()]
        if phrases:
            found.append((phrases[-1], _PHRASE_LETTER))
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            found.append((lines[-1], _HEAD_LETTER))
        return found

    @staticmethod
    def _letter(
        candidate: str, head: re.Pattern[str], allowed: set[str], options: Mapping[str, str] | None
    ) -> str | None:
        """The letter an answer string names: a letter that opens it (``C)``, ``(C)``, ``C.``),
        else the one option whose text it holds, else (after an answer phrase) a letter
        followed by more words (``C because ...``)."""
        for pattern in dict.fromkeys((_HEAD_LETTER, None, head)):
            letter = _option_text(candidate, options) if pattern is None else _opening_letter(candidate, pattern)
            if letter is not None:
                return letter if letter in allowed else None
        return None


def _opening_letter(candidate: str, pattern: re.Pattern[str]) -> str | None:
    """The letter ``pattern`` finds at the start; a lower-case one only when it stands alone."""
    match = pattern.match(candidate)
    if not match:
        return None
    letter = match["letter"]
    if letter.isupper() or re.fullmatch(r"[\s*_`\"'\[(]*[a-j][\s*_`\"'\]).:]*", candidate):
        return letter.upper()
    return None


def _option_text(candidate: str, options: Mapping[str, str] | None) -> str | None:
    """The label of the one option whose text the candidate holds: compared as written
    (spaces collapsed, so ``+1`` and ``-1`` differ), else case- and punctuation-folded. An
    option whose text lies inside another matching option's text does not count."""
    if not options:
        return None
    for norm in (_squash, _fold):
        text = f" {norm(candidate)} "
        hits = {label.upper(): norm(option) for label, option in options.items()
                if norm(option) and re.search(rf"(?<!\w){re.escape(norm(option))}(?!\w)", text)}
        longest = [label for label, option in hits.items()
                   if not any(option != other and option in other for other in hits.values())]
        if len(longest) == 1:
            return longest[0]
        if longest:
            return None
    return None


def _squash(text: str) -> str:
    return " ".join(text.split()).rstrip(".")
