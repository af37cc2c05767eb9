"""The engine works a question out once while the evidence stays the same, and afresh once an
import changes it: a running server never answers from evidence that is no longer there."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from qbot.evidence.demo import DEMO_CASE_ID, DEMO_PACKAGE
from qbot.evidence.importing import import_paths
from tests.engine.truth import Truth, utc

PHONE_CALLS = "基本信息/电话/通话记录"
NEWCOMER = "+8613700000099"


def result_of(flow) -> dict:
    return next(e.data for e in flow[2] if e.event == "result")


async def test_an_import_while_serving_changes_the_answer(qbot, data_dir, tmp_path, monkeypatch):
    before = result_of(await qbot.api.flow(uuid.uuid4().hex))
    again = result_of(await qbot.api.flow(uuid.uuid4().hex))
    assert again == before  # the same question over the same evidence: the same answer

    # Another process (`qbot import`) adds, to the demo phone's call log, more calls with one new
    # number inside the last 30 days than the current first row has.
    newest = utc(Truth(str(data_dir / "evidence.db")).newest((PHONE_CALLS,)))
    calls = [{"number": NEWCOMER, "start": (newest - timedelta(hours=i + 1)).isoformat(), "duration": 60,
              "direction": "out", "status": "answered"} for i in range(before["rows"][0][3] + 5)]
    case_file = tmp_path / "more.json"
    case_file.write_text(json.dumps({"format": "qbot-case", "version": 1, "nodes": [
        {"path": PHONE_CALLS, "kind": "calls", "records": calls}]}), "utf-8")
    assert import_paths(data_dir / "evidence.db", DEMO_CASE_ID, [case_file], package=DEMO_PACKAGE).ok
    monkeypatch.setattr("qbot.evidence.store.CATALOG_TTL", 0.0)  # look at the store's version now

    after = result_of(await qbot.api.flow(uuid.uuid4().hex))
    assert after["rows"][0][2] == NEWCOMER and after["rows"][0][3] == len(calls)
    assert after["records"] == before["records"] + len(calls)
