"""Asking back and declining, through the real server: a question with two readings ends
`awaiting_choice` with a `clarify` event; confirm_type 1 picks a reading and the task goes on as
for any question; each choice's rephrased question reads only that way; bad input gets a clear
answer or refusal, never a 5xx, a failed turn or a guessed analysis."""

from __future__ import annotations

import uuid

import pytest

TWO_WANGS = "老王最近一个月给机主打了几次电话？"


def named(events, name):
    return next(e.data for e in events if e.event == name)


async def test_pick_a_reading_and_finish_the_task(qbot):
    cid = uuid.uuid4().hex
    status, events, _ = await qbot.api.step(cid, -1, TWO_WANGS)
    assert status == 200 and events[-1].data["state"] == "awaiting_choice" and events[-1].data["expect"] == [1, -1]
    asked = named(events, "clarify")
    people = [c["label"].split("（")[0] for c in asked["choices"]]
    assert sorted(people) == ["王凯", "王磊"] and "老王" in asked["reason"]
    assert not any(e.event == "confirm" for e in events)

    status, body, _ = await qbot.api.step(cid, 0, "开始任务")
    assert status == 409 and body["error"]["details"]["expected"] == [1, -1]

    choice = asked["choices"][1]
    status, events, _ = await qbot.api.step(cid, 1, choice["label"], {"choice": choice["id"]})
    assert status == 200 and events[-1].data["state"] == "awaiting_start"
    query = named(events, "confirm")["plan"]["query"]
    assert query["people"] == [people[1]] and query["direction"] == "in" and query["window"] == {"kind": "recent",
                                                                                                  "days": 30}
    status, events, _ = await qbot.api.step(cid, 0, "开始任务")
    form = named(events, "confirm")["form"]
    status, events, _ = await qbot.api.step(cid, 3, "继续任务", form)
    result = named(events, "result")
    assert result["answer"]["shape"] == "total" and result["query"]["people"] == [people[1]]


async def test_a_choice_not_offered_fails_the_turn_and_keeps_the_question_open(qbot):
    cid = uuid.uuid4().hex
    await qbot.api.step(cid, -1, TWO_WANGS)
    status, events, _ = await qbot.api.step(cid, 1, "x", {"choice": "9"})
    assert status == 200 and events[-1].data["state"] == "failed" and events[-1].data["expect"] == [1, -1]
    assert named(events, "error")["code"] == "handler_failed"
    status, body, _ = await qbot.api.step(cid, 1, "x", {})
    assert status == 400 and "choice" in body["error"]["details"]


async def test_each_rephrased_question_reads_as_its_choice(qbot):
    """A front end that knows no `clarify` can ask a choice's `question` anew: it has one reading,
    the choice's own."""
    status, events, _ = await qbot.api.step(uuid.uuid4().hex, -1, TWO_WANGS)
    for choice in named(events, "clarify")["choices"]:
        cid = uuid.uuid4().hex
        await qbot.api.step(cid, -1, TWO_WANGS)
        status, picked, _ = await qbot.api.step(cid, 1, choice["label"], {"choice": choice["id"]})
        status, asked, _ = await qbot.api.step(uuid.uuid4().hex, -1, choice["question"])
        assert asked[-1].data["state"] == "awaiting_start", (choice, [e.event for e in asked])
        assert named(asked, "confirm")["plan"]["query"] == named(picked, "confirm")["plan"]["query"]


@pytest.mark.parametrize("question", [
    "   ", "？？？", "😀😀", "机主和谁打电话最多😀" + "啊" * 1990, "你好", "who did the owner message most on the moon",
    "机主和他联系最多吗", "13900000000是谁", "机主那几天和谁打电话最多", "機主最近和誰打電話最頻繁？",
    "机主和 155 7822 0482 通过几次电话", "\ud800机主", "机主\x00和谁",
], ids=["blank", "marks", "emoji", "2000-chars", "greeting", "english-unknown", "pronoun", "absent-number",
        "vague-time", "traditional", "spaced-number", "lone-surrogate", "nul"])
async def test_bad_input_gets_an_answer_or_a_refusal(qbot, question):
    status, events, _ = await qbot.api.step(uuid.uuid4().hex, -1, question)
    assert status in (200, 400), (status, events)
    if status == 400:
        assert events["error"]["code"] == "invalid_request" and "question" in events["error"]["message"]
        return
    names = [e.event for e in events]
    assert names[-1] == "done" and events[-1].data["state"] in ("awaiting_start", "awaiting_choice", "completed")
    assert "error" not in names
    if events[-1].data["state"] == "completed":  # declined: says why, offers what it can do
        declined = named(events, "decline")
        assert declined["reason"] and declined["suggestions"]


async def test_traditional_and_spaced_numbers_read_as_the_plain_question(qbot):
    plain = named((await qbot.api.step(uuid.uuid4().hex, -1, "机主最近和谁打电话最频繁？"))[1], "confirm")
    traditional = named((await qbot.api.step(uuid.uuid4().hex, -1, "機主最近和誰打電話最頻繁？"))[1], "confirm")
    assert plain["plan"]["query"] == traditional["plan"]["query"]
    spaced = named((await qbot.api.step(uuid.uuid4().hex, -1, "机主和 155 7822 0482 通过几次电话"))[1], "confirm")
    assert spaced["plan"]["query"]["people"] == ["张伟"] and spaced["plan"]["query"]["measure"] == "count"


async def test_every_suggested_question_is_answered(qbot):
    """A decline offers examples: each one must be a question qbot answers on the demo case."""
    from qbot.engine.presets import EXAMPLES

    for question in EXAMPLES:
        status, events, _ = await qbot.api.step(uuid.uuid4().hex, -1, question)
        assert events[-1].data["state"] == "awaiting_start", (question, [e.event for e in events])


@pytest.mark.parametrize("question", ["和李娜累计通话几个小时", "老婆最近打来几次"])
async def test_a_word_shaped_like_a_nickname_is_not_said_to_be_a_person_the_case_lacks(qbot, question):
    """小时 (an hour) and 老婆 (a wife) fit the shape of 小王 / 老王; read as names, the decline
    said the case has no 小时, which is false. Declined as not understood instead."""
    status, events, _ = await qbot.api.step(uuid.uuid4().hex, -1, question)
    assert status == 200 and events[-1].data["state"] == "completed"
    reason = named(events, "decline")["reason"]
    assert "本案中没有" not in reason and "没能理解" in reason
