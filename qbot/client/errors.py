"""How `qbot ask` ends: its exit codes, the exceptions that carry them to the command, and a
request's failure or refusal told as one of them."""

from __future__ import annotations

import json

import aiohttp

from qbot.client.display import safe_cell

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 5, 6, 130


class AskError(Exception):
    """Ends `qbot ask` with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Interrupted(Exception):
    """Ctrl-C: the running turn was asked to stop."""


def describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error.strerror or str(exc.os_error) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


async def refusal(resp: aiohttp.ClientResponse, url: str) -> AskError:
    """A non-200 answer: qbot's JSON refusal ({"error": {code, message, details}}), or something
    that is not qbot speaking."""
    text = await resp.text(errors="replace")
    try:
        error = json.loads(text)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return AskError(f"{resp.method} {url} answered {resp.status} {resp.reason or ''}, not a qbot "
                        f"refusal: {safe_cell(text[:200])!r}", EXIT_UNREACHABLE)
    line = f"refused ({resp.status} {safe_cell(code)}): {safe_cell(message)}"
    details = error.get("details")
    if details not in (None, {}, []):
        line += f"\n  details: {safe_cell(json.dumps(details, ensure_ascii=False))}"
    if resp.status == 401:
        line += "\n  give an examiner's token with --token or $QBOT_TOKEN (see `qbot token`)"
    return AskError(line, EXIT_REFUSED)
