"""Generated arithmetic word problems: the gsm8k format, with exact gold, for the embedded model.

The embedded SmolLM2-135M cannot do GSM8K; warmed up on these problems (``--model
embedded-arith``, :mod:`scpo_data.train.warmup`) it is weak but not hopeless, so its votes
carry signal and ScPO can be shown end to end on a laptop. ``--problems builtin`` draws a
fresh slice of problems from the project's generator, disjoint from the warm model's
warm-up problems; their gold answers are kept (the vote never sees them), so every run
reports how often the vote's winner is right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scpo_data.domains.gsm8k import Gsm8k
from scpo_data.records import Problem

if TYPE_CHECKING:
    from scpo_data.config import GenerateConfig


class Arith(Gsm8k):
    """Arithmetic word problems from :mod:`scpo_data.puzzles.arith`, answered like GSM8K."""

    name = "arith"
    title = "arithmetic word problems (generated)"
    k = 8
    max_tokens = 128
    synthesis = False
    synthesis_refusal = "the generator makes the problems: use --count for more"
    default_model = "embedded-arith"
    builtin_count = 128
    #: A third of the warm model's problems are unanimous, and mostly right: the paper's 8
    #: extra samples at temperature 1.2 find their rejected answers (measured: 50 -> 70 pairs,
    #: chosen/rejected accuracy gap 28 -> 34 points on the default run).
    extra_samples = 8
    licenses = {}

    def builtin_problems(self, config: GenerateConfig) -> list[Problem]:
        """``--count`` fresh problems: the split ``generate-<seed>`` drawn after the warm-up split
        of the default warm model, so no question repeats one it was trained on."""
        from scpo_data.generate.problems import gold_from_answer
        from scpo_data.train.warmup import WarmupSpec, arith_splits

        name = f"generate-{config.seed}"
        records = arith_splits(WarmupSpec(), {name: config.count})[name][: config.limit]
        return [Problem(r["id"], self.name, r["question"], gold_from_answer(r["answer"]), "generated", "{}")
                for r in records]


DOMAIN = Arith()
