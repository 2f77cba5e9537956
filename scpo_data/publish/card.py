"""The dataset card: YAML metadata and a body that tells how the pairs were made.

Everything the template shows is prepared here as plain rows, so the card renders
for any manifest: every domain, vote / gold / mixed labels (``config.labels``, absent
in older runs), and merged shards (a ``shards`` list). A ``scpo`` block in the YAML
keeps the numbers machine-readable, so ``scpo-data inspect`` works on a dataset folder
alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from huggingface_hub import DatasetCard, DatasetCardData

from scpo_data.correct.metrics import metric_rows
from scpo_data.evaluate.audit import pair_accuracy
from scpo_data.backends.models import EMBEDDED_NAME
from scpo_data.domains import DOMAINS, find_domain
from scpo_data.generate.problems import BUILTIN

#: The repo id the card's TRL snippet names until ``push`` fills in the real one.
REPO_PLACEHOLDER = "OWNER/NAME"

LABEL_PHRASES = {"none": "**without human labels**", "gold": "with gold labels",
                 "mixed": "semi-supervised (gold labels where known)"}
#: The license of the built-in problems (the package's seed problems and generated puzzles).
BUILTIN_LICENSE = "apache-2.0"
STAGES = (("seed_problems", "seed problems"), ("synthesized", "synthesised problems"),
          ("problems", "problems"), ("samples", "samples"), ("parsed", "samples with an answer"),
          ("passing_tau", "problems passing tau"), ("pairs", "pairs"))


def size_category(n: int) -> str:
    """The Hub's size category label for ``n`` rows."""
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M" if n < 1_000_000 else "n>1M"


def source_license(problems: str) -> str | None:
    """The license of a problem source when known (``hf:openai/gsm8k:main@test`` -> ``mit``).

    Known sources are the built-in problems and those the domains declare
    (:attr:`scpo_data.domains.Domain.licenses`).
    """
    known = {BUILTIN: BUILTIN_LICENSE}
    for domain in DOMAINS.values():
        known.update(domain.licenses)
    name = problems.removeprefix("hf:").split("@")[0]
    for candidate in (name, ":".join(name.split(":")[:1])):
        if candidate in known:
            return known[candidate]
    return None


def labels_of(manifest: Mapping[str, Any]) -> str:
    """The run's label mode: ``none`` (vote), ``gold`` or ``mixed``; ``none`` when absent."""
    return str(manifest.get("config", {}).get("labels") or "none")


def margin_rows(pairs: pl.DataFrame) -> list[tuple[int, str, int]]:
    """(vote margin, weight, pairs) per distinct margin, smallest margin first."""
    if pairs.is_empty():
        return []
    grouped = (pairs.with_columns((pl.col("chosen_votes") - pl.col("rejected_votes")).alias("margin"))
               .group_by("margin", "weight").len().sort("margin", "weight"))
    return [(m, f"{w:.3f}", n) for m, w, n in grouped.iter_rows()]


def margin_counts(rows: Sequence[tuple[int, str, int]]) -> dict[int, int]:
    """Pairs per vote margin V(chosen) - V(rejected), from :func:`margin_rows`."""
    counts: dict[int, int] = {}
    for margin, _, n in rows:
        counts[margin] = counts.get(margin, 0) + n
    return counts


def card_summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The machine-readable ``scpo`` block of the card's YAML."""
    config = manifest.get("config", {})
    counts = manifest.get("counts", {})
    return {
        "domain": config.get("domain"),
        "labels": labels_of(manifest),
        "k": config.get("k"),
        "tau": config.get("tau"),
        "model": manifest.get("model", {}).get("identity"),
        "counts": {key: counts[key] for key, _ in STAGES if key in counts},
        "skipped": dict(counts.get("skipped", {})),
        "answer_status": dict(counts.get("answer_status", {})),
        "shards": len(manifest.get("shards") or []),
    }


def render_card(
    manifest: Mapping[str, Any],
    data_file: str,
    pairs: pl.DataFrame,
    margin_plot: str | None = None,
    repo_id: str = REPO_PLACEHOLDER,
) -> str:
    """Render the dataset card (YAML metadata + body).

    Args:
        manifest: The run manifest (or a merged one).
        data_file: The train file's path inside the folder. The ``configs`` entry names
            it exactly, because ``datasets`` caches a local folder by its YAML
            data_files patterns, so a shared pattern such as ``data/train-*`` would let
            two runs' folders read each other's cache.
        pairs: The pairs (for margins and accuracy against gold).
        margin_plot: Path of the vote-margin PNG inside the folder, if one was drawn.
        repo_id: The Hub repo named in the TRL snippet.
    """
    config = manifest.get("config", {})
    domain = str(config.get("domain") or "unknown")
    labels = labels_of(manifest)
    tags = ["preference", "dpo", "synthetic", "scpo", domain]
    if labels != "none":
        tags.append("irpo")
    card_data = DatasetCardData(
        language="en",
        license=manifest.get("license") or source_license(str(config.get("problems", ""))) or "other",
        task_categories=["text-generation"],
        tags=tags,
        size_categories=size_category(pairs.height),
        pretty_name=f"ScPO pairs ({domain})",
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": data_file}]}],
        scpo=card_summary(manifest),
    )
    template = resources.files("scpo_data.cards").joinpath("scpo.md").read_text("utf-8")
    accuracy = pair_accuracy(pairs) if pairs.height else None
    card = DatasetCard.from_template(
        card_data,
        template_str=template,
        domain_title=spec.title if (spec := find_domain(domain)) else domain,
        labels=labels,
        labels_phrase=LABEL_PHRASES.get(labels, labels),
        scpo_version=manifest.get("versions", {}).get("scpo-data") or "",
        settings=_settings(manifest),
        shards=_shards(manifest),
        versions=[(n, v) for n, v in manifest.get("versions", {}).items() if v],
        stages=stage_rows(manifest.get("counts", {}), pairs.height),
        sweep=_sweep_rows(manifest),
        parse_rate=percent(manifest.get("counts", {}).get("parse_rate")),
        statuses=_statuses(manifest),
        margins=margin_rows(pairs),
        margin_plot=margin_plot,
        accuracy=_accuracy_view(accuracy),
        repo_id=repo_id,
        trl_model=trl_model(manifest),
    )
    return str(card)


def trl_model(manifest: Mapping[str, Any]) -> str:
    """The model the TRL snippet trains: the run's model when it is a Hub id, else the embedded one."""
    spec = str(manifest.get("model", {}).get("spec") or "")
    is_hub_id = re.fullmatch(r"[\w.-]+/[\w.-]+", spec) is not None and not Path(spec).exists()
    return spec if is_hub_id else EMBEDDED_NAME


def percent(value: float | None) -> str:
    """A share as ``12.3%`` (``—`` when unknown)."""
    return "—" if value is None else f"{100 * value:.1f}%"


def _settings(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    config = manifest.get("config", {})
    model = manifest.get("model", {})
    seeds = manifest.get("seeds", {})
    problems = problem_source(config)
    k, tau = config.get("k"), config.get("tau")
    tau_text = f"{tau} ({tau * k:g} of {k} votes)" if isinstance(tau, (int, float)) and k else str(tau)
    rows = [
        ("model", f"{model.get('identity', '—')} (`{model.get('spec', '—')}`)"),
        ("model file hash", f"`{model.get('file_hash') or '—'}`"),
        ("backend", config.get("backend", "—")),
        ("domain", config.get("domain", "—")),
        ("problem source", problems),
        ("labels", labels_of(manifest)),
        ("samples per problem (k)", k),
        ("temperature / top-p", f"{config.get('temperature', '—')} / {config.get('top_p', '—')}"),
        ("max new tokens", config.get("max_tokens", "—")),
        ("tau (fraction of k)", tau_text),
        ("seeds", ", ".join(f"{n} {v}" for n, v in seeds.items()) or config.get("seed", "—")),
        ("created", manifest.get("created", "—")),
    ]
    return [(name, str(value)) for name, value in rows]


def problem_source(config: Mapping[str, Any]) -> str:
    """The problem source as the card shows it: a local file by its name only (a local path says
    nothing to a reader and may be private)."""
    problems = str(config.get("problems", "—"))
    if not problems.startswith("hf:") and problems != BUILTIN:
        problems = Path(problems).name
    return problems


def _shards(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for i, shard in enumerate(manifest.get("shards") or []):
        if not isinstance(shard, Mapping):
            shard = {"name": Path(str(shard)).name}
        counts = shard.get("counts", {})
        name = shard.get("name") or Path(str(shard.get("out") or shard.get("path") or "")).name or f"shard {i}"
        rows.append({"name": name, "problems": counts.get("problems", shard.get("problems", "—")),
                     "pairs": counts.get("pairs", shard.get("pairs", "—"))})
    return rows


def stage_rows(counts: Mapping[str, Any], n_pairs: int) -> list[tuple[str, str]]:
    """(stage, count) rows from a manifest's counts: problems to pairs, skips, mean weight."""
    counts = {"pairs": n_pairs, **counts}
    rows = [(label, str(counts[key])) for key, label in STAGES if key in counts]
    rows += [(f"skipped: {reason.replace('_', ' ')}", str(n))
             for reason, n in sorted(counts.get("skipped", {}).items())]
    rows += [(f"pairs: {label} labels", str(n)) for label, n in sorted(counts.get("pairs_by_label", {}).items())]
    if "mean_weight" in counts:
        rows.append(("mean weight", f"{counts['mean_weight']:.3f}"))
    return rows


def _sweep_rows(manifest: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The run's recorded tau sweep (``counts.audit.tau_sweep``, runs with gold) as text rows."""
    audit = manifest.get("counts", {}).get("audit") or {}
    rows = []
    for row in audit.get("tau_sweep") or []:
        gap = row.get("gap")
        rows.append((f"{row['tau']:.1f} ({row.get('tau_votes', 0):g} votes)", str(row.get("pairs", "—")),
                     percent(row.get("chosen_accuracy")), percent(row.get("rejected_accuracy")),
                     "—" if gap is None else f"{100 * gap:+.1f}"))
    return rows


def _statuses(manifest: Mapping[str, Any]) -> list[tuple[str, int, str]]:
    status = manifest.get("counts", {}).get("answer_status", {})
    total = sum(status.values())
    return [(name, n, percent(n / total)) for name, n in sorted(status.items(), key=lambda kv: -kv[1])]


def _accuracy_view(accuracy: Any) -> dict[str, Any] | None:
    if accuracy is None or accuracy.chosen is None:
        return None
    return {"pairs": accuracy.pairs, "with_gold": accuracy.with_gold, "chosen": percent(accuracy.chosen),
            "rejected": percent(accuracy.rejected), "gap": f"{100 * accuracy.gap:+.1f} points"}


#: What each config of a self-correction dataset holds, for its card.
CORRECTION_CONFIGS = {
    "traces": "every trace: `messages` (question, attempt 1, instruction, attempt 2) with r1, r2, "
              "the shaped reward and the edit distance",
    "star": "attempt 2 fixes a wrong attempt 1 (STaR): `prompt` (question, attempt 1, instruction) "
            "and `completion` (attempt 2)",
    "pair_sft": "a wrong attempt 1, then a correct solution of the same problem as attempt 2 (Pair-SFT)",
    "preference": "after the same attempt 1, a right (`chosen`) and a wrong (`rejected`) attempt 2 "
                  "(TRL's conversational preference format)",
}


def correction_summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The machine-readable ``score`` block of a self-correction card's YAML (``inspect`` reads it)."""
    config = manifest.get("config", {})
    counts = manifest.get("counts", {})
    return {
        "domain": config.get("domain"),
        "model": manifest.get("model", {}).get("identity"),
        "n": config.get("n"),
        "second_n": config.get("second_n"),
        "alpha": config.get("alpha"),
        "label_sources": dict(counts.get("label_sources", {})),
        "configs": dict(counts.get("configs", {})),
        "self_correction": counts.get("self_correction", {}),
    }


def render_correction_card(manifest: Mapping[str, Any], files: Mapping[str, tuple[str, int]],
                           repo_id: str = REPO_PLACEHOLDER) -> str:
    """Render the card of a self-correction dataset (``scpo-data correct``).

    Args:
        manifest: The run manifest.
        files: Per config, its data file's path inside the folder and its rows.
        repo_id: The Hub repo named in the loading snippets.
    """
    config = manifest.get("config", {})
    counts = manifest.get("counts", {})
    domain = str(config.get("domain") or "unknown")
    card_data = DatasetCardData(
        language="en",
        license=source_license(str(config.get("problems", ""))) or "other",
        task_categories=["text-generation"],
        tags=["self-correction", "score", "synthetic", domain],
        size_categories=size_category(max((rows for _, rows in files.values()), default=0)),
        pretty_name=f"Self-correction traces ({domain})",
        configs=[{"config_name": name, "data_files": [{"split": "train", "path": path}]}
                 for name, (path, _) in files.items()],
        score=correction_summary(manifest),
    )
    template = resources.files("scpo_data.cards").joinpath("score.md").read_text("utf-8")
    metrics = counts.get("self_correction", {})
    settings = [(name, str(value)) for name, value in (
        ("model", f"{manifest.get('model', {}).get('identity', '—')} (`{config.get('model', '—')}`)"),
        ("backend", config.get("backend", "—")),
        ("domain", domain),
        ("problem source", problem_source(config)),
        ("first attempts per problem (n)", config.get("n")),
        ("second attempts per first attempt", config.get("second_n")),
        ("temperature / top-p", f"{config.get('temperature', '—')} / {config.get('top_p', '—')}"),
        ("max new tokens per attempt", config.get("max_tokens", "—")),
        ("alpha (shaped reward)", config.get("alpha", "—")),
        ("seed", config.get("seed", "—")),
        ("created", manifest.get("created", "—")),
    )]
    card = DatasetCard.from_template(
        card_data,
        template_str=template,
        domain_title=spec.title if (spec := find_domain(domain)) else domain,
        scpo_version=manifest.get("versions", {}).get("scpo-data") or "",
        settings=settings,
        instruction=manifest.get("instruction", ""),
        labels=sorted(counts.get("label_sources", {}).items()),
        metrics=metric_rows(metrics),
        transitions=metrics.get("transitions", {}),
        traces=metrics.get("traces", 0),
        problems=metrics.get("problems", 0),
        ci_method=metrics.get("ci_method", ""),
        configs=[(name, rows, CORRECTION_CONFIGS.get(name, "")) for name, (_, rows) in files.items()],
        repo_id=repo_id,
        trl_model=trl_model(manifest),
    )
    return str(card)
