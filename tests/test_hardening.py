"""Crafted and careless input through the real server: requests from other origins and hosts
refused before any work, every malformed body a 400 in qbot's JSON (never a 5xx), aiohttp's own
parser refusals in the same shape, no versions in `Server`, and bounded header and body time."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import uuid

import pytest

from qbot.appkeys import LOG, METRICS
from tests.support import ORIGIN, PREFIX, SEED_QUESTION, read_sse, step_body


async def raw_exchange(qbot, data: bytes, *, close_after_write: bool = False, wait: float = 10) -> bytes:
    """`data` written as is to the server's socket; everything it answers until it closes."""
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)
    try:
        writer.write(data)
        await writer.drain()
        if close_after_write:
            return b""
        return await asyncio.wait_for(reader.read(), wait)
    finally:
        writer.close()


def request_bytes(body: bytes, *, headers: str = "", path: str = f"{PREFIX}/chat/conversation/raw-1") -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{headers}Connection: close\r\n\r\n")
    return head.encode() + body


def split_answer(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


async def conversations_in_log(qbot) -> list:
    return await qbot.app[LOG].conversations(50)


async def internal_errors(qbot) -> float:
    exposition = qbot.app[METRICS].exposition()[0].decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in exposition.splitlines()
               if line.startswith("qbot_refusals_total") and 'code="internal_error"' in line)


# -- other origins, other hosts, other media types -------------------------------------------

async def test_a_simple_cross_origin_post_is_refused_before_any_work(qbot):
    """What `fetch(url, {mode: "no-cors", method: "POST"})` sends from another site."""
    body = json.dumps(step_body("drive-by", -1, SEED_QUESTION))
    url = qbot.api.url("/chat/conversation/drive-by")
    async with qbot.api.session.post(url, data=body, headers={"Origin": "http://evil.example",
                                                              "Content-Type": "text/plain"}) as resp:
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in resp.headers
    # Without an Origin (a non-browser client, or an old browser), text/plain is still no JSON.
    async with qbot.api.session.post(url, data=body, headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 415
        error = (await resp.json())["error"]
        assert error["code"] == "unsupported_media_type" and "application/json" in error["message"]
    for origin in ("null", "http://localhost:9001", "https://localhost:9000"):
        async with qbot.api.session.post(url, json=step_body("drive-by", -1, SEED_QUESTION),
                                         headers={"Origin": origin}) as resp:
            assert resp.status == 403, origin
    stop = qbot.api.url("/chat/conversation/drive-by/stop")
    async with qbot.api.session.post(stop, headers={"Origin": "http://evil.example"}) as resp:
        assert resp.status == 403
    assert await conversations_in_log(qbot) == []


async def test_the_seed_front_end_and_the_servers_own_pages_are_served(qbot):
    own = qbot.base  # the console's origin: http://127.0.0.1:port
    for origin in (ORIGIN, own):
        cid = f"allowed-{uuid.uuid4().hex[:8]}"
        async with qbot.api.session.post(qbot.api.url(f"/chat/conversation/{cid}"),
                                         json=step_body(cid, -1, SEED_QUESTION), headers={"Origin": origin}) as resp:
            assert resp.status == 200, origin
            events = (await read_sse(resp)).events
        assert events[-1].event == "done" and any(e.event == "confirm" for e in events)


async def test_a_host_that_is_not_this_servers_is_refused_dns_rebinding(start_qbot):
    qbot = await start_qbot(server__allowed_hosts=["qbot.lab.example"])
    url = qbot.api.url("/chat/conversations")
    for host, status in (("evil.example", 403), ("evil.example:18808", 403), ("127.0.0.1.evil.example", 403),
                         ("", 403), ("localhost:1", 200), ("127.0.0.2", 200), ("[::1]:5", 200),
                         ("qbot.lab.example", 200), ("QBOT.lab.example:443", 200)):
        async with qbot.api.session.get(url, headers={"Host": host}) as resp:
            assert resp.status == status, host
            if status == 403:
                error = (await resp.json())["error"]
                assert error["code"] == "host_not_allowed" and "server.allowed_hosts" in error["message"]
    # A rebound page is same-origin with its own name: refused by its Host all the same.
    cid = "rebound"
    async with qbot.api.session.post(qbot.api.url(f"/chat/conversation/{cid}"), json=step_body(cid, -1, SEED_QUESTION),
                                     headers={"Host": "evil.example:18808", "Origin": "http://evil.example:18808"}) as resp:
        assert resp.status == 403
    assert await conversations_in_log(qbot) == []


# -- malformed bodies --------------------------------------------------------------------------

CRAFTED: list[tuple[str, bytes, str, int, str]] = [
    # name, body, extra headers, status, error code
    ("100,000 brackets", b"[" * 100_000, "", 400, "invalid_json"),
    ("a 980-deep form", json.dumps(step_body("raw-1", 3, "继续任务", {"filter_tree": "通话"}), ensure_ascii=False)
     .replace('"通话"', "[" * 980 + "]" * 980).encode(), "", 400, "invalid_json"),
    ("deep objects", b'{"a":' * 5000 + b"1" + b"}" * 5000, "", 400, "invalid_json"),
    ("a lone surrogate in filter_keyword",
     json.dumps(step_body("raw-1", 3, "继续任务", {"filter_tree": "通话", "filter_keyword": "\ud800x"}),
                ensure_ascii=True).encode(), "", 400, "invalid_request"),
    ("a lone surrogate in a key", b'{"question":"q","confirm_type":-1,"\\udfff":1}', "", 400, "invalid_request"),
    ("duplicate keys", b'{"question":"a","question":"b","confirm_type":-1}', "", 400, "invalid_json"),
    ("a key repeated in the form", b'{"question":"q","confirm_type":3,"confirm_form_data":{"filter_tree":"a",'
     b'"filter_tree":"b"}}', "", 400, "invalid_json"),
    ("a key repeated, once escaped", b'{"question":"a","\\u0071uestion":"b","confirm_type":-1}', "", 400, "invalid_json"),
    ("a key repeated beside its name as a value", b'{"question":"question","confirm_type":-1,"question":"b"}', "", 400,
     "invalid_json"),
    ("a raw NUL byte", b'{"question":"a\x00b","confirm_type":-1}', "", 400, "invalid_json"),
    ("invalid UTF-8", b'{"question":"\xff\xfe","confirm_type":-1}', "", 400, "invalid_json"),
    ("not gzip", b"this is not gzip", "Content-Encoding: gzip\r\n", 400, "invalid_body"),
    ("not deflate", b"\x00\x01\x02 nor deflate", "Content-Encoding: deflate\r\n", 400, "invalid_body"),
    ("a float confirm_type", b'{"question":"q","confirm_type":-1.0}', "", 400, "invalid_request"),
    ("a boolean confirm_type", b'{"question":"q","confirm_type":true}', "", 400, "invalid_request"),
    ("a huge confirm_type", b'{"question":"q","confirm_type":' + b"9" * 5000 + b"}", "", 400, "invalid_json"),
    ("a big confirm_type", b'{"question":"q","confirm_type":' + b"9" * 40 + b"}", "", 400, "unknown_confirm_type"),
    ("a string confirm_type", b'{"question":"q","confirm_type":"-1"}', "", 400, "invalid_request"),
    ("an array body", b"[1,2,3]", "", 400, "invalid_json"),
    ("an empty body", b"", "", 400, "invalid_json"),
    ("10 MB", b'{"question":"' + b"a" * 10_000_000 + b'"}', "", 413, "body_too_large"),
]


@pytest.mark.parametrize(("name", "body", "headers", "status", "code"), CRAFTED, ids=[c[0] for c in CRAFTED])
async def test_a_crafted_body_is_refused_with_json_never_a_5xx(qbot, name, body, headers, status, code):
    answer = await raw_exchange(qbot, request_bytes(body, headers=headers))
    got, response_headers, text = split_answer(answer)
    assert got == status, (name, text[:300])
    assert response_headers["content-type"].startswith("application/json")
    assert json.loads(text)["error"]["code"] == code, text[:300]
    assert await internal_errors(qbot) == 0
    async with qbot.api.session.get(f"{qbot.base}/healthz") as resp:
        assert resp.status == 200


async def test_a_valid_gzip_body_is_read(qbot):
    body = gzip.compress(json.dumps(step_body("gz-1", -1, SEED_QUESTION)).encode())
    status, _, text = split_answer(await raw_exchange(qbot, request_bytes(
        body, headers="Content-Encoding: gzip\r\n", path=f"{PREFIX}/chat/conversation/gz-1")))
    assert status == 200 and b"event: done" in text


@pytest.mark.parametrize("path", ["..%2F..%2Fetc", "a%00b", "%2e%2e", "a%0a", "x" * 65, "%ED%A0%80"])
async def test_crafted_ids_are_refused(qbot, path):
    status, headers, text = split_answer(await raw_exchange(qbot, request_bytes(
        json.dumps(step_body("", -1, SEED_QUESTION)).encode(), path=f"{PREFIX}/chat/conversation/{path}")))
    assert 400 <= status < 500 and headers["content-type"].startswith("application/json"), text[:200]
    assert await conversations_in_log(qbot) == []


# -- what aiohttp refuses itself ----------------------------------------------------------------

PARSER_REFUSALS = [
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\x00b\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello on the plain port
    b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde",
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
]


@pytest.mark.parametrize("data", PARSER_REFUSALS, ids=range(len(PARSER_REFUSALS)))
async def test_requests_http_cannot_parse_are_refused_in_qbots_shape(qbot, data, caplog):
    status, headers, text = split_answer(await raw_exchange(qbot, data))
    assert 400 <= status < 500, text[:200]
    assert headers["content-type"].startswith("application/json") and headers["server"] == "qbot"
    assert json.loads(text)["error"]["code"] in ("bad_request", f"http_{status}")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_server_header_names_no_versions(qbot):
    for path in ("/healthz", "/", "/no/such/route"):
        async with qbot.api.session.get(f"{qbot.base}{path}") as resp:
            assert resp.headers["Server"] == "qbot", path


# -- clients that leave or dawdle -------------------------------------------------------------

async def test_a_client_leaving_mid_body_is_no_error(qbot, caplog):
    body = json.dumps(step_body("half", -1, SEED_QUESTION)).encode()
    head = request_bytes(body)[: -len(body)]
    await raw_exchange(qbot, head + body[:10], close_after_write=True)
    await asyncio.sleep(0.3)
    assert await internal_errors(qbot) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await conversations_in_log(qbot) == []


async def test_slow_headers_and_idle_connections_are_closed(start_qbot):
    qbot = await start_qbot(server__idle_timeout=0.5)
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and the rest never comes
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
    writer.close()
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)  # says nothing at all
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_a_body_that_does_not_arrive_in_time_is_408(start_qbot):
    qbot = await start_qbot(server__body_timeout=0.5)
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)
    body = json.dumps(step_body("slow-body", -1, SEED_QUESTION)).encode()
    writer.write(request_bytes(body)[: -len(body) + 5])
    await writer.drain()
    status, _, text = split_answer(await asyncio.wait_for(reader.read(), 5))
    writer.close()
    assert status == 408 and json.loads(text)["error"]["code"] == "body_timeout"
    assert await conversations_in_log(qbot) == []


async def test_other_clients_are_served_while_crafted_input_arrives(qbot):
    async def attack() -> None:
        for _, body, headers, _, _ in CRAFTED[:10] * 3:
            await raw_exchange(qbot, request_bytes(body, headers=headers))
        for data in PARSER_REFUSALS * 3:
            await raw_exchange(qbot, data)

    flows = asyncio.gather(*(qbot.api.flow(f"meanwhile-{i}") for i in range(5)))
    _, done = await asyncio.gather(attack(), flows)
    assert all(third[-1].data["state"] == "completed" for _, _, third in done)
    assert await internal_errors(qbot) == 0
