"""`qbot ask` as a real process against a real server on a port: the seed's flow end to end, the
filter form edited in a (scripted) $EDITOR, refusals, authentication, Ctrl-C, a stream cut
mid-turn, output to pipes and to a terminal, and the records behind each row (`--citations`)."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import signal
import sys
import textwrap
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from hypothesis import given, settings, strategies as st
from yarl import URL

from qbot.client.form import form_text, parse_form
from qbot.client.session import ServerEvent
from qbot.client.sse import SseEvent
from qbot.auth import token_hash
from qbot.contract import MAX_PAGE
from tests.support import PREFIX, SEED_QUESTION, install_plugin, read_sse
from tests.test_citations import LISTING_QUESTION, TOTAL_QUESTION, cite_all, truth
from tests.test_process import free_port, qbot_env

CID = re.compile(r"conversation ([0-9a-f-]{36}) at ")
RULE = re.compile(r"-+(?:  -+)*")
SEED_ONLY_CALL_LOG = "为了分析机主的通讯行为，需要检索基本信息类别下信息应用的通话记录"


async def ask(base: str | None, *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes = b"",
              timeout: float = 60) -> tuple[int, str, str]:
    """Run `qbot ask` to its end (with `--server base` unless None); returns (exit code, stdout, stderr)."""
    server = ("--server", base) if base is not None else ()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qbot", "ask", *args, *server, cwd=cwd, env={**qbot_env(), **(env or {})},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")


def conversation_id(stderr: str) -> str:
    found = CID.search(stderr)
    assert found, stderr
    return found.group(1)


async def logged_events(qbot, cid: str, headers: dict | None = None) -> list:
    """Every event the server logged for the conversation, from the API itself."""
    async with qbot.api.session.get(qbot.api.url(f"/chat/conversation/{cid}/events"),
                                    headers={"Last-Event-ID": "0", **(headers or {})}) as resp:
        assert resp.status == 200, await resp.text()
        return (await read_sse(resp)).events


def _cols(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _slice(line: str, start: int, end: int) -> str:
    """The characters of `line` between two display columns."""
    out, col = [], 0
    for ch in line:
        if start <= col < end:
            out.append(ch)
        col += _cols(ch)
    return "".join(out)


def printed_table(stdout: str, rows: int) -> tuple[list[str], list[list[str]], list[tuple[int, int]]]:
    """The table `qbot ask` printed, cut along the columns of its dashed rule: a cell that is not
    exactly under its dashes (e.g. padded by characters instead of display columns) comes out wrong."""
    lines = stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if RULE.fullmatch(line))
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[at])]
    header = [_slice(lines[at - 1], a, b).strip() for a, b in spans]
    body = [[_slice(line, a, b) for a, b in spans] for line in lines[at + 1:at + 1 + rows]]
    return header, body, spans


def assert_table_matches(stdout: str, result: dict[str, Any]) -> None:
    header, body, _ = printed_table(stdout, len(result["rows"]))
    assert header == result["columns"]
    for printed, row in zip(body, result["rows"], strict=True):
        assert [cell.strip() for cell in printed] == ["" if v is None else str(v) for v in row]
        for cell, value in zip(printed, row):
            if isinstance(value, int):  # numbers end at their column's right edge
                assert cell == cell.rstrip(), (cell, value)


def turn_text(events: list, first_id: int, last_id: int) -> str:
    return "".join(e.data["delta"] for e in events if e.event == "message" and first_id <= e.id <= last_id)


async def test_seed_question_end_to_end_with_yes(qbot, tmp_path):
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", cwd=tmp_path)
    assert code == 0, err
    cid = conversation_id(err)
    events = await logged_events(qbot, cid)
    result = next(e.data for e in events if e.event == "result")
    assert_table_matches(out, result)
    assert result["rows"][0][1] in out and f"摘要：{result['summary']}" in out
    for source in result["sources"]:
        assert f"{source['file']}  sha256 {source['sha256']}" in out
    # Every message of the three turns, as the server sent it, in order, once.
    starts = [e.id for e in events if e.event == "start"] + [events[-1].id + 1]
    texts = [turn_text(events, a, b - 1) for a, b in zip(starts, starts[1:])]
    assert len(texts) == 3
    position = 0
    for text in texts:
        found = out.index(text, position)
        assert out.count(text) == 1
        position = found + len(text)
    # The proposed form was shown, and sent back unchanged.
    proposed = next(e.data["form"] for e in events if e.event == "confirm" and e.data["confirm_type"] == 3)
    assert f"filter_tree: {proposed['filter_tree']}" in out
    status, conv = await qbot.api.get_json(f"/chat/conversation/{cid}")
    assert conv["state"] == "completed" and [t["confirm_type"] for t in conv["turns"]] == [-1, 0, 3]
    assert conv["pending_form"] == proposed
    # Piped: status events are plain lines on stderr, and nothing is terminal control.
    assert "qbot ask: [plan] 理解问题 50%" in err.splitlines()
    assert "\x1b" not in out + err and "\r" not in out + err


async def test_without_yes_it_asks_and_an_answer_of_no_stops(qbot, tmp_path):
    code, out, err = await ask(qbot.base, SEED_QUESTION, cwd=tmp_path, stdin=b"n\n")
    assert code == 1
    assert "开始任务? [Y/n]" in err and "not started" in err
    status, conv = await qbot.api.get_json(f"/chat/conversation/{conversation_id(err)}")
    assert conv["state"] == "awaiting_start" and len(conv["turns"]) == 1

    # Yes to the start, then end of input at the form: taken as no, with the hint.
    code, out, err = await ask(qbot.base, SEED_QUESTION, cwd=tmp_path, stdin=b"y\n")
    assert code == 1
    assert "继续任务? [Y/n]" in err and "pass --yes" in err
    status, conv = await qbot.api.get_json(f"/chat/conversation/{conversation_id(err)}")
    assert conv["state"] == "awaiting_filter"


async def test_a_question_asked_back_is_answered_by_number(qbot, tmp_path):
    """"老王" fits two people: qbot ask lists the readings and sends the one picked (confirm_type 1);
    with --yes it picks none and says so."""
    code, out, err = await ask(qbot.base, "老王最近一个月给机主打了几次电话？", "--yes", cwd=tmp_path)
    assert code == 1 and "several readings" in err
    status, conv = await qbot.api.get_json(f"/chat/conversation/{conversation_id(err)}")
    assert conv["state"] == "awaiting_choice"

    code, out, err = await ask(qbot.base, "老王最近一个月给机主打了几次电话？", cwd=tmp_path, stdin=b"9\n1\nn\n")
    assert "which reading (1-2)?" in err and "please answer a number from 1 to 2" in err
    cid = conversation_id(err)
    events = await logged_events(qbot, cid)
    clarify = next(e.data for e in events if e.event == "clarify")
    picked = clarify["choices"][0]["label"].split("（")[0]
    assert picked in out  # the picked reading's plan names the person
    status, conv = await qbot.api.get_json(f"/chat/conversation/{cid}")
    assert conv["state"] == "awaiting_start" and [t["confirm_type"] for t in conv["turns"]] == [-1, 1]
    plan = next(e.data["plan"] for e in events if e.event == "confirm")
    assert plan["query"]["people"] == [picked] and plan["query"]["direction"] == "in"


# A fake $EDITOR: keeps a copy of what it was given, then edits the file as a person would,
# line by line, replacing the filter_tree line. Each run takes the next of its scripted edits.
EDITOR = r'''
import json, pathlib, sys
path = pathlib.Path(sys.argv[1])
here = pathlib.Path(__file__).parent
runs = sorted(here.glob("seen-*.yaml"))
text = path.read_text("utf-8")
(here / f"seen-{len(runs)}.yaml").write_text(text, "utf-8")
edits = json.loads((here / "edits.json").read_text("utf-8"))
edit = edits[min(len(runs), len(edits) - 1)]
if edit["mode"] == "filter_tree":
    lines = [f"filter_tree: {edit['value']}" if line.startswith("filter_tree:") else line for line in text.split("\n")]
    path.write_text("\n".join(lines), "utf-8")
elif edit["mode"] == "replace":
    path.write_text(edit["value"], "utf-8")
sys.exit(edit.get("exit", 0))
'''


def fake_editor(folder: Path, *edits: dict[str, Any]) -> dict[str, str]:
    folder.mkdir()
    (folder / "editor.py").write_text(EDITOR, "utf-8")
    (folder / "edits.json").write_text(json.dumps(list(edits), ensure_ascii=False), "utf-8")
    return {"EDITOR": f"{sys.executable} {folder / 'editor.py'}", "VISUAL": ""}


async def test_edit_changes_the_filter_in_editor(qbot, tmp_path):
    env = fake_editor(tmp_path / "ed", {"mode": "filter_tree", "value": SEED_ONLY_CALL_LOG})
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--edit", cwd=tmp_path, env=env)
    assert code == 0, err
    cid = conversation_id(err)
    events = await logged_events(qbot, cid)
    proposed = next(e.data["form"] for e in events if e.event == "confirm" and e.data["confirm_type"] == 3)

    # The editor got the proposed form, documented, and it reads back exactly (round trip).
    given_text = (tmp_path / "ed" / "seen-0.yaml").read_text("utf-8")
    assert given_text.startswith("# qbot ask: the filter form of conversation") and cid in given_text
    assert yaml.safe_load(given_text) == {k: v for k, v in proposed.items() if k != "formName"}

    # The edit took effect: the server got it, and read only the phone's call log.
    status, conv = await qbot.api.get_json(f"/chat/conversation/{cid}")
    assert conv["pending_form"] == {**proposed, "filter_tree": SEED_ONLY_CALL_LOG}
    result = next(e.data for e in events if e.event == "result")
    assert result["scope"] == ["基本信息/电话/通话记录"]
    assert_table_matches(out, result)
    assert "数据节点：基本信息/电话/通话记录\n" in out
    assert f"修改后的数据筛选条件：\nfilter_tree: {SEED_ONLY_CALL_LOG}" in out


@pytest.mark.parametrize(("content", "message"), [
    pytest.param("filter_tree: [not closed\n", "the form is not valid YAML at line 2", id="not-yaml"),
    pytest.param("filter_tree: x\nfilter_keyword: ''\nanalysis_prompt: ''\nmood: calm\n",
                 "unknown key(s) mood; its keys are filter_tree, filter_keyword, analysis_prompt", id="unknown-key"),
    pytest.param("filter_tree: x\n", "missing key(s) filter_keyword, analysis_prompt", id="missing-keys"),
    pytest.param("filter_tree: ''\nfilter_keyword: ''\nanalysis_prompt: ''\n", "filter_tree is empty",
                 id="empty-filter-tree"),
    pytest.param("filter_tree: x\nfilter_keyword: 110\nanalysis_prompt: ''\n",
                 "filter_keyword must be text, not int 110; put it in quotes", id="number"),
    pytest.param("- filter_tree\n", "the form must be a mapping of filter_tree, filter_keyword, analysis_prompt",
                 id="a-list"),
])
async def test_broken_form_is_refused_with_the_reason(qbot, tmp_path, content, message):
    env = fake_editor(tmp_path / "ed", {"mode": "replace", "value": content})
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--edit", cwd=tmp_path, env=env, stdin=b"n\n")
    assert code == 1
    assert message in err and "重新编辑? [Y/n]" in err and "the form was not sent" in err
    status, conv = await qbot.api.get_json(f"/chat/conversation/{conversation_id(err)}")
    assert conv["state"] == "awaiting_filter" and len(conv["turns"]) == 2  # nothing was sent


async def test_broken_form_can_be_edited_again(qbot, tmp_path):
    env = fake_editor(tmp_path / "ed", {"mode": "replace", "value": "filter_tree: [oops\n"},
                      {"mode": "replace", "value": f"filter_tree: {SEED_ONLY_CALL_LOG}\nfilter_keyword:\n"
                                                   "analysis_prompt: |\n  只统计通话次数\n"})
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--edit", cwd=tmp_path, env=env, stdin=b"y\n")
    assert code == 0, err
    assert "not valid YAML" in err
    # The second run of the editor was given the examiner's broken text to fix, not the proposal.
    assert (tmp_path / "ed" / "seen-1.yaml").read_text("utf-8") == "filter_tree: [oops\n"
    status, conv = await qbot.api.get_json(f"/chat/conversation/{conversation_id(err)}")
    assert conv["state"] == "completed"
    assert conv["pending_form"] == {"formName": "filter", "filter_tree": SEED_ONLY_CALL_LOG, "filter_keyword": "",
                                    "analysis_prompt": "只统计通话次数\n"}


@pytest.mark.parametrize(("content", "editor_failed"), [
    pytest.param("# nothing but a comment\n", False, id="emptied"),
    pytest.param(None, True, id="editor-failed"),
])
async def test_emptied_form_or_failed_editor_cancels(qbot, tmp_path, content, editor_failed):
    edit = {"mode": "replace", "value": content} if content is not None else {"mode": "keep", "exit": 1}
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--edit", cwd=tmp_path,
                               env=fake_editor(tmp_path / "ed", edit))
    assert code == 1 and "the form was not sent" in err
    assert ("exited with status 1" in err) is editor_failed


async def test_refusal_prints_the_message_and_exits_5(qbot, tmp_path):
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--case", "no-such-case", cwd=tmp_path)
    assert code == 5
    assert "refused (404 case_not_found): no case 'no-such-case'; known cases: ['demo']" in err
    assert out == ""


async def test_authentication(start_qbot, tmp_path):
    qbot = await start_qbot(auth__tokens=[{"examiner": "alice", "sha256": token_hash("alice-secret")}])
    for extra, env in ((["--token", "wrong"], {}), ([], {})):
        code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", *extra, cwd=tmp_path, env=env)
        assert code == 5
        assert "refused (401 unauthorized)" in err and "--token or $QBOT_TOKEN" in err
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", cwd=tmp_path, env={"QBOT_TOKEN": "alice-secret"})
    assert code == 0, err
    events = await logged_events(qbot, conversation_id(err), {"Authorization": "Bearer alice-secret"})
    assert_table_matches(out, next(e.data for e in events if e.event == "result"))


async def test_unreachable_server_is_named(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = await ask(url, SEED_QUESTION, "--yes", cwd=tmp_path)
    assert code == 6
    assert f"cannot reach the server: POST {url}{PREFIX}/chat/conversation/" in err


@pytest.mark.parametrize(("server", "message"), [
    pytest.param("ftp://127.0.0.1:1", "--server 'ftp://127.0.0.1:1' is not an http(s) URL", id="scheme"),
    pytest.param("127.0.0.1:18808", "is not an http(s) URL; give one like http://127.0.0.1:18808", id="no-scheme"),
])
async def test_bad_server_url_is_usage_error(tmp_path, server, message):
    code, out, err = await ask(server, SEED_QUESTION, cwd=tmp_path)
    assert code == 2 and message in err


async def test_server_from_environment_with_the_configured_prefix(start_qbot, tmp_path):
    """$QBOT_SERVER without a path gets server.prefix from the config, like the server's own."""
    qbot = await start_qbot(server__prefix="/other/prefix")
    (tmp_path / "config.yaml").write_text("server:\n  prefix: /other/prefix\n", "utf-8")
    code, out, err = await ask(None, SEED_QUESTION, "--yes", cwd=tmp_path, env={"QBOT_SERVER": qbot.base})
    assert code == 0, err
    assert f"at {qbot.base}/other/prefix" in err


async def test_config_flag_gives_the_port_and_prefix(start_qbot, tmp_path):
    """No --server and no $QBOT_SERVER: `--config` names the file with the server's port and prefix
    (qbot ask shares --config with the other commands, and has no --data-dir)."""
    qbot = await start_qbot(server__prefix="/cfg/prefix")
    config = tmp_path / "elsewhere.yaml"
    config.write_text(f"server:\n  port: {URL(qbot.base).port}\n  prefix: /cfg/prefix\n", "utf-8")
    code, out, err = await ask(None, SEED_QUESTION, "--yes", "--config", str(config), cwd=tmp_path)
    assert code == 0, err
    assert f"at http://127.0.0.1:{URL(qbot.base).port}/cfg/prefix" in err


async def not_qbot(request: web.Request) -> web.Response:
    """What a wrong --server may answer: a web page, or a proxy's error page."""
    if request.path.startswith("/page"):
        return web.Response(text="<html>hello</html>", content_type="text/html")
    return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")


@pytest.mark.parametrize(("path", "message"), [
    pytest.param("/page", "answered text/html, not an event stream: is this a qbot server? (--server)", id="page"),
    pytest.param("/proxy", "answered 502 Bad Gateway, not a qbot refusal: '<html>Bad Gateway</html>'", id="proxy"),
])
async def test_a_server_that_is_not_qbot_is_named(tmp_path, path, message):
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_qbot)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        code, out, err = await ask(f"http://127.0.0.1:{port}{path}", SEED_QUESTION, "--yes", cwd=tmp_path)
    finally:
        await runner.cleanup()
    assert code == 6 and out == ""
    assert f"qbot ask: POST http://127.0.0.1:{port}{path}/chat/conversation/" in err and message in err


def test_an_event_id_that_is_not_a_number_is_no_id():
    """Regression: "²".isdigit() is true and int("²") raised, so such an id ended qbot ask with a
    traceback. Data that is not JSON is kept as text."""
    assert ServerEvent.of(SseEvent("start", '{"turn_id": "t"}', "²")) == ServerEvent(None, "start", {"turn_id": "t"})
    assert ServerEvent.of(SseEvent("message", "not json", "12")) == ServerEvent(12, "message", "not json")


# A test-only question handler (confirm_type -1) that writes a line every 50 ms for 30 s.
SLOW_QUESTION = '''
import asyncio
from qbot.events import message, status


class SlowQuestion:
    confirm_type = -1
    name = "slow-question"
    form_schema = None
    allowed_states = None

    async def run(self, ctx):
        yield status("plan", "slowly", 0.0)
        for i in range(600):
            yield message(f"line {i}\\n")
            await asyncio.sleep(0.05)


handler = SlowQuestion()
'''


async def test_ctrl_c_stops_the_turn(start_qbot, tmp_path, monkeypatch):
    root = install_plugin(tmp_path / "site", "qbot_slow_question", {"slow_question": "qbot_slow_question:handler"},
                          {"qbot_slow_question": SLOW_QUESTION})
    monkeypatch.syspath_prepend(str(root))
    qbot = await start_qbot(plugins__disabled=["question"])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qbot", "ask", SEED_QUESTION, "--yes", "--server", qbot.base, cwd=tmp_path,
        env=qbot_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    seen = b""
    while b"line 3\n" not in seen:
        seen += await asyncio.wait_for(proc.stdout.readline(), 30)
    proc.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "stopping the turn" in text and "(cancelled)" in text and "interrupted" in text
    status, conv = await qbot.api.get_json(f"/chat/conversation/{conversation_id(text)}")
    assert conv["running"] is False and conv["turns"][0]["state"] == "cancelled"
    events = await logged_events(qbot, conv["conversation_id"])
    assert events[-1].event == "done" and events[-1].data["state"] == "cancelled"
    assert len([e for e in events if e.event == "message"]) < 300  # stopped, not run to the end


class CuttingProxy:
    """A TCP proxy to the server that cuts the connection of the first request carrying
    `cut_when` right after the first `message` event of its answer, as a dropped network would."""

    def __init__(self, target_port: int, cut_when: re.Pattern[bytes]) -> None:
        self.target_port = target_port
        self.cut_when = cut_when
        self.cuts = 0
        self.connections = 0
        self._tasks: set[asyncio.Task] = set()

    async def __aenter__(self) -> CuttingProxy:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.base = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.server.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        marked = asyncio.Event()

        async def upstream() -> None:
            while data := await client_r.read(65536):
                if self.cut_when.search(data) and not self.cuts:
                    marked.set()
                server_w.write(data)
                await server_w.drain()

        async def downstream() -> None:
            pending = b""
            while data := await server_r.read(65536):
                if marked.is_set() and not self.cuts:
                    pending += data
                    at = pending.find(b"event: message")
                    end = pending.find(b"\n\n", at) if at >= 0 else -1
                    if end < 0:
                        continue
                    client_w.write(pending[:end + 2])
                    await client_w.drain()
                    self.cuts += 1
                    return
                client_w.write(data)
                await client_w.drain()

        tasks = [asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())]
        self._tasks.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)
            for writer in (client_w, server_w):
                writer.close()
                try:
                    await writer.wait_closed()
                except (ConnectionError, OSError):
                    pass


async def test_dropped_stream_resumes_with_last_event_id(qbot, tmp_path):
    async with CuttingProxy(qbot.server.port, re.compile(rb'"confirm_type": ?3\b')) as proxy:
        code, out, err = await ask(proxy.base, SEED_QUESTION, "--yes", cwd=tmp_path)
    assert code == 0, err
    assert proxy.cuts == 1
    cid = conversation_id(err)
    events = await logged_events(qbot, cid)
    third = [e for e in events if e.event == "start"][-1].id
    first_message = next(e for e in events if e.event == "message" and e.id > third)
    assert f"the stream dropped after event {first_message.id}; resuming (GET …/events, Last-Event-ID: " \
           f"{first_message.id})" in err
    # Each event shown once: the text before the cut and after it, the table once.
    text = turn_text(events, third, events[-1].id)
    assert out.count(first_message.data["delta"]) == 1 and text in out
    result = next(e.data for e in events if e.event == "result")
    assert out.count("摘要：") == 1
    assert_table_matches(out, result)


async def test_status_is_one_updating_line_on_a_terminal(qbot, tmp_path):
    main, secondary = pty.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "qbot", "ask", SEED_QUESTION, "--yes", "--server", qbot.base, cwd=tmp_path,
            env=qbot_env(), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=secondary)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        os.close(secondary)
        secondary = -1
        screen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(main)
        if secondary >= 0:
            os.close(secondary)
    assert proc.returncode == 0
    err = screen.decode("utf-8")
    assert "\r\x1b[2K[plan] 理解问题 50%" in err and "\r\x1b[2K[analyse] 完成 100%" in err
    assert "qbot ask: [plan]" not in err  # no plain status lines on a terminal
    assert "\x1b" not in out.decode("utf-8")  # stdout, a pipe, gets none


# Text with what YAML treats specially: line breaks of every kind, indicators, a BOM.
FORM_TEXT = st.text(st.one_of(st.characters(), st.sampled_from(list("\n \t#:|->'\"\r\x85\u2028\ufeff"))))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"filter_tree": FORM_TEXT, "filter_keyword": FORM_TEXT, "analysis_prompt": FORM_TEXT}))
def test_form_file_round_trips_any_text(values):
    form = {"formName": "filter", **values}
    if not form["filter_tree"].strip():
        form["filter_tree"] = "电话" + form["filter_tree"]
    assert parse_form(form_text(form, "# header\n"), form) == form


def test_form_file_reads_like_the_form():
    form = {"formName": "filter", "filter_tree": "通话记录", "filter_keyword": "",
            "analysis_prompt": "## 相关数据源分析\n**节点**：电话\n"}
    assert form_text(form) == textwrap.dedent("""\
        filter_tree: 通话记录
        filter_keyword: ''
        analysis_prompt: |
          ## 相关数据源分析
          **节点**：电话
        """)


# ---- --citations: the records behind each row ----

HEADING = re.compile(r"第 (?P<row>\d+) 行（.*）所依据的记录：共 (?P<total>\d+) 条，(?P<listed>全部列出|列出前 \d+ 条)")


def printed_citations(stdout: str) -> dict[int, tuple[int, str, list[list[str]]]]:
    """Row -> (the count its heading gives, 全部列出 or 列出前 N 条, its records' lines cut into
    cells along the dashed rule under them)."""
    lines = stdout.splitlines()
    found = {}
    for at, line in enumerate(lines):
        if not (heading := HEADING.fullmatch(line)):
            continue
        records = []
        if at + 2 < len(lines) and RULE.fullmatch(lines[at + 2]):
            spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[at + 2])]
            for record in lines[at + 3:]:
                if not record:
                    break
                records.append([_slice(record, a, b).strip() for a, b in spans])
        found[int(heading["row"])] = (int(heading["total"]), heading["listed"], records)
    return found


def expected_line(item: dict[str, Any]) -> list[str]:
    """A record's line as the route gives it, but for the 记录 column (what the record was)."""
    s = item["source"]
    return [item["time"], item["person"] or "", item["counterpart"] or "", s["file"], s["sha256"][:12], s["table"],
            str(s["rowid"])]


def without_what(cells: list[str]) -> list[str]:
    return cells[:3] + cells[4:]


async def test_citations_n_lists_the_first_n_of_each_row_with_its_count(qbot, tmp_path):
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--citations", "3", cwd=tmp_path)
    assert code == 0, err
    cid = conversation_id(err)
    event = next(e for e in await logged_events(qbot, cid) if e.event == "result")
    assert_table_matches(out, event.data)  # the result's table comes first, as without the option
    assert out.index("（10 行）") < out.index("\n第 1 行（")
    printed = printed_citations(out)
    assert sorted(printed) == list(range(1, len(event.data["rows"]) + 1))
    for row, cells in enumerate(event.data["rows"], start=1):
        status, page = await qbot.api.get_json(f"/chat/conversation/{cid}/citations?event={event.id}&row={row}&limit=3")
        assert status == 200, page
        total, listed, lines = printed[row]
        # The heading's count is the row's figure (通话次数), the route's, and more than is shown.
        assert total == cells[3] == event.data["evidence"][row - 1]["records"] == page["records"] > 3
        assert listed == "列出前 3 条"
        assert [without_what(line) for line in lines] == [expected_line(i) for i in page["items"]]
        for line, item in zip(lines, page["items"]):
            assert line[3] == f"{item['columns']['direction']} {item['columns']['status']} " \
                              f"{item['columns']['media']} {item['columns']['duration']} s"


async def test_citations_of_messages_show_their_text(qbot, tmp_path):
    """A listing of messages: one record a row, so N = 2 lists them all; the line holds the text."""
    code, out, err = await ask(qbot.base, LISTING_QUESTION, "--yes", "--citations", "2", cwd=tmp_path)
    assert code == 0, err
    cid = conversation_id(err)
    event = next(e for e in await logged_events(qbot, cid) if e.event == "result")
    printed = printed_citations(out)
    assert sorted(printed) == list(range(1, len(event.data["rows"]) + 1))
    for row in printed:
        figure, items = await cite_all(qbot, cid, event.id, row)
        total, listed, lines = printed[row]
        assert total == figure == len(lines) == 1 and listed == "全部列出"
        assert [without_what(line) for line in lines] == [expected_line(i) for i in items]
        assert lines[0][3].startswith(f"{items[0]['columns']['direction']} ") and "快递" in lines[0][3]


async def test_citations_all_pages_through_every_record_of_each_row(qbot, data_dir, tmp_path):
    """The total of calls: a row of 8138 records, many of the route's pages (MAX_PAGE a page); the
    printed records are the route's, in its order, and the ones plain SQL finds for the row."""
    code, out, err = await ask(qbot.base, TOTAL_QUESTION, "--yes", "--citations", "all", cwd=tmp_path, timeout=120)
    assert code == 0, err
    cid = conversation_id(err)
    event = next(e for e in await logged_events(qbot, cid) if e.event == "result")
    printed = printed_citations(out)
    assert sorted(printed) == list(range(1, len(event.data["rows"]) + 1))
    every: set = set()
    for row, cells in enumerate(event.data["rows"], start=1):
        total, listed, lines = printed[row]
        figure, items = await cite_all(qbot, cid, event.id, row, limit=97)
        assert total == len(lines) == cells[1] == figure == len(items) and listed == "全部列出"
        assert [without_what(line) for line in lines] == [expected_line(i) for i in items]
        shown = {tuple(line[5:]) for line in lines}  # (short sha256, table, row id)
        if cells[0] == "合计":
            assert shown == every
        else:
            found = truth(data_dir, "SELECT f.sha256, c.source_table, c.source_rowid FROM calls c JOIN source_files f"
                          " ON f.id = c.source_file_id JOIN nodes n ON n.id = c.node_id WHERE n.path = ?", [cells[0]])
            assert shown == {(sha[:12], table, str(rowid)) for sha, table, rowid in found}
            every |= shown
    assert max(cells[1] for cells in event.data["rows"]) > MAX_PAGE  # more than one page of the route


async def test_citations_carry_the_token(start_qbot, tmp_path):
    """With authentication on, the citations route needs the examiner's token as every route does."""
    qbot = await start_qbot(auth__tokens=[{"examiner": "alice", "sha256": token_hash("alice-secret")}])
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--citations", "1", cwd=tmp_path,
                               env={"QBOT_TOKEN": "alice-secret"})
    assert code == 0, err
    events = await logged_events(qbot, conversation_id(err), {"Authorization": "Bearer alice-secret"})
    rows = next(e.data["rows"] for e in events if e.event == "result")
    assert {row: total for row, (total, _, _) in printed_citations(out).items()} == \
        {i: cells[3] for i, cells in enumerate(rows, start=1)}


# A third party's analysis step (confirm_type 3) whose result records no query, so the citations
# route cannot list its rows again (409 result_changed).
QUERYLESS_ANALYSIS = '''
from qbot.events import result
from qbot.handlers import STATE_AWAITING_FILTER, STATE_COMPLETED


class Tally:
    confirm_type = 3
    name = "tally"
    form_schema = None
    allowed_states = frozenset({STATE_AWAITING_FILTER})

    async def run(self, ctx):
        yield result("张伟 3 次", ["联系人", "次数"], [["张伟", 3]], [{"row": 1, "records": 3, "refs": []}])
        ctx.set_state(STATE_COMPLETED)


handler = Tally()
'''


async def test_citations_refused_is_one_line_and_exit_5(start_qbot, tmp_path, monkeypatch):
    root = install_plugin(tmp_path / "site", "qbot_tally", {"tally": "qbot_tally:handler"},
                          {"qbot_tally": QUERYLESS_ANALYSIS})
    monkeypatch.syspath_prepend(str(root))
    qbot = await start_qbot(plugins__disabled=["filter"])
    code, out, err = await ask(qbot.base, SEED_QUESTION, "--yes", "--citations", "all", cwd=tmp_path)
    assert code == 5, err
    cid = conversation_id(err)
    event = next(e for e in await logged_events(qbot, cid) if e.event == "result")
    assert_table_matches(out, event.data)  # the result was shown; its records could not be
    status, body = await qbot.api.get_json(f"/chat/conversation/{cid}/citations?event={event.id}&row=1")
    assert status == 409
    assert err.splitlines()[-1] == f"qbot ask: refused (409 result_changed): {body['error']['message']}"
    assert not printed_citations(out)


@pytest.mark.parametrize("count", ["0", "-2", "many", "３"])
async def test_citations_count_is_all_or_from_1(tmp_path, count):
    code, out, err = await ask(None, SEED_QUESTION, f"--citations={count}", cwd=tmp_path)
    assert code == 2 and f"argument --citations: {count!r} is neither `all` nor a count from 1" in err
