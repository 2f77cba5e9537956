"""The error type the CLI turns into a clean one-line message and exit code, and SIGTERM
turned into an interrupt that unwinds like Ctrl-C."""

from __future__ import annotations

import signal
from types import FrameType


class ScpoError(Exception):
    """A user-facing error: bad input, missing file, unusable model.

    The CLI prints ``str(error)`` on one line and exits with :attr:`exit_code`,
    without a traceback.
    """

    exit_code: int = 2

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler preempting or cancelling the job) raised as an interrupt.

    It unwinds like Ctrl-C, so finished work is kept and the run can be resumed, but it
    exits with 143 (128 + SIGTERM) instead of 130.
    """


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def catch_sigterm() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread (the CLI calls this once)."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def interrupt_exit(exc: KeyboardInterrupt) -> tuple[str, int]:
    """The word and exit code for an interrupt: ``("terminated", 143)`` or ``("interrupted", 130)``."""
    return ("terminated", 143) if isinstance(exc, Terminated) else ("interrupted", 130)
