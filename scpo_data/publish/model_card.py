"""The model card of a trained model (``scpo-data push --model``) and what the push uploads.

Everything comes from the model folder that ``scpo-data train`` wrote: ``training.json``
(the loss and its settings, the data, the starting model, the LoRA shape, the final
metrics) and, when they exist, ``eval`` reports (``report.json`` of ``scpo-data eval``;
the ones ``iterate`` writes beside the model, in ``../eval/*/``, are found by themselves).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from scpo_data.backends.models import ADAPTER_CONFIG
from scpo_data.errors import ScpoError

#: The settings and results of a training run, written beside the model by ``scpo-data train``.
TRAINING_FILE = "training.json"
#: What a model push leaves out: resumable checkpoints, the pickled arguments, logs.
PUSH_IGNORE = ("checkpoint-*", "training_args.bin", "runs")

#: The loss each mode trains, as the card states it.
LOSSES = {
    "scpo": "ScPO ([arXiv 2411.04109](https://arxiv.org/abs/2411.04109)): weighted DPO plus a length-normalised "
            "NLL on the chosen response, `L = -w * log sigmoid(beta * margin) - alpha * w * log pi(y+|x) / |y+|`, "
            "with `w = (V(chosen) - V(rejected)) / k` from the self-consistency votes.",
    "irpo": "IRPO ([arXiv 2404.19733](https://arxiv.org/abs/2404.19733)): DPO plus a length-normalised NLL on the "
            "chosen response, `L = -log sigmoid(beta * margin) - alpha * log pi(y+|x) / |y+|` (w = 1).",
    "dpo": "DPO (sigmoid loss): `L = -log sigmoid(beta * margin)`.",
    "sft": "Supervised fine-tuning: the token NLL of the worked solution (the prompt is masked).",
}


@dataclass(frozen=True)
class EvalRow:
    """One eval report, as the card shows it."""

    name: str
    data: str
    problems: int
    greedy: str
    maj: str
    k: int
    greedy_value: float | None
    maj_value: float | None


def read_training(folder: Path) -> dict[str, Any]:
    """The ``training.json`` of a model folder that ``scpo-data train`` wrote.

    Raises:
        ScpoError: When ``folder`` holds no model or adapter, or no ``training.json``.
    """
    if not ((folder / "config.json").is_file() or (folder / ADAPTER_CONFIG).is_file()):
        raise ScpoError(f"{folder} is not a model folder (no config.json or {ADAPTER_CONFIG})")
    try:
        return json.loads((folder / TRAINING_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScpoError(f"{folder} has no {TRAINING_FILE}: push models that `scpo-data train` wrote") from None
    except ValueError as exc:
        raise ScpoError(f"{folder / TRAINING_FILE} is not valid JSON: {exc}") from exc


def eval_rows(model_dir: Path, reports: Sequence[Path] = ()) -> list[EvalRow]:
    """The eval numbers of a model: the ``reports`` named (report.json files or eval folders), plus
    the reports beside the model (``../eval/*/report.json``) whose evaluated model is this folder.

    Raises:
        ScpoError: When a named report is missing or unreadable.
    """
    named = [path / "report.json" if path.is_dir() else path for path in reports]
    found = [path for path in sorted(model_dir.parent.glob("eval/*/report.json")) if path not in named]
    rows = [_eval_row(path, _read_report(path)) for path in named]
    for path in found:
        report = _read_report(path)
        evaluated = str(report.get("config", {}).get("model") or "")
        if evaluated and Path(evaluated).expanduser().resolve() == model_dir.resolve():
            rows.append(_eval_row(path, report))
    return rows


def _read_report(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScpoError(f"--eval {path}: cannot read it ({exc.strerror})") from exc
    except ValueError as exc:
        raise ScpoError(f"--eval {path}: not valid JSON ({exc})") from exc


def _eval_row(path: Path, report: dict[str, Any]) -> EvalRow:
    overall, config = report.get("overall", {}), report.get("config", {})
    greedy, maj = overall.get("greedy_accuracy"), overall.get("maj_accuracy")
    return EvalRow(name=path.parent.name, data=Path(str(config.get("data", "?"))).name,
                   problems=int(overall.get("problems") or 0), greedy=_percent(greedy), maj=_percent(maj),
                   k=int(config.get("k") or 0), greedy_value=greedy, maj_value=maj)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def render_model_card(folder: Path, repo_id: str, training: dict[str, Any], evals: Sequence[EvalRow] = (),
                      dataset: str | None = None) -> str:
    """Render the model card (YAML metadata + body) of the model in ``folder``.

    Args:
        folder: The model or adapter folder.
        repo_id: The model's repo on the Hub (named in the usage snippet).
        training: Its ``training.json`` (:func:`read_training`).
        evals: Eval numbers to show (:func:`eval_rows`); they also go to the ``model-index``.
        dataset: The Hub dataset it was trained on; default: ``training["data"]`` when that is a Hub id.
    """
    mode = str(training.get("mode", "scpo"))
    adapter = (folder / ADAPTER_CONFIG).is_file()
    dataset = dataset or _hub_dataset(str(training.get("data", "")))
    base_id = training.get("base_model_id")
    tags = ["scpo-data", "trl", mode, *(["lora"] if training.get("lora") else [])]
    if mode != "sft":
        tags.append("dpo")
    card_data = ModelCardData(
        base_model=base_id,
        datasets=[dataset] if dataset else None,
        library_name="peft" if adapter else "transformers",
        pipeline_tag="text-generation",
        tags=tags,
        model_name=repo_id,
        eval_results=_eval_results(evals) or None,
    )
    template = resources.files("scpo_data.cards").joinpath("model.md").read_text("utf-8")
    card = ModelCard.from_template(
        card_data,
        template_str=template,
        title=repo_id.split("/")[-1],
        what="A LoRA adapter" if adapter else ("A model (LoRA merged)" if training.get("merged") else "A fine-tune"),
        base_id=base_id,
        base_identity=training.get("base_model", "?"),
        mode=mode,
        dataset=dataset,
        data=training.get("data", "?"),
        loss=LOSSES.get(mode, mode),
        settings=_settings(training),
        metrics=_metrics(training.get("metrics", {})),
        evals=list(evals),
        usage=_usage(repo_id, adapter),
    )
    return str(card)


def hub_adapter_config(folder: Path, training: dict[str, Any]) -> dict[str, str]:
    """The adapter config to upload: its base named by Hub id when it was trained on a local copy.

    Returns ``{"adapter_config.json": text}`` to replace the folder's own, or ``{}`` when
    nothing changes (not an adapter, a base already named by Hub id, or no Hub id known).
    """
    path, base_id = folder / ADAPTER_CONFIG, training.get("base_model_id")
    if not path.is_file() or not base_id:
        return {}
    config = json.loads(path.read_text(encoding="utf-8"))
    if not Path(str(config.get("base_model_name_or_path", ""))).is_absolute():
        return {}
    return {ADAPTER_CONFIG: json.dumps({**config, "base_model_name_or_path": base_id}, indent=2) + "\n"}


def _hub_dataset(data: str) -> str | None:
    """``data`` when it names a Hub dataset (``owner/name``, not an existing path), else None."""
    if data.count("/") == 1 and not data.startswith((".", "/", "~")) and not Path(data).exists():
        return data
    return None


def _settings(training: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, Any]] = []
    if training.get("mode") != "sft":
        rows += [("beta", training.get("beta")), ("alpha (NLL weight)", training.get("alpha")),
                 ("pair weights w", "from the data" if training.get("use_weights") else "1")]
    batch = (training.get("per_device_train_batch_size") or 0) * (training.get("world_size") or 1) * (
        training.get("gradient_accumulation_steps") or 1)
    rows += [("learning rate", f"{training.get('learning_rate')} ({training.get('lr_scheduler_type')})"),
             ("epochs", training.get("num_train_epochs")),
             ("optimizer steps", training.get("global_step")),
             ("global batch", f"{batch} ({training.get('world_size')} process(es))"),
             ("max length", training.get("max_length")),
             ("seed", training.get("seed"))]
    lora = training.get("lora")
    if lora:
        rows.append(("LoRA", f"r {lora['r']}, alpha {lora['alpha']}, targets {lora['targets']}, "
                             f"dropout {lora['dropout']}" + (", merged" if training.get("merged") else "")))
    versions = training.get("versions", {})
    rows.append(("versions", ", ".join(f"{name} {v}" for name, v in versions.items() if v)))
    return [(name, str(value)) for name, value in rows if value is not None]


def _metrics(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    shown = ("train_loss", "loss", "rewards/accuracies", "rewards/margins", "nll", "mean_token_accuracy",
             "train_runtime")
    return [(name, f"{metrics[name]:.4g}") for name in shown if isinstance(metrics.get(name), (int, float))]


def _eval_results(evals: Sequence[EvalRow]) -> list[EvalResult]:
    results = []
    for row in evals:
        for metric, value in (("greedy accuracy", row.greedy_value), (f"maj@{row.k} accuracy", row.maj_value)):
            if value is not None:
                results.append(EvalResult(task_type="text-generation", dataset_type=row.data, dataset_name=row.name,
                                          metric_type="accuracy", metric_name=metric, metric_value=value))
    return results


def _usage(repo_id: str, adapter: bool) -> str:
    if adapter:
        return ("from peft import AutoPeftModelForCausalLM\n"
                f'model = AutoPeftModelForCausalLM.from_pretrained("{repo_id}")')
    return ("from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            f'model = AutoModelForCausalLM.from_pretrained("{repo_id}")\n'
            f'tokenizer = AutoTokenizer.from_pretrained("{repo_id}")')
