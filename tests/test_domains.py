"""Domains as one unit: the registry, the domain objects, and the CLI's closed-set options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scpo_data.config import BACKENDS, DTYPES, LABEL_MODES, TRAIN_MODES, GenerateConfig
from scpo_data.domains import DOMAINS, get_domain
from scpo_data.errors import ScpoError

from helpers import scpo

ROOT = Path(__file__).resolve().parents[1]
#: A comparison of anything named ``domain...`` with a string literal.
DOMAIN_BRANCH = re.compile(r"domain[a-z_.]* *(==|!=) *['\"]")


def test_registry_lists_every_domain_and_refuses_unknown_names() -> None:
    assert list(DOMAINS) == ["arith", "gsm8k", "math", "zebra", "arc"]
    assert all(get_domain(name).name == name for name in DOMAINS)
    with pytest.raises(ScpoError, match="unknown domain 'chess': use one of arith, gsm8k, math, zebra, arc"):
        get_domain("chess")


@pytest.mark.parametrize(("name", "k", "max_tokens", "synthesis"),
                         [("arith", 8, 128, False), ("gsm8k", 8, 256, True), ("math", 8, 384, True), ("zebra", 16, 1024, False),
                          ("arc", 8, 256, False)])
def test_domains_declare_their_defaults(name: str, k: int, max_tokens: int, synthesis: bool) -> None:
    domain = get_domain(name)
    assert (domain.k, domain.max_tokens, domain.synthesis) == (k, max_tokens, synthesis)
    prompt = domain.chat("What is 2 + 3?")
    assert prompt[0]["role"] == "user" and "What is 2 + 3?" in prompt[0]["content"]
    assert domain.extractor is domain.extractor  # built once


def test_gold_keys_come_from_the_domains_extractor() -> None:
    assert get_domain("gsm8k").gold_key("1,200") == "1200"
    assert get_domain("math").gold_key(r"\frac{1}{2}") == get_domain("math").gold_key("0.5")
    assert get_domain("arc").gold_key(None) is None


def test_domains_without_synthesis_refuse_it() -> None:
    with pytest.raises(ScpoError, match="--synthesize does not apply to zebra"):
        get_domain("zebra").check_generate(GenerateConfig(domain="zebra", synthesize=2))
    get_domain("gsm8k").check_generate(GenerateConfig(synthesize=2))


def test_arc_has_no_builtin_problems() -> None:
    with pytest.raises(ScpoError, match="--domain arc needs multiple-choice problems"):
        get_domain("arc").builtin_problems(GenerateConfig(domain="arc"))


def test_no_code_outside_domains_branches_on_a_domain_name() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("scpo_data", "cli") for path in sorted((ROOT / folder).rglob("*.py"))
                 if "domains" not in path.relative_to(ROOT).parts
                 for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
                 if DOMAIN_BRANCH.search(line)]
    assert offenders == []


@pytest.mark.parametrize(("command", "option", "values"), [
    ("generate", "--domain", list(DOMAINS)),
    ("generate", "--backend", list(BACKENDS)),
    ("generate", "--labels", list(LABEL_MODES)),
    ("generate", "--dtype", list(DTYPES)),
    ("eval", "--domain", list(DOMAINS)),
    ("train", "--mode", list(TRAIN_MODES)),
])
def test_closed_options_list_their_choices_and_refuse_others(tmp_path: Path, command: str, option: str,
                                                             values: list[str]) -> None:
    assert "|".join(values) in scpo(command, "--help").stdout
    out = tmp_path / "out"
    required = {"eval": ["--data", "x.jsonl", "--domain", "gsm8k"], "train": ["--data", "x"]}.get(command, [])
    result = scpo(command, *required, option, "nope", "--out", str(out))
    assert result.returncode == 2
    listed = ", ".join(f"'{v}'" for v in values)
    assert f"'nope' is not one of {listed}" in " ".join(result.stderr.replace("│", " ").split())
    assert not out.exists()


def test_arith_builtin_problems_are_fresh_and_keep_their_gold() -> None:
    from scpo_data.train.warmup import WARMUP_SPLIT, WarmupSpec, arith_splits

    domain = get_domain("arith")
    problems = domain.builtin_problems(GenerateConfig(domain="arith", count=20, seed=3))
    assert len(problems) == 20 and len({p.question for p in problems}) == 20
    assert all(p.gold is not None and domain.gold_key(p.gold) == p.gold for p in problems)
    warmup = {r["question"] for r in arith_splits(WarmupSpec(), {})[WARMUP_SPLIT]}
    assert not warmup & {p.question for p in problems}
    other_seed = domain.builtin_problems(GenerateConfig(domain="arith", count=20, seed=4))
    assert {p.question for p in problems} != {p.question for p in other_seed}
    assert domain.default_model == "embedded-arith"
