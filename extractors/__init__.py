"""Answer canonicalisation, one module per answer format.

An extractor turns a model response into a canonical, hashable answer key::

    from scpo_data.extractors.math_extractor import Gsm8kExtractor
    answer = Gsm8kExtractor().extract("... so she pays $1,200.\\n#### 1200")
    answer.key, answer.status   # ('1200', 'ok')

Each domain (:mod:`scpo_data.domains`) names its extractor; ask the domain for it
(``get_domain("gsm8k").extractor``). This package knows nothing of the pipeline; the
pipeline imports it.
"""

from __future__ import annotations

from scpo_data.extractors.base import NO_ANSWER, Answer, Extractor

__all__ = ["Answer", "Extractor", "NO_ANSWER"]
