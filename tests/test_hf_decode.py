"""The hf backend's shrinking decode loop on a tiny random model: finished rows stop,
sampling is reproducible, greedy matches ``model.generate``, and runs resume from the cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from scpo_data.backends.base import Completion, SamplingParams, WorkUnit
from scpo_data.backends.cache import CACHE_FILE, CachedBackend, RequestCache
from scpo_data.backends.hf import HFBackend
from scpo_data.backends.hf_decode import Sampler, decode
from scpo_data.backends.models import ModelRef, resolve_model
from scpo_data.records import Message

EOS, PAD = 3, 0
ROWS = [[5, 6, 7, 8, 9], [10, 11], [12, 13, 14], [7] * 8, [9, 8]]


@pytest.fixture(scope="module")
def tiny() -> torch.nn.Module:
    """A 2-layer Llama with a 24-token vocabulary: it ends rows at random steps."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=24, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         bos_token_id=1, eos_token_id=EOS, pad_token_id=PAD)
    return LlamaForCausalLM(config).eval()


def _generate(model: torch.nn.Module, rows: Sequence[Sequence[int]], max_new: int, **kwargs: object) -> list[list[int]]:
    """``model.generate`` on a left-padded batch, new tokens cut after the first EOS."""
    width = max(map(len, rows))
    ids = torch.tensor([[PAD] * (width - len(r)) + list(r) for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    with torch.inference_mode():
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new, eos_token_id=EOS,
                             pad_token_id=PAD, **kwargs)
    new = out[:, width:].tolist()
    return [row[: row.index(EOS) + 1] if EOS in row else row for row in new]


def test_sampling_is_the_same_twice_and_changes_with_the_seed(tiny: torch.nn.Module) -> None:
    sampler = Sampler(1.5, 0.95)
    first = decode(tiny, ROWS * 4, 24, sampler, EOS, PAD, seed=7)
    assert first == decode(tiny, ROWS * 4, 24, sampler, EOS, PAD, seed=7)
    assert first != decode(tiny, ROWS * 4, 24, sampler, EOS, PAD, seed=8)


def test_finished_rows_stop_at_eos_or_the_limit(tiny: torch.nn.Module) -> None:
    out = decode(tiny, ROWS * 4, 24, Sampler(1.5, 0.95), EOS, PAD, seed=1)
    lengths = {len(row) for row in out}
    assert len(lengths) > 2, "the workload should mix lengths"
    for row in out:
        assert (row[-1] == EOS and EOS not in row[:-1]) or (len(row) == 24 and EOS not in row)


def test_a_row_does_not_depend_on_its_neighbours_finishing(tiny: torch.nn.Module) -> None:
    together = decode(tiny, ROWS, 24, Sampler(0.0), EOS, PAD, seed=0)
    assert together == [decode(tiny, [row], 24, Sampler(0.0), EOS, PAD, seed=0)[0] for row in ROWS]


def test_greedy_equals_model_generate(tiny: torch.nn.Module) -> None:
    """Also when prompts repeat (k samples of a problem share one prefill)."""
    rows = [ROWS[0], *ROWS, ROWS[2], ROWS[0]]
    assert decode(tiny, rows, 24, Sampler(0.0), EOS, PAD, seed=0) == _generate(tiny, rows, 24, do_sample=False)


def test_top_k_applies_before_drawing(tiny: torch.nn.Module) -> None:
    """With top-k 1 sampling is greedy."""
    assert decode(tiny, ROWS, 24, Sampler(0.7, 0.9, top_k=1), EOS, PAD, seed=3) == _generate(
        tiny, ROWS, 24, do_sample=False)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, tiny: torch.nn.Module) -> HFBackend:
    """An HFBackend on the tiny model: its EOS is the embedded tokenizer's end of turn."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(resolve_model("embedded").path)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id)
    folder = tmp_path_factory.mktemp("tiny-hf")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return HFBackend(ModelRef("tiny", str(folder), "tiny", "0" * 64), batch_size=4, dtype="float32")


PROMPTS: list[list[Message]] = [[{"role": "user", "content": "word " * i}] for i in range(1, 6)]
PARAMS = SamplingParams(n=3, temperature=0.8, top_p=0.9, max_tokens=6, seed=5)


def test_completions_record_tokens_and_finish_reason(backend: HFBackend) -> None:
    eos = backend.tokenizer.eos_token_id
    assert backend._completion([5, 6, eos, 0, 0], 8) == Completion(backend._decode([5, 6]), "stop", 3)
    assert backend._completion([5, 6, 7], 3).finish_reason == "length"
    out = backend.generate(PROMPTS, PARAMS)
    assert [len(row) for row in out] == [3] * 5
    assert all(c.n_tokens == 6 and c.finish_reason == "length" for row in out for c in row)


class _Killed(HFBackend):
    """Dies (as a SIGKILL would) before the unit numbered ``fail_at``."""

    def __init__(self, inner: HFBackend, fail_at: int) -> None:
        self.__dict__.update(inner.__dict__)
        self.fail_at, self.calls = fail_at, 0

    def run_unit(self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit) -> list[Completion]:
        if self.calls == self.fail_at:
            raise KeyboardInterrupt
        self.calls += 1
        return super().run_unit(prompts, params, unit)


def test_a_killed_run_resumes_from_the_cache(backend: HFBackend, tmp_path: Path) -> None:
    model = ModelRef("tiny", "/nowhere", "tiny", "0" * 64)
    expected = backend.generate(PROMPTS, PARAMS)
    assert len(backend.plan(PROMPTS, PARAMS)) == 4
    with pytest.raises(KeyboardInterrupt):
        CachedBackend(_Killed(backend, 2), RequestCache(tmp_path / CACHE_FILE), model).generate(PROMPTS, PARAMS)
    resumed = CachedBackend(backend, RequestCache(tmp_path / CACHE_FILE), model)
    assert resumed.generate(PROMPTS, PARAMS) == expected
    assert (resumed.stats.units_replayed, resumed.stats.units_generated) == (2, 2)


@pytest.mark.slow
def test_embedded_greedy_equals_the_static_batch_of_model_generate() -> None:
    """On the real embedded model, greedy samples are those ``model.generate`` made before."""
    from scpo_data.domains import get_domain

    real = HFBackend(resolve_model("embedded"), batch_size=8, dtype="float32")
    prompts = [get_domain("gsm8k").chat(q) for q in ("What is 2 + 3?", "Tom has 4 apples and eats one. How many "
                                                     "are left?", "Name a prime number larger than 10.")]
    params = SamplingParams(n=1, temperature=0.0, max_tokens=40, seed=0)
    rows = [real._encode(p) for p in prompts]
    tok = real.tokenizer
    width = max(map(len, rows))
    ids = torch.tensor([[tok.pad_token_id] * (width - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    with torch.inference_mode():
        old = real.model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=40, do_sample=False,
                                  pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    expected = [real._completion(row, 40) for row in old[:, width:].tolist()]
    assert [row[0] for row in real.generate(prompts, params)] == expected
