"""The harness itself: against a stand-in server speaking the contract's SSE, it must read a
clarification, a decline, a failed turn, a 5xx and an answer the way the spec classifies them; and
an answer built from the truth must compare right, one altered must compare wrong. (Until the
engine answers, this is what shows the evaluation's table can be believed.)"""

from __future__ import annotations

import json
from dataclasses import replace

import aiohttp
from aiohttp import web

from tests.support import PREFIX, Api

from .harness import Reply, ask, classify
from .test_eval import load_items
from .truth import (
    CLARIFY,
    DECLINE,
    Groups,
    Lookup,
    People,
    Ranking,
    Readings,
    Record,
    Records,
    Sentinel,
    Total,
    Truth,
)

FORM = {"formName": "filter", "filter_tree": "基本信息类别下电话应用的通话记录"}
ANSWER = {"shape": "total", "measure": "count", "value": 7, "rows": []}


def _sse(*events: tuple[str, dict]) -> str:
    return "".join(f"id: {i}\nevent: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
                   for i, (name, data) in enumerate(events, 1))


async def _stand_in(request: web.Request) -> web.Response:
    body = await request.json()
    question, step = body["question"], body["confirm_type"]
    if question == "server error":
        return web.Response(status=500, text="boom")
    if step == -1:
        first, state = {"ask": (("clarify", {"question": "哪一个？"}), "awaiting_choice"),
                        "no": (("decline", {"reason": "本案没有位置数据"}), "completed"),
                        "fail": (("error", {"code": "internal", "message": "x"}), "failed"),
                        "silent": (("message", {"delta": "抱歉"}), "completed")}.get(
            question, (("confirm", {"confirm_type": 0, "question": "开始任务", "form": None}), "awaiting_start"))
        text = _sse(first, ("done", {"state": state}))
    elif step == 0:
        text = _sse(("confirm", {"confirm_type": 3, "question": "继续任务", "form": FORM}),
                    ("done", {"state": "awaiting_filter"}))
    else:
        assert body["confirm_form_data"] == FORM  # the proposed form goes back unchanged
        text = _sse(("result", {"summary": "", "rows": [], "answer": ANSWER}), ("done", {"state": "completed"}))
    return web.Response(text=text, content_type="text/event-stream")


async def test_ask_reads_each_ending(aiohttp_server) -> None:
    app = web.Application()
    app.router.add_post(f"{PREFIX}/chat/conversation/{{cid}}", _stand_in)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        api = Api(session, str(server.make_url("")))
        assert (await ask(api, "", "ask")).kind == "clarified"
        assert (await ask(api, "", "no")).kind == "declined"
        for question in ("fail", "silent", "server error"):
            reply = await ask(api, "", question)
            assert reply.kind == "broken" and reply.why, (question, reply)
        reply = await ask(api, "", "谁打电话最多？")
        assert reply == Reply("answered", ANSWER)


def faithful(expect) -> dict:
    """The answer the spec's Answer shape gives for this truth."""
    if isinstance(expect, (Total, Records, People)):
        return {"shape": "total", "value": expect.value, "rows": []}
    if isinstance(expect, Ranking):
        return {"shape": "ranking", "rows": [{"person": p, "identifiers": [], "value": v} for p, v in expect.rows]}
    if isinstance(expect, Record):
        return {"shape": "record", "rows": [{"time": expect.time, "person": expect.person}] if expect.time else []}
    if isinstance(expect, Groups):
        return {"shape": "groups", "rows": [{"key": str(k), "value": v} for k, v in expect.rows]}
    if isinstance(expect, Lookup):
        return {"shape": "lookup", "rows": [{"person": expect.person, "identifiers": sorted(expect.identifiers)}]}
    raise TypeError(expect)


def altered(expect):
    """A truth a little off, the kind of slip the comparison must catch."""
    if isinstance(expect, (Total, Records, People)):
        return replace(expect, value=expect.value + 1)
    if isinstance(expect, Ranking) and expect.rows:
        (person, value), *rest = expect.rows
        return Ranking(((person, value + 1), *rest))
    if isinstance(expect, Record) and expect.time:
        return Record(expect.time[:-2] + f"{(int(expect.time[-2:]) + 1) % 60:02d}", expect.person)
    if isinstance(expect, Groups) and expect.rows:
        (key, value), *rest = expect.rows
        return Groups(((key, value + 1), *rest))
    if isinstance(expect, Lookup) and len(expect.identifiers) > 1:
        return Lookup(expect.person, frozenset(sorted(expect.identifiers)[1:]))
    return None


def test_comparison_against_every_item(ios_case, testdata_case) -> None:
    checked = 0
    for case, (db, case_id) in (("ios", ios_case), ("testdata", testdata_case)):
        truth = Truth(str(db), case_id)
        for item in load_items(case):
            expect = item.expect(truth) if callable(item.expect) else item.expect
            if isinstance(expect, Readings):
                assert classify(expect, Reply("clarified")) == ("right", ""), item
                assert classify(expect, Reply("answered", ANSWER))[0] == "wrong", item
                if all(isinstance(a, (Total, Records, People)) for a in expect.answers):
                    values = [a.value for a in expect.answers]
                    assert classify(expect, Reply("answered", both(*values))) == ("right", ""), item
                    assert classify(expect, Reply("answered", both(values[0], values[0] + 1)))[0] == "wrong", item
                    assert classify(expect, Reply("answered", {**both(*values), "readings": None}))[0] == "wrong"
                continue
            if isinstance(expect, Sentinel):
                wanted = "clarified" if expect == CLARIFY else "declined"
                assert classify(expect, Reply(wanted)) == ("right", ""), item
                assert classify(expect, Reply("answered", ANSWER))[0] == "wrong", item
                continue
            assert classify(expect, Reply("answered", faithful(expect))) == ("right", ""), item
            assert classify(expect, Reply("clarified"))[0] == "clarified"
            assert classify(expect, Reply("declined"))[0] == "declined"
            off = altered(expect)
            if off is not None:  # shown as the truth says, but the truth is off: wrong
                outcome, why = classify(expect, Reply("answered", faithful(off)))
                assert outcome == "wrong" and why, (item, off)
            checked += 1
    assert checked > 60


def both(*values, labels=("甲种理解", "乙种理解", "丙种理解")) -> dict:
    """A total answered in several readings side by side, the first its own."""
    return {"shape": "total", "value": values[0], "rows": [],
            "readings": [{"label": label, "value": v} for label, v in zip(labels, values)]}


def test_readings_side_by_side() -> None:
    # The reading the answer leads with is the truth's: right; another, labelled, is: the examiner
    # must pick (clarified); none is, or the readings are unlabelled: wrong.
    assert classify(Total(7), Reply("answered", both(7, 3))) == ("right", "")
    assert classify(Total(7), Reply("answered", both(3, 7)))[0] == "clarified"
    assert classify(Total(7), Reply("answered", both(3, 4)))[0] == "wrong"
    assert classify(Total(7), Reply("answered", both(3, 7, labels=("一", " "))))[0] == "wrong"
    # every reading shown, each once
    assert classify(Readings((Total(3), Total(7))), Reply("answered", both(7, 3))) == ("right", "")
    assert classify(Readings((Total(3), Total(7))), Reply("answered", both(3, 8)))[0] == "wrong"
    assert classify(Readings((Total(3), Total(7))), Reply("answered", both(3, 7, 9)))[0] == "wrong"


def test_ranking_ties_may_come_in_any_order() -> None:
    truth = Ranking((("甲", 5), ("乙", 3), ("丙", 3), ("丁", 1)))
    swapped = Ranking((("甲", 5), ("丙", 3), ("乙", 3), ("丁", 1)))
    assert classify(truth, Reply("answered", faithful(swapped))) == ("right", "")
    wrong_person = Ranking((("甲", 5), ("丁", 3), ("乙", 3)))
    assert classify(truth, Reply("answered", faithful(wrong_person)))[0] == "wrong"
    assert classify(Ranking(()), Reply("answered", faithful(Ranking(())))) == ("right", "")
    assert classify(DECLINE, Reply("clarified")) == ("clarified", "")
    assert classify(CLARIFY, Reply("declined")) == ("declined", "")
