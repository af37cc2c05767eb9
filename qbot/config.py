"""Settings: described once here (name, type, default, help), read from `config.yaml`, then
overridden by `QBOT_*` environment variables, then by command-line flags.

An unknown key or a value of the wrong type stops start-up with a message naming the key."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields as dataclass_fields
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from qbot.authenticators import EXAMINER_PATTERN, EXAMINER_RULE

DEFAULT_PREFIX = "/qbot/api/v1/generalsec-ai"
ENV_PREFIX = "QBOT_"
# Environment variables with the prefix that are not settings: the config file's path, and the
# server and token of the `qbot ask` client.
ENV_NOT_SETTINGS = {"QBOT_CONFIG", "QBOT_SERVER", "QBOT_TOKEN"}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and what is accepted."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 18808
    prefix: str = DEFAULT_PREFIX
    cors_origins: tuple[str, ...] = ("http://localhost:9000",)
    allowed_hosts: tuple[str, ...] = ()
    idle_timeout: float = 30.0
    body_timeout: float = 30.0
    ping_interval: float = 15.0
    shutdown_timeout: float = 10.0
    allow_unauthenticated: bool = False


@dataclass(frozen=True)
class TurnsConfig:
    on_disconnect: str = "continue"
    busy_policy: str = "reject"
    subscriber_buffer_bytes: int = 4 * 1024 * 1024
    send_timeout: float = 30.0
    max_turn_seconds: float = 600.0


@dataclass(frozen=True)
class LimitsConfig:
    max_body_bytes: int = 256 * 1024
    max_question_chars: int = 2000
    max_form_field_chars: int = 20000
    max_package_nodes: int = 200
    max_running_turns: int = 500
    max_turns_per_examiner: int = 20
    slow_clients_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class EngineConfig:
    provider: str = "builtin"
    recent_days: int = 30
    top_n: int = 10
    # provider "openai": an OpenAI-compatible chat-completions endpoint
    base_url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)  # a secret: never in repr, logs or events
    timeout: float = 60.0
    retries: int = 2


@dataclass(frozen=True)
class LoggingConfig:
    format: str = "json"
    level: str = "INFO"


@dataclass(frozen=True)
class PluginsConfig:
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExaminerToken:
    """One bearer token of an examiner, kept as the SHA-256 of the token (never in clear)."""

    examiner: str
    sha256: str = field(repr=False)


BUILTIN_METHODS = ("bearer", "proxy_header")


@dataclass(frozen=True)
class ProxyHeaderConfig:
    """`auth.method: proxy_header`: a front proxy authenticates the examiner and names them in
    `header`; qbot takes the header only from a peer in `trusted_proxies`."""

    header: str = "X-Remote-User"
    trusted_proxies: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    # the names accepted; empty: any name the proxy vouches for
    examiners: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthConfig:
    # an entry point of qbot.authenticators: bearer, proxy_header, or a third party's
    method: str = "bearer"
    tokens: tuple[ExaminerToken, ...] = ()
    # case id -> the examiners who may see it; a case not listed is open to every examiner
    cases: dict[str, list[str]] = field(default_factory=dict)
    proxy_header: ProxyHeaderConfig = field(default_factory=ProxyHeaderConfig)
    # a third-party authenticator's settings, checked by its own options_schema
    options: dict[str, Any] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    demo: bool = True
    server: ServerConfig = field(default_factory=ServerConfig)
    turns: TurnsConfig = field(default_factory=TurnsConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    plugins: PluginsConfig = field(default_factory=PluginsConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    @property
    def log_db(self) -> Path:
        return self.data_dir / "qbot.db"

    @property
    def evidence_db(self) -> Path:
        return self.data_dir / "evidence.db"


def _section(cls, **schema_fields):
    """A schema that loads one section into its frozen dataclass; defaults come from the class."""
    defaults = {f.name: f.default if f.default is not MISSING else f.default_factory for f in dataclass_fields(cls)}
    for name, schema_field in schema_fields.items():
        schema_field.load_default = defaults[name]

    def make(self, data, **_):
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    attrs = dict(schema_fields, make=post_load(make))
    return type(f"{cls.__name__}Schema", (Schema,), attrs)


def _help(text: str) -> dict[str, str]:
    return {"help": text}


ServerSchema = _section(
    ServerConfig,
    host=fields.Str(metadata=_help("address to listen on; loopback unless authentication is on (auth)")),
    port=fields.Int(validate=validate.Range(0, 65535), metadata=_help("TCP port (the seed's front end uses 18808)")),
    prefix=fields.Str(
        validate=validate.Regexp(r"^(/[A-Za-z0-9._-]+)+$", error="must look like /a/b/c"),
        metadata=_help("route prefix of the API"),
    ),
    cors_origins=fields.List(fields.Str(validate=validate.Regexp(r"^https?://[^*\s/]+$",
                                                                 error="must be an origin like http://host:port, never *")),
                             metadata=_help("origins allowed to call the API from a browser, with credentials")),
    allowed_hosts=fields.List(fields.Str(validate=validate.Regexp(r"^(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])\Z", error="must be a host name or address, without a port")),
                              metadata=_help("Host names accepted besides loopback ones (e.g. behind a proxy)")),
    idle_timeout=fields.Float(validate=validate.Range(min=0.1), metadata=_help(
        "seconds a connection may wait before its request headers are complete")),
    body_timeout=fields.Float(validate=validate.Range(min=0.1), metadata=_help("seconds a request body may take to arrive")),
    ping_interval=fields.Float(validate=validate.Range(min=0.05), metadata=_help("seconds between ': ping' comments on an idle stream")),
    shutdown_timeout=fields.Float(validate=validate.Range(min=0), metadata=_help("seconds running turns get to finish on SIGTERM")),
    allow_unauthenticated=fields.Bool(metadata=_help("listen beyond loopback although authentication is off")),
)
TurnsSchema = _section(
    TurnsConfig,
    on_disconnect=fields.Str(validate=validate.OneOf(["continue", "cancel"]),
                             metadata=_help("what a turn does when its client goes away")),
    busy_policy=fields.Str(validate=validate.OneOf(["reject", "interrupt"]),
                           metadata=_help("a new step while a turn runs: refuse with 409, or cancel the running turn")),
    subscriber_buffer_bytes=fields.Int(validate=validate.Range(min=64 * 1024), metadata=_help(
        "bytes of events held for one client that reads slower than its turn writes; past it, its stream is closed")),
    send_timeout=fields.Float(validate=validate.Range(min=0.1), metadata=_help("seconds one write to a client may take")),
    max_turn_seconds=fields.Float(validate=validate.Range(min=1), metadata=_help("a turn running longer is ended as failed")),
)
LimitsSchema = _section(
    LimitsConfig,
    max_body_bytes=fields.Int(validate=validate.Range(min=1024), metadata=_help("largest request body, in bytes")),
    max_question_chars=fields.Int(validate=validate.Range(min=1), metadata=_help("longest question")),
    max_form_field_chars=fields.Int(validate=validate.Range(min=1), metadata=_help("longest text field of a form")),
    max_package_nodes=fields.Int(validate=validate.Range(min=0), metadata=_help("most entries in package_nodes")),
    max_running_turns=fields.Int(validate=validate.Range(min=1),
                                 metadata=_help("turns running at once in the server; more get 429 with Retry-After")),
    max_turns_per_examiner=fields.Int(validate=validate.Range(min=1),
                                      metadata=_help("turns one examiner may run at once; more get 429")),
    slow_clients_bytes=fields.Int(validate=validate.Range(min=1024 * 1024), metadata=_help(
        "bytes held for all slow clients together; past it, the client holding the most is dropped")),
)
_EngineFields = _section(
    EngineConfig,
    provider=fields.Str(validate=validate.OneOf(["builtin", "openai"]),
                        metadata=_help("who plans and writes the answers: builtin rules, or an OpenAI-compatible model")),
    recent_days=fields.Int(validate=validate.Range(min=1), metadata=_help("days that '最近' covers, up to the newest record")),
    top_n=fields.Int(validate=validate.Range(min=1, max=1000), metadata=_help("rows in a ranking")),
    base_url=fields.Str(validate=validate.Regexp(r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
                                                 error="must be an http(s) URL like http://127.0.0.1:8000/v1"),
                        metadata=_help("openai: the endpoint's base URL; qbot POSTs {base_url}/chat/completions")),
    model=fields.Str(metadata=_help("openai: the model name sent with each request")),
    api_key=fields.Str(metadata=_help("openai: bearer token; better given as QBOT_ENGINE_API_KEY; never logged")),
    timeout=fields.Float(validate=validate.Range(min=0.05),
                         metadata=_help("openai: seconds to connect, to the first byte, and between streamed chunks")),
    retries=fields.Int(validate=validate.Range(min=0, max=10),
                       metadata=_help("openai: further attempts after a failed request, before the builtin answer")),
)


class EngineSchema(_EngineFields):
    @validates_schema
    def _provider_settings(self, data, **_):
        if data.get("provider") == "openai":
            missing = {key: ["required when provider is openai"] for key in ("base_url", "model") if not data.get(key)}
            if missing:
                raise ValidationError(missing)


LoggingSchema = _section(
    LoggingConfig,
    format=fields.Str(validate=validate.OneOf(["json", "text"]), metadata=_help(
        "json: one object a line with time, level, logger, message, conversation_id, turn_id; text: for people")),
    level=fields.Str(validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]),
                     metadata=_help("the least severe level written")),
)
PluginsSchema = _section(
    PluginsConfig,
    disabled=fields.List(fields.Str(), metadata=_help("entry-point names of handlers not to load")),
)


_EXAMINER = validate.Regexp(EXAMINER_PATTERN.replace("$", r"\Z"), error=f"must be {EXAMINER_RULE}")


class ExaminerTokenSchema(Schema):
    examiner = fields.Str(required=True, validate=_EXAMINER)
    sha256 = fields.Str(required=True, validate=validate.Regexp(
        r"^[0-9A-Fa-f]{64}$", error="must be the 64 hex digits of the token's SHA-256, never the token itself"))

    @post_load
    def make(self, data, **_):
        return ExaminerToken(examiner=data["examiner"], sha256=data["sha256"].lower())


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


ProxyHeaderSchema = _section(
    ProxyHeaderConfig,
    header=fields.Str(validate=[validate.Regexp(HEADER_PATTERN, error=(
        "must be an HTTP header name of letters, digits and '-' (no '_', which some servers read as '-'), "
        "e.g. X-Remote-User")), _header_name],
        metadata=_help("proxy_header: the header in which the front proxy names the examiner")),
    trusted_proxies=fields.List(Network(), validate=validate.Length(
        min=1, error="must name at least one proxy address: with none, no request could be authenticated"),
        metadata=_help("proxy_header: addresses or networks (CIDR) of the proxies allowed to set the header")),
    examiners=fields.List(fields.Str(validate=_EXAMINER),
                          metadata=_help("proxy_header: the names accepted; [] accepts any the proxy sends")),
)

_AuthFields = _section(
    AuthConfig,
    method=fields.Str(validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z", error=(
        f"must be {' or '.join(BUILTIN_METHODS)}, or the name of an installed qbot.authenticators entry point")),
        metadata=_help("who vouches for the examiner: bearer (auth.tokens), proxy_header, or a plugin's name")),
    tokens=fields.List(fields.Nested(ExaminerTokenSchema),
                       metadata=_help("bearer tokens, each {examiner, sha256 of the token}; any token turns auth on")),
    cases=fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()),
                      metadata=_help("case id -> examiners who may see it; unlisted cases are open to all")),
    proxy_header=fields.Nested(ProxyHeaderSchema),
    options=fields.Dict(keys=fields.Str(),
                        metadata=_help("a third-party authenticator's settings, checked by its options_schema")),
)


class AuthSchema(_AuthFields):
    @validates_schema
    def _consistent(self, data, **_):
        method = data.get("method", "bearer")
        tokens = data.get("tokens") or ()
        hashes = [t.sha256 for t in tokens]
        if len(hashes) != len(set(hashes)):
            raise ValidationError({"tokens": ["the same token (sha256) is configured twice"]})
        if tokens and method != "bearer":
            raise ValidationError({"tokens": [f"bearer tokens are configured but auth.method is {method}, which "
                                              "never checks them; remove them, or set auth.method: bearer"]})
        if data.get("options") and method in BUILTIN_METHODS:
            raise ValidationError({"options": [f"auth.method {method} takes no options; they are for a "
                                               "third-party authenticator"]})
        if method == "bearer":
            known, where = {t.examiner for t in tokens}, "have no token in auth.tokens"
        elif method == "proxy_header" and data["proxy_header"].examiners:
            known, where = set(data["proxy_header"].examiners), "are not in auth.proxy_header.examiners"
        else:
            return  # any name the authenticator vouches for may be listed
        for case_id, examiners in (data.get("cases") or {}).items():
            unknown = sorted(set(examiners) - known)
            if unknown:
                raise ValidationError({"cases": {case_id: [f"examiners {unknown} {where}"]}})


class ConfigSchema(Schema):
    data_dir = fields.Str(load_default="data", metadata=_help("folder of the conversation log and the evidence store"))
    demo = fields.Bool(load_default=True, metadata=_help("build the demo case when the evidence store is empty"))
    server = fields.Nested(ServerSchema, load_default=dict)
    turns = fields.Nested(TurnsSchema, load_default=dict)
    limits = fields.Nested(LimitsSchema, load_default=dict)
    engine = fields.Nested(EngineSchema, load_default=dict)
    plugins = fields.Nested(PluginsSchema, load_default=dict)
    auth = fields.Nested(AuthSchema, load_default=dict)
    logging = fields.Nested(LoggingSchema, load_default=dict)

    @post_load
    def make(self, data, **_):
        for name, schema in (("server", ServerSchema), ("turns", TurnsSchema), ("limits", LimitsSchema),
                             ("engine", EngineSchema), ("plugins", PluginsSchema),
                             ("auth", AuthSchema), ("logging", LoggingSchema)):
            if isinstance(data[name], dict):  # the section was absent: its defaults
                data[name] = schema().load(data[name])
        data["data_dir"] = Path(data["data_dir"])
        return Config(**data)


def setting_names(schema: Schema | None = None, prefix: str = "") -> Iterator[str]:
    """Every setting as a dotted name, e.g. `server.port`, `auth.proxy_header.header`."""
    for name, schema_field in (schema or ConfigSchema()).fields.items():
        if isinstance(schema_field, fields.Nested):
            yield from setting_names(schema_field.nested(), f"{prefix}{name}.")
        else:
            yield prefix + name


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.replace(".", "_").upper()


def _setting_field(dotted: str) -> fields.Field:
    schema: Schema = ConfigSchema()
    *parents, leaf = dotted.split(".")
    for part in parents:
        schema = schema.fields[part].nested()
    return schema.fields[leaf]


def _env_value(setting: fields.Field, value: str) -> Any:
    if isinstance(setting, fields.Str):
        return value
    if isinstance(setting, fields.List) and not value.lstrip().startswith("["):
        return [item.strip() for item in value.split(",") if item.strip()]
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def _set_dotted(target: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = target.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{part}: must be a mapping of settings, not {type(node).__name__}")
        target = node
    target[leaf] = value


def describe_errors(messages: Mapping | list, prefix: str = "") -> str:
    """A marshmallow error mapping as one line of `dotted.key: message` parts."""
    return "; ".join(_flatten_errors(messages, prefix))


def _flatten_errors(messages: Mapping | list, prefix: str = "") -> list[str]:
    out = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            out += _flatten_errors(value, f"{prefix}{key}." if not isinstance(key, int) else f"{prefix}[{key}].")
    else:
        out.append(f"{prefix.rstrip('.')}: {' '.join(str(m) for m in messages)}")
    return out


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """File, then environment, then explicit overrides (dotted names, e.g. {"server.port": 9})."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of settings")
        raw = loaded or {}

    env = os.environ if env is None else env
    known = {env_name(s): s for s in setting_names()}
    for var, value in env.items():
        if not var.startswith(ENV_PREFIX) or var in ENV_NOT_SETTINGS:
            continue
        if var not in known:
            raise ConfigError(f"unknown environment setting {var}; known: {', '.join(sorted(known))}")
        # By the setting's type: text as given (a key "0123" must not become 83, a host "::"
        # stays a host), lists as YAML or comma-separated, other values as YAML scalars.
        _set_dotted(raw, known[var], _env_value(_setting_field(known[var]), value))
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(raw, dotted, value)

    try:
        return ConfigSchema().load(raw)
    except ValidationError as exc:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}: " + describe_errors(exc.messages)) from exc
