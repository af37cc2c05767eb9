"""Settings: each declared once here (name, type, default, help, checks; `qbot.settings` derives the
schema), the `auth` section in `qbot.authconfig`; read from `config.yaml`, then overridden by
`QBOT_*` environment variables, then by command-line flags.

An unknown key or a value of the wrong type stops start-up with a message naming the key."""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError, validate

from qbot.authconfig import AuthConfig
from qbot.settings import declared, schema_of, setting

DEFAULT_PREFIX = "/qbot/api/v1/generalsec-ai"
ENV_PREFIX = "QBOT_"
# Environment variables with the prefix that are not settings: the config file's path, and the
# server and token of the `qbot ask` client.
ENV_NOT_SETTINGS = {"QBOT_CONFIG", "QBOT_SERVER", "QBOT_TOKEN"}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and what is accepted."""


def _at_least(low: float) -> validate.Range:
    return validate.Range(min=low)


@dataclass(frozen=True)
class ServerConfig:
    host: str = setting("127.0.0.1", help="address to listen on; loopback unless authentication is on (auth)")
    port: int = setting(18808, help="TCP port (the seed's front end uses 18808)", validate=validate.Range(0, 65535))
    prefix: str = setting(DEFAULT_PREFIX, help="route prefix of the API",
                          validate=validate.Regexp(r"^(/[A-Za-z0-9._-]+)+$", error="must look like /a/b/c"))
    cors_origins: tuple[str, ...] = setting(
        ("http://localhost:9000",), help="origins allowed to call the API from a browser, with credentials",
        each=validate.Regexp(r"^https?://[^*\s/]+$", error="must be an origin like http://host:port, never *"))
    allowed_hosts: tuple[str, ...] = setting(
        (), help="Host names accepted besides loopback ones (e.g. behind a proxy)",
        each=validate.Regexp(r"^(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])\Z",
                             error="must be a host name or address, without a port"))
    idle_timeout: float = setting(30.0, help="seconds a connection may wait before its request headers are complete",
                                  validate=_at_least(0.1))
    body_timeout: float = setting(30.0, help="seconds a request body may take to arrive", validate=_at_least(0.1))
    ping_interval: float = setting(15.0, help="seconds between ': ping' comments on an idle stream",
                                   validate=_at_least(0.05))
    shutdown_timeout: float = setting(10.0, help="seconds running turns get to finish on SIGTERM",
                                      validate=_at_least(0))
    allow_unauthenticated: bool = setting(False, help="listen beyond loopback although authentication is off")


@dataclass(frozen=True)
class TurnsConfig:
    on_disconnect: str = setting("continue", help="what a turn does when its client goes away",
                                 validate=validate.OneOf(["continue", "cancel"]))
    busy_policy: str = setting(
        "reject", help="a new step while a turn runs: refuse with 409, or cancel the running turn",
        validate=validate.OneOf(["reject", "interrupt"]))
    subscriber_buffer_bytes: int = setting(
        4 * 1024 * 1024, validate=_at_least(64 * 1024), help="bytes of events held for one client that reads "
        "slower than its turn writes; past it, its stream is closed")
    send_timeout: float = setting(30.0, help="seconds one write to a client may take", validate=_at_least(0.1))
    max_turn_seconds: float = setting(600.0, help="a turn running longer is ended as failed", validate=_at_least(1))


@dataclass(frozen=True)
class LimitsConfig:
    max_body_bytes: int = setting(256 * 1024, help="largest request body, in bytes", validate=_at_least(1024))
    max_question_chars: int = setting(2000, help="longest question", validate=_at_least(1))
    max_form_field_chars: int = setting(20000, help="longest text field of a form", validate=_at_least(1))
    max_package_nodes: int = setting(200, help="most entries in package_nodes", validate=_at_least(0))
    max_running_turns: int = setting(500, help="turns running at once in the server; more get 429 with Retry-After",
                                     validate=_at_least(1))
    max_turns_per_examiner: int = setting(20, help="turns one examiner may run at once; more get 429",
                                          validate=_at_least(1))
    slow_clients_bytes: int = setting(
        64 * 1024 * 1024, validate=_at_least(1024 * 1024),
        help="bytes held for all slow clients together; past it, the client holding the most is dropped")


@dataclass(frozen=True)
class EngineConfig:
    provider: str = setting(
        "builtin", help="who plans and writes the answers: builtin rules, or an OpenAI-compatible model",
        validate=validate.OneOf(["builtin", "openai"]))
    recent_days: int = setting(30, help="days that '最近' covers, up to the newest record", validate=_at_least(1))
    top_n: int = setting(10, help="rows in a ranking", validate=validate.Range(min=1, max=1000))
    base_url: str = setting(
        "", help="openai: the endpoint's base URL; qbot POSTs {base_url}/chat/completions",
        validate=validate.Regexp(r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
                                 error="must be an http(s) URL like http://127.0.0.1:8000/v1"))
    model: str = setting("", help="openai: the model name sent with each request")
    # a secret: never in repr, logs or events
    api_key: str = setting("", help="openai: bearer token; better given as QBOT_ENGINE_API_KEY; never logged",
                           repr=False)
    timeout: float = setting(60.0, help="openai: seconds to connect, to the first byte, and between streamed chunks",
                             validate=_at_least(0.05))
    retries: int = setting(2, help="openai: further attempts after a failed request, before the builtin answer",
                           validate=validate.Range(min=0, max=10))

    @staticmethod
    def validate_settings(data: dict[str, Any]) -> None:
        """Provider openai needs its endpoint and model."""
        if data["provider"] == "openai":
            missing = {key: ["required when provider is openai"] for key in ("base_url", "model") if not data[key]}
            if missing:
                raise ValidationError(missing)


@dataclass(frozen=True)
class LogConfig:
    # may carry a password: never in repr or logs
    url: str = setting(
        "", repr=False, validate=validate.Regexp(r"^((postgres|postgresql)://\S+)?$",
                                                 error="must be empty (SQLite) or a postgresql:// URL"),
        help="the conversation log: empty, SQLite in data_dir (one process); postgresql://user@host:port/db, "
             "PostgreSQL, which several instances share")
    lease_seconds: float = setting(
        15.0, validate=_at_least(0.5),
        help="PostgreSQL: seconds a running turn stays claimed by its instance between renewals; the turns of "
             "an instance that died are closed as interrupted this long after")


@dataclass(frozen=True)
class LoggingConfig:
    format: str = setting(
        "json", validate=validate.OneOf(["json", "text"]),
        help="json: one object a line with time, level, logger, message, conversation_id, turn_id; text: for people")
    level: str = setting("INFO", help="the least severe level written",
                         validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]))


@dataclass(frozen=True)
class PluginsConfig:
    disabled: tuple[str, ...] = setting((), help="entry-point names of handlers not to load")


@dataclass(frozen=True)
class Config:
    data_dir: Path = setting(Path("data"), help="folder of the conversation log and the evidence store")
    demo: bool = setting(True, help="build the demo case when the evidence store is empty")
    server: ServerConfig = field(default_factory=ServerConfig)
    turns: TurnsConfig = field(default_factory=TurnsConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    plugins: PluginsConfig = field(default_factory=PluginsConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    log: LogConfig = field(default_factory=LogConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    @property
    def log_db(self) -> Path:
        return self.data_dir / "qbot.db"

    @property
    def evidence_db(self) -> Path:
        return self.data_dir / "evidence.db"


# Each setting's type by its dotted name: how its environment variable is read.
SETTING_TYPES = {s.name: s.type for s in declared(Config)}


def setting_names() -> list[str]:
    """Every setting as a dotted name, e.g. `server.port`, `auth.proxy_header.header`."""
    return list(SETTING_TYPES)


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.replace(".", "_").upper()


def _env_value(kind: Any, value: str) -> Any:
    """By the setting's type: text as given (a key "0123" must not become 83, a host "::" stays
    a host), lists as YAML or comma-separated, other values as YAML scalars."""
    if kind in (str, Path):
        return value
    if typing.get_origin(kind) is tuple and not value.lstrip().startswith("["):
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
    known = {env_name(s): s for s in SETTING_TYPES}
    for var, value in env.items():
        if not var.startswith(ENV_PREFIX) or var in ENV_NOT_SETTINGS:
            continue
        if var not in known:
            raise ConfigError(f"unknown environment setting {var}; known: {', '.join(sorted(known))}")
        _set_dotted(raw, known[var], _env_value(SETTING_TYPES[known[var]], value))
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(raw, dotted, value)

    try:
        return schema_of(Config)().load(raw)
    except ValidationError as exc:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}: " + describe_errors(exc.messages)) from exc
