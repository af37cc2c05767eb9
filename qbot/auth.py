"""Authentication: the built-in authenticators, loading the one `auth.method` names from the
entry points of `qbot.authenticators` (the interface is `qbot.authenticators`), and the middleware
that asks it who every API request comes from.

- `bearer`: each examiner has one or more tokens, configured as the SHA-256 of the token
  (`auth.tokens`), never in clear. With no token configured, authentication is off and every
  request is the one anonymous examiner `""` (loopback only, see `qbot serve`).
- `proxy_header`: a front proxy has authenticated the examiner and names them in a header
  (`auth.proxy_header.header`). The header is believed only from a peer in
  `auth.proxy_header.trusted_proxies`, judged by the connection's own address, never by a header.

The API routes (under `server.prefix`) need an examiner; `/healthz`, `/metrics`, `/openapi.json`,
the console's files and CORS preflights (OPTIONS) do not. A refusal is `401 unauthorized` with a `WWW-Authenticate`
challenge. The examiner is stored on the request (`EXAMINER`) and owns the conversations it
creates."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from aiohttp import web
from marshmallow import Schema, ValidationError

from qbot.authenticators import EXAMINER_NAME, EXAMINER_PATTERN, EXAMINER_RULE, Authenticator, Presented, Refused
from qbot.authconfig import AuthConfig
from qbot.config import ConfigError, describe_errors
from qbot.domain_errors import CaseNotFound
from qbot.errors import refuse
from qbot.registry import PluginError, distribution

log = logging.getLogger(__name__)

GROUP = "qbot.authenticators"
EXAMINER = web.RequestKey("examiner", str)


# -- bearer --------------------------------------------------------------------------------------

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


class BearerAuthenticator:
    """`Authorization: Bearer <token>`, the token's SHA-256 one of `auth.tokens`."""

    options_schema = None
    challenge = 'Bearer realm="qbot"'

    def __init__(self, options: dict[str, Any], auth: AuthConfig):
        self.auth = auth
        self.security_scheme = {
            "type": "http", "scheme": "bearer",
            "description": "an examiner's token (`auth.tokens`); each examiner sees only its own conversations"}

    def describe(self) -> str:
        examiners, tokens = len(self.auth.examiners), len(self.auth.tokens)
        return (f"bearer tokens of {examiners} examiner{'s' if examiners != 1 else ''} "
                f"({tokens} token{'s' if tokens != 1 else ''})")

    async def authenticate(self, request: Presented) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Refused("this route needs an examiner's token: Authorization: Bearer <token>")
        who = examiner_for(self.auth, token)
        if who is None:
            raise Refused("the bearer token is not one of the configured examiners'",
                          challenge='Bearer realm="qbot", error="invalid_token"')
        return who


# -- proxy_header --------------------------------------------------------------------------------

def peer_address(peername: Any) -> str | None:
    """The IP address of a transport's `peername` (an IPv4-mapped IPv6 address as IPv4), or None."""
    if not isinstance(peername, (tuple, list)) or not peername or not isinstance(peername[0], str):
        return None
    try:
        address = ipaddress.ip_address(peername[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


class ProxyHeaderAuthenticator:
    """The examiner named in `auth.proxy_header.header` by a front proxy that authenticated them,
    believed only from a peer in `auth.proxy_header.trusted_proxies`. A request from any other
    peer is refused, whether or not it carries the header (one that does is logged: someone tried
    to choose a name); so is one from a proxy without the header, with it twice, or with a name
    that is not `EXAMINER_RULE` (or not in `auth.proxy_header.examiners`, when that is set)."""

    options_schema = None
    challenge = 'ProxyHeader realm="qbot"'

    def __init__(self, options: dict[str, Any], auth: AuthConfig):
        settings = auth.proxy_header
        self.header = settings.header
        self.trusted = tuple(ipaddress.ip_network(n) for n in settings.trusted_proxies)
        self.allowed = frozenset(settings.examiners)
        self.security_scheme = {
            "type": "apiKey", "in": "header", "name": self.header,
            "description": f"the examiner's name, set by the authenticating front proxy; `{self.header}` is "
                           "believed only from the proxy's own address (`auth.proxy_header.trusted_proxies`) "
                           "and refused from any other client"}

    def describe(self) -> str:
        allowed = f", {len(self.allowed)} examiners allowed" if self.allowed else ""
        return (f"examiners named by the front proxy in {self.header}, believed only from "
                f"{', '.join(str(n) for n in self.trusted)}{allowed}")

    def trusts(self, peer: str | None) -> bool:
        if peer is None:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def authenticate(self, request: Presented) -> str:
        values = request.headers.getall(self.header, [])  # type: ignore[attr-defined]
        if not self.trusts(request.peer):
            if values:
                log.warning("refused %s %s from %s: it carries %s %r, but %s is not a trusted proxy "
                            "(auth.proxy_header.trusted_proxies)", request.method, request.path[:200],
                            request.peer, self.header, values[0][:80], request.peer)
            # The same answer with or without the header: nothing here says what would be believed.
            raise Refused("this server takes requests only through its authenticating front proxy; "
                          "connect through the proxy")
        if not values:
            raise Refused(f"the front proxy sent no {self.header} header naming the examiner; it must set it "
                          "on every request it has authenticated", {"header": self.header})
        if len(values) > 1:
            raise Refused(f"{self.header} is given {len(values)} times; the front proxy must set it exactly "
                          "once, replacing any the client sent", {"header": self.header})
        who = values[0]
        if not EXAMINER_NAME.fullmatch(who):
            raise Refused(f"{self.header} {who[:80]!r} is not an examiner's name: names are {EXAMINER_RULE}",
                          {"header": self.header, "accepted": EXAMINER_PATTERN})
        if self.allowed and who not in self.allowed:
            raise Refused(f"examiner {who!r} may not use this server (auth.proxy_header.examiners)",
                          {"header": self.header})
        return who


# -- loading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Loaded:
    authenticator: Authenticator
    name: str  # the entry point's, = auth.method
    distribution: str


AUTHENTICATOR = web.AppKey("authenticator", Loaded)


def _options(factory: Any, auth: AuthConfig, where: str) -> dict[str, Any]:
    schema = factory.options_schema
    if schema is None:
        if auth.options:
            raise ConfigError(f"auth.options: {where} takes no options; remove them")
        return {}
    try:
        return (schema() if isinstance(schema, type) else schema).load(auth.options)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {describe_errors(exc.messages, 'auth.options.')}") from exc


def _validate(obj: object, where: str) -> Authenticator:
    problems = []
    challenge = getattr(obj, "challenge", None)
    if not isinstance(challenge, str) or not challenge.strip() or "\r" in challenge or "\n" in challenge:
        problems.append("challenge must be a non-empty one-line str (the WWW-Authenticate value)")
    scheme = getattr(obj, "security_scheme", None)
    if not isinstance(scheme, dict) or scheme.get("type") not in ("apiKey", "http", "mutualTLS", "oauth2",
                                                                   "openIdConnect"):
        problems.append("security_scheme must be a dict, an OpenAPI Security Scheme Object with its type")
    if not callable(getattr(obj, "describe", None)):
        problems.append("describe() is missing")
    if not inspect.iscoroutinefunction(getattr(obj, "authenticate", None)):
        problems.append("authenticate must be a coroutine function (async def authenticate(self, request): ...)")
    if problems:
        raise PluginError(f"{where} does not provide the authenticator interface (qbot.authenticators): "
                          + "; ".join(problems))
    return obj  # type: ignore[return-value]


def load_authenticator(auth: AuthConfig) -> Loaded:
    """The authenticator `auth.method` names. Only that entry point is imported; an unknown name is a
    configuration error (exit 2), a plugin that cannot be loaded or used a plugin error (exit 3)."""
    group = list(entry_points(group=GROUP))
    found = sorted((ep for ep in group if ep.name == auth.method), key=lambda ep: ep.value)
    if not found:
        installed = ", ".join(sorted({ep.name for ep in group})) or "none"
        raise ConfigError(f"auth.method: no authenticator {auth.method!r} is installed; installed: {installed} "
                          f"(entry points of {GROUP})")
    if len(found) > 1:
        raise PluginError(f"authenticator {auth.method!r} is registered more than once: "
                          + ", ".join(f"{ep.value} from {distribution(ep)}" for ep in found)
                          + "; uninstall all but one")
    ep = found[0]
    where = f"authenticator '{ep.name}' ({ep.value}) from {distribution(ep)}"
    try:
        factory = ep.load()
    except Exception as exc:  # an import error of any kind is the plugin's fault: say whose
        raise PluginError(f"{where} failed to load: {type(exc).__name__}: {exc}") from exc
    schema = getattr(factory, "options_schema", "missing")
    if not callable(factory) or schema == "missing" or not (
            schema is None or isinstance(schema, Schema) or (isinstance(schema, type) and issubclass(schema, Schema))):
        raise PluginError(f"{where} does not provide the authenticator interface (qbot.authenticators): it must be "
                          "a factory (e.g. a class) with options_schema, a marshmallow Schema or None")
    options = _options(factory, auth, where)
    try:
        authenticator = factory(options, auth)
    except ValueError as exc:
        raise ConfigError(f"auth.options: {where} refused its configuration: {exc}") from exc
    except Exception as exc:
        raise PluginError(f"{where} failed to start: {type(exc).__name__}: {exc}") from exc
    return Loaded(_validate(authenticator, where), ep.name, distribution(ep))


# -- the middleware ------------------------------------------------------------------------------

def peer_of(request: web.Request) -> str | None:
    """The connection's own peer address: the transport's, never a header's."""
    transport = request.transport
    return peer_address(transport.get_extra_info("peername")) if transport is not None else None


def examiner(request: web.Request) -> str:
    """Who is asking: the authenticated examiner, or `""` when authentication is off."""
    return request.get(EXAMINER, "")


def auth_middleware(loaded: Loaded, prefix: str) -> Any:
    authenticator = loaded.authenticator
    api = prefix.rstrip("/") + "/"

    @web.middleware
    async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "OPTIONS" or not (request.path == prefix or request.path.startswith(api)):
            return await handler(request)
        presented = Presented(headers=request.headers, peer=peer_of(request), method=request.method,
                              path=request.path)
        try:
            who = await authenticator.authenticate(presented)
        except Refused as refused:
            raise refuse("unauthorized", refused.message, refused.details,
                         headers={"WWW-Authenticate": refused.challenge or authenticator.challenge}) from None
        if not isinstance(who, str) or not EXAMINER_NAME.fullmatch(who):
            log.error("authenticator '%s' from %s named %r, not an examiner's name (%s); request refused",
                      loaded.name, loaded.distribution, who if isinstance(who, str) else type(who).__name__,
                      EXAMINER_RULE)
            raise refuse("unauthorized", f"the authenticator named no valid examiner: names are {EXAMINER_RULE}",
                         {"accepted": EXAMINER_PATTERN}, headers={"WWW-Authenticate": authenticator.challenge})
        request[EXAMINER] = who
        return await handler(request)

    return authenticate


async def visible_case(store: Any, auth: AuthConfig, who: str, case_id: str) -> Any:
    """The case `case_id` ("" = the default) if this examiner may see it; otherwise 404, as if it
    did not exist, naming the cases they may see (`auth.cases`)."""
    case = await store.get_case(case_id)
    if case is None or not auth.may_see(who, case.id):
        known = [c.id for c in await store.list_cases() if auth.may_see(who, c.id)]
        raise CaseNotFound(case_id, known)
    return case
