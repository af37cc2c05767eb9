"""Bearer-token authentication: each examiner has one or more tokens, configured as the SHA-256
of the token (`auth.tokens`), never in clear. With no token configured, authentication is off
and every request is the one anonymous examiner `""` (loopback only, see `qbot serve`).

The API routes (under `server.prefix`) need `Authorization: Bearer <token>`; `/healthz`,
`/openapi.json` and CORS preflights (OPTIONS) do not. A missing or unknown token is refused with
`401 unauthorized` and `WWW-Authenticate: Bearer`. The examiner a token belongs to is stored on
the request (`EXAMINER`) and owns the conversations it creates."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from aiohttp import web

from qbot.config import AuthConfig
from qbot.errors import ApiError

EXAMINER = web.RequestKey("examiner", str)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="qbot"'}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and the hash to put in `auth.tokens`."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def examiner_for(auth: AuthConfig, token: str) -> str | None:
    """The examiner whose token this is; every configured hash is compared, in constant time."""
    digest = token_hash(token)
    found = None
    for configured in auth.tokens:
        if hmac.compare_digest(digest, configured.sha256):
            found = configured.examiner
    return found


def examiner(request: web.Request) -> str:
    """Who is asking: the authenticated examiner, or `""` when authentication is off."""
    return request.get(EXAMINER, "")


def auth_middleware(auth: AuthConfig, prefix: str) -> Any:
    api = prefix.rstrip("/") + "/"

    @web.middleware
    async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "OPTIONS" or not (request.path == prefix or request.path.startswith(api)):
            return await handler(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "unauthorized", "this route needs an examiner's token: Authorization: Bearer <token>",
                           headers=_CHALLENGE)
        who = examiner_for(auth, token)
        if who is None:
            raise ApiError(401, "unauthorized", "the bearer token is not one of the configured examiners'",
                           headers={"WWW-Authenticate": 'Bearer realm="qbot", error="invalid_token"'})
        request[EXAMINER] = who
        return await handler(request)

    return authenticate


async def visible_case(store: Any, auth: AuthConfig, who: str, case_id: str) -> Any:
    """The case `case_id` ("" = the default) if this examiner may see it; otherwise 404, as if it
    did not exist, naming the cases they may see (`auth.cases`)."""
    case = await store.get_case(case_id)
    if case is None or not auth.may_see(who, case.id):
        known = [c.id for c in await store.list_cases() if auth.may_see(who, c.id)]
        raise ApiError(404, "case_not_found", f"no case {case_id[:80]!r}; known cases: {known}",
                       {"known_cases": known})
    return case
