"""Generation backends: a batch of chat prompts and n in, n completions per prompt out."""

from __future__ import annotations

from scpo_data.backends.base import Backend, Completion, SamplingParams
from scpo_data.errors import ScpoError
from scpo_data.models import ModelRef

__all__ = ["Backend", "Completion", "SamplingParams", "get_backend", "BACKENDS"]

#: Backends that ``get_backend`` knows.
BACKENDS: tuple[str, ...] = ("hf",)


def get_backend(name: str, model: ModelRef, batch_size: int = 64, dtype: str = "float32") -> Backend:
    """Create a backend by name; optional engines are imported only here, when used.

    Raises:
        ScpoError: For an unknown backend name.
    """
    if name == "hf":
        from scpo_data.backends.hf import HFBackend

        return HFBackend(model, batch_size=batch_size, dtype=dtype)
    raise ScpoError(f"unknown backend {name!r}; known: {', '.join(BACKENDS)}")
