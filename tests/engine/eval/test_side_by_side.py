"""Readings answered side by side, through a real server on the demo case: "机主打了多少电话" has
two readings (outgoing only; every call), each one figure, so qbot answers both, labelled, and says
which the table shows. Truth from plain sqlite3 (`Truth`)."""

from __future__ import annotations

import uuid

from .truth import ALL_CALLS, Truth


async def _result(api, case_id: str, question: str, form_change: dict | None = None) -> tuple[dict, str]:
    cid = uuid.uuid4().hex
    status, first, _ = await api.step(cid, -1, question, case_id=case_id)
    assert status == 200 and not [e for e in first if e.event in ("clarify", "decline")], first
    status, second, _ = await api.step(cid, 0, "开始任务", case_id=case_id)
    form = next(e.data for e in second if e.event == "confirm" and e.data.get("confirm_type") == 3)["form"]
    status, third, _ = await api.step(cid, 3, "继续任务", {**form, **(form_change or {})}, case_id=case_id)
    result = next(e.data for e in third if e.event == "result")
    text = "".join(e.data.get("delta", "") if isinstance(e.data, dict) else "" for e in third if e.event == "message")
    return result, text


async def test_both_readings_are_answered_and_named(demo_case, serve) -> None:
    db, case_id = demo_case
    truth = Truth(str(db), case_id)
    api = await serve(db)
    result, text = await _result(api, case_id, "机主打了几次电话给张伟？")
    out = truth.total(truth.select(ALL_CALLS, direction="out", people=("张伟",))).value
    every = truth.total(truth.select(ALL_CALLS, people=("张伟",))).value
    assert out != every  # two readings that differ, or this proves nothing
    readings = result["answer"]["readings"]
    assert [(r["label"], r["value"]) for r in readings] == [("只算机主打出去的电话", out),
                                                            ("机主的全部通话（打出和接听）", every)]
    assert result["answer"]["value"] == out and result["summary"].startswith("按“只算机主打出去的电话”")
    note = next(n for n in result["notes"] if "都已计算" in n)
    assert f"{out} 次" in note and f"{every} 次" in note and "上面的表按第 1 种列出" in note
    assert note in text  # the narrative says it too


async def test_an_edited_form_is_one_reading_and_says_which(demo_case, serve) -> None:
    db, case_id = demo_case
    api = await serve(db)
    result, _ = await _result(api, case_id, "机主打了几次电话给张伟？", {"analysis_prompt": "按通话次数统计"})
    assert "readings" not in result["answer"]
    assert any("表单已修改" in n and "只算机主打出去的电话" in n for n in result["notes"])
