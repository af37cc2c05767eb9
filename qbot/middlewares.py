"""Every refusal as JSON in the one shape of `qbot.errors`, whether it comes from the request
layer's checks (`ApiError`), from the runner, the engine or the log (`qbot.domain_errors`, given
their status and code by REFUSALS, as Starlette's `exception_handlers`) or from aiohttp itself
(no route, wrong method, body too large)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from aiohttp import web

from qbot import domain_errors as domain
from qbot.appkeys import CONFIG, METRICS
from qbot.engine.errors import UnknownNodes
from qbot.errors import ApiError, refuse
from qbot.jsonbody import ClientGone

log = logging.getLogger(__name__)

# aiohttp's own refusals, given codes of ours.
_HTTP_CODES = {
    400: "bad_request",
    403: "origin_not_allowed",  # aiohttp-cors refusing a preflight
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


class Refusal(NamedTuple):
    status: int
    code: str
    headers: Callable[[Any], dict[str, str]] | None = None  # the error's extra headers


# The domain's errors at the edge: a class not here (nor a base of it) is a bug, answered 500.
REFUSALS: dict[type[domain.DomainError], Refusal] = {
    UnknownNodes: Refusal(400, "unknown_package_nodes"),
    domain.ConversationNotFound: Refusal(404, "conversation_not_found"),
    domain.CaseNotFound: Refusal(404, "case_not_found"),
    domain.ResultNotFound: Refusal(404, "result_not_found"),
    domain.ConversationBusy: Refusal(409, "conversation_busy"),
    domain.InvalidState: Refusal(409, "invalid_state"),
    domain.ConversationDeleted: Refusal(409, "conversation_deleted"),
    domain.NoRunningTurn: Refusal(409, "no_running_turn"),
    domain.ResultChanged: Refusal(409, "result_changed"),
    domain.TooManyTurns: Refusal(429, "too_many_turns", lambda exc: {"Retry-After": str(exc.retry_after)}),
    domain.ShuttingDown: Refusal(503, "shutting_down"),
    domain.LogUnavailable: Refusal(503, "log_unavailable"),
}


def refusal_of(exc: BaseException) -> ApiError | None:
    """The refusal REFUSALS gives `exc` (by its class or the nearest base listed), or None."""
    if not isinstance(exc, domain.DomainError):
        return None
    for cls in type(exc).__mro__:
        if (refusal := REFUSALS.get(cls)) is not None:
            return ApiError(refusal.status, refusal.code, exc.message, exc.details,
                            headers=refusal.headers(exc) if refusal.headers else None)
    return None


def _cors_headers(request: web.Request) -> dict[str, str]:
    """What aiohttp-cors adds on its routes, for a refusal of no route: a configured origin can
    read why it was refused."""
    origin = request.headers.get("Origin")
    if origin is None or origin not in request.app[CONFIG].server.cors_origins:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        request.app[METRICS].refused(exc.code, exc.status)
        return exc.response()
    except ClientGone:  # left mid-body: nobody reads this answer, and it is no failure of ours
        log.info("client left before its body arrived on %s %s", request.method, request.path)
        return refuse("client_gone", "the request body was cut off").response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, f"http_{exc.status}")
        message = exc.text or exc.reason
        if exc.status == 413:
            limit = request.app[CONFIG].limits.max_body_bytes
            message = f"the request body is larger than the limit of {limit} bytes"
        elif exc.status == 404:
            message = f"no route {request.method} {request.path}"
        elif exc.status == 405:
            message = f"{request.method} is not allowed here; allowed: {', '.join(sorted(exc.allowed_methods))}"
        elif exc.status == 403 and request.method == "OPTIONS":
            message = f"{message}; allowed origins: {', '.join(request.app[CONFIG].server.cors_origins) or 'none'}"
        extra = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
        if request.match_info.http_exception is not None:  # no route matched: aiohttp-cors adds nothing
            extra.update(_cors_headers(request))
        request.app[METRICS].refused(code, exc.status)
        return ApiError(exc.status, code, message).response(extra)
    except Exception as exc:
        refused = refusal_of(exc)
        if refused is None:
            log.exception("unhandled error on %s %s", request.method, request.path)
            refused = refuse("internal_error", "the server failed on this request; it is logged")
        request.app[METRICS].refused(refused.code, refused.status)
        return refused.response()
