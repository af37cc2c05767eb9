"""How `qbot ask` ends: its exit codes and the exceptions that carry them to the command."""

from __future__ import annotations

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 5, 6, 130


class AskError(Exception):
    """Ends `qbot ask` with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Interrupted(Exception):
    """Ctrl-C: the running turn was asked to stop."""
