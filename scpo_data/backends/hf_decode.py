"""The hf backend's decode loop: a left-padded batch whose finished rows leave it.

``model.generate`` runs a static batch until its longest member stops: a row that
emitted end-of-turn keeps being fed padding, and costs as much per step as a live one.
:func:`decode` prefills each distinct prompt once (the k samples of a problem share its
KV cache, copied per row), then each step feeds only the rows still running; when rows
finish (end of turn or the token limit) they are dropped from the batch, from the
attention mask and from the KV cache (``DynamicCache.batch_select_indices``), so a step
costs what its live rows cost.

Sampling follows ``generate``'s warpers (temperature, top-k, top-p; top-k is
``generate``'s default of 50 unless the model's generation config says otherwise), but
on the top-k candidates only, not the whole vocabulary (a tie at the k-th logit keeps
one token where ``generate`` keeps all), and draws from one ``torch.Generator`` per
call, row by row in batch order: the same rows, seed and machine give the same tokens.
Greedy (temperature 0) is the argmax of the float32 logits, as in ``generate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

#: ``generate``'s top-k when neither the caller nor the model's generation config sets one.
DEFAULT_TOP_K = 50


@dataclass(frozen=True)
class Sampler:
    """How the next token is chosen from a step's logits.

    Attributes:
        temperature: 0 for greedy (argmax).
        top_p: Nucleus mass kept.
        top_k: Most likely tokens kept (0: no limit).
    """

    temperature: float
    top_p: float = 1.0
    top_k: int = DEFAULT_TOP_K

    def pick(self, logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The next token of each row of float32 ``logits`` (rows x vocabulary)."""
        if self.temperature <= 0:
            return logits.argmax(-1)
        from transformers import TemperatureLogitsWarper, TopPLogitsWarper

        candidates = None
        if 0 < self.top_k < logits.shape[-1]:
            logits, candidates = logits.topk(self.top_k, dim=-1)
        logits = TemperatureLogitsWarper(self.temperature)(None, logits)
        if self.top_p < 1.0:
            logits = TopPLogitsWarper(self.top_p)(None, logits)
        drawn = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
        return (drawn if candidates is None else candidates.gather(-1, drawn)).squeeze(1)


def decode(
    model: Any,
    rows: Sequence[Sequence[int]],
    max_new_tokens: int,
    sampler: Sampler,
    eos_token_id: int,
    pad_token_id: int,
    seed: int,
) -> list[list[int]]:
    """Generate a continuation of each prompt, dropping rows from the batch as they finish.

    Args:
        model: A causal LM (transformers) in eval mode.
        rows: Token ids of each prompt.
        max_new_tokens: Token limit of each continuation.
        sampler: Greedy or sampling settings.
        eos_token_id: The token that ends a row (kept as its last token).
        pad_token_id: The token left-padding shorter prompts.
        seed: Seed of the ``torch.Generator`` every sampled token is drawn from.

    Returns:
        The new tokens of each row, in order; a row ends with ``eos_token_id`` or has
        ``max_new_tokens`` tokens.
    """
    from transformers import DynamicCache

    device = model.device
    distinct = list(dict.fromkeys(tuple(r) for r in rows))
    width = max(len(r) for r in distinct)
    ids = torch.tensor([[pad_token_id] * (width - len(r)) + list(r) for r in distinct], device=device)
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in distinct], device=device)
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)  # as ``generate`` computes them
    generator = torch.Generator(device=device).manual_seed(seed)
    cache = DynamicCache(config=model.config)
    out: list[list[int]] = [[] for _ in rows]
    live = list(range(len(rows)))  # the row at batch position k is live[k]
    with torch.inference_mode():
        logits = _last_logits(model, ids, mask, positions, cache)
        if len(distinct) < len(rows):  # one prefill per distinct prompt, its cache copied per row
            slot = {r: k for k, r in enumerate(distinct)}
            index = torch.tensor([slot[tuple(r)] for r in rows], device=device)
            cache.batch_select_indices(index)
            logits, mask = logits[index], mask[index]
        while True:
            tokens = sampler.pick(logits, generator)
            keep = []
            for k, token in enumerate(tokens.tolist()):
                out[live[k]].append(token)
                if token != eos_token_id and len(out[live[k]]) < max_new_tokens:
                    keep.append(k)
            if not keep:
                return out
            if len(keep) < len(live):
                index = torch.tensor(keep, device=device)
                cache.batch_select_indices(index)
                mask, tokens = mask[index], tokens[index]
                live = [live[k] for k in keep]
            mask = torch.cat([mask, mask.new_ones(len(live), 1)], dim=1)
            logits = _last_logits(model, tokens[:, None], mask, mask.sum(-1, keepdim=True) - 1, cache)


def _last_logits(model: Any, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor,
                 cache: Any) -> torch.Tensor:
    """One forward pass through ``cache``: the float32 logits of each row's last position."""
    return model(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True,
                 logits_to_keep=1).logits[:, -1, :].float()
