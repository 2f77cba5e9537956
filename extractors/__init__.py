"""Answer canonicalisation, one module per domain.

Use :func:`get_extractor` to obtain the extractor of a domain::

    from scpo_data.extractors import get_extractor
    answer = get_extractor("gsm8k").extract("... so she pays $1,200.\\n#### 1200")
    answer.key, answer.status   # ('1200', 'ok')

This package knows nothing of the pipeline; the pipeline imports it.
"""

from __future__ import annotations

from collections.abc import Callable

from scpo_data.extractors.base import NO_ANSWER, Answer, Extractor

__all__ = ["Answer", "Extractor", "NO_ANSWER", "get_extractor", "DOMAINS"]


def _gsm8k() -> Extractor:
    from scpo_data.extractors.math_extractor import Gsm8kExtractor

    return Gsm8kExtractor()


def _math() -> Extractor:
    from scpo_data.extractors.math_extractor import MathExtractor

    return MathExtractor()


def _zebra() -> Extractor:
    from scpo_data.extractors.zebra import ZebraExtractor

    return ZebraExtractor()


def _arc() -> Extractor:
    from scpo_data.extractors.choice import ChoiceExtractor

    return ChoiceExtractor()


_FACTORIES: dict[str, Callable[[], Extractor]] = {
    "gsm8k": _gsm8k,
    "math": _math,
    "zebra": _zebra,
    "arc": _arc,
}

#: The domains that have an extractor.
DOMAINS: tuple[str, ...] = tuple(_FACTORIES)

_CACHE: dict[str, Extractor] = {}


def get_extractor(domain: str) -> Extractor:
    """Return the (shared) extractor of a domain.

    Args:
        domain: One of :data:`DOMAINS`.

    Raises:
        KeyError: When the domain has no extractor.
    """
    if domain not in _FACTORIES:
        raise KeyError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    if domain not in _CACHE:
        _CACHE[domain] = _FACTORIES[domain]()
    return _CACHE[domain]
