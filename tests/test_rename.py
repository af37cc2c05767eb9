"""Renaming a conversation (`PATCH …/chat/conversation/{id}`) and listing one case's conversations
(`?case_id=`), through a real server: the title is validated, committed to the log (it survives a
restart), kept by a turn that was running meanwhile; unknown and deleted conversations answer the
one 404 (another examiner's, byte for byte the same: tests/test_auth.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError

from qbot.appkeys import RUNNER
from qbot.domain_errors import ConversationNotFound
from qbot.evidence.importing import import_paths
from qbot.middlewares import refusal_of
from qbot.schemas import RenameSchema
from tests.support import SEED_QUESTION, read_sse, step_body


async def patch(running: Any, cid: str, body: Any, raw: bool = False) -> tuple[int, Any]:
    data = body if raw else json.dumps(body)
    async with running.api.session.patch(running.api.url(f"/chat/conversation/{cid}"), data=data,
                                         headers={"Content-Type": "application/json"}) as resp:
        return resp.status, await resp.json()


async def test_a_rename_is_shown_listed_and_moves_nothing_else(qbot) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for cid in (first, second):
        status, _, _ = await qbot.api.step(cid, -1, SEED_QUESTION)
        assert status == 200
    _, before = await qbot.api.get_json(f"/chat/conversation/{first}")
    status, body = await patch(qbot, first, {"title": "  张伟的通话  ", "ignored": 1})
    assert (status, body) == (200, {"conversation_id": first, "title": "张伟的通话"})
    _, after = await qbot.api.get_json(f"/chat/conversation/{first}")
    assert after == {**before, "title": "张伟的通话"}  # updated_at, state, turns: unchanged
    _, listed = await qbot.api.get_json("/chat/conversations")
    assert [(c["conversation_id"], c["title"]) for c in listed["conversations"]] == [
        (second, SEED_QUESTION), (first, "张伟的通话")]  # the order of activity, not of renames


async def test_invalid_titles_are_refused_naming_the_field(qbot) -> None:
    cid = str(uuid.uuid4())
    await qbot.api.step(cid, -1, SEED_QUESTION)
    for body in ({}, {"title": None}, {"title": 5}, {"title": ""}, {"title": " \t "}, {"title": "长" * 201},
                 {"title": "两\n行"}, {"title": "a\u2028b"}, {"title": "\x00"}, ["title"]):
        status, refusal = await patch(qbot, cid, body)
        assert status == 400, body
        assert refusal["error"]["code"] in ("invalid_request", "invalid_json"), (body, refusal)
        if isinstance(body, dict):
            assert "title" in refusal["error"]["message"], (body, refusal)
    status, refusal = await patch(qbot, cid, '{"title": "a\\ud800b"}', raw=True)  # a lone surrogate
    assert (status, refusal["error"]["code"]) == (400, "invalid_request")
    with pytest.raises(ValidationError, match="U\\+D800"):  # the schema refuses it too, on its own
        RenameSchema().load({"title": "a\ud800b"})
    status, _ = await patch(qbot, cid, {"title": "长" * 200})
    assert status == 200
    _, conv = await qbot.api.get_json(f"/chat/conversation/{cid}")
    assert conv["title"] == "长" * 200


async def test_unknown_and_deleted_conversations_are_the_one_404(qbot) -> None:
    cid = str(uuid.uuid4())
    await qbot.api.step(cid, -1, SEED_QUESTION)
    async with qbot.api.session.delete(qbot.api.url(f"/chat/conversation/{cid}")) as resp:
        assert resp.status == 200
    unused = str(uuid.uuid4())
    for target in (cid, unused):
        status, refusal = await patch(qbot, target, {"title": "x"})
        assert status == 404
        assert json.dumps(refusal, ensure_ascii=False, separators=(",", ":")) == \
            refusal_of(ConversationNotFound(target)).response().text


async def test_a_rename_during_a_turn_is_kept_by_its_ending_and_survives_a_restart(start_qbot, echo_plugin) -> None:
    running = await start_qbot()
    cid = str(uuid.uuid4())
    url = running.api.url(f"/chat/conversation/{cid}")
    async with running.api.session.post(url, json=step_body(cid, 7, "echo", {"count": 3, "delay": 0.3}),
                                        headers={"Accept": "text/event-stream"}) as resp:
        reading = asyncio.create_task(read_sse(resp))
        while cid not in running.app[RUNNER].running:
            await asyncio.sleep(0.02)
        status, body = await patch(running, cid, {"title": "运行中改名"})
        assert status == 200, body
        events = (await reading).events
    assert events[-1].data["state"] == "completed"  # the turn went on
    _, conv = await running.api.get_json(f"/chat/conversation/{cid}")
    assert conv["title"] == "运行中改名" and conv["state"] == "completed"  # the ending did not bring the old one back

    await running.server.close()  # the log is closed; a new server reads the title from disk
    again = await start_qbot()
    _, conv = await again.api.get_json(f"/chat/conversation/{cid}")
    assert conv["title"] == "运行中改名"


def one_contact_case(folder: Path) -> Path:
    """A second case, `other.json`: one contact, 李四."""
    path = folder / "other.json"
    path.write_text(json.dumps({"format": "qbot-case", "version": 1, "nodes": [
        {"path": "基本信息/通讯录", "kind": "contacts", "records": [{"name": "李四", "number": "13900000001"}]}]},
        ensure_ascii=False), "utf-8")
    return path


async def test_the_list_of_one_case(start_qbot, data_dir: Path, tmp_path: Path) -> None:
    assert import_paths(data_dir / "evidence.db", "other", [one_contact_case(tmp_path)], package="手机二").ok
    running = await start_qbot()
    demo, other = str(uuid.uuid4()), str(uuid.uuid4())
    await running.api.step(demo, -1, SEED_QUESTION)
    await running.api.step(other, -1, "李四的电话号码是多少？", case_id="other")
    for case_id, expected in (("demo", [demo]), ("other", [other]), ("nobody", [])):
        status, listed = await running.api.get_json(f"/chat/conversations?case_id={case_id}")
        assert status == 200 and [c["conversation_id"] for c in listed["conversations"]] == expected, case_id
    _, everything = await running.api.get_json("/chat/conversations")
    assert {c["conversation_id"] for c in everything["conversations"]} == {demo, other}
    for bad in ("", "a%20b", "x" * 65):
        status, refusal = await running.api.get_json(f"/chat/conversations?case_id={bad}")
        assert (status, refusal["error"]["code"]) == (400, "invalid_case_id"), bad


async def test_the_form_of_each_turn_is_returned_as_submitted(qbot) -> None:
    cid = str(uuid.uuid4())
    steps = await qbot.api.flow(cid)
    form = next(e.data["form"] for e in steps[1] if e.event == "confirm")
    _, conv = await qbot.api.get_json(f"/chat/conversation/{cid}")
    assert [t["form"] for t in conv["turns"]] == [None, None, form]
