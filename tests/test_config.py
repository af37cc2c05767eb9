"""Settings: file, then QBOT_* environment, then flags; a wrong key or type stops start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbot.config import ConfigError, env_name, load_config, setting_names

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_yaml_loads_and_documents_every_key():
    config = load_config(ROOT / "config.yaml", env={})
    assert config.server.port == 18808 and config.server.prefix == "/qbot/api/v1/generalsec-ai"
    text = (ROOT / "config.yaml").read_text("utf-8")
    for name in setting_names():
        assert f"{name.split('.')[-1]}:" in text, f"config.yaml does not document {name}"


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


def test_client_variables_are_not_settings():
    """`qbot ask` reads $QBOT_SERVER and $QBOT_TOKEN: a server started from the same shell must not
    take them for unknown settings."""
    assert load_config(env={"QBOT_SERVER": "http://127.0.0.1:1", "QBOT_TOKEN": "t", "QBOT_CONFIG": "x"}) == \
        load_config(env={})
