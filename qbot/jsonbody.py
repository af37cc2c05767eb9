"""A request's JSON body, read defensively: bounded in size (aiohttp's `client_max_size`), in time
and in depth, with no duplicate keys and only valid Unicode, so every malformed body is a 400
that says what is accepted, never a 500 from deep in a schema or the log."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from qbot.errors import ApiError, refuse

# Deeper than any body of the contract needs; far below the interpreter's recursion limit.
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class ClientGone(Exception):
    """The client closed the connection before its body arrived: nobody is left to answer."""


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one key are read differently by different parsers; refuse the ambiguity.
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return body


async def read_body(request: web.Request, timeout: float) -> bytes:
    """The raw body within `timeout` seconds (408 after it). After a body that cannot be read,
    the connection is closed: the rest of it would be read as the next request."""
    try:
        if request.content.is_eof():  # all of it has arrived (the usual small body): no wait, no timer
            return await request.read()
        async with asyncio.timeout(timeout):
            return await request.read()  # bounded by client_max_size: over it aiohttp answers 413
    except TimeoutError:
        _abandon(request)
        raise refuse("body_timeout", f"the request body did not arrive within {timeout:g} s",
                     close_connection=True) from None
    except RequestPayloadError as exc:  # e.g. a body that is not the gzip its Content-Encoding says
        _abandon(request)
        cause = exc.__cause__ or exc
        raise refuse("invalid_body", f"the body could not be read ({type(cause).__name__}); send it "
                                     "plain, or whole and valid in its Content-Encoding (gzip, deflate)",
                     close_connection=True) from None
    except (ConnectionError, asyncio.IncompleteReadError) as exc:
        raise ClientGone() from exc


def _abandon(request: web.Request) -> None:
    # Marked as read to its end, so aiohttp does not linger reading (and re-raising) the rest.
    request.content.feed_eof()


def parse_object(raw: bytes) -> dict[str, Any]:
    """`raw` as a JSON object, or a 400 naming what is wrong."""
    try:
        body = json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise refuse("invalid_json", f"the body has the key {str(exc)[:80]!r} twice; send each key once") from None
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse("invalid_json", f"the body is not valid UTF-8 JSON: {str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise refuse("invalid_json", "the body must be a JSON object")
    if _may_need_walk(raw, body):
        _check_values(body)
    return body


def _may_need_walk(raw: bytes, body: dict[str, Any]) -> bool:
    """False when the walk of _check_values could find nothing: too few brackets in the raw text
    to nest too deep, and no lone surrogate, which orjson refuses to encode (in C, several times
    faster than the walk)."""
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH:
        return True
    try:
        orjson.dumps(body)
    except orjson.JSONEncodeError:
        return True
    return False


def _too_deep() -> ApiError:
    return refuse("invalid_json", f"the body nests arrays and objects deeper than {MAX_DEPTH} levels")


def _check_values(body: dict[str, Any]) -> None:
    """Depth and text, walked without recursion."""
    stack: list[tuple[Any, int, str]] = [(body, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    _check_text(key, f"a key in {path or 'the body'}")
                stack.append((item, depth + 1, where))


def _check_text(text: str, where: str) -> None:
    # JSON may carry a lone surrogate ("\ud800"); UTF-8, the log and the evidence store cannot.
    found = _SURROGATE.search(text)
    if found:
        raise refuse("invalid_request", f"{where[:120]} contains a lone surrogate "
                                        f"(U+{ord(found.group()):04X}) at character {found.start()}; "
                                        "send valid Unicode text", {where[:120]: ["lone surrogate"]})
