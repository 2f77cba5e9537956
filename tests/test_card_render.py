"""The dataset card renders for every domain, label mode and merged shards, and loads with datasets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import datasets
import pytest
from huggingface_hub import DatasetCard

from scpo_data.publish.dataset import MARGIN_PLOT, export_dataset
from scpo_data.domains import get_domain
from scpo_data.domains.zebra import puzzle_problems
from scpo_data.records import Pair

GOLD = {"gsm8k": "1,200", "math": "\\frac{1}{2}", "arc": "B",
        "zebra": puzzle_problems("2x2", 1, 0, None)[0].gold}


def _pairs(domain: str) -> list[Pair]:
    """Two pairs with gold (chosen right, rejected wrong) and one without."""
    key = get_domain(domain).extractor.canonical(GOLD[domain]).key

    def pair(i: int, gold: str | None, chosen_votes: int) -> Pair:
        return Pair(prompt=[{"role": "user", "content": f"problem {i}"}],
                    chosen=[{"role": "assistant", "content": "right"}],
                    rejected=[{"role": "assistant", "content": "wrong"}],
                    weight=(chosen_votes - 1) / 8, chosen_votes=chosen_votes, rejected_votes=1, k=8,
                    chosen_answer=key, rejected_answer="wrong-key", gold=gold, problem_id=f"p{i}",
                    domain=domain)

    return [pair(0, GOLD[domain], 5), pair(1, GOLD[domain], 7), pair(2, None, 5)]


def _manifest(domain: str, labels: str | None = None, **extra: Any) -> dict[str, Any]:
    config = {"problems": "hf:openai/gsm8k:main@test" if domain == "gsm8k" else "/home/someone/private/seeds.jsonl",
              "domain": domain, "model": "embedded", "backend": "hf", "k": 8, "temperature": 0.7, "top_p": 0.9,
              "max_tokens": 256, "tau": 0.5, "seed": 3}
    if labels is not None:
        config["labels"] = labels
    return {"created": "2026-11-21T09:00:00+00:00", "config": config,
            "versions": {"scpo-data": "0.1.0", "transformers": "5.0.0", "trl": None},
            "model": {"spec": "embedded", "path": "/root/.cache/model", "identity": "SmolLM2-135M-Instruct",
                      "file_hash": "f" * 64},
            "seeds": {"master": 3, "sampling": 3},
            "counts": {"seed_problems": 4, "synthesized": 0, "problems": 4, "samples": 32, "parsed": 30,
                       "parse_rate": 30 / 32, "answer_status": {"ok": 30, "truncated": 2}, "passing_tau": 3,
                       "pairs": 3, "skipped": {"tie": 1}, "mean_weight": 0.625},
            **extra}


def _export(tmp_path: Path, domain: str, manifest: dict[str, Any]) -> tuple[Path, DatasetCard, str]:
    folder = export_dataset(_pairs(domain), manifest, tmp_path / "dataset")
    text = (folder / "README.md").read_text()
    return folder, DatasetCard.load(folder / "README.md"), text


@pytest.mark.parametrize("domain", ["gsm8k", "math", "zebra", "arc"])
def test_card_for_every_domain(tmp_path: Path, domain: str) -> None:
    folder, card, text = _export(tmp_path, domain, _manifest(domain))
    meta = card.data.to_dict()
    [data_file] = [f.relative_to(folder).as_posix() for f in (folder / "data").glob("*.parquet")]
    assert meta["configs"] == [{"config_name": "default", "data_files": [{"split": "train", "path": data_file}]}]
    assert re.fullmatch(r"data/train-[0-9a-f]{12}-00000-of-00001\.parquet", data_file)
    assert {"preference", "dpo", "synthetic", "scpo", domain} <= set(meta["tags"])
    assert meta["size_categories"] == ["n<1K"] or meta["size_categories"] == "n<1K"
    assert meta["license"] == ("mit" if domain == "gsm8k" else "other")
    assert meta["scpo"]["domain"] == domain and meta["scpo"]["labels"] == "none"
    assert meta["scpo"]["counts"]["pairs"] == 3 and meta["scpo"]["answer_status"] == {"ok": 30, "truncated": 2}
    assert (folder / MARGIN_PLOT).read_bytes().startswith(b"\x89PNG")
    assert f"]({MARGIN_PLOT})" in text
    assert "| 4 | 0.500 | 2 |" in text and "| 6 | 0.750 | 1 |" in text  # margins and weights
    assert "2 of the 3 pairs have a gold answer" in text
    assert "correct in **100.0%** of pairs and the rejected one in\n**0.0%**" in text
    assert "| answer parse rate" not in text and "Answer parse rate: **93.8%**" in text
    assert "| truncated | 2 | 6.2% |" in text
    assert "| skipped: tie | 1 |" in text and "| tau (fraction of k) | 0.5 (4 of 8 votes) |" in text
    assert "SmolLM2-135M-Instruct" in text and "f" * 64 in text and "| transformers | 5.0.0 |" in text
    assert "/home/someone" not in text and "/root/.cache" not in text  # local paths stay local
    assert "2411.04109" in text and 'load_dataset("OWNER/NAME"' in text
    assert 'DPOTrainer(model="HuggingFaceTB/SmolLM2-135M-Instruct"' in text  # the embedded model's Hub id
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize(("labels", "phrase"), [
    (None, "made **without human labels**"),
    ("none", "made **without human labels**"),
    ("gold", "This run used **gold labels** (IRPO"),
    ("mixed", "This run is **semi-supervised**"),
])
def test_card_for_label_modes(tmp_path: Path, labels: str | None, phrase: str) -> None:
    audit = {"tau_sweep": [
        {"tau": 0.3, "tau_votes": 2.4, "pairs": 9, "with_gold": 9, "chosen_accuracy": 0.5,
         "rejected_accuracy": 0.25, "gap": 0.25},
        {"tau": 0.7, "tau_votes": 5.6, "pairs": 2, "with_gold": 2, "chosen_accuracy": None,
         "rejected_accuracy": None, "gap": None}]}
    manifest = _manifest("math", labels)
    manifest["counts"].update(audit=audit, pairs_by_label={"gold": 2, "vote": 1})
    manifest["model"]["spec"] = "Qwen/Qwen2.5-Math-1.5B-Instruct"
    _, card, text = _export(tmp_path, "math", manifest)
    assert 'DPOTrainer(model="Qwen/Qwen2.5-Math-1.5B-Instruct"' in text
    assert phrase in text
    assert card.data.to_dict()["scpo"]["labels"] == (labels or "none")
    assert ("irpo" in card.data.to_dict()["tags"]) == (labels in ("gold", "mixed"))
    assert "| 0.3 (2.4 votes) | 9 | 50.0% | 25.0% | +25.0 |" in text
    assert "| 0.7 (5.6 votes) | 2 | — | — | — |" in text
    assert "| pairs: gold labels | 2 |" in text


def test_card_for_merged_shards_without_a_config(tmp_path: Path) -> None:
    manifest = {"created": "2026-11-21", "versions": {"scpo-data": "0.1.0"},
                "counts": {"problems": 8, "pairs": 3},
                "shards": [{"out": "/data/runs/shard-0", "counts": {"problems": 4, "pairs": 2}},
                           {"name": "shard-1", "problems": 4, "pairs": 1}, "/data/runs/shard-2"]}
    folder = export_dataset(_pairs("gsm8k"), manifest, tmp_path / "dataset")
    text = (folder / "README.md").read_text()
    assert "This dataset merges 3 shards" in text
    assert "| shard-0 | 4 | 2 |" in text and "| shard-1 | 4 | 1 |" in text and "| shard-2 | — | — |" in text
    assert DatasetCard.load(folder / "README.md").data.to_dict()["scpo"]["shards"] == 3
    assert "| problems | 8 |" in text and "{{" not in text


def test_empty_dataset_has_a_card_without_plot(tmp_path: Path) -> None:
    manifest = _manifest("gsm8k")
    manifest["counts"].update(pairs=0, passing_tau=0)
    folder = export_dataset([], manifest, tmp_path / "dataset")
    text = (folder / "README.md").read_text()
    assert not (folder / MARGIN_PLOT).exists() and "vote_margins.png" not in text
    assert "No problem produced a pair." in text and "There are no pairs to measure." in text


def test_card_folder_loads_with_datasets(tmp_path: Path) -> None:
    folder, _, _ = _export(tmp_path, "gsm8k", _manifest("gsm8k"))
    ds = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "cache"))
    assert list(ds) == ["train"] and ds["train"].num_rows == 3
    assert ds["train"][0]["chosen"] == [{"role": "assistant", "content": "right"}]
