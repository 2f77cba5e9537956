"""The one error type that the CLI turns into a clean one-line message and exit code."""

from __future__ import annotations


class ScpoError(Exception):
    """A user-facing error: bad input, missing file, unusable model.

    The CLI prints ``str(error)`` on one line and exits with :attr:`exit_code`,
    without a traceback.
    """

    exit_code: int = 2

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
