r"""Domains: one module per kind of problem, and the registry the loop asks.

A domain (:class:`~scpo_data.domains.base.Domain`) declares its prompt, extractor,
defaults, gold reading, problem source, licences and extra statistics; nothing outside
this package branches on a domain's name::

    from scpo_data.domains import get_domain, DOMAINS
    domain = get_domain("zebra")
    domain.k, domain.max_tokens          # (16, 1024)
    domain.chat(question)                # the prompt as a one-turn chat
    domain.extractor.extract(text)       # the canonical answer key

Adding a domain is one new module and one registry line. For example, AIME problems
(an integer from 0 to 999 in ``\boxed{}``, long solutions, more samples)::

    # scpo_data/domains/aime.py
    from scpo_data.domains.base import Domain

    class Aime(Domain):
        name = "aime"
        title = "competition math (AIME)"
        k = 16
        max_tokens = 2048
        prompt_template = ("Solve the following problem. Reason step by step, then give the "
                           "final answer, an integer from 0 to 999, inside \\boxed{{}}.\n\n"
                           "Problem: {question}")

        def make_extractor(self):
            from scpo_data.extractors.math_extractor import MathExtractor
            return MathExtractor()

    DOMAIN = Aime()

and here ``aime`` in the import line and ``aime.DOMAIN`` in ``_REGISTERED``; ``--domain
aime`` then works in ``generate`` and ``eval`` (choices, defaults, prompt, extractor,
card title). Override :meth:`~Domain.builtin_problems`, :meth:`~Domain.key_fits`,
:meth:`~Domain.run_stats` or :meth:`~Domain.eval_breakdowns` where the domain differs.
"""

from __future__ import annotations

from scpo_data.domains import arc, arith, gsm8k, math, zebra
from scpo_data.domains.base import Domain, ReportTable
from scpo_data.errors import ScpoError

__all__ = ["DOMAINS", "Domain", "ReportTable", "find_domain", "get_domain"]

_REGISTERED: tuple[Domain, ...] = (arith.DOMAIN, gsm8k.DOMAIN, math.DOMAIN, zebra.DOMAIN, arc.DOMAIN)

#: The registered domains by name, in the order ``--help`` lists them.
DOMAINS: dict[str, Domain] = {domain.name: domain for domain in _REGISTERED}


def get_domain(name: str) -> Domain:
    """The registered domain called ``name``.

    Raises:
        ScpoError: For an unknown name (the message lists the valid ones).
    """
    try:
        return DOMAINS[name]
    except KeyError:
        raise ScpoError(f"unknown domain {name!r}: use one of {', '.join(DOMAINS)}") from None


def find_domain(name: str | None) -> Domain | None:
    """The registered domain called ``name``, or None (e.g. a manifest from another version)."""
    return DOMAINS.get(name or "")
