"""The question set: Chinese questions over the demo case, each driven through the real server
(question → 开始任务 → 继续任务 with the proposed form) and checked against ground truth computed
independently from the tables (tests/engine/truth.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.engine.truth import CALLS, MESSAGES, Truth

ALL = CALLS + MESSAGES
PHONE, SMS, WECHAT = ("基本信息/电话/通话记录",), ("基本信息/短信",), ("社交通讯/微信/聊天记录",)


@pytest.fixture(scope="session")
def truth(demo_evidence) -> Truth:
    return Truth(str(demo_evidence))


def top(t: Truth, recs, merge=False, by_duration=False):
    ranked = t.rank([r for r in recs if r.cp is not None], merge, by_duration)
    return ranked[0], len(recs)


def calls_rank(paths=CALLS, days=None, window=None):
    def expect(t: Truth):
        w = window(t) if window else (t.recent(paths, days) if days else None)
        (name, count, dur), total = top(t, t.select(paths, w))
        return {"name": name, "value": count, "records": total, "duration": dur}
    return expect


def persons_rank(paths, days=None, night=False, missed=False, merge=False, by_duration=False, window=None):
    def expect(t: Truth):
        w = window(t) if window else (t.recent(paths, days) if days else None)
        recs = t.select(paths, w, night=night, missed=missed, persons=True)
        (name, count, dur), total = top(t, recs, merge, by_duration)
        return {"name": name, "value": dur if by_duration else count, "records": total}
    return expect


def person(name, paths=ALL):
    def expect(t: Truth):
        recs = t.select(paths, cps=t.person_members(name))
        return {"value": len(recs), "records": len(recs), "first_col": "合计"}
    return expect


def keyword(word, paths=MESSAGES):
    def expect(t: Truth):
        return {"records": sum(1 for r in t.select(paths) if r.body and word in r.body)}
    return expect


def hours(paths=ALL, days=None):
    def expect(t: Truth):
        w = t.recent(paths, days) if days else None
        hour, count = t.counter_by(t.select(paths, w), lambda r: r.hour)[0]
        return {"first_col": f"{hour:02d}:00-{hour:02d}:59", "value_at_1": count}
    return expect


def days_active(paths=ALL, window=None, month=False):
    def expect(t: Truth):
        recs = t.select(paths, window(t) if window else None)
        label, count = t.counter_by(recs, (lambda r: r.day[:7]) if month else (lambda r: r.day))[0]
        return {"first_col": label, "value_at_1": count, "records": len(recs)}
    return expect


def months(y1, m1, y2, m2):
    return lambda t: t.local_range(y1, m1, 1, y2, m2, 1)


def dates(y1, m1, d1, y2, m2, d2):
    return lambda t: t.local_range(y1, m1, d1, y2, m2, d2)


def last_month(paths):
    return lambda t: t.local_range(2024, 5, 1, 2024, 6, 1) if t.newest(paths) < t.local_range(
        2024, 7, 1, 2024, 7, 1)[0] else None


QUESTIONS = [
    ("请问机主最近与谁打电话比较频繁？", calls_rank(days=30)),
    ("机主和谁通话次数最多？", calls_rank()),
    ("最近一个月机主经常给谁打电话？", calls_rank(days=30)),
    ("最近一周机主和谁打电话最多？", calls_rank(days=7)),
    ("最近三个月机主和谁通话最频繁？", calls_rank(days=90)),
    ("最近10天机主跟谁打电话最多？", calls_rank(days=10)),
    ("上个月机主和谁打电话最多？", calls_rank(window=last_month(CALLS))),
    ("今年3月机主和谁通话最多？", calls_rank(window=months(2024, 3, 2024, 4))),
    ("2024年1月到3月机主和谁通话最频繁？", calls_rank(window=months(2024, 1, 2024, 4))),
    ("3月5日至3月15日机主和谁通话最多？", calls_rank(window=dates(2024, 3, 5, 2024, 3, 16))),
    ("2024-05-01到2024-05-31机主和谁打电话最多？", calls_rank(window=dates(2024, 5, 1, 2024, 6, 1))),
    ("机主和谁在微信上通话最多？", calls_rank(paths=("社交通讯/微信/音视频通话",))),
    ("机主和谁累计通话时间最长？", persons_rank(CALLS, by_duration=True)),
    ("最近一个月机主和谁通话时长最长？", persons_rank(CALLS, days=30, by_duration=True)),
    ("机主微信通话时长最长的是谁？", persons_rank(("社交通讯/微信/音视频通话",), by_duration=True)),
    ("机主夜间和谁通话最多？", persons_rank(CALLS, night=True)),
    ("深夜经常给机主打电话的是谁？", persons_rank(CALLS, night=True)),
    ("最近一个月机主夜间和谁通话最多？", persons_rank(CALLS, days=30, night=True)),
    ("机主有哪些未接来电？", persons_rank(CALLS, missed=True)),
    ("最近两周谁给机主打了最多的未接电话？", persons_rank(CALLS, days=14, missed=True)),
    ("最近一周有哪些未接来电？", persons_rank(CALLS, days=7, missed=True)),
    ("谁的电话机主拒接或没接最多？", persons_rank(CALLS, missed=True)),
    ("机主微信上和谁聊天最多？", persons_rank(WECHAT)),
    ("机主发短信最多的联系人是谁？", persons_rank(SMS)),
    ("最近一个月机主和谁短信往来最多？", persons_rank(SMS, days=30)),
    ("机主和谁的消息最多？", persons_rank(MESSAGES)),
    ("机主在iMessage上和谁聊天最多？", None),
    ("机主在所有渠道中和谁联系最频繁？", persons_rank(ALL, merge=True)),
    ("最近一个月机主通过电话和消息和谁联系最多？", persons_rank(ALL, days=30, merge=True)),
    ("机主和张伟之间有哪些往来？", person("张伟")),
    ("机主与李娜的联系情况", person("李娜")),
    ("机主和刘洋有哪些通话和消息？", person("刘洋")),
    ("155-7822-0482 和机主有哪些往来？", person("张伟")),
    ("+86 152 2024 6633 与机主的联系记录", person("李娜")),
    ("有哪些消息提到“钱”？", keyword("钱")),
    ("哪些聊天记录包含“加班”？", keyword("加班")),
    ("搜索提到“身份证”的短信", keyword("身份证", SMS)),
    ("有哪些消息提到快递？", keyword("快递")),
    ("机主一天中几点最活跃？", hours()),
    ("最近一个月机主在哪个时段通话和消息最多？", hours(days=30)),
    ("机主哪天最活跃？", days_active()),
    ("2024年5月到6月机主每月的活动情况", days_active(window=months(2024, 5, 2024, 7), month=True)),
    ("张伟的电话号码是多少？", "+8615578220482"),
    ("刘洋的联系方式", "+8613168106871"),
]


@pytest.mark.parametrize("question, expect", QUESTIONS, ids=[q for q, _ in QUESTIONS])
async def test_question(qbot, truth, question, expect):
    first, second, third = await qbot.api.flow(uuid.uuid4().hex, question)
    assert third[-1].data["state"] == "completed"
    result = next(e for e in third if e.event == "result").data
    text = "".join(e.data["delta"] for e in third if e.event == "message")
    if expect is None:  # the case has no such data: said so, nothing invented
        assert result["rows"] == [] and result["scope"] == []
        return
    if isinstance(expect, str):  # a lookup: the first row is the person's number
        assert result["rows"][0][1] == expect
        assert result["evidence"][0]["refs"]
        return
    want = expect(truth)
    row = result["rows"][0]
    if "name" in want:
        assert row[1] == want["name"] and row[3] == want["value"], (row, want)
    if "first_col" in want:
        assert row[0] == want["first_col"], (row, want)
    if "value" in want and "name" not in want:
        assert row[1] == want["value"]
    if "value_at_1" in want:
        assert row[1] == want["value_at_1"], (row, want)
    if "records" in want:
        assert result["records"] == want["records"]
        assert f"{want['records']} 条" in text
    if "duration" in want:
        assert row[4] == want["duration"]
    assert result["evidence"][0]["refs"], "the first row cites its records"
    assert len([e for e in third if e.event == "message"]) <= 8


async def test_unknown_question_keeps_conversation_usable(qbot):
    status, events, _ = await qbot.api.step("unknown-q", -1, "今天天气怎么样？")
    assert status == 200 and events[-1].data["state"] == "completed" and events[-1].data["expect"] == [-1]
    text = "".join(e.data["delta"] for e in events if e.event == "message")
    assert "例如" in text and "打电话" in text
    first, _, third = await qbot.api.flow("unknown-q")
    assert next(e for e in third if e.event == "result").data["rows"]
