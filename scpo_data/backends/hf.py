"""The transformers backend: the embedded default, on CPU or GPU.

All ``n`` samples of several prompts are generated together: the (prompt, sample)
items are sorted by prompt length, cut into batches of ``batch_size`` sequences with
left padding, and each batch is sampled under its own seed derived from the run seed
and the batch's position, so the same inputs and seed give the same completions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scpo_data.backends.base import Backend, Completion, ProgressFn, SamplingParams
from scpo_data.models import ModelRef, load_model
from scpo_data.records import Message


class HFBackend(Backend):
    """Generate with ``transformers`` ``model.generate``."""

    name = "hf"

    def __init__(self, ref: ModelRef, batch_size: int = 64, dtype: str = "float32") -> None:
        """Load the model.

        Args:
            ref: The resolved model.
            batch_size: Sequences generated together.
            dtype: ``float32``, ``bfloat16`` or ``float16``.
        """
        self.ref = ref
        self.batch_size = max(1, batch_size)
        self.model, self.tokenizer = load_model(ref, dtype=dtype)

    def generate(
        self,
        prompts: Sequence[list[Message]],
        params: SamplingParams,
        progress: ProgressFn | None = None,
    ) -> list[list[Completion]]:
        """Generate ``params.n`` completions per prompt; see the module docstring."""
        texts = [
            self.tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False)
            for p in prompts
        ]
        lengths = [len(self.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
        items = [(i, j) for i in range(len(prompts)) for j in range(params.n)]
        items.sort(key=lambda item: (lengths[item[0]], item[0], item[1]))
        results: list[list[Completion | None]] = [[None] * params.n for _ in prompts]
        for number, start in enumerate(range(0, len(items), self.batch_size)):
            batch = items[start : start + self.batch_size]
            seed = params.seed * 1_000_003 + number
            done = self._generate_batch([texts[i] for i, _ in batch], params, seed)
            for (i, j), completion in zip(batch, done):
                results[i][j] = completion
            if progress is not None:
                progress(len(batch), sum(c.n_tokens for c in done))
        return [[c for c in row if c is not None] for row in results]

    def _generate_batch(self, texts: list[str], params: SamplingParams, seed: int) -> list[Completion]:
        import torch

        tok = self.tokenizer
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        sampling: dict[str, Any] = (
            {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
            if params.temperature > 0
            else {"do_sample": False}
        )
        torch.manual_seed(seed)
        with torch.inference_mode():
            out = self.model.generate(
                **enc,
                max_new_tokens=params.max_tokens,
                pad_token_id=tok.pad_token_id,
                eos_token_id=tok.eos_token_id,
                **sampling,
            )
        new = out[:, enc["input_ids"].shape[1] :].tolist()
        return [self._completion(row, params.max_tokens) for row in new]

    def _completion(self, ids: list[int], max_tokens: int) -> Completion:
        eos = self.tokenizer.eos_token_id
        if eos in ids:
            cut = ids.index(eos)
            return Completion(self._decode(ids[:cut]), "stop", cut + 1)
        return Completion(self._decode(ids), "length" if len(ids) >= max_tokens else "stop", len(ids))

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()
