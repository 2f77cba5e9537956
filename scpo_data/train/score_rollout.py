"""SCoRe's two-attempt rollout for TRL's ``GRPOTrainer`` (its ``rollout_func``).

For each prompt (one per rollout: TRL's sampler already repeats every prompt
``num_generations`` times) the policy writes attempt 1; the conversation is then extended,
token by token, with the chat template's end of that turn, the domain's correction
instruction as a user turn, and the header of the next assistant turn (the *bridge*);
the policy writes attempt 2 after it. The rollout's completion is::

    attempt 1 | bridge | attempt 2        env_mask: 1 ... 1 | 0 ... 0 | 1 ... 1

so the instruction never enters the loss or the KL (TRL multiplies ``completion_mask`` by
``env_mask``), and the sequence the loss scores is exactly the one the policy saw while
sampling (attempt 1's tokens are kept as generated, never re-tokenized from text).

Generation runs on the trainer's own transformers model (``trainer.model``), so no vLLM
server is needed; attempt texts go to the reward functions as the extra fields ``first``
and ``second``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from scpo_data.domains import get_domain
from scpo_data.errors import ScpoError
from scpo_data.records import Message

#: A text that cannot occur in a chat template, used to find where an assistant turn's content ends.
_MARK = "\x00SCORE-ATTEMPT-1\x00"

#: ``generate(trainer, contexts)``: one completion (token ids, up to and including the first end
#: token when there is one) per context (prompt token ids).
Generator = Callable[[Any, list[list[int]]], list[list[int]]]


def chat_ids(tokenizer: Any, messages: Sequence[Message]) -> list[int]:
    """The token ids of ``messages`` through the chat template, with the assistant header appended."""
    encoded = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True,
                                            return_dict=True)
    return list(encoded["input_ids"])


def bridge_ids(tokenizer: Any, domain: str, instruction: str | None = None) -> list[int]:
    """The template's tokens between the content of attempt 1 and the start of attempt 2.

    Rendered from :meth:`scpo_data.domains.Domain.correction_chat` with a marker as
    attempt 1: everything after the marker, i.e. the end of the assistant turn (its end
    token included), the correction instruction as a user turn, and the next assistant header.

    Raises:
        ScpoError: When the chat template does not keep the assistant's content verbatim.
    """
    messages = get_domain(domain).correction_chat("?", _MARK, instruction)
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    if text.count(_MARK) != 1:
        raise ScpoError("the model's chat template does not keep an assistant turn verbatim; "
                        "SCoRe training needs one that does")
    return list(tokenizer(text.split(_MARK, 1)[1], add_special_tokens=False)["input_ids"])


def join_attempts(first: Sequence[int], bridge: Sequence[int], second: Sequence[int],
                  end_ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """One rollout's completion ids and its ``env_mask`` (0 on the bridge).

    When attempt 1 ended with an end-of-turn token that also opens the bridge, that token
    is the model's (it is kept, unmasked, in attempt 1) and leaves the bridge; a cut-off
    attempt 1 gets the whole bridge, its end token included, masked.

    Args:
        first: Attempt 1's generated ids.
        bridge: :func:`bridge_ids`.
        second: Attempt 2's generated ids.
        end_ids: The tokens that end a generation (the trainer's ``eos_token_ids``).
    """
    joined = list(bridge[1:] if first and bridge and first[-1] == bridge[0] and first[-1] in end_ids else bridge)
    ids = [*first, *joined, *second]
    return ids, [1] * len(first) + [0] * len(joined) + [1] * len(second)


def finish_reason(ids: Sequence[int], end_ids: Sequence[int]) -> str:
    """``stop`` when a generation ended with an end token, ``length`` when it was cut off."""
    return "stop" if ids and ids[-1] in end_ids else "length"


def hf_generate(trainer: Any, contexts: list[list[int]]) -> list[list[int]]:
    """Sample one completion per context with the trainer's transformers model and generation settings.

    The contexts are left-padded into one batch; each completion is cut after its first end
    token (TRL's own convention for transformers generation).
    """
    from trl.models import unwrap_model_for_generation

    pad = trainer.processing_class.pad_token_id
    device = trainer.accelerator.device
    width = max(map(len, contexts))
    input_ids = torch.tensor([[pad] * (width - len(c)) + c for c in contexts], device=device)
    attention_mask = torch.tensor([[0] * (width - len(c)) + [1] * len(c) for c in contexts], device=device)
    with unwrap_model_for_generation(
        trainer.model_wrapped,
        trainer.accelerator,
        gather_deepspeed3_params=trainer.args.ds3_gather_for_generation,
        generation_kwargs=trainer.generation_kwargs,
        gradient_checkpointing_kwargs=trainer.args.gradient_checkpointing_kwargs,
    ) as model, torch.no_grad():
        output = model.generate(input_ids=input_ids, attention_mask=attention_mask,
                                generation_config=trainer.generation_config)
    ends = set(trainer.eos_token_ids)
    completions = []
    for row in output[:, width:].tolist():
        stop = next((i + 1 for i, token in enumerate(row) if token in ends), len(row))
        completions.append(row[:stop])
    return completions


@dataclass(frozen=True)
class TwoAttemptRollout:
    """TRL's ``rollout_func`` for SCoRe: attempt 1, the correction instruction, attempt 2.

    Attempt 2's context is the prompt's ids, attempt 1's generated ids and the bridge
    (:func:`bridge_ids`): the tokens of the domain's
    :meth:`~scpo_data.domains.Domain.correction_chat` after attempt 1.

    Attributes:
        domain: The domain whose correction instruction the rollout uses.
        instruction: Replaces the domain's correction instruction.
        generate: Samples completions (default :func:`hf_generate`; tests pass a scripted one).
    """

    domain: str
    instruction: str | None = None
    generate: Generator = hf_generate

    def __call__(self, prompts: list[list[Message]], trainer: Any) -> dict[str, Any]:
        """Roll out both attempts of every prompt (TRL calls this with the process's prompts and itself).

        Returns:
            ``prompt_ids``, ``completion_ids`` (attempt 1, bridge, attempt 2), ``logprobs``
            (None: TRL recomputes them), ``env_mask`` (0 on the bridge), and per rollout
            ``first`` and ``second`` (the attempts' texts) and ``first_finish`` and
            ``second_finish`` (:func:`finish_reason`), which TRL passes to the reward functions.
        """
        tokenizer = trainer.processing_class
        ends = trainer.eos_token_ids
        prompt_ids = [chat_ids(tokenizer, prompt) for prompt in prompts]
        firsts = self.generate(trainer, prompt_ids)
        bridge = bridge_ids(tokenizer, self.domain, self.instruction)
        contexts = [ids + join_attempts(first, bridge, [], ends)[0] for ids, first in zip(prompt_ids, firsts,
                                                                                            strict=True)]
        seconds = self.generate(trainer, contexts)
        joined = [join_attempts(first, bridge, second, ends) for first, second in zip(firsts, seconds, strict=True)]
        return {
            "prompt_ids": prompt_ids,
            "completion_ids": [ids for ids, _ in joined],
            "logprobs": None,
            "env_mask": [mask for _, mask in joined],
            "first": tokenizer.batch_decode(firsts, skip_special_tokens=True),
            "second": tokenizer.batch_decode(seconds, skip_special_tokens=True),
            "first_finish": [finish_reason(ids, ends) for ids in firsts],
            "second_finish": [finish_reason(ids, ends) for ids in seconds],
        }
