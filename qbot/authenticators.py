"""The whole authenticator interface: how qbot learns which examiner a request comes from. A plugin
author reads this module and knows everything.

`auth.method` in the config picks one authenticator by the name of its entry point in the group
`qbot.authenticators`. The built-ins register there like any third-party package:
`bearer` (tokens configured hashed in `auth.tokens`) and `proxy_header` (a front proxy that has
authenticated the examiner names them in a header, `auth.proxy_header`); both are in `qbot.auth`.
A name registered by two distributions stops start-up: a package cannot stand in for a built-in.

The entry point names a factory (a class is one) with:

- `options_schema`          a marshmallow `Schema` (class or instance) for the mapping `auth.options`
                            of the config, or None if it takes no options (then `auth.options` must
                            be empty). Unknown keys and bad values stop start-up naming the key
                            (`auth.options.<key>`, exit code 2).
- `factory(options, auth)`  called once at start-up with the loaded options (what the schema
                            loaded, or `{}`) and the whole `auth` section (`qbot.authconfig.AuthConfig`);
                            returns the authenticator. Raise `ValueError("…")` to refuse the
                            configuration (exit code 2, the message shown); any other exception, a
                            failed import or a missing attribute stops start-up naming the plugin
                            and its distribution (exit code 3).

The authenticator it returns has:

- `challenge: str`          the `WWW-Authenticate` value of its refusals, e.g. `Bearer realm="qbot"`.
- `security_scheme: dict`   an OpenAPI 3.1 Security Scheme Object, shown in `/openapi.json`.
- `describe() -> str`       one line for `qbot serve`'s start-up message: what is checked, whom.
- `async authenticate(request: Presented) -> str`
                            the examiner's name, or raise `Refused`. Called for every request to an
                            API route (under `server.prefix`), concurrently, before any handler
                            runs; never for `/healthz`, `/openapi.json` or CORS preflights (OPTIONS).
                            Do blocking work in a thread (`asyncio.to_thread`). Any other exception
                            refuses the request too (500, logged): nothing gets in by accident.

What the name means: it becomes the owner of the conversations the request creates (another
examiner gets 404 on them), it is what `auth.cases` lists and what
`limits.max_turns_per_examiner` counts. Names are compared exactly, so return the same spelling
for the same person every time. A name that is not `EXAMINER_RULE` (below) is refused with 401
and logged as the authenticator's fault: an empty name would be the anonymous examiner of a
server without authentication, and must never come out of one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

EXAMINER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
EXAMINER_RULE = "1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
EXAMINER_NAME = re.compile(EXAMINER_PATTERN[1:-1])  # use with fullmatch: no trailing newline


@dataclass(frozen=True)
class Presented:
    """What a request presents to an authenticator."""

    headers: Mapping[str, str]  # as received: case-insensitive names, `getall(name, [])` for repeats
    peer: str | None  # IP address of the TCP peer (the connection's own, never from a header such
    #                   as X-Forwarded-For; an IPv4-mapped IPv6 address given as IPv4); None if unknown
    method: str
    path: str


class Refused(Exception):
    """The request is not authenticated: answered `401 unauthorized` with `message` (what was wrong
    and what is accepted; never a secret), `details`, and `challenge` or the authenticator's."""

    def __init__(self, message: str, details: Any = None, challenge: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.challenge = challenge


@runtime_checkable
class Authenticator(Protocol):
    challenge: str
    security_scheme: dict[str, Any]

    def describe(self) -> str:
        """One line for the start-up message."""

    async def authenticate(self, request: Presented) -> str:
        """The examiner's name, or raise Refused."""
