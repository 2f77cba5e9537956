"""LoRA training (``scpo-data train --lora``): the PEFT config, the starting policy, and ``--merge``.

With LoRA the trainers get a ``peft_config`` (a fresh adapter) or a ``PeftModel`` whose
adapter is trained further, and TRL's ``DPOTrainer`` keeps no second model in memory:
the reference log-probs are the policy's with the adapter disabled (TRL's
``use_adapter(model, None)``), i.e. the starting model. When the starting model is
itself an adapter folder, TRL copies that adapter into a frozen ``ref`` adapter, so the
reference is again the starting model (base + its adapter).

The trained adapter is saved as a PEFT folder (``adapter_config.json`` +
``adapter_model.safetensors`` + tokenizer) that ``--model`` loads anywhere a model folder
goes (:func:`scpo_data.backends.models.load_model`). ``--merge`` writes the merged model
to the output folder and the adapter to ``OUT/adapter``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scpo_data.errors import ScpoError

#: Where ``--merge`` keeps the adapter, inside the output folder.
ADAPTER_SUBDIR = "adapter"


@dataclass(frozen=True)
class LoraSpec:
    """A LoRA adapter's shape.

    Attributes:
        r: The rank of the update matrices.
        alpha: The LoRA scaling numerator (the update is scaled by ``alpha / r``).
        targets: ``all-linear`` (every linear layer but the output head) or a comma-separated
            list of module names (``q_proj,v_proj``).
        dropout: Dropout on the adapter's input (0: training is deterministic).
    """

    r: int = 16
    alpha: float = 32.0
    targets: str = "all-linear"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        """Refuse a shape peft cannot build (ScpoError): ``r`` < 1, ``alpha`` <= 0, no target."""
        if self.r < 1 or self.alpha <= 0:
            raise ScpoError(f"--lora-r must be >= 1 and --lora-alpha > 0, got r={self.r}, alpha={self.alpha}")
        if not self._target_names():
            raise ScpoError("--lora-targets is empty: use all-linear or module names such as q_proj,v_proj")

    def _target_names(self) -> list[str]:
        return [name.strip() for name in self.targets.split(",") if name.strip()]

    def peft_config(self) -> Any:
        """The ``peft.LoraConfig`` of this adapter, for a causal LM."""
        from peft import LoraConfig

        names = self._target_names()
        targets: str | list[str] = "all-linear" if names == ["all-linear"] else names
        return LoraConfig(task_type="CAUSAL_LM", r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout,
                          target_modules=targets)

    def describe(self) -> dict[str, Any]:
        """The settings as plain values, for ``training.json`` and the model card."""
        return {"r": self.r, "alpha": self.alpha, "targets": self.targets, "dropout": self.dropout}


def load_policy(model: str, lora: LoraSpec | None, device: str | None = None) -> tuple[Any, Any, Any]:
    """The starting policy, its tokenizer, and the ``peft_config`` to hand the trainer.

    * no ``lora``: the model (an adapter folder merged into its base) for full fine-tuning;
    * ``lora`` and a plain model: the model and ``lora``'s config (TRL adds the adapter);
    * ``lora`` and an adapter folder: that adapter, trainable, and no config (it is trained
      further; ``lora``'s shape is the folder's own).

    Args:
        model: ``embedded``, a model or adapter folder, or a Hub id.
        lora: The adapter to train, or None for full fine-tuning.
        device: Where to load the model (None: CUDA when available).

    Raises:
        ScpoError: When the model cannot be loaded or the LoRA settings are invalid.
    """
    from scpo_data.backends.models import clear_quantizer, load_model, resolve_model

    ref = resolve_model(model)
    policy, tokenizer = load_model(ref, dtype="float32", device=device, trainable_adapter=lora is not None)
    if getattr(policy, "is_quantized", False):  # a GGUF-loaded model: de-quantised weights, stale flags
        clear_quantizer(policy)
    if lora is None or hasattr(policy, "peft_config"):
        return policy, tokenizer, None
    return policy, tokenizer, lora.peft_config()


def is_adapter(model: Any) -> bool:
    """Whether ``model`` (unwrapped) is a PEFT model, i.e. training saves an adapter."""
    from accelerate.utils import is_peft_model

    return bool(is_peft_model(model))


def merge_adapter(adapter_dir: Path, output_dir: Path) -> None:
    """Write the base model with the adapter in ``adapter_dir`` merged in to ``output_dir`` (with the tokenizer).

    The adapter is reloaded from disk, so the merge does not depend on how training
    wrapped or sharded the model.
    """
    from scpo_data.backends.models import load_model, resolve_model

    merged, tokenizer = load_model(resolve_model(str(adapter_dir)), dtype="float32", device="cpu")
    merged.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
