"""Every refusal as JSON in the one shape of `qbot.errors`, whether it comes from our checks or
from aiohttp itself (no route, wrong method, body too large)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from qbot.appkeys import CONFIG, METRICS
from qbot.errors import ApiError
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
        return ApiError(400, "client_gone", "the request body was cut off").response()
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
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        request.app[METRICS].refused("internal_error", 500)
        return ApiError(500, "internal_error", "the server failed on this request; it is logged").response()
