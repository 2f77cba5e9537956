"""Supervised fine-tuning on worked solutions: ``scpo-data train --mode sft``, on TRL's ``SFTTrainer``.

Records are GSM8K-style ``{question, answer}`` (the answer a worked solution ending in
``#### N``, as :mod:`scpo_data.puzzles.arith` writes them). Each becomes one
conversational prompt-completion example::

    {"prompt": get_domain(domain).chat(question),                  # the exact generation prompt
     "completion": [{"role": "assistant", "content": answer}]}

so the model is trained on the very prompt ``generate`` and ``eval`` show it, through the
tokenizer's chat template. The loss is on the completion only (the assistant turn and its
end-of-turn token): the prompt is the same long instruction in every example, and
learning it teaches nothing that sampling uses.

Records that already are conversational prompt-completion examples (``prompt`` and
``completion`` lists of messages, such as the ``star`` and ``pair_sft`` configs of a
``scpo-data correct`` run) are used as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback
from trl import SFTConfig

from scpo_data.errors import ScpoError
from scpo_data.train.config import apply_device_defaults, build_options
from scpo_data.train.lora import LoraSpec, load_policy
from scpo_data.train.trainer import RunOptions, train_and_save, training_info

#: The record fields SFT reads: a question and its worked solution, or a conversational example.
QUESTION, ANSWER = "question", "answer"
PROMPT, COMPLETION = "prompt", "completion"


@dataclass
class SftConfig(SFTConfig):
    """Configuration of :func:`train_sft`: every TRL ``SFTConfig`` field plus the prompt's domain.

    Defaults that differ from ``SFTConfig``: ``learning_rate`` 5e-5 with a cosine
    schedule, ``bf16`` only where the hardware runs it natively
    (:func:`scpo_data.train.config.bf16_supported`), activation checkpointing off, no
    intermediate checkpoints, no reporting integrations, a ``max_length`` of 512, and
    ``use_cache`` on (Trainer writes it into the model's config; the saved model generates).
    """

    domain: str = field(default="gsm8k", metadata={"help": "Domain whose prompt wraps each question."})
    learning_rate: float = field(default=5e-5, metadata={"help": "The initial learning rate for AdamW."})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "The scheduler type to use."})
    max_length: int | None = field(default=512, metadata={"help": "Token limit of prompt + solution."})
    gradient_checkpointing: bool | None = field(
        default=None,
        metadata={"help": "Deprecated alias of `activation_checkpointing` (off by default here)."},
    )
    save_strategy: str = field(default="no", metadata={"help": "Checkpoint strategy during training."})
    report_to: str | list[str] = field(default="none", metadata={"help": "Logging integrations."})
    use_cache: bool = field(
        default=True,
        metadata={"help": "The saved model's KV-cache setting (training passes use_cache=False itself)."},
    )

    def __post_init__(self) -> None:
        apply_device_defaults(self)
        super().__post_init__()


def build_sft_config(config_file: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> SftConfig:
    """Build an :class:`SftConfig` from an optional YAML file of its fields and explicit overrides.

    Args:
        config_file: A YAML mapping of ``SftConfig``/``SFTConfig`` options, or None.
        overrides: Options that win over the file (CLI flags); None values are ignored.

    Raises:
        ScpoError: When the file is unusable, names an unknown option, or the configuration is invalid.
    """
    return build_options(SftConfig, config_file, overrides)


def load_sft_records(spec: str | Path, subset: str | None = None) -> list[dict[str, Any]]:
    """Read SFT records: a ``.jsonl`` or ``.parquet`` file, or a dataset or run folder (the
    ``train`` split of its config ``subset``, or of its only config).

    Raises:
        ScpoError: When the source is missing or unreadable, or holds no records.
    """
    from scpo_data.train.data import load_train_split, local_rows, resolve_pairs_source

    path = Path(spec).expanduser()
    suffix = path.suffix.lower()
    if not path.exists():
        raise ScpoError(f"--data {spec}: no such file or folder")
    if not path.is_dir() and suffix not in (".jsonl", ".parquet"):
        raise ScpoError(f"--data {spec}: use a .jsonl or .parquet file, or a dataset folder")
    if subset is not None and not path.is_dir():
        raise ScpoError(f"--data-config {subset}: --data {spec} is a file, not a dataset folder with configs")
    if path.is_dir():
        source = resolve_pairs_source(str(path))
        if local_rows(source, subset) == 0:
            raise ScpoError(f"{spec} holds no records to train on" + (f" in config {subset}" if subset else ""))
        return [dict(row) for row in load_train_split(source, subset, f"records from {spec}")]
    try:
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        else:
            import polars as pl

            rows = pl.read_parquet(path).to_dicts()
    except (OSError, ValueError) as exc:  # json, polars and datasets errors are ValueErrors
        raise ScpoError(f"cannot read {spec}: {str(exc).splitlines()[0]}") from exc
    if not rows:
        raise ScpoError(f"{spec} holds no records to train on")
    return rows


def sft_examples(records: Sequence[Mapping[str, Any]], domain: str = "gsm8k", label: str = "data") -> list[dict[str, Any]]:
    """Turn ``{question, answer}`` records into conversational prompt-completion examples.

    The prompt is ``get_domain(domain).chat(question)``, the completion the assistant's
    worked solution (the record's ``answer``, stripped). A record that already has
    ``prompt`` and ``completion`` message lists keeps them (its other columns are dropped).

    Raises:
        ScpoError: When a record has no question or no answer text (naming the first such
            record), or its prompt or completion is not a list of messages.
    """
    from scpo_data.domains import get_domain

    chat = get_domain(domain).chat
    examples = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise ScpoError(f"{label}: record {number} is not an object")
        if PROMPT in record and COMPLETION in record:
            examples.append({name: _messages(record[name], f"{label}: record {number}'s {name}")
                             for name in (PROMPT, COMPLETION)})
            continue
        missing = [name for name in (QUESTION, ANSWER) if not str(record.get(name) or "").strip()]
        if missing:
            raise ScpoError(f"{label}: record {number} has no {' and no '.join(missing)} (SFT needs both, "
                            "or prompt and completion messages)")
        examples.append({
            "prompt": chat(str(record[QUESTION])),
            "completion": [{"role": "assistant", "content": str(record[ANSWER]).strip()}],
        })
    return examples


def _messages(value: Any, label: str) -> list[dict[str, str]]:
    """``value`` as a non-empty list of ``{role, content}`` messages (ScpoError otherwise)."""
    items = list(value) if isinstance(value, (list, tuple)) or hasattr(value, "tolist") else None
    if not items or not all(isinstance(m, Mapping) and isinstance(m.get("role"), str)
                            and isinstance(m.get("content"), str) for m in items):
        raise ScpoError(f"{label} is not a list of {{role, content}} messages")
    return [{"role": m["role"], "content": m["content"]} for m in items]


def build_sft_trainer(
    data: str | Path | Sequence[Mapping[str, Any]], model: str, config: SftConfig, lora: LoraSpec | None = None,
    subset: str | None = None,
) -> Any:
    """A ready TRL ``SFTTrainer`` for ``model`` on the worked solutions in ``data``.

    Its ``train_dataset`` is already tokenized with the model's chat template: the domain's
    prompt as the user turn, the solution as the assistant turn, ``completion_mask`` set on
    the assistant turn (its end-of-turn token included).

    Args:
        data: A records file or folder (:func:`load_sft_records`), or the records themselves.
        model: ``embedded``, ``embedded-arith``, a local model or adapter folder, or a Hub model id.
        config: The training configuration.
        lora: Train a LoRA adapter of this shape (see :func:`scpo_data.train.lora.load_policy`); None: every weight.
        subset: The config of a dataset folder to read (see :func:`load_sft_records`).

    Raises:
        ScpoError: When the data or the model cannot be loaded, or a record lacks a question or answer.
    """
    import datasets
    from trl import SFTTrainer

    label = str(data) if isinstance(data, (str, Path)) else "data"
    records = load_sft_records(data, subset) if isinstance(data, (str, Path)) else data
    examples = datasets.Dataset.from_list(sft_examples(records, config.domain, label))
    policy, tokenizer, peft_config = load_policy(model, lora, device="cpu" if config.use_cpu else None)
    return SFTTrainer(policy, args=config, train_dataset=examples, processing_class=tokenizer,
                      peft_config=peft_config)


def train_sft(
    data: str | Path | Sequence[Mapping[str, Any]],
    model: str,
    config: SftConfig,
    on_step: Callable[[int, int], None] | None = None,
    options: RunOptions = RunOptions(),
) -> dict[str, float]:
    """Fine-tune ``model`` on worked solutions and save it to ``config.output_dir``.

    The saved folder (weights or a LoRA adapter, tokenizer, ``trainer_state.json`` with the
    log history, ``training.json``) loads with ``--model OUT`` /
    :func:`scpo_data.backends.models.resolve_model`.

    Args:
        data: A records file or folder (:func:`load_sft_records`), or the records themselves.
        model: ``embedded``, ``embedded-arith``, a local model or adapter folder, or a Hub model id.
        config: The training configuration.
        on_step: Called after every optimizer step with ``(step, max_steps)``; when given, the
            trainer prints neither its progress bar nor its log lines.
        options: LoRA, merge and resume (:class:`scpo_data.train.trainer.RunOptions`).

    Returns:
        The last logged training metrics merged with the run summary (``train_loss``, ``train_runtime`` ...).

    Raises:
        ScpoError: When the data or the model cannot be loaded, or a record lacks a question or answer.
    """
    from scpo_data.backends.models import resolve_model

    with _datasets_quiet(on_step is not None):
        trainer = build_sft_trainer(data, model, config, options.lora, options.subset)
    if on_step is not None:
        trainer.remove_callback(ProgressCallback)
        trainer.remove_callback(PrinterCallback)
        trainer.add_callback(_StepCallback(on_step))
    source = str(data) if isinstance(data, (str, Path)) else "records"
    info = {"mode": "sft", "domain": config.domain, **training_info(source, resolve_model(model), options.lora)}
    return train_and_save(trainer, config.output_dir, options=options, info=info)


@contextmanager
def _datasets_quiet(quiet: bool) -> Iterator[None]:
    """When ``quiet``, no ``datasets`` progress bars (TRL's tokenizing passes) inside the block."""
    import datasets

    enabled = datasets.is_progress_bar_enabled()
    if quiet:
        datasets.disable_progress_bars()
    try:
        yield
    finally:
        if enabled:
            datasets.enable_progress_bars()


class _StepCallback(TrainerCallback):
    """Reports each optimizer step as ``(step, max_steps)``."""

    def __init__(self, on_step: Callable[[int, int], None]) -> None:
        self.on_step = on_step

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Report the step just finished."""
        self.on_step(state.global_step, state.max_steps)
