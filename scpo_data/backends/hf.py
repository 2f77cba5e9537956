"""The transformers backend: the embedded default, on CPU or GPU.

All ``n`` samples of several prompts are generated together: the (prompt, sample)
items are sorted by prompt length, cut into batches of ``batch_size`` sequences with
left padding, and each batch is sampled under its own seed derived from the run seed
and the batch's position, so the same inputs and seed give the same completions. Each
batch is one :class:`~scpo_data.backends.base.WorkUnit` for the request cache.

A batch is decoded by :func:`scpo_data.backends.hf_decode.decode`, which drops each
sequence from the batch as soon as it ends, instead of ``model.generate``'s static
batch that runs until its longest member stops.
"""

from __future__ import annotations

from collections.abc import Sequence

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.backends.hf_decode import DEFAULT_TOP_K, Sampler, decode
from scpo_data.backends.models import ModelRef, load_model
from scpo_data.records import Message

#: Names the decode loop in the cache key: samples of an older loop are not replayed.
DECODER = "shrink1"


def resolve_dtype(dtype: str) -> str:
    """Resolve ``auto``: bf16 on a bf16-capable GPU or a CPU with AVX512-BF16/AMX, else float32."""
    if dtype != "auto":
        return dtype
    import torch

    if torch.cuda.is_available():
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    cpu = torch.cpu
    native = getattr(cpu, "_is_avx512_bf16_supported", lambda: False)() or getattr(
        cpu, "_is_amx_tile_supported", lambda: False
    )()
    return "bfloat16" if native else "float32"


class HFBackend(Backend):
    """Generate with ``transformers`` models, one shrinking batch per work unit."""

    name = "hf"

    def __init__(self, ref: ModelRef, batch_size: int = 64, dtype: str = "auto") -> None:
        """Load the model.

        Args:
            ref: The resolved model.
            batch_size: Sequences generated together.
            dtype: One of :data:`scpo_data.config.DTYPES`.
        """
        self.ref = ref
        self.batch_size = max(1, batch_size)
        self.dtype = resolve_dtype(dtype)
        self.model, self.tokenizer = load_model(ref, dtype=self.dtype)

    def identity(self) -> str:
        """Backend, dtype, device and decode loop: each changes the sampled tokens."""
        return f"hf:{self.dtype}:{self.model.device.type}:{DECODER}"

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """Items sorted by prompt length, cut into batches seeded by (seed, batch number)."""
        lengths = [len(self._encode(p)) for p in prompts]
        items = [(i, j) for i in range(len(prompts)) for j in range(params.n)]
        items.sort(key=lambda item: (lengths[item[0]], item[0], item[1]))
        return [
            WorkUnit(tuple(items[start : start + self.batch_size]), params.seed * 1_000_003 + number)
            for number, start in enumerate(range(0, len(items), self.batch_size))
        ]

    def run_unit(
        self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit
    ) -> list[Completion]:
        """Sample one left-padded batch under the unit's seed, dropping rows as they finish."""
        rows = [self._encode(prompts[i]) for i, _ in unit.items]
        top_k = self.model.generation_config.top_k or DEFAULT_TOP_K
        sampler = Sampler(params.temperature, params.top_p, top_k)
        new = decode(self.model, rows, params.max_tokens, sampler, self.tokenizer.eos_token_id,
                     self.tokenizer.pad_token_id, unit.seed)
        return [self._completion(row, params.max_tokens) for row in new]

    def _template(self, prompt: list[Message]) -> str:
        return self.tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False)

    def _encode(self, prompt: list[Message]) -> list[int]:
        return self.tokenizer(self._template(prompt), add_special_tokens=False)["input_ids"]

    def _completion(self, ids: list[int], max_tokens: int) -> Completion:
        eos = self.tokenizer.eos_token_id
        if eos in ids:
            cut = ids.index(eos)
            return Completion(self._decode(ids[:cut]), "stop", cut + 1)
        return Completion(self._decode(ids), "length" if len(ids) >= max_tokens else "stop", len(ids))

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()
