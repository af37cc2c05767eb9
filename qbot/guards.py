"""Keeping web pages of other origins from driving the server, before any work is done.

A browser lets any page send a "simple" cross-origin POST (`mode: "no-cors"`, `text/plain`) and
only hides the answer; CORS alone does not stop the request. So, for every request:
- a `Host` that is not this server's (DNS rebinding: a page of evil.example re-pointed at
  127.0.0.1) is refused: when bound to loopback only loopback names are accepted, plus
  `server.allowed_hosts`;
- an `Origin` other than the server's own or one of `server.cors_origins` is refused;
- a request with a body must say it is `application/json`, which a simple request cannot.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from aiohttp import web
from yarl import URL

from qbot.errors import refuse

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPE = "application/json"
KNOWN_HOSTS = 64  # Host values whose verdict is remembered


def is_loopback(host: str) -> bool:
    """A loopback name or address (what `server.host` or a `Host` header may say)."""
    host = host.lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hostname(authority: str) -> str | None:
    """The host of a `Host` header or an origin's authority, without the port; None if malformed."""
    try:
        return URL(f"http://{authority}").raw_host
    except ValueError:
        return None


class Guard:
    def __init__(self, bound_to: str, allowed_hosts: tuple[str, ...], cors_origins: tuple[str, ...]) -> None:
        self.loopback_only = is_loopback(bound_to)
        self.allowed_hosts = frozenset(h.lower().strip("[]") for h in allowed_hosts)
        self.cors_origins = frozenset(cors_origins)
        self._hosts: dict[str | None, bool] = {}

    def host_allowed(self, host: str | None) -> bool:
        """Remembered for the few Host values a server sees (parsing one costs more than the rest
        of the checks); a flood of made-up ones is answered without filling memory."""
        allowed = self._hosts.get(host)
        if allowed is None:
            allowed = self._host_allowed(host)
            if len(self._hosts) < KNOWN_HOSTS:
                self._hosts[host] = allowed
        return allowed

    def _host_allowed(self, host: str | None) -> bool:
        name = _hostname(host) if host else None
        if name is None:
            return False
        if name.lower() in self.allowed_hosts:
            return True
        if self.loopback_only:
            return is_loopback(name)
        return not self.allowed_hosts  # bound beyond loopback: any Host, unless a list is given

    def origin_allowed(self, origin: str, host: str) -> bool:
        if origin in self.cors_origins:
            return True
        url = URL(origin) if "://" in origin else None
        # The server's own pages (the console): same authority as the Host already checked.
        return url is not None and url.scheme in ("http", "https") and url.raw_authority == host.lower()

    def check(self, request: web.Request) -> None:
        host = request.headers.get("Host")
        if not self.host_allowed(host):
            accepted = sorted(self.allowed_hosts) + (["localhost", "127.0.0.1", "[::1]"] if self.loopback_only else [])
            raise refuse("host_not_allowed",
                         f"Host {str(host)[:100]!r} is not a name of this server; accepted: "
                         f"{', '.join(accepted) or 'any'} (add names to server.allowed_hosts)")
        origin = request.headers.get("Origin")
        if origin is not None and request.method != "OPTIONS" and not self.origin_allowed(origin, host or ""):
            raise refuse("origin_not_allowed",
                         f"Origin {origin[:100]!r} may not call this server; allowed: the server's own pages"
                         f"{''.join(', ' + o for o in sorted(self.cors_origins))} (server.cors_origins)")
        # An empty body (POST …/stop) carries nothing to misread; the Origin check covers it.
        if request.method not in _SAFE_METHODS and request.body_exists and request.content_type != JSON_TYPE:
            raise refuse("unsupported_media_type",
                         f"Content-Type {request.headers.get('Content-Type', 'none')[:80]!r} is not accepted; "
                         f"send the body as {JSON_TYPE}")


def guard_middleware(guard: Guard) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        guard.check(request)
        return await handler(request)

    return middleware
