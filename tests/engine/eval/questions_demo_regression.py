"""The builtin engine's first question set (it was tests/engine/test_questions.py), kept as
evaluation items so each still runs against the truth. Where the reading rules now read a
question differently from the first engine, the comment says how and why."""

from __future__ import annotations

from datetime import date

from tests.engine.eval.truth import (ALL, ALL_CALLS, ALL_MESSAGES, IMESSAGE, SMS, WECHAT_CALLS, WECHAT_MSGS, Item,
                                     Truth)

NIGHT = (22, 6)


def calls(t: Truth, days: int | None = None, window=None, **filters):
    return t.select(ALL_CALLS, window=window or (t.recent(ALL_CALLS, days) if days else None), **filters)


def month_range(t: Truth, y1: int, m1: int, y2: int, m2: int):
    return t.days(date(y1, m1, 1), date(y2, m2 + 1, 1) if m2 < 12 else date(y2 + 1, 1, 1))[0], \
        t.days(date(y1, m1, 1), date(y2, m2 + 1, 1) if m2 < 12 else date(y2 + 1, 1, 1))[1] - 86_400_000


ITEMS = [
    Item("请问机主最近与谁打电话比较频繁？", lambda t: t.ranking(calls(t, 30)), "ranking"),
    Item("机主和谁通话次数最多？", lambda t: t.ranking(calls(t)), "ranking"),
    # "给谁打电话": the owner is the caller, so outgoing calls only (the first engine counted all).
    Item("最近一个月机主经常给谁打电话？", lambda t: t.ranking(calls(t, 30, direction="out")), "direction"),
    Item("最近一周机主和谁打电话最多？", lambda t: t.ranking(calls(t, 7)), "ranking"),
    Item("最近三个月机主和谁通话最频繁？", lambda t: t.ranking(calls(t, 90)), "time"),
    Item("最近10天机主跟谁打电话最多？", lambda t: t.ranking(calls(t, 10)), "time"),
    Item("上个月机主和谁打电话最多？", lambda t: t.ranking(calls(t, window=t.last_month(ALL_CALLS))), "time"),
    Item("今年3月机主和谁通话最多？", lambda t: t.ranking(calls(t, window=t.month(2024, 3))), "time"),
    Item("2024年1月到3月机主和谁通话最频繁？",
         lambda t: t.ranking(calls(t, window=t.days(date(2024, 1, 1), date(2024, 3, 31)))), "time"),
    Item("3月5日至3月15日机主和谁通话最多？",
         lambda t: t.ranking(calls(t, window=t.days(date(2024, 3, 5), date(2024, 3, 15)))), "time"),
    Item("2024-05-01到2024-05-31机主和谁打电话最多？", lambda t: t.ranking(calls(t, window=t.month(2024, 5))), "time"),
    Item("机主和谁在微信上通话最多？", lambda t: t.ranking(t.select(WECHAT_CALLS)), "channels"),
    Item("机主和谁累计通话时间最长？", lambda t: t.ranking(calls(t), by="duration"), "measure"),
    Item("最近一个月机主和谁通话时长最长？", lambda t: t.ranking(calls(t, 30), by="duration"), "measure"),
    Item("机主微信通话时长最长的是谁？", lambda t: t.ranking(t.select(WECHAT_CALLS), by="duration"), "measure"),
    Item("机主夜间和谁通话最多？", lambda t: t.ranking(calls(t, hours=NIGHT)), "time"),
    # "给机主打电话": the caller is the other person: incoming night calls only.
    Item("深夜经常给机主打电话的是谁？", lambda t: t.ranking(calls(t, hours=NIGHT, direction="in")), "direction"),
    Item("最近一个月机主夜间和谁通话最多？", lambda t: t.ranking(calls(t, 30, hours=NIGHT)), "time"),
    # "有哪些未接来电" asks for the missed calls themselves (the first engine ranked their callers).
    Item("机主有哪些未接来电？", lambda t: t.listing(calls(t, statuses=("missed",))), "direction"),
    Item("最近两周谁给机主打了最多的未接电话？",
         lambda t: t.ranking(calls(t, 14, statuses=("missed",), direction="in")), "direction"),
    Item("最近一周有哪些未接来电？", lambda t: t.listing(calls(t, 7, statuses=("missed",))), "direction"),
    Item("谁的电话机主拒接或没接最多？", lambda t: t.ranking(calls(t, statuses=("rejected", "missed"))), "direction"),
    Item("机主微信上和谁聊天最多？", lambda t: t.ranking(t.select(WECHAT_MSGS)), "ranking"),
    # "发短信" with the owner as subject: sent SMS only.
    Item("机主发短信最多的联系人是谁？", lambda t: t.ranking(t.select(SMS, direction="out")), "direction"),
    Item("最近一个月机主和谁短信往来最多？", lambda t: t.ranking(t.select(SMS, window=t.recent(SMS, 30))), "ranking"),
    Item("机主和谁的消息最多？", lambda t: t.ranking(t.select(ALL_MESSAGES)), "ranking"),
    Item("机主在iMessage上和谁聊天最多？", lambda t: t.ranking(t.select(IMESSAGE)), "absent"),
    Item("机主在所有渠道中和谁联系最频繁？", lambda t: t.ranking(t.select(ALL)), "channels"),
    Item("最近一个月机主通过电话和消息和谁联系最多？", lambda t: t.ranking(t.select(ALL, window=t.recent(ALL, 30))),
         "channels"),
    Item("机主和张伟之间有哪些往来？", lambda t: t.listing(t.select(ALL, people=("张伟",))), "merge"),
    Item("机主与李娜的联系情况", lambda t: t.listing(t.select(ALL, people=("李娜",))), "merge"),
    Item("机主和刘洋有哪些通话和消息？", lambda t: t.listing(t.select(ALL, people=("刘洋",))), "merge"),
    Item("155-7822-0482 和机主有哪些往来？", lambda t: t.listing(t.select(ALL, people=("张伟",))), "merge"),
    Item("+86 152 2024 6633 与机主的联系记录", lambda t: t.listing(t.select(ALL, people=("李娜",))), "merge"),
    Item("有哪些消息提到“钱”？", lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("钱",))), "keyword"),
    Item("哪些聊天记录包含“加班”？", lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("加班",))), "keyword"),
    Item("搜索提到“身份证”的短信", lambda t: t.listing(t.select(SMS, keywords=("身份证",))), "keyword"),
    Item("有哪些消息提到快递？", lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("快递",))), "keyword"),
    Item("机主一天中几点最活跃？", lambda t: t.groups(t.select(ALL), by="hour"), "measure"),
    Item("最近一个月机主在哪个时段通话和消息最多？", lambda t: t.groups(t.select(ALL, window=t.recent(ALL, 30)), by="hour"),
         "measure"),
    Item("机主哪天最活跃？", lambda t: t.groups(t.select(ALL), by="day"), "measure"),
    Item("2024年5月到6月机主每月的活动情况",
         lambda t: t.groups(t.select(ALL, window=t.days(date(2024, 5, 1), date(2024, 6, 30))), by="month"), "time"),
    Item("张伟的电话号码是多少？", lambda t: t.lookup("张伟"), "lookup"),
    Item("刘洋的联系方式", lambda t: t.lookup("刘洋"), "lookup"),
]
