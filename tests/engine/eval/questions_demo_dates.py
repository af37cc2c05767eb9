"""Dates written with digits and a slash or a dot ("6/18", "6.18", "6/1-6/7", "12/25"), and one
day with 那天 / 当天 ("6月18号那天"), over the demo case. The year is not named: it is the newest
record's, or the year before when the day would lie after the newest record (12/25 in a case
ending in June is 2023-12-25). Amounts, lengths and shares written the same way ("5.20元",
"1.5小时") are not dates, and a day written without its month ("18号那天") is declined.

Demo facts used: records from 2023-11-03 to 2024-06-29; 王磊's 18 missed calls on 2024-06-18 from
21:05."""

from __future__ import annotations

from .truth import (
    ALL_CALLS,
    ALL_MESSAGES,
    DECLINE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Item,
)

C, M = ALL_CALLS, ALL_MESSAGES
WANG = ("王磊",)


def on(first, last=None, sources=C, measure="total", **kw):
    def expect(t):
        recs = t.select(sources, window=t.days(first, last or first), **kw)
        return t.ranking(recs) if measure == "ranking" else t.duration(recs) if measure == "duration" \
            else t.total(recs)
    return expect


def nonzero(expect):
    """`expect`, after checking the window holds something: an empty window proves nothing."""
    def checked(t):
        got = expect(t)
        assert getattr(got, "value", None) != 0 and getattr(got, "rows", None) != (), got
        return got
    return checked


ITEMS: list[Item] = [
    Item("6/18 晚上 王磊 未接来电 几个",
         nonzero(on("2024-06-18", statuses=("missed",), people=WANG, hours=(18, 24))), "time"),
    Item("6.18晚上王磊的未接来电有几个",
         nonzero(on("2024-06-18", statuses=("missed",), people=WANG, hours=(18, 24))), "time"),
    Item("6月18号那天王磊打来几次电话", nonzero(on("2024-06-18", people=WANG, direction="in")), "time"),
    Item("6/18那天王磊一共给机主打了多少个电话", nonzero(on("2024-06-18", people=WANG, direction="in")), "time"),
    Item("2024年6月18日当天，通话一共多少次", nonzero(on("2024-06-18")), "time"),
    Item("2024/6/18 王磊 未接来电几个", nonzero(on("2024-06-18", statuses=("missed",), people=WANG)), "time"),
    Item("6/1-6/7 微信通话 总时长", nonzero(on("2024-06-01", "2024-06-07", WECHAT_CALLS, "duration")), "time"),
    Item("6/1到6/15和谁通话最多", nonzero(on("2024-06-01", "2024-06-15", measure="ranking")), "time"),
    Item("3/1-3/31 短信几条", nonzero(on("2024-03-01", "2024-03-31", SMS)), "time"),
    Item("5.1至5.5期间微信消息一共多少条", nonzero(on("2024-05-01", "2024-05-05", WECHAT_MSGS)), "time"),
    Item("12/25 机主收发了多少条消息", nonzero(on("2023-12-25", sources=M)), "time"),
    Item("从12/20到1/5，谁给机主打电话最多",
         nonzero(on("2023-12-20", "2024-01-05", measure="ranking", direction="in")), "time"),
    Item("2.14那天的短信有几条", nonzero(on("2024-02-14", sources=SMS)), "time"),
    Item("4/30晚上8点以后通话几次", on("2024-04-30", hours=(20, 24)), "time"),
    # Not dates, or not one day: declined, never read as a window.
    Item("18号那天王磊打来几次", DECLINE, "time"),
    Item("6月那天王磊打来几次", DECLINE, "time"),
    Item("13/5 通话多少次", DECLINE, "time"),
]
ITEMS += [
    Item("6/18通话几次", nonzero(on("2024-06-18")), "robust"),
    Item("2024/5/1-5/7通话几次", nonzero(on("2024-05-01", "2024-05-07")), "robust"),
    Item("5.20当天谁给机主发的微信消息最多",
         nonzero(on("2024-05-20", sources=WECHAT_MSGS, measure="ranking", direction="in")), "time"),
]
