"""Push a dataset folder, or a trained model folder with its model card, to the Hugging Face Hub in one commit.

The token comes from ``--token-env NAME``, ``HF_TOKEN`` or the login cache
(``huggingface_hub.get_token``); it is handed to ``HfApi`` only, which sends it in the
Authorization header, and it is never printed or written. ``HF_ENDPOINT`` points the
push at a Hub mirror. The local folder is never modified: the card (for a dataset, with
the real repo id in its TRL snippet) is written into a staging copy (data and weight
files hard-linked where the file system allows).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from huggingface_hub import HfApi, constants, get_token
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

from scpo_data.publish.card import REPO_PLACEHOLDER
from scpo_data.errors import ScpoError

CARD = "README.md"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


def resolve_token(token_env: str | None = None) -> str:
    """The Hub token: from ``$token_env`` when named, else HF_TOKEN or the login cache.

    Raises:
        ScpoError: When no token is found (the message never contains a token).
    """
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise ScpoError(f"--token-env {token_env}: the environment variable is not set or empty")
        return token
    token = get_token()
    if not token:
        raise ScpoError("no Hub token: set HF_TOKEN, run `hf auth login`, or pass --token-env NAME")
    return token


def dataset_folder(path: Path) -> Path:
    """The dataset folder to push: ``path`` itself, or ``path/dataset`` for a run folder.

    Raises:
        ScpoError: When neither holds a card and data files.
    """
    for candidate in (path, path / "dataset"):
        if (candidate / CARD).is_file() and any((candidate / "data").glob("*.parquet")):
            return candidate
    raise ScpoError(f"{path} is neither a dataset folder nor a run folder (no {CARD} + data/*.parquet)")


def repo_url(endpoint: str, repo_id: str, repo_type: str, revision: str | None = None) -> str:
    """The web address of a ``model`` or ``dataset`` repo (and branch) on the Hub at ``endpoint``."""
    prefix = "datasets/" if repo_type == "dataset" else ""
    url = f"{endpoint.rstrip('/')}/{prefix}{repo_id}"
    return f"{url}/tree/{revision}" if revision and revision != constants.DEFAULT_REVISION else url


def check_repo_id(repo_id: str) -> None:
    """Refuse a repo id that is not ``OWNER/NAME``.

    Raises:
        ScpoError: When ``repo_id`` is malformed.
    """
    if not _REPO_ID.match(repo_id):
        raise ScpoError(f"--repo-id must look like OWNER/NAME, not {repo_id!r}")


def push_dataset(
    folder: Path,
    repo_id: str,
    token: str,
    private: bool = False,
    revision: str | None = None,
    commit_message: str | None = None,
) -> str:
    """Create the dataset repo if needed and upload the dataset folder (:func:`dataset_folder`) in one commit.

    The uploaded card names ``repo_id`` in its TRL snippet. The other arguments, the
    returned web address and the errors are those of :func:`push_folder` (the default
    commit message names the tool).
    """
    check_repo_id(repo_id)
    card = (folder / CARD).read_text(encoding="utf-8").replace(f'"{REPO_PLACEHOLDER}"', f'"{repo_id}"')
    return push_folder(folder, repo_id, token, "dataset", {CARD: card}, private=private, revision=revision,
                       commit_message=commit_message or "Upload ScPO preference pairs with scpo-data")


def push_folder(
    folder: Path,
    repo_id: str,
    token: str,
    repo_type: str,
    files: Mapping[str, str],
    *,
    private: bool = False,
    revision: str | None = None,
    commit_message: str,
    ignore: tuple[str, ...] = (),
) -> str:
    """Create the repo if needed and upload ``folder``, with some files' text replaced, in one commit.

    Args:
        folder: The folder to upload (left unchanged).
        repo_id: ``OWNER/NAME``.
        token: A Hub token with write access.
        repo_type: ``model`` or ``dataset``.
        files: Text to upload in place of (or beside) the folder's own files, by relative path
            (the card as ``README.md``).
        private: Create the repo private (an existing repo keeps its visibility).
        revision: Branch to commit to (created from main when missing); None: main.
        commit_message: The commit message.
        ignore: Glob patterns of files and folders (at any depth) left out of the upload.

    Returns:
        The repo's web address.

    Raises:
        ScpoError: With a one-line cause for a bad repo id, offline mode, an HTTP error
            (401, 403, 404, 5xx) or an unreachable Hub.
    """
    check_repo_id(repo_id)
    endpoint = os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
    api = HfApi(endpoint=endpoint, token=token)
    with _hub_errors(endpoint, repo_id), _staged(folder, files, ignore) as staged:
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        if revision and revision != constants.DEFAULT_REVISION:
            api.create_branch(repo_id, branch=revision, repo_type=repo_type, exist_ok=True)
        api.upload_folder(repo_id=repo_id, folder_path=staged, repo_type=repo_type,
                          revision=revision, commit_message=commit_message)
    return repo_url(endpoint, repo_id, repo_type, revision)


@contextmanager
def _staged(folder: Path, files: Mapping[str, str], ignore: tuple[str, ...]) -> Iterator[Path]:
    """A temporary copy of ``folder`` (less ``ignore``) with ``files`` written over it."""
    with tempfile.TemporaryDirectory(prefix="scpo-push-") as tmp:
        staged = Path(tmp) / "upload"
        shutil.copytree(folder, staged, copy_function=_link_or_copy, ignore=shutil.ignore_patterns(*ignore))
        for name, text in files.items():
            target = staged / name
            target.unlink(missing_ok=True)  # a hard link would write through to the original
            target.write_text(text, encoding="utf-8")
        yield staged


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@contextmanager
def _hub_errors(endpoint: str, repo_id: str) -> Iterator[None]:
    """Turn Hub and network failures into one-line ScpoErrors (exit code 1)."""
    try:
        yield
    except OfflineModeIsEnabled:
        raise ScpoError("HF_HUB_OFFLINE is set: unset it to push to the Hub", 1) from None
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        raise ScpoError(http_error_message(status, endpoint, repo_id), 1) from None
    except Exception as exc:
        if _is_network_error(exc):
            raise ScpoError(f"cannot reach the Hub at {endpoint}: network down or wrong HF_ENDPOINT", 1) from None
        raise


def http_error_message(status: int | None, endpoint: str, repo_id: str) -> str:
    """The one-line cause of a failed Hub request with HTTP status ``status``."""
    if status == 401:
        return "the Hub rejected the token (401): check HF_TOKEN, `hf auth login` or --token-env"
    if status == 403:
        return f"the token may not write to {repo_id} (403): use a write token with access to its owner"
    if status == 404:
        return f"{repo_id} or its branch was not found on {endpoint} (404)"
    if status is not None and status >= 500:
        return f"the Hub at {endpoint} failed ({status}): try again later"
    return f"the Hub refused the push ({status})"


def _is_network_error(exc: BaseException) -> bool:
    """Connection refused, DNS failure, timeouts: OSError or the HTTP client's transport errors."""
    return isinstance(exc, OSError) or any(
        cls.__name__ == "TransportError" and cls.__module__.startswith("httpx") for cls in type(exc).__mro__
    )
