"""Pluggable authenticators, through a real server: `proxy_header` believes a front proxy's header
only from a trusted peer, and refuses it from anyone else; a third-party authenticator installed as
a distribution is picked by `auth.method`; a broken one stops start-up naming it. Downstream,
ownership, case access lists and the per-examiner cap work as with bearer tokens (test_auth.py)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from qbot.app import create_app
from qbot.appkeys import LOG
from qbot.auth import peer_address
from qbot.authenticators import EXAMINER_PATTERN
from qbot.config import ConfigError, load_config
from qbot.registry import PluginError
from tests.support import (
    ORIGIN,
    PREFIX,
    SEED_QUESTION,
    Api,
    cannot_run_here,
    install_plugin,
    step_body,
)
from tests.test_process import Server, free_port, qbot_env, run_cli

HEADER = "X-Remote-User"
PROXY = {"auth__method": "proxy_header"}
UNTRUSTED_LOOPBACK = {**PROXY, "auth__proxy_header__trusted_proxies": ["10.0.0.0/8"]}  # 127.0.0.1 is not in it


def named(name: str) -> dict[str, str]:
    return {HEADER: name}


async def _answer(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, Any, Any]:
    async with session.request(method, url, **kw) as resp:
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, body, resp.headers


@pytest.fixture
async def proxied(start_qbot, echo_plugin):
    """qbot behind a front proxy on this machine (trusted: loopback, the default); a client as the
    proxy would forward each examiner's requests."""
    running = await start_qbot(**PROXY, turns__busy_policy="interrupt")
    sessions = [aiohttp.ClientSession(headers=named(n), timeout=aiohttp.ClientTimeout(total=60))
                for n in ("alice", "bob")]
    try:
        yield running, Api(sessions[0], running.base), Api(sessions[1], running.base)
    finally:
        for s in sessions:
            await s.close()


async def test_the_proxys_header_names_the_examiner_who_owns_their_conversations(proxied):
    running, alice, bob = proxied
    cid = str(uuid.uuid4())
    first, second, third = await alice.flow(cid)
    assert third[-1].data["state"] == "completed"
    status, mine = await alice.get_json(f"/chat/conversation/{cid}")
    assert status == 200 and len(mine["turns"]) == 3

    # Bob, named by the same proxy: 404 everywhere, as if it did not exist.
    status, body, _ = await bob.step(cid, -1, "别人的问题")
    assert (status, body["error"]["code"]) == (404, "conversation_not_found")
    for method, path in (("GET", f"/chat/conversation/{cid}"), ("GET", f"/chat/conversation/{cid}/events"),
                         ("POST", f"/chat/conversation/{cid}/stop"), ("DELETE", f"/chat/conversation/{cid}")):
        status, body, _ = await _answer(bob.session, method, bob.url(path))
        assert (status, body["error"]["code"]) == (404, "conversation_not_found"), (method, path)
    status, _, _ = await bob.step("bobs-own", 7, "echo", {"count": 1})
    assert status == 200
    assert [c["conversation_id"] for c in (await bob.get_json("/chat/conversations"))[1]["conversations"]] == ["bobs-own"]
    assert [c["conversation_id"] for c in (await alice.get_json("/chat/conversations"))[1]["conversations"]] == [cid]
    assert (await alice.get_json(f"/chat/conversation/{cid}"))[1] == mine
    # Header names are case-insensitive: the same examiner.
    status, body, _ = await _answer(running.api.session, "GET", alice.url(f"/chat/conversation/{cid}"),
                                    headers={HEADER.lower(): "alice"})
    assert status == 200


async def test_the_header_from_an_untrusted_peer_is_refused_and_logged(start_qbot, caplog):
    running = await start_qbot(**UNTRUSTED_LOOPBACK)
    api = running.api
    cid = str(uuid.uuid4())
    caplog.set_level(logging.WARNING, logger="qbot.auth")
    # Naming the examiner, and claiming to be forwarded from a trusted address, in every way there is.
    claims = {HEADER: "alice", "X-Forwarded-For": "10.0.0.5", "X-Real-IP": "10.0.0.5",
              "Forwarded": "for=10.0.0.5", "Authorization": "Bearer whatever"}
    status, body, resp = await api.step(cid, -1, SEED_QUESTION, headers=claims)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert "only through its authenticating front proxy" in body["error"]["message"]
    assert resp.headers["WWW-Authenticate"].startswith("ProxyHeader")
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN  # the browser can read the refusal
    warned = [r.getMessage() for r in caplog.records if r.name == "qbot.auth"]
    assert len(warned) == 1 and "from 127.0.0.1" in warned[0] and "'alice'" in warned[0], warned
    assert "trusted_proxies" in warned[0]

    # Without the header: the same refusal (nothing tells what would be believed), not logged.
    status, bare, _ = await api.step(cid, -1, SEED_QUESTION)
    assert status == 401 and bare == body
    for method, path in (("GET", "/cases"), ("GET", "/chat/conversations"), ("GET", f"/chat/conversation/{cid}")):
        status, refused, _ = await _answer(api.session, method, api.url(path), headers=claims)
        assert (status, refused) == (401, body), (method, path)
    assert len([r for r in caplog.records if r.name == "qbot.auth"]) == 4
    assert await running.app[LOG].conversation(cid) is None  # the refused steps created nothing

    # Open without an examiner: liveness, the contract, CORS preflights.
    assert (await _answer(api.session, "GET", f"{running.base}/healthz"))[0] == 200
    assert (await _answer(api.session, "GET", f"{running.base}/openapi.json"))[0] == 200
    status, _, headers = await _answer(api.session, "OPTIONS", api.url(f"/chat/conversation/{cid}"), headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_a_trusted_peer_must_name_one_valid_examiner(start_qbot):
    running = await start_qbot(**PROXY)
    session, url = running.api.session, running.api.url("/cases")
    status, body, headers = await _answer(session, "GET", url)
    assert status == 401 and f"sent no {HEADER} header" in body["error"]["message"]
    assert body["error"]["details"] == {"header": HEADER} and headers["WWW-Authenticate"].startswith("ProxyHeader")
    # A look-alike the proxy did not overwrite is not the header.
    status, body, _ = await _answer(session, "GET", url, headers={"X_Remote_User": "alice"})
    assert status == 401 and "sent no" in body["error"]["message"]
    # Twice: the proxy appended its own to the client's instead of replacing it.
    status, body, _ = await _answer(session, "GET", url, headers=[(HEADER, "mallory"), (HEADER, "alice")])
    assert status == 401 and "given 2 times" in body["error"]["message"]
    for bad in ("a b", "-alice", "alice,bob", ".", "x" * 65, "alice/../bob", "examiner名", "al\"ice"):
        status, body, _ = await _answer(session, "GET", url, headers=named(bad))
        assert status == 401, bad
        assert "is not an examiner's name: names are 1 to 64 letters" in body["error"]["message"], bad
        assert body["error"]["details"] == {"header": HEADER, "accepted": EXAMINER_PATTERN}
    for good in ("x" * 64, "alice.li@lab-2", "7"):
        assert (await _answer(session, "GET", url, headers=named(good)))[0] == 200, good


async def test_only_the_listed_examiners_and_case_access_lists(start_qbot):
    running = await start_qbot(**PROXY, auth__proxy_header__examiners=["alice", "bob"],
                               auth__cases={"demo": ["alice"]})
    async with aiohttp.ClientSession(headers=named("alice")) as a, aiohttp.ClientSession(headers=named("bob")) as b, \
            aiohttp.ClientSession(headers=named("carol")) as c:
        alice, bob, carol = Api(a, running.base), Api(b, running.base), Api(c, running.base)
        status, body = await carol.get_json("/cases")  # vouched for by the proxy, but not listed
        assert status == 401 and "'carol' may not use this server (auth.proxy_header.examiners)" in body["error"]["message"]
        assert [x["case_id"] for x in (await alice.get_json("/cases"))[1]["cases"]] == ["demo"]
        assert (await bob.get_json("/cases"))[1]["cases"] == []
        status, body, _ = await bob.step("bob-1", -1, SEED_QUESTION)
        assert (status, body["error"]["code"]) == (404, "case_not_found")
        assert (await alice.flow("alice-1"))[2][-1].data["state"] == "completed"


async def test_turns_per_examiner_are_capped(start_qbot, echo_plugin):
    running = await start_qbot(**PROXY, limits__max_turns_per_examiner=1)
    async with aiohttp.ClientSession(headers=named("alice")) as a, aiohttp.ClientSession(headers=named("bob")) as b:
        alice, bob = Api(a, running.base), Api(b, running.base)
        slow = asyncio.create_task(alice.step("a-1", 7, "echo", {"count": 20, "delay": 0.05}))
        await asyncio.sleep(0.3)
        status, body, _ = await alice.step("a-2", 7, "echo", {"count": 1})
        assert (status, body["error"]["code"]) == (429, "too_many_turns")
        status, events, _ = await bob.step("b-1", 7, "echo", {"count": 1})
        assert status == 200 and events[-1].data["state"] == "completed"
        assert (await slow)[1][-1].data["state"] == "completed"


async def test_the_contract_documents_the_proxy_header(proxied):
    running, _, _ = proxied
    async with running.api.session.get(f"{running.base}/openapi.json") as resp:
        doc = await resp.json()
    scheme = doc["components"]["securitySchemes"]
    assert list(scheme) == ["proxy_header"]
    assert (scheme["proxy_header"]["type"], scheme["proxy_header"]["in"], scheme["proxy_header"]["name"]) == \
        ("apiKey", "header", HEADER)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            api = path.startswith(PREFIX + "/")
            assert (operation.get("security") == [{"proxy_header": []}]) == api, (path, method)
            assert ("401" in operation["responses"]) == api


def test_peer_addresses_are_the_connections_own():
    assert peer_address(("127.0.0.1", 5000)) == "127.0.0.1"
    assert peer_address(("::ffff:10.1.2.3", 5000, 0, 0)) == "10.1.2.3"  # a dual-stack socket's IPv4 peer
    assert peer_address(("::1", 5000, 0, 0)) == "::1"
    assert peer_address(None) is None and peer_address("/run/qbot.sock") is None and peer_address(("", 0)) is None


async def test_a_dual_stack_listener_sees_ipv4_peers_as_ipv4(data_dir, aiohttp_server):
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::", 0))
    except OSError:
        cannot_run_here("no IPv6 on this machine")
    config = load_config(env={}, overrides={"data_dir": str(data_dir), "auth.method": "proxy_header",
                                            "auth.proxy_header.trusted_proxies": ["127.0.0.1"]})
    server = await aiohttp_server(create_app(config), host="::")
    async with aiohttp.ClientSession(headers=named("alice")) as session:
        async with session.get(f"http://127.0.0.1:{server.port}{PREFIX}/cases") as resp:
            assert resp.status == 200, await resp.text()  # peer ::ffff:127.0.0.1, believed as 127.0.0.1


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
    # The proxy header means nothing to it.
    assert (await _answer(session, "GET", running.api.url("/cases"), headers=named("alice")))[0] == 401
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
                                          "labkeys, proxy_header", id="unknown-method"),
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


@pytest.mark.parametrize(("builtin", "target", "settings"), [
    ("bearer", "qbot.auth:BearerAuthenticator", {"auth.tokens": [{"examiner": "alice", "sha256": "a" * 64}]}),
    ("proxy_header", "qbot.auth:ProxyHeaderAuthenticator", {"auth.method": "proxy_header"}),
])
def test_a_package_cannot_stand_in_for_a_builtin(tmp_path, monkeypatch, data_dir, builtin, target, settings):
    monkeypatch.syspath_prepend(str(install_lab_keys(tmp_path / "site", name=builtin)))
    with pytest.raises(PluginError) as caught:
        create_app(load_config(env={}, overrides={"data_dir": str(data_dir), **settings}))
    text = str(caught.value)
    assert f"authenticator '{builtin}' is registered more than once" in text
    assert f"{target} from qbot " in text and "qbot_labkeys:LabKeys from qbot_labkeys 1.0" in text


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


@pytest.mark.parametrize(("yaml_text", "host", "message"), [
    pytest.param("auth:\n  method: proxy_header\n", "0.0.0.0",
                 "0.0.0.0 is reachable from other machines, but only proxies on this machine are trusted "
                 "(auth.proxy_header.trusted_proxies: 127.0.0.1/32, ::1/128)", id="beyond-loopback-trusting-loopback"),
    pytest.param("auth:\n  method: proxy_header\n  proxy_header:\n    trusted_proxies: [10.0.0.2]\n", "127.0.0.1",
                 "127.0.0.1 takes connections from this machine only, but no loopback address is a trusted proxy "
                 "(auth.proxy_header.trusted_proxies: 10.0.0.2/32)", id="loopback-trusting-none-of-it"),
    pytest.param("auth:\n  method: proxy_header\n  proxy_header:\n    trusted_proxies: [0.0.0.0/0]\n", "127.0.0.1",
                 "auth.proxy_header.trusted_proxies.[0]: 0.0.0.0/0 trusts every address", id="trusting-everyone"),
])
def test_serve_refuses_a_proxy_it_could_never_hear(tmp_path, data_dir, yaml_text, host, message):
    result = run_cli("serve", "--config", str(_config(tmp_path, yaml_text)), "--data-dir", str(data_dir),
                     "--host", host, "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


async def test_serve_behind_a_proxy_may_listen_beyond_loopback(tmp_path, data_dir):
    config = _config(tmp_path, "auth:\n  method: proxy_header\n  proxy_header:\n"
                               "    trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n")
    server = Server(data_dir, None, "--config", str(config), "--host", "0.0.0.0")
    try:
        await server.ready()
        text = server.log.read_text()
        assert ("authentication on: examiners named by the front proxy in X-Remote-User, believed only from "
                "127.0.0.1/32, 10.0.0.0/8; each sees only its own conversations") in text, text
        assert "note: every host in 10.0.0.0/8 may name any examiner in X-Remote-User" in text
        assert "no authentication" not in text
        async with aiohttp.ClientSession() as session:
            assert (await _answer(session, "GET", f"{server.base}{PREFIX}/cases"))[0] == 401
            status, body, _ = await _answer(session, "GET", f"{server.base}{PREFIX}/cases", headers=named("alice"))
            assert status == 200 and [c["case_id"] for c in body["cases"]] == ["demo"]
            async with session.post(f"{server.base}{PREFIX}/chat/conversation/serve-1", headers=named("alice"),
                                    json=step_body("serve-1", -1, SEED_QUESTION)) as resp:
                assert resp.status == 200 and "event: done" in await resp.text()
    finally:
        assert server.kill(signal.SIGTERM) == 0
