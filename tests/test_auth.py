"""Bearer-token authentication and per-examiner ownership, through a real server: no token or a
wrong one is 401; another examiner's conversation answers 404 on every route, as if it did not
exist, and is absent from the list; with auth off nothing changes (the rest of the suite)."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import uuid
from typing import Any

import aiohttp
import pytest

from qbot.appkeys import RUNNER
from qbot.auth import examiner_for, new_token, token_hash
from qbot.config import ConfigError, load_config
from tests.support import ORIGIN, PREFIX, SEED_QUESTION, Api, read_sse, step_body
from tests.test_process import Server, free_port, qbot_env

ALICE, BOB = "alice-token-1", "bob-token-2"
TOKENS = [{"examiner": "alice", "sha256": token_hash(ALICE)}, {"examiner": "bob", "sha256": token_hash(BOB)}]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def examiners(start_qbot, echo_plugin):
    """A server with auth on, and a client for each examiner (and the server itself)."""
    running = await start_qbot(auth__tokens=TOKENS, turns__busy_policy="interrupt")
    sessions = [aiohttp.ClientSession(headers=bearer(t), timeout=aiohttp.ClientTimeout(total=60)) for t in (ALICE, BOB)]
    try:
        yield running, Api(sessions[0], running.base), Api(sessions[1], running.base)
    finally:
        for s in sessions:
            await s.close()


async def _status(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, Any]:
    async with session.request(method, url, **kw) as resp:
        return resp.status, (await resp.json() if resp.content_type == "application/json" else await resp.text())


async def test_no_token_or_a_wrong_one_is_401(examiners):
    running, alice, _ = examiners
    anonymous = running.api.session
    cid = str(uuid.uuid4())
    url = alice.url(f"/chat/conversation/{cid}")
    for headers in ({}, bearer("not-a-token"), {"Authorization": f"Basic {ALICE}"}, {"Authorization": "Bearer "},
                    {"Authorization": ALICE}):
        for method, path in (("GET", "/cases"), ("GET", "/chat/conversations"), ("GET", f"/chat/conversation/{cid}"),
                             ("DELETE", f"/chat/conversation/{cid}"), ("GET", "/no/such/route")):
            async with anonymous.request(method, alice.url(path), headers=headers) as resp:
                assert resp.status == 401, (headers, method, path)
                assert resp.headers["WWW-Authenticate"].startswith("Bearer")
                assert (await resp.json())["error"]["code"] == "unauthorized"
        async with anonymous.post(url, json=step_body(cid, -1, "问题"), headers={**headers, "Origin": ORIGIN}) as resp:
            assert resp.status == 401
            assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN  # the browser can read the refusal
    # Not refused: liveness, the contract, CORS preflights.
    async with anonymous.get(f"{running.base}/healthz") as resp:
        assert resp.status == 200
    async with anonymous.get(f"{running.base}/openapi.json") as resp:
        assert resp.status == 200
    async with anonymous.options(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "authorization,content-type"}) as resp:
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    # The refused requests created nothing.
    status, body = await alice.get_json(f"/chat/conversation/{cid}")
    assert status == 404


async def test_a_conversation_is_its_creators_alone(examiners):
    running, alice, bob = examiners
    cid = str(uuid.uuid4())
    _, second, _ = await alice.flow(cid)  # the seed's three steps work for its owner
    form = next(e.data["form"] for e in second if e.event == "confirm")
    status, mine = await alice.get_json(f"/chat/conversation/{cid}")
    assert status == 200 and len(mine["turns"]) == 3

    # Bob: 404 on every route, whatever the step, as if it did not exist.
    for confirm_type, question in ((-1, "别人的问题"), (0, "开始任务"), (3, "继续任务"), (7, "echo")):
        status, body, _ = await bob.step(cid, confirm_type, question, {3: form, 7: {"count": 1}}.get(confirm_type))
        assert (status, body["error"]["code"]) == (404, "conversation_not_found"), (confirm_type, body)
    status, body, _ = await bob.step(cid, -1, "别人的问题", headers={"Last-Event-ID": "1"})  # not a resume either
    assert status == 404
    for method, path in (("GET", f"/chat/conversation/{cid}"), ("GET", f"/chat/conversation/{cid}/events"),
                         ("POST", f"/chat/conversation/{cid}/stop"), ("DELETE", f"/chat/conversation/{cid}"),
                         ("PATCH", f"/chat/conversation/{cid}")):
        body = {"title": "改名"} if method == "PATCH" else None
        status, body = await _status(bob.session, method, bob.url(path), json=body)
        assert (status, body["error"]["code"]) == (404, "conversation_not_found"), (method, path)
    status, listed = await bob.get_json("/chat/conversations")
    assert status == 200 and listed == {"conversations": [], "next": None}

    # Alice's conversation is untouched, listed for her, and hers to delete.
    status, after = await alice.get_json(f"/chat/conversation/{cid}")
    assert after == mine
    status, listed = await alice.get_json("/chat/conversations")
    assert [c["conversation_id"] for c in listed["conversations"]] == [cid]
    async with alice.session.get(alice.url(f"/chat/conversation/{cid}/events"), headers={"Last-Event-ID": "0"}) as resp:
        assert resp.status == 200 and (await read_sse(resp)).events[0].id == 1
    status, body = await _status(alice.session, "DELETE", alice.url(f"/chat/conversation/{cid}"))
    assert status == 200
    # Deleted: 409 for its owner, still 404 for anyone else.
    status, body, _ = await alice.step(cid, -1, "再问")
    assert (status, body["error"]["code"]) == (409, "conversation_deleted")
    status, body, _ = await bob.step(cid, -1, "再问")
    assert (status, body["error"]["code"]) == (404, "conversation_not_found")


async def test_another_examiners_conversation_answers_exactly_as_an_unused_id(examiners):
    """Not one byte (status, headers, body) tells Bob that Alice's id exists. (A step that starts
    conversations, -1 or the echo plugin's 7, does: on an unused id it starts one. Ids are one
    namespace; docs/security.md says so.)"""
    running, alice, bob = examiners
    hers, unused = str(uuid.uuid4()), str(uuid.uuid4())
    _, second, _ = await alice.flow(hers)
    form = next(e.data["form"] for e in second if e.event == "confirm")

    async def answer(cid: str, method: str, path: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
        async with bob.session.request(method, bob.url(path.format(cid=cid)), **kw) as resp:
            headers = {k: v for k, v in resp.headers.items() if k != "Date"}
            return resp.status, headers, (await resp.read()).replace(cid.encode(), b"ID")

    conv = "/chat/conversation/{cid}"
    asks = [("POST", conv, {"json": step_body("", 0, "开始任务")}),
            ("POST", conv, {"json": step_body("", 3, "继续任务", form)}),
            ("POST", conv, {"json": step_body("", 3, "继续任务", form), "headers": {"Last-Event-ID": "5"}}),
            ("GET", conv, {}), ("GET", conv + "/events", {}), ("GET", conv + "/events?last_event_id=2", {}),
            ("GET", conv + "/citations?event=17&row=1", {}), ("GET", conv + "/citations?event=1&row=1", {}),
            ("GET", conv + "/report", {}), ("GET", conv + "/report?format=pdf", {}),
            ("POST", conv + "/stop", {}), ("DELETE", conv, {}), ("PATCH", conv, {"json": {"title": "改名"}})]
    for method, path, kw in asks:
        theirs, nobodys = await answer(hers, method, path, **kw), await answer(unused, method, path, **kw)
        assert theirs == nobodys, (method, path, kw)
        assert theirs[0] == 404


async def test_another_examiner_cannot_interrupt_or_stop_a_running_turn(examiners):
    running, alice, bob = examiners  # busy_policy interrupt: a step of the owner's would cancel
    cid = str(uuid.uuid4())
    url = alice.url(f"/chat/conversation/{cid}")
    async with alice.session.post(url, json=step_body(cid, 7, "echo", {"count": 4, "delay": 0.2}),
                                  headers={"Accept": "text/event-stream"}) as resp:
        assert resp.status == 200
        reading = asyncio.create_task(read_sse(resp))
        while cid not in running.app[RUNNER].running:
            await asyncio.sleep(0.02)
        status, body, _ = await bob.step(cid, 7, "echo", {"count": 1})
        assert (status, body["error"]["code"]) == (404, "conversation_not_found")
        status, body = await _status(bob.session, "POST", bob.url(f"/chat/conversation/{cid}/stop"))
        assert status == 404
        status, body = await _status(bob.session, "GET", bob.url(f"/chat/conversation/{cid}/events"))
        assert status == 404
        events = (await reading).events
    assert events[-1].event == "done" and events[-1].data["state"] == "completed", events[-1]
    assert sum(e.event == "message" for e in events) == 4


async def test_lists_and_pages_are_per_examiner(examiners):
    running, alice, bob = examiners
    mine = [f"a{i}" for i in range(3)]
    for cid in mine:
        status, _, _ = await alice.step(cid, 7, "echo", {"count": 1})
        assert status == 200
    status, _, _ = await bob.step("b0", 7, "echo", {"count": 1})
    assert status == 200
    status, page = await alice.get_json("/chat/conversations?limit=2")
    assert len(page["conversations"]) == 2 and page["next"]
    async with alice.session.get(alice.url("/chat/conversations"), params={"limit": "2", "before": page["next"]}) as resp:
        rest = await resp.json()
    assert rest["next"] is None
    assert sorted(c["conversation_id"] for c in page["conversations"] + rest["conversations"]) == mine
    status, theirs = await bob.get_json("/chat/conversations")
    assert [c["conversation_id"] for c in theirs["conversations"]] == ["b0"]


async def test_the_contract_documents_401_when_auth_is_on(examiners, start_qbot, tmp_path, demo_evidence):
    running, _, _ = examiners
    plain_dir = tmp_path / "plain"  # one server per data directory
    plain_dir.mkdir()
    shutil.copy(demo_evidence, plain_dir / "evidence.db")
    qbot = await start_qbot(data_dir=str(plain_dir))
    async with running.api.session.get(f"{running.base}/openapi.json") as resp:
        doc = await resp.json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            api = path.startswith(PREFIX + "/")
            assert ("401" in operation["responses"]) == api, (path, method)
            assert ("security" in operation) == api
    async with qbot.api.session.get(f"{qbot.base}/openapi.json") as resp:
        plain = await resp.json()  # auth off: no 401 documented
    assert "securitySchemes" not in plain["components"]
    assert all("401" not in op["responses"] for item in plain["paths"].values() for op in item.values())


def test_tokens_are_configured_hashed():
    config = load_config(env={}, overrides={"auth.tokens": TOKENS + [{"examiner": "alice", "sha256": token_hash("x").upper()}]})
    assert config.auth.enabled and config.auth.examiners == {"alice", "bob"}
    assert examiner_for(config.auth, BOB) == "bob" and examiner_for(config.auth, "x") == "alice"
    assert examiner_for(config.auth, "nope") is None
    assert ALICE not in repr(config) and token_hash(ALICE) not in repr(config)
    assert not load_config(env={}).auth.enabled
    token, digest = new_token()
    assert len(token) >= 40 and digest == token_hash(token)
    for tokens, message in (([{"examiner": "a", "sha256": ALICE}], "auth.tokens.[0].sha256"),
                            ([{"examiner": "a b", "sha256": token_hash(ALICE)}], "auth.tokens.[0].examiner"),
                            ([{"sha256": token_hash(ALICE)}], "auth.tokens.[0].examiner"),
                            (TOKENS + TOKENS[:1], "configured twice")):
        with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("[", r"\[")):
            load_config(env={}, overrides={"auth.tokens": tokens})


def test_token_command_prints_a_token_and_its_hash(tmp_path):
    result = subprocess.run([sys.executable, "-m", "qbot", "token", "carol"], cwd=tmp_path, env=qbot_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[0].rsplit(" ", 1)[1]
    assert f"examiner: carol\n      sha256: {token_hash(token)}" in result.stdout


async def test_serve_with_auth_may_listen_beyond_loopback(tmp_path, data_dir):
    port = free_port()
    env = qbot_env()
    env["QBOT_AUTH_TOKENS"] = f"[{{examiner: alice, sha256: {token_hash(ALICE)}}}]"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "qbot", "serve", "--data-dir", str(data_dir), "--host", "0.0.0.0",
                                 "--port", str(port)], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server.__new__(Server)  # reuse its readiness probe, on 127.0.0.1 only
    server.proc, server.log, server.base = proc, log, f"http://127.0.0.1:{port}"
    try:
        await server.ready()
        text = log.read_text()
        assert "authentication on: bearer tokens of 1 examiner (1 token)" in text, text
        assert "no authentication" not in text
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.base}{PREFIX}/cases") as resp:
                assert resp.status == 401
            async with session.get(f"{server.base}{PREFIX}/cases", headers=bearer(ALICE)) as resp:
                assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0


async def test_turns_per_examiner_are_capped(start_qbot, echo_plugin):
    running = await start_qbot(auth__tokens=TOKENS, limits__max_turns_per_examiner=1)
    async with aiohttp.ClientSession(headers=bearer(ALICE)) as a, aiohttp.ClientSession(headers=bearer(BOB)) as b:
        alice, bob = Api(a, running.base), Api(b, running.base)
        slow = asyncio.create_task(alice.step("a-1", 7, "echo", {"count": 20, "delay": 0.05}))
        await asyncio.sleep(0.3)
        status, body, resp = await alice.step("a-2", 7, "echo", {"count": 1})
        assert status == 429 and body["error"]["code"] == "too_many_turns" and resp.headers["Retry-After"] == "2"
        status, events, _ = await bob.step("b-1", 7, "echo", {"count": 1})  # another examiner is not held up
        assert status == 200 and events[-1].data["state"] == "completed"
        assert (await slow)[1][-1].data["state"] == "completed"
        status, _, _ = await alice.step("a-2", 7, "echo", {"count": 1})
        assert status == 200


async def test_a_case_with_an_access_list_is_invisible_to_others(start_qbot):
    running = await start_qbot(auth__tokens=TOKENS, auth__cases={"demo": ["alice"]})
    async with aiohttp.ClientSession(headers=bearer(ALICE)) as a, aiohttp.ClientSession(headers=bearer(BOB)) as b:
        alice, bob = Api(a, running.base), Api(b, running.base)
        assert [c["case_id"] for c in (await alice.get_json("/cases"))[1]["cases"]] == ["demo"]
        assert (await bob.get_json("/cases"))[1]["cases"] == []
        assert (await alice.get_json("/cases/demo/nodes"))[0] == 200
        for path in ("/cases/demo/nodes", "/cases/default/nodes"):
            status, body = await bob.get_json(path)
            assert status == 404 and body["error"]["code"] == "case_not_found"
            assert body["error"]["details"]["known_cases"] == []
        status, body, _ = await bob.step("bob-1", -1, SEED_QUESTION)  # "" = the default case: demo
        assert status == 404 and body["error"]["code"] == "case_not_found"
        first, second, third = await alice.flow("alice-1")
        assert third[-1].data["state"] == "completed"


def test_case_access_lists_name_examiners_with_tokens():
    with pytest.raises(ConfigError, match=r"auth.cases.demo: examiners \['zed'\] have no token"):
        load_config(env={}, overrides={"auth.tokens": TOKENS, "auth.cases": {"demo": ["alice", "zed"]}})
