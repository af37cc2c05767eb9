"""Pluggable authenticators, through a real server: a third-party authenticator installed as a
distribution is picked by `auth.method` and its options are checked; a broken one stops start-up
naming it; a name may not be registered twice."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from qbot.app import create_app
from qbot.appkeys import LOG
from qbot.authenticators import EXAMINER_PATTERN
from qbot.config import ConfigError, load_config
from qbot.registry import PluginError
from tests.support import SEED_QUESTION, Api, install_plugin, step_body
from tests.test_process import free_port, qbot_env, run_cli


async def _answer(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, Any, Any]:
    async with session.request(method, url, **kw) as resp:
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, body, resp.headers


# -- a third-party authenticator -----------------------------------------------------------------

LAB_KEYS = '''
from marshmallow import Schema, fields
from qbot.authenticators import Refused


class Options(Schema):
    keys = fields.Dict(keys=fields.Str(), values=fields.Str(), required=True)
    header = fields.Str(load_default="X-Lab-Key")


class LabKeys:
    """An examiner's lab key in a header, mapped to their name by auth.options.keys."""

    options_schema = Options
    challenge = 'LabKey realm="qbot"'

    def __init__(self, options, auth):
        if not options["keys"]:
            raise ValueError("keys: at least one key")
        self.keys, self.header = options["keys"], options["header"]
        self.security_scheme = {"type": "apiKey", "in": "header", "name": self.header}

    def describe(self):
        return f"lab keys of {len(set(self.keys.values()))} examiners"

    async def authenticate(self, request):
        key = request.headers.get(self.header)
        if key is None:
            raise Refused(f"send your lab key in {self.header}")
        if key == "k-crash":
            raise RuntimeError("the key server is down")
        if key not in self.keys:
            raise Refused("not a lab key of this server", {"header": self.header},
                          challenge='LabKey realm="qbot", error="invalid_key"')
        return self.keys[key]
'''
LAB_OPTIONS = {"keys": {"k-alice": "alice", "k-bob": "bob", "k-nameless": "", "k-bad": "no such name"}}


def install_lab_keys(root: Path, name: str = "labkeys") -> Path:
    return install_plugin(root, "qbot_labkeys", {name: "qbot_labkeys:LabKeys"}, {"qbot_labkeys": LAB_KEYS},
                          group="qbot.authenticators")


@pytest.fixture
def lab_keys(tmp_path, monkeypatch) -> Path:
    root = install_lab_keys(tmp_path / "site-auth")
    monkeypatch.syspath_prepend(str(root))
    return root


async def test_a_third_party_authenticator_is_picked_by_method(lab_keys, start_qbot, echo_plugin, caplog):
    running = await start_qbot(auth__method="labkeys", auth__options=LAB_OPTIONS)
    async with aiohttp.ClientSession(headers={"X-Lab-Key": "k-alice"}) as a, \
            aiohttp.ClientSession(headers={"X-Lab-Key": "k-bob"}) as b:
        alice, bob = Api(a, running.base), Api(b, running.base)
        assert (await alice.flow("lab-1"))[2][-1].data["state"] == "completed"
        assert (await bob.get_json("/chat/conversation/lab-1"))[0] == 404
        assert (await bob.get_json("/chat/conversations"))[1]["conversations"] == []
        assert (await alice.get_json("/chat/conversation/lab-1"))[0] == 200

    session = running.api.session
    status, body, headers = await _answer(session, "GET", running.api.url("/cases"))
    assert (status, body["error"]["message"], headers["WWW-Authenticate"]) == \
        (401, "send your lab key in X-Lab-Key", 'LabKey realm="qbot"')
    status, body, headers = await _answer(session, "GET", running.api.url("/cases"), headers={"X-Lab-Key": "k-eve"})
    assert status == 401 and body["error"]["details"] == {"header": "X-Lab-Key"}
    assert headers["WWW-Authenticate"] == 'LabKey realm="qbot", error="invalid_key"'
    # A name that is no examiner's (the anonymous "" above all) never gets in; the plugin is blamed.
    caplog.set_level(logging.ERROR, logger="qbot.auth")
    for key in ("k-nameless", "k-bad"):
        status, body, _ = await _answer(session, "GET", running.api.url("/cases"), headers={"X-Lab-Key": key})
        assert status == 401 and body["error"]["details"] == {"accepted": EXAMINER_PATTERN}, key
    blamed = [r.getMessage() for r in caplog.records if r.name == "qbot.auth"]
    assert len(blamed) == 2 and all("authenticator 'labkeys' from qbot_labkeys 1.0" in m for m in blamed)
    # An authenticator that fails lets nothing in either.
    status, body, _ = await _answer(session, "POST", running.api.url("/chat/conversation/crash"),
                                    json=step_body("crash", -1, SEED_QUESTION), headers={"X-Lab-Key": "k-crash"})
    assert (status, body["error"]["code"]) == (500, "internal_error")
    assert await running.app[LOG].conversation("crash") is None

    async with session.get(f"{running.base}/openapi.json") as resp:
        doc = await resp.json()
    assert doc["components"]["securitySchemes"] == {"labkeys": {"type": "apiKey", "in": "header", "name": "X-Lab-Key"}}


@pytest.mark.parametrize(("overrides", "message"), [
    pytest.param({"auth.method": "nope"}, "auth.method: no authenticator 'nope' is installed; installed: bearer, "
                                          "labkeys", id="unknown-method"),
    pytest.param({"auth.method": "labkeys"}, "auth.options.keys: Missing data for required field.",
                 id="missing-option"),
    pytest.param({"auth.method": "labkeys", "auth.options": {**LAB_OPTIONS, "colour": "red"}},
                 "auth.options.colour: Unknown field.", id="unknown-option"),
    pytest.param({"auth.method": "labkeys", "auth.options": {"keys": []}}, "auth.options.keys: Not a valid mapping",
                 id="bad-option"),
    pytest.param({"auth.method": "labkeys", "auth.options": {"keys": {}}},
                 "auth.options: authenticator 'labkeys' (qbot_labkeys:LabKeys) from qbot_labkeys 1.0 refused its "
                 "configuration: keys: at least one key", id="refused-by-factory"),
])
def test_a_third_party_authenticators_options_are_checked(lab_keys, data_dir, overrides, message):
    config = load_config(env={}, overrides={"data_dir": str(data_dir), **overrides})
    with pytest.raises(ConfigError) as caught:
        create_app(config)
    assert message in str(caught.value)


_CLASS = "class A:\n    options_schema = None\n    challenge = 'A'\n    security_scheme = {'type': 'http', 'scheme': 'a'}\n"


@pytest.mark.parametrize(("module", "message"), [
    pytest.param("import not_a_module_anywhere\n", "failed to load: ModuleNotFoundError", id="import-error"),
    pytest.param("A = object()\n", "does not provide the authenticator interface", id="not-a-factory"),
    pytest.param(_CLASS + "    def __init__(self, options, auth):\n        raise RuntimeError('no directory')\n",
                 "failed to start: RuntimeError: no directory", id="factory-fails"),
    pytest.param(_CLASS + "    def __init__(self, options, auth): pass\n    def describe(self): return 'a'\n"
                          "    def authenticate(self, request): return 'alice'\n",
                 "authenticate must be a coroutine function", id="authenticate-not-async"),
    pytest.param(_CLASS.replace("'A'", "''") + "    def __init__(self, options, auth): pass\n"
                                              "    def describe(self): return 'a'\n"
                                              "    async def authenticate(self, request): return 'alice'\n",
                 "challenge must be a non-empty one-line str", id="no-challenge"),
])
def test_a_broken_authenticator_stops_start_up_naming_it(tmp_path, monkeypatch, data_dir, module, message):
    name = f"qbot_broken_auth_{uuid.uuid4().hex[:8]}"  # a module of its own: not one imported by another case
    root = install_plugin(tmp_path / "site", "qbot_broken_auth", {"broken": f"{name}:A"}, {name: module},
                          group="qbot.authenticators")
    monkeypatch.syspath_prepend(str(root))
    with pytest.raises(PluginError) as caught:
        create_app(load_config(env={}, overrides={"data_dir": str(data_dir), "auth.method": "broken"}))
    text = str(caught.value)
    assert f"authenticator 'broken' ({name}:A) from qbot_broken_auth 1.0" in text and message in text


def test_a_package_cannot_stand_in_for_a_builtin(tmp_path, monkeypatch, data_dir):
    monkeypatch.syspath_prepend(str(install_lab_keys(tmp_path / "site", name="bearer")))
    with pytest.raises(PluginError) as caught:
        create_app(load_config(env={}, overrides={"data_dir": str(data_dir), "auth.tokens": [
            {"examiner": "alice", "sha256": "a" * 64}]}))
    text = str(caught.value)
    assert "authenticator 'bearer' is registered more than once" in text
    assert "qbot.auth:BearerAuthenticator from qbot " in text and "qbot_labkeys:LabKeys from qbot_labkeys 1.0" in text


# -- qbot serve ----------------------------------------------------------------------------------

def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "auth.yaml"
    path.write_text(text, "utf-8")
    return path


def test_serve_with_a_broken_authenticator_exits_3_naming_it(tmp_path, data_dir):
    root = install_plugin(tmp_path / "site", "qbot_bad_auth", {"bad": "qbot_bad_auth_mod:A"},
                          {"qbot_bad_auth_mod": "raise ImportError('boom')\n"}, group="qbot.authenticators")
    config = _config(tmp_path, "auth:\n  method: bad\n")
    result = run_cli("serve", "--config", str(config), "--data-dir", str(data_dir), "--port", str(free_port()),
                     cwd=tmp_path, env=qbot_env(root))
    assert result.returncode == 3, result.stderr
    assert "authenticator 'bad'" in result.stderr and "qbot_bad_auth 1.0" in result.stderr and "boom" in result.stderr
