"""``scpo-data push``: upload a dataset folder to the Hugging Face Hub in one commit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from scpo_data.cli.common import clean_errors, err_console
from scpo_data.publish.hub import dataset_folder, push_dataset, resolve_token


def push(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (its dataset/ is pushed) or a dataset folder.")],
    repo_id: Annotated[str, typer.Option("--repo-id", help="Dataset repo on the Hub, OWNER/NAME.")],
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
    """Push the pairs, card and plots to the Hub as a dataset repo (one commit); print its URL.

    HF_ENDPOINT points the push at a Hub mirror. The token is never printed or written,
    and the local folder is left unchanged.
    """
    with clean_errors():
        folder = dataset_folder(run_dir)
        token = resolve_token(token_env)
        err_console.print(f"pushing {folder} to {repo_id} ...", highlight=False, soft_wrap=True)
        url = push_dataset(folder, repo_id, token, private=private, revision=revision,
                           commit_message=commit_message)
    Console().print(url, highlight=False, soft_wrap=True)
