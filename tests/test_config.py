"""Settings: file, then QBOT_* environment, then flags; a wrong key or type stops start-up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from qbot.config import Config, ConfigError, env_name, load_config, setting_names
from qbot.settings import declared, schema_of, setting

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_yaml_loads_and_documents_every_key():
    config = load_config(ROOT / "config.yaml", env={})
    assert config.server.port == 18808 and config.server.prefix == "/qbot/api/v1/generalsec-ai"
    documented = documented_keys((ROOT / "config.yaml").read_text("utf-8"))
    for name in setting_names():
        assert name in documented, f"config.yaml has no key {name}"
        assert documented[name], f"config.yaml: {name} has no comment above it"


def test_shipped_config_yaml_holds_the_defaults():
    """It says so at its top: a default changed in the code must be changed there too."""
    assert load_config(ROOT / "config.yaml", env={}) == load_config(env={})


def documented_keys(text: str) -> dict[str, bool]:
    """Each key's dotted path (by its indentation, as YAML nests it), and whether a comment line
    comes right above it or above the block of keys it opens with its siblings."""
    keys: dict[str, bool] = {}
    stack: list[tuple[int, str]] = []
    commented = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            commented = True
            continue
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("- ") or ":" not in stripped:
            continue  # an item of a list
        while stack and stack[-1][0] >= indent:
            stack.pop()
        name = stripped.split(":", 1)[0]
        stack.append((indent, name))
        keys[".".join(n for _, n in stack)] = commented
        commented = False
    return keys


def test_precedence_file_env_flags(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 1000\n  host: 127.0.0.2\nturns:\n  busy_policy: interrupt\n", "utf-8")
    config = load_config(path, env={"QBOT_SERVER_PORT": "2000", "QBOT_SERVER_CORS_ORIGINS": "[http://a:1, http://b]"},
                         overrides={"server.port": 3000})
    assert config.server.port == 3000  # the flag wins
    assert config.server.host == "127.0.0.2"  # from the file
    assert config.server.cors_origins == ("http://a:1", "http://b")  # from the environment
    assert config.turns.busy_policy == "interrupt"
    assert load_config(path, env={"QBOT_SERVER_PORT": "2000"}).server.port == 2000


@pytest.mark.parametrize(("yaml_text", "env", "message"), [
    pytest.param("server:\n  prot: 1\n", {}, "server.prot: Unknown field.", id="unknown-key"),
    pytest.param("sever: {}\n", {}, "sever: Unknown field.", id="unknown-section"),
    pytest.param("server:\n  port: http\n", {}, "server.port: Not a valid integer.", id="wrong-type"),
    pytest.param("turns:\n  on_disconnect: maybe\n", {}, "turns.on_disconnect: Must be one of: continue, cancel",
                 id="not-one-of"),
    pytest.param("server:\n  cors_origins: ['*']\n", {}, "server.cors_origins.[0]", id="cors-star"),
    pytest.param("", {"QBOT_SERVER_PROT": "1"}, "unknown environment setting QBOT_SERVER_PROT", id="unknown-env"),
    pytest.param("", {"QBOT_TURNS_SEND_TIMEOUT": "soon"}, "turns.send_timeout", id="env-wrong-type"),
    pytest.param("- a list\n", {}, "the top level must be a mapping", id="not-a-mapping"),
    pytest.param("server: [\n", {}, "is not valid YAML", id="bad-yaml"),
    pytest.param("auth:\n  method: 'a b'\n", {}, "auth.method: must be bearer or proxy_header, or the name of an "
                 "installed qbot.authenticators entry point", id="auth-method"),
    pytest.param("auth:\n  proxy_header:\n    hedaer: X-User\n", {}, "auth.proxy_header.hedaer: Unknown field.",
                 id="auth-proxy-header-unknown-key"),
    pytest.param("auth:\n  proxy_header:\n    header: X_Remote_User\n", {},
                 "auth.proxy_header.header: must be an HTTP header name of letters, digits and '-'",
                 id="auth-proxy-header-underscore"),
    pytest.param("", {"QBOT_AUTH_PROXY_HEADER_HEADER": "X-Forwarded-For"},
                 "auth.proxy_header.header: X-Forwarded-For carries something else", id="auth-proxy-header-reserved"),
    pytest.param("auth:\n  proxy_header:\n    trusted_proxies: [10.0.0.1/8]\n", {},
                 "auth.proxy_header.trusted_proxies.[0]: must be an IP address or network like 10.0.0.2, "
                 "10.0.0.0/24 or ::1 (10.0.0.1/8 has host bits set)", id="auth-trusted-host-bits"),
    pytest.param("", {"QBOT_AUTH_PROXY_HEADER_TRUSTED_PROXIES": "10.0.0.2, proxy.lan"},
                 "auth.proxy_header.trusted_proxies.[1]: must be an IP address", id="auth-trusted-not-an-address"),
    pytest.param("auth:\n  proxy_header:\n    trusted_proxies: ['::/0']\n", {},
                 "auth.proxy_header.trusted_proxies.[0]: ::/0 trusts every address", id="auth-trusted-everyone"),
    pytest.param("auth:\n  proxy_header:\n    trusted_proxies: []\n", {},
                 "auth.proxy_header.trusted_proxies: must name at least one proxy address", id="auth-trusted-none"),
    pytest.param("auth:\n  proxy_header:\n    examiners: [alice, 'b b']\n", {},
                 "auth.proxy_header.examiners.[1]: must be 1 to 64 letters", id="auth-examiners"),
    pytest.param("auth:\n  method: proxy_header\n  tokens: [{examiner: a, sha256: " + "a" * 64 + "}]\n", {},
                 "auth.tokens: bearer tokens are configured but auth.method is proxy_header", id="auth-tokens-unused"),
    pytest.param("auth:\n  options: {realm: lab}\n", {}, "auth.options: auth.method bearer takes no options",
                 id="auth-options-builtin"),
    pytest.param("auth:\n  method: proxy_header\n  proxy_header: {examiners: [alice]}\n  cases: {demo: [alice, zed]}\n",
                 {}, "auth.cases.demo: examiners ['zed'] are not in auth.proxy_header.examiners",
                 id="auth-cases-unlisted-examiner"),
])
def test_errors_name_the_key(tmp_path, yaml_text, env, message):
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env)
    assert message in str(caught.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(Path("/nonexistent/qbot.yaml"), env={})


def test_env_names():
    assert env_name("server.port") == "QBOT_SERVER_PORT" and env_name("data_dir") == "QBOT_DATA_DIR"


def test_environment_values_follow_the_setting_type():
    config = load_config(env={"QBOT_SERVER_HOST": "::", "QBOT_DATA_DIR": "2024",
                              "QBOT_SERVER_CORS_ORIGINS": "http://a:1, http://b", "QBOT_SERVER_PORT": "9",
                              "QBOT_DEMO": "false"})
    assert config.server.host == "::" and str(config.data_dir) == "2024"  # text stays text
    assert config.server.cors_origins == ("http://a:1", "http://b")  # comma-separated list
    assert config.server.port == 9 and config.demo is False


def test_proxy_header_settings_load_normalised():
    config = load_config(env={"QBOT_AUTH_METHOD": "proxy_header",
                              "QBOT_AUTH_PROXY_HEADER_TRUSTED_PROXIES": "10.0.0.2, fd00::/8 ,::1",
                              "QBOT_AUTH_PROXY_HEADER_HEADER": "X-Forwarded-User"})
    proxy = config.auth.proxy_header
    assert config.auth.enabled and config.auth.method == "proxy_header"
    assert proxy.trusted_proxies == ("10.0.0.2/32", "fd00::/8", "::1/128") and proxy.header == "X-Forwarded-User"
    mapped = load_config(env={}, overrides={"auth.proxy_header.trusted_proxies": ["::ffff:127.0.0.1"]})
    assert mapped.auth.proxy_header.trusted_proxies == ("127.0.0.1/32",)  # as peers are compared: IPv4
    defaults = load_config(env={}).auth
    assert not defaults.enabled and defaults.method == "bearer"  # no tokens: off, as before
    assert defaults.proxy_header.trusted_proxies == ("127.0.0.1/32", "::1/128")
    assert load_config(env={"QBOT_AUTH_METHOD": "proxy_header"}).auth.cases == {}
    # With no list of examiners, a case may name anyone the proxy might.
    assert load_config(env={}, overrides={"auth.method": "proxy_header",
                                          "auth.cases": {"demo": ["zed"]}}).auth.cases == {"demo": ["zed"]}


def test_client_variables_are_not_settings():
    """`qbot ask` reads $QBOT_SERVER and $QBOT_TOKEN: a server started from the same shell must not
    take them for unknown settings."""
    assert load_config(env={"QBOT_SERVER": "http://127.0.0.1:1", "QBOT_TOKEN": "t", "QBOT_CONFIG": "x"}) == \
        load_config(env={})


def leaf_names(section: object, prefix: str = "") -> list[str]:
    """The dotted names of a config object's fields that are not sections, read from the object."""
    names = []
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            names += leaf_names(value, f"{prefix}{f.name}.")
        else:
            names.append(prefix + f.name)
    return names


def test_every_field_is_a_declared_setting_the_loader_takes():
    """The docs, config.yaml and environment tests all read `declared(Config)`: each field of the
    config objects is a setting there, with its help, and its declared default, given to the
    loader as a flag (a path as text), loads back to itself."""
    settings = list(declared(Config))
    assert [s.name for s in settings] == leaf_names(load_config(env={})) == setting_names()
    defaults = load_config(env={})
    for s in settings:
        assert s.help, f"{s.name} has no help"
        given = str(s.default) if isinstance(s.default, Path) else s.default
        assert load_config(env={}, overrides={s.name: given}) == defaults, s.name


def test_a_field_not_declared_as_a_setting_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Section:
        size: int = 3

    with pytest.raises(TypeError, match=r"Section.size: declare it with setting\(default, help=...\)"):
        schema_of(Section)
    with pytest.raises(TypeError, match="a setting needs its help"):
        setting(3, help=" ")
