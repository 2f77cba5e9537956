"""``scpo-data push``: upload a dataset folder, or a trained model with its model card, to the
Hugging Face Hub in one commit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from scpo_data.cli.common import clean_errors, err_console
from scpo_data.errors import ScpoError
from scpo_data.publish.hub import dataset_folder, push_dataset, push_folder, resolve_token


def push(
    run_dir: Annotated[
        Optional[Path], typer.Argument(help="A run folder (its dataset/ is pushed) or a dataset folder.")
    ] = None,
    repo_id: Annotated[str, typer.Option("--repo-id", "--repo", help="Repo on the Hub, OWNER/NAME.")] = "",
    model: Annotated[
        Optional[Path],
        typer.Option("--model", help="Push this trained model or adapter folder (scpo-data train --out) "
                     "as a model repo with a model card, instead of a dataset."),
    ] = None,
    dataset: Annotated[
        Optional[str], typer.Option("--dataset", help="--model: the Hub dataset it was trained on, for the card.",
                                    show_default="--data of the training when it was a Hub id")
    ] = None,
    evals: Annotated[
        Optional[list[Path]], typer.Option("--eval", help="--model: an eval report.json or eval folder to show "
                                           "(repeatable; iterate's ../eval/*/ are found by themselves).")
    ] = None,
    private: Annotated[bool, typer.Option("--private", help="Create the repo private.")] = False,
    revision: Annotated[
        Optional[str], typer.Option("--revision", help="Branch to commit to (created when missing).")
    ] = None,
    commit_message: Annotated[Optional[str], typer.Option("--commit-message", help="Commit message.")] = None,
    token_env: Annotated[
        Optional[str],
        typer.Option("--token-env", help="Read the token from this environment variable "
                     "(default: HF_TOKEN, then the `hf auth login` cache)."),
    ] = None,
) -> None:
    """Push the pairs, card and plots to the Hub as a dataset repo, or (--model) a trained model
    with a model card (one commit); print its URL.

    The model card links the training data and the base model, states the loss and its
    settings, and shows the eval numbers when there are any. Checkpoints are not uploaded.
    HF_ENDPOINT points the push at a Hub mirror. The token is never printed or written,
    and the local folder is left unchanged.
    """
    with clean_errors():
        if (run_dir is None) == (model is None):
            raise ScpoError("push a run/dataset folder or --model DIR (one of them)")
        if not repo_id:
            raise ScpoError("--repo-id OWNER/NAME is required")
        if model is None and (dataset or evals):
            raise ScpoError("--dataset and --eval describe a model: use them with --model")
        if model is not None:
            url = _push_model(model, repo_id, dataset, evals or [], token_env, private, revision, commit_message)
        else:
            folder = dataset_folder(run_dir)
            token = resolve_token(token_env)
            err_console.print(f"pushing {folder} to {repo_id} ...", highlight=False, soft_wrap=True)
            url = push_dataset(folder, repo_id, token, private=private, revision=revision,
                               commit_message=commit_message)
    Console().print(url, highlight=False, soft_wrap=True)


def _push_model(folder: Path, repo_id: str, dataset: str | None, evals: list[Path], token_env: str | None,
                private: bool, revision: str | None, commit_message: str | None) -> str:
    """Render the model card and push ``folder`` as a model repo; return its URL."""
    from scpo_data.publish.hub import CARD, check_repo_id
    from scpo_data.publish.model_card import (PUSH_IGNORE, eval_rows, hub_adapter_config, read_training,
                                              render_model_card)

    training = read_training(folder)
    check_repo_id(repo_id)
    card = render_model_card(folder, repo_id, training, eval_rows(folder, evals), dataset)
    token = resolve_token(token_env)
    err_console.print(f"pushing {folder} to {repo_id} ...", highlight=False, soft_wrap=True)
    return push_folder(folder, repo_id, token, "model", {CARD: card, **hub_adapter_config(folder, training)},
                       private=private, revision=revision, ignore=PUSH_IGNORE,
                       commit_message=commit_message or "Upload a model trained with scpo-data")
