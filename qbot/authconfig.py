"""The `auth` section of the settings and its checks: bearer tokens, the front proxy's header and
addresses, case access lists, a third-party authenticator's options. `qbot.auth` authenticates
with them; `qbot.config` loads them with the other sections."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError, fields, validate

from qbot.authenticators import EXAMINER_PATTERN, EXAMINER_RULE
from qbot.settings import setting

BUILTIN_METHODS = ("bearer", "proxy_header")

_EXAMINER = validate.Regexp(EXAMINER_PATTERN.replace("$", r"\Z"), error=f"must be {EXAMINER_RULE}")


class Sha256(fields.Str):
    """The hex SHA-256 of a token, loaded in lower case so that hashes compare as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).lower()


@dataclass(frozen=True)
class ExaminerToken:
    """One bearer token of an examiner, kept as the SHA-256 of the token (never in clear)."""

    examiner: str = setting(help="the examiner the token is for", validate=_EXAMINER)
    sha256: str = setting(help="the token's SHA-256", repr=False, field=Sha256(validate=validate.Regexp(
        r"^[0-9A-Fa-f]{64}$", error="must be the 64 hex digits of the token's SHA-256, never the token itself")))


HEADER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}\Z"
# Headers that name something else already: taking the examiner from one would confuse the two.
RESERVED_HEADERS = frozenset({
    "authorization", "connection", "content-length", "content-type", "cookie", "forwarded", "host",
    "origin", "proxy-authorization", "te", "transfer-encoding", "upgrade", "x-forwarded-for",
    "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
})


def _header_name(value: str) -> None:
    if value.lower() in RESERVED_HEADERS:
        raise ValidationError(f"{value} carries something else; use a header of its own, e.g. X-Remote-User")


class Network(fields.Str):
    """An IP address or network (CIDR), loaded as its normal form (`10.0.0.2` → `10.0.0.2/32`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            network = ipaddress.ip_network(text.strip(), strict=True)
        except ValueError as exc:
            raise ValidationError(f"must be an IP address or network like 10.0.0.2, 10.0.0.0/24 or ::1 "
                                  f"({exc})") from exc
        mapped = network.network_address.ipv4_mapped if network.version == 6 else None
        if mapped is not None and network.prefixlen >= 96:  # peers are compared as IPv4: say it so
            network = ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
        if network.prefixlen == 0:
            raise ValidationError(f"{network} trusts every address: any client could name any examiner; "
                                  "give the proxy's own address")
        return str(network)


@dataclass(frozen=True)
class ProxyHeaderConfig:
    """`auth.method: proxy_header`: a front proxy authenticates the examiner and names them in
    `header`; qbot takes the header only from a peer in `trusted_proxies`."""

    header: str = setting(
        "X-Remote-User", help="proxy_header: the header in which the front proxy names the examiner",
        validate=[validate.Regexp(HEADER_PATTERN, error=(
            "must be an HTTP header name of letters, digits and '-' (no '_', which some servers read as '-'), "
            "e.g. X-Remote-User")), _header_name])
    trusted_proxies: tuple[str, ...] = setting(
        ("127.0.0.1/32", "::1/128"),
        help="proxy_header: addresses or networks (CIDR) of the proxies allowed to set the header",
        field=fields.List(Network(), validate=validate.Length(
            min=1, error="must name at least one proxy address: with none, no request could be authenticated")))
    examiners: tuple[str, ...] = setting(
        (), help="proxy_header: the names accepted; [] accepts any the proxy sends", each=_EXAMINER)


@dataclass(frozen=True)
class AuthConfig:
    method: str = setting(
        "bearer", help="who vouches for the examiner: bearer (auth.tokens), proxy_header, or a plugin's name",
        validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z", error=(
            f"must be {' or '.join(BUILTIN_METHODS)}, or the name of an installed qbot.authenticators entry point")))
    tokens: tuple[ExaminerToken, ...] = setting(
        (), help="bearer tokens, each {examiner, sha256 of the token}; any token turns auth on")
    cases: dict[str, list[str]] = setting(
        {}, help="case id -> examiners who may see it; unlisted cases are open to all")
    proxy_header: ProxyHeaderConfig = field(default_factory=ProxyHeaderConfig)
    options: dict[str, Any] = setting(
        {}, help="a third-party authenticator's settings, checked by its own options_schema")

    @staticmethod
    def validate_settings(data: dict[str, Any]) -> None:
        """What involves several settings: each token once, tokens only with bearer, options only for a
        third party's method, and case lists naming only examiners who could ever be authenticated."""
        method = data["method"]
        tokens = data["tokens"]
        hashes = [t.sha256 for t in tokens]
        if len(hashes) != len(set(hashes)):
            raise ValidationError({"tokens": ["the same token (sha256) is configured twice"]})
        if tokens and method != "bearer":
            raise ValidationError({"tokens": [f"bearer tokens are configured but auth.method is {method}, which "
                                              "never checks them; remove them, or set auth.method: bearer"]})
        if data["options"] and method in BUILTIN_METHODS:
            raise ValidationError({"options": [f"auth.method {method} takes no options; they are for a "
                                               "third-party authenticator"]})
        if method == "bearer":
            known, where = {t.examiner for t in tokens}, "have no token in auth.tokens"
        elif method == "proxy_header" and data["proxy_header"].examiners:
            known, where = set(data["proxy_header"].examiners), "are not in auth.proxy_header.examiners"
        else:
            return  # any name the authenticator vouches for may be listed
        for case_id, examiners in data["cases"].items():
            unknown = sorted(set(examiners) - known)
            if unknown:
                raise ValidationError({"cases": {case_id: [f"examiners {unknown} {where}"]}})

    def may_see(self, examiner: str, case_id: str) -> bool:
        """Whether an examiner may see a case (always, with authentication off)."""
        allowed = self.cases.get(case_id)
        return not self.enabled or allowed is None or examiner in allowed

    @property
    def enabled(self) -> bool:
        """Authentication is on with any method but `bearer`, and with `bearer` once at least one
        token is configured (none: off, as before there were other methods)."""
        return self.method != "bearer" or bool(self.tokens)

    @property
    def examiners(self) -> set[str]:
        """The examiners known in advance (bearer: the tokens'; proxy_header: its list, if any);
        empty when any name the authenticator vouches for is accepted."""
        if self.method == "bearer":
            return {t.examiner for t in self.tokens}
        if self.method == "proxy_header":
            return set(self.proxy_header.examiners)
        return set()
