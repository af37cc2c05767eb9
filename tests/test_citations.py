"""Citations that open: `GET P/chat/conversation/{id}/citations` lists every record behind a
result row, through a real server over the demo case. The truth is plain SQL over the evidence
database: the set of cited (sha256, table, row id) equals the records the row's figure counts."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support import SEED_QUESTION

TOTAL_QUESTION = "请问这部手机里一共有多少条通话记录"
LISTING_QUESTION = "有没有提到快递的消息"
HOURS_QUESTION = "一天里什么时候通话最多"


def truth(data_dir: Path, sql: str, params: list[Any]) -> set[tuple[str, str, int]]:
    with sqlite3.connect(data_dir / "evidence.db") as conn:
        return {tuple(r) for r in conn.execute(sql, params)}


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


async def answered(qbot, question: str) -> tuple[str, Any]:
    cid = str(uuid.uuid4())
    *_, third = await qbot.api.flow(cid, question)
    return cid, next(e for e in third if e.event == "result")


async def cite_all(qbot, cid: str, event: int, row: int, limit: int = 100) -> tuple[int, list[dict]]:
    items, offset, figure = [], 0, None
    while offset is not None:
        status, page = await qbot.api.get_json(f"/chat/conversation/{cid}/citations?event={event}&row={row}"
                                               f"&offset={offset}&limit={limit}")
        assert status == 200, page
        assert figure in (None, page["records"]) and len(page["items"]) <= limit
        figure, offset = page["records"], page["next_offset"]
        items += page["items"]
    return figure, items


def cited(items: list[dict]) -> set[tuple[str, str, int]]:
    return {(i["source"]["sha256"], i["source"]["table"], i["source"]["rowid"]) for i in items}


async def test_a_ranking_row_cites_every_call_of_its_person(qbot, data_dir):
    cid, result = await answered(qbot, SEED_QUESTION)
    w, data = result.data["window"], result.data
    for row in (1, 2, len(data["rows"])):
        figure, items = await cite_all(qbot, cid, result.id, row, limit=97)
        logged = data["evidence"][row - 1]
        identifiers = data["rows"][row - 1][2].split("、")
        expected = truth(data_dir, "SELECT f.sha256, c.source_table, c.source_rowid FROM calls c"
                         " JOIN source_files f ON f.id = c.source_file_id JOIN nodes n ON n.id = c.node_id"
                         " JOIN counterparts cp ON cp.id = c.counterpart_id"
                         f" WHERE n.path IN ({','.join('?' * len(data['scope']))}) AND c.start >= ? AND c.start < ?"
                         f" AND (cp.number IN ({','.join('?' * len(identifiers))}) OR substr(cp.key, instr(cp.key, ':') + 1)"
                         f" IN ({','.join('?' * len(identifiers))}))",
                         [*data["scope"], _ms(w["start"]), _ms(w["end"]), *identifiers, *identifiers])
        assert figure == logged["records"] == data["rows"][row - 1][3] == len(items) == len(expected)
        assert cited(items) == expected
        assert len(expected) > 20 or row == len(data["rows"])  # more than the result itself lists
        # Newest first, and every record the result itself cites among them.
        sources = data["sources"]
        assert {(sources[r["source"]]["sha256"], r["table"], rowid) for r in logged["refs"] for rowid in r["rowids"]} \
            <= cited(items)
        assert [i["utc"] for i in items] == sorted((i["utc"] for i in items), reverse=True)
        first = items[0]
        assert first["person"] == data["rows"][row - 1][1] and first["table"] == "calls"
        assert set(first["columns"]) == {"number", "name", "direction", "status", "media", "start", "duration"}
        assert first["source"]["file"] in {s["file"] for s in data["sources"]}


async def test_a_total_row_and_its_sum_cite_every_record_counted(qbot, data_dir):
    cid, result = await answered(qbot, TOTAL_QUESTION)
    data = result.data
    assert data["answer"]["shape"] == "total" and len(data["rows"]) >= 2
    every: set = set()
    for row, cells in enumerate(data["rows"], start=1):
        figure, items = await cite_all(qbot, cid, result.id, row, limit=500)
        if cells[0] == "合计":
            assert cited(items) == every
        else:
            expected = truth(data_dir, "SELECT f.sha256, c.source_table, c.source_rowid FROM calls c"
                             " JOIN source_files f ON f.id = c.source_file_id JOIN nodes n ON n.id = c.node_id"
                             " WHERE n.path = ?", [cells[0]])
            assert cited(items) == expected
            every |= expected
        assert figure == cells[1] == len(items) == data["evidence"][row - 1]["records"]


async def test_a_listing_row_cites_its_one_message(qbot, data_dir):
    cid, result = await answered(qbot, LISTING_QUESTION)
    data = result.data
    expected = truth(data_dir, "SELECT f.sha256, m.source_table, m.source_rowid FROM messages m"
                     " JOIN source_files f ON f.id = m.source_file_id WHERE m.body LIKE '%快递%'", [])
    assert data["records"] == len(expected) and data["rows"]
    seen = set()
    for row, cells in enumerate(data["rows"], start=1):
        figure, items = await cite_all(qbot, cid, result.id, row)
        assert figure == 1 and len(items) == 1
        assert "快递" in items[0]["columns"]["body"] and items[0]["time"] == cells[0]
        seen |= cited(items)
    assert seen <= expected and len(seen) == len(data["rows"])


async def test_an_hour_of_day_row_cites_the_calls_of_that_hour(qbot, data_dir):
    cid, result = await answered(qbot, HOURS_QUESTION)
    data = result.data
    assert data["answer"]["shape"] == "groups"
    figure, items = await cite_all(qbot, cid, result.id, 1, limit=500)
    hour = int(data["rows"][0][0][:2])
    assert figure == data["rows"][0][1] == len(items)
    assert {int(i["time"][11:13]) for i in items} == {hour}  # the case's local time


async def test_pages_beyond_the_end_are_empty_and_bad_parameters_are_named(qbot):
    cid, result = await answered(qbot, SEED_QUESTION)
    base = f"/chat/conversation/{cid}/citations"
    status, page = await qbot.api.get_json(f"{base}?event={result.id}&row=1&offset=100000")
    assert status == 200 and page["items"] == [] and page["records"] > 0 and page["next_offset"] is None
    for query, field in (("", "event"), (f"event={result.id}", "row"), (f"event={result.id}&row=0", "row"),
                         (f"event={result.id}&row=x", "row"), (f"event={result.id}&row=1&limit=501", "limit"),
                         (f"event={result.id}&row=1&offset=-1", "offset"), (f"event={result.id}&row=999", "row")):
        status, body = await qbot.api.get_json(f"{base}?{query}")
        assert (status, body["error"]["code"]) == (400, "invalid_request"), query
        assert field in body["error"]["message"] and field in body["error"]["details"], body
    status, body = await qbot.api.get_json(f"{base}?event=1&row=1")  # the first turn's start event
    assert (status, body["error"]["code"]) == (404, "result_not_found")
    assert body["error"]["details"]["result_events"] == [result.id]


async def test_evidence_changed_since_the_result_is_refused_not_misreported(qbot, data_dir):
    cid, result = await answered(qbot, SEED_QUESTION)
    with sqlite3.connect(data_dir / "evidence.db") as conn:  # behind qbot's back: one cited call goes
        conn.execute("DELETE FROM calls WHERE source_rowid = ?", [result.data["evidence"][0]["refs"][0]["rowids"][0]])
    status, body = await qbot.api.get_json(f"/chat/conversation/{cid}/citations?event={result.id}&row=1")
    assert (status, body["error"]["code"]) == (409, "result_changed")


async def test_citations_of_an_unknown_conversation_are_the_common_404(qbot):
    status, body = await qbot.api.get_json(f"/chat/conversation/{uuid.uuid4()}/citations?event=1&row=1")
    assert (status, body["error"]["code"]) == (404, "conversation_not_found")
