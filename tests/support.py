"""Test helpers: strict reading of SSE streams, a client for the v1 contract, and installing test-only
plugins as real distributions (a `*.dist-info` with `entry_points.txt` on sys.path)."""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from qbot.client.sse import SseReader

PREFIX = "/qbot/api/v1/generalsec-ai"
SEED_QUESTION = "请问机主最近与谁打电话比较频繁？"
ORIGIN = "http://localhost:9000"


def cannot_run_here(reason: str) -> None:
    """A test that needs what this machine lacks (Chromium, a tmpfs mount) skips, saying why;
    with REQUIRE_ALL_TESTS=1, as in CI, it fails instead."""
    if os.environ.get("REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"REQUIRE_ALL_TESTS=1 but {reason}")
    pytest.skip(f"{reason} (set REQUIRE_ALL_TESTS=1 to make this a failure)")


@dataclass
class Sse:
    id: int | None
    event: str
    data: Any


class SseParser:
    """qbot's streams read strictly: the client's reader (qbot.client.sse), then every id must be
    a number and every data JSON, or the test fails. Comments are kept, so heartbeats can be
    asserted."""

    def __init__(self) -> None:
        self.events: list[Sse] = []
        self.comments: list[str] = []
        self._reader = SseReader(on_comment=self.comments.append)

    def feed(self, chunk: bytes) -> list[Sse]:
        new = [Sse(int(e.last_id) if e.last_id else None, e.event, json.loads(e.data))
               for e in self._reader.feed(chunk)]
        self.events += new
        return new


async def read_sse(resp: aiohttp.ClientResponse, stop_after: int | None = None) -> SseParser:
    """Read a stream to its end (or until `stop_after` events)."""
    parser = SseParser()
    async for chunk in resp.content.iter_any():
        parser.feed(chunk)
        if stop_after is not None and len(parser.events) >= stop_after:
            break
    return parser


def step_body(cid: str, confirm_type: int, question: str, form: dict | None = None, case_id: str = "",
              package_nodes: list | None = None) -> dict:
    return {"question": question, "conversation_id": cid, "case_id": case_id, "confirm_type": confirm_type,
            "package_nodes": package_nodes or [], "confirm_form_data": form or {}}


class Api:
    """A client speaking the contract to a running server at `base`."""

    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session = session
        self.base = base.rstrip("/")

    def url(self, path: str) -> str:
        return f"{self.base}{PREFIX}{path}"

    async def step(self, cid: str, confirm_type: int, question: str, form: dict | None = None,
                   headers: dict | None = None, **kw: Any) -> tuple[int, Any, aiohttp.ClientResponse]:
        """POST a step; returns (status, list of Sse or the JSON refusal, response)."""
        hdrs = {"Accept": "text/event-stream", "Origin": ORIGIN, **(headers or {})}
        async with self.session.post(self.url(f"/chat/conversation/{cid}"),
                                     json=step_body(cid, confirm_type, question, form, **kw), headers=hdrs) as resp:
            if resp.status != 200:
                return resp.status, await resp.json(), resp
            return 200, (await read_sse(resp)).events, resp

    async def flow(self, cid: str, question: str = SEED_QUESTION, **kw: Any) -> list[list[Sse]]:
        """The seed's three steps, with the proposed form sent back unchanged."""
        status, first, _ = await self.step(cid, -1, question, **kw)
        assert status == 200, first
        status, second, _ = await self.step(cid, 0, "开始任务", **kw)
        assert status == 200, second
        form = next(e.data["form"] for e in second if e.event == "confirm")
        status, third, _ = await self.step(cid, 3, "继续任务", form, **kw)
        assert status == 200, (third, [(e.event, e.data) for e in second[-3:]])
        return [first, second, third]

    async def get_json(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.url(path)) as resp:
            return resp.status, await resp.json()


def install_plugin(root: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str],
                   group: str = "qbot.plugins") -> Path:
    """Write a distribution `dist` (version 1.0) with modules and entry points of `group` into
    `root`; put `root` on sys.path (or PYTHONPATH) and importlib.metadata finds it like any
    installed package."""
    root.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source), "utf-8")
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", "utf-8")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{group}]\n{lines}", "utf-8")
    return root


# A test-only handler, confirm_type 7: emits `count` messages of `size` characters, `delay`
# seconds apart; `fail` raises after the messages. Any state, so it can run at any time.
TEST_PLUGIN = '''
import asyncio
from marshmallow import Schema, fields
from qbot.events import message
from qbot.handlers import STATE_COMPLETED


class Form(Schema):
    count = fields.Int(load_default=3)
    size = fields.Int(load_default=10)
    delay = fields.Float(load_default=0.0)
    fail = fields.Bool(load_default=False)


class Echo:
    confirm_type = 7
    name = "echo"
    form_schema = Form
    allowed_states = None

    async def run(self, ctx):
        for i in range(ctx.form["count"]):
            yield message(f"{i}:" + "x" * ctx.form["size"])
            if ctx.form["delay"]:
                await asyncio.sleep(ctx.form["delay"])
        if ctx.form["fail"]:
            raise RuntimeError("echo was asked to fail")
        ctx.set_state(STATE_COMPLETED, {"echoed": ctx.form["count"]})


handler = Echo()
'''


def install_echo_plugin(root: Path) -> Path:
    return install_plugin(root, "qbot_echo", {"echo": "qbot_echo:handler"}, {"qbot_echo": TEST_PLUGIN})
