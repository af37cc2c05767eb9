"""Follow-up questions in one conversation, through a real server on the demo case: 他 / 这个人
mean the one person the previous question was about; with no such person they are declined,
never read as everyone. Truth from plain sqlite3 (`Truth`)."""

from __future__ import annotations

import uuid

from .harness import mismatch
from .truth import ALL_CALLS, SMS, Truth


async def _ask(api, cid: str, case_id: str, question: str) -> tuple[str, dict | None, list]:
    """(clarified | declined | answered, the result's answer, the plan's events) of one question
    asked in conversation `cid`, through the three steps."""
    status, first, _ = await api.step(cid, -1, question, case_id=case_id)
    assert status == 200, first
    if any(e.event == "decline" for e in first):
        return "declined", None, first
    if any(e.event == "clarify" for e in first):
        return "clarified", None, first
    _, second, _ = await api.step(cid, 0, "开始任务", case_id=case_id)
    form = next(e.data for e in second if e.event == "confirm" and e.data.get("confirm_type") == 3)["form"]
    _, third, _ = await api.step(cid, 3, "继续任务", form, case_id=case_id)
    return "answered", next(e.data for e in third if e.event == "result")["answer"], first


def _said(events: list) -> str:
    return " ".join(str(e.data) for e in events)


async def test_a_pronoun_means_the_previous_questions_person(demo_case, serve) -> None:
    db, case_id = demo_case
    t = Truth(str(db), case_id)
    api = await serve(db)
    cid = uuid.uuid4().hex
    kind, answer, _ = await _ask(api, cid, case_id, "张伟最近一次给机主打电话是什么时候")
    assert kind == "answered" and not mismatch(t.last(t.select(ALL_CALLS, direction="in", people=("张伟",))), answer)
    follow_ups = [
        ("他一共给机主打过几次电话", t.total(t.select(ALL_CALLS, direction="in", people=("张伟",)))),
        ("这个人给机主发过多少条短信", t.total(t.select(SMS, direction="in", people=("张伟",)))),
        ("机主最后一次打给他是什么时候", t.last(t.select(ALL_CALLS, direction="out", people=("张伟",)))),
    ]
    everyone = t.total(t.select(ALL_CALLS, direction="in"))
    assert follow_ups[0][1] != everyone  # read as everyone, the first follow-up would be wrong
    for question, truth in follow_ups:
        kind, answer, plan_events = await _ask(api, cid, case_id, question)
        assert kind == "answered", (question, kind, _said(plan_events))
        assert not mismatch(truth, answer), (question, truth, answer)
        assert "上一个问题理解为张伟" in _said(plan_events)  # the plan says whom 他 was read as


async def test_a_pronoun_with_no_one_to_point_at_is_declined(demo_case, serve) -> None:
    db, case_id = demo_case
    api = await serve(db)
    for question, word in (("他最后一次打给机主是什么时候", "他"), ("这个人一共打来几次电话", "这个人")):  # a first question
        kind, _, events = await _ask(api, uuid.uuid4().hex, case_id, question)
        assert kind == "declined", question
        reason = next(e.data["reason"] for e in events if e.event == "decline")
        assert f"“{word}”" in reason, reason  # the refusal names the word
        assert "请写出姓名或号码" in reason  # and what is accepted
    cid = uuid.uuid4().hex  # the previous question was about two people: whom would 他 mean?
    kind, _, _ = await _ask(api, cid, case_id, "张伟和李娜分别打来过几次电话")
    assert kind == "answered"
    kind, _, _ = await _ask(api, cid, case_id, "他最后一次打来是什么时候")
    assert kind == "declined"
    cid = uuid.uuid4().hex  # a person named before the pronoun, as its subject: 他 is someone else
    await _ask(api, cid, case_id, "张伟打来过几次电话")
    kind, _, _ = await _ask(api, cid, case_id, "李娜给他打过几次电话")
    assert kind == "declined"


async def test_a_negated_period_is_declined_saying_what_can_be_left_out(demo_case, serve) -> None:
    db, case_id = demo_case
    api = await serve(db)
    for question, words in (("除了3月，通话一共多少次", "除了3月"), ("不算春节期间，短信有多少条", "不算春节期间")):
        kind, _, events = await _ask(api, uuid.uuid4().hex, case_id, question)
        assert kind == "declined"
        reason = next(e.data["reason"] for e in events if e.event == "decline")
        assert f"“{words}”" in reason and "除了晚上" in reason and "不算周末" in reason, reason
