"""Seconds per call ("平均每通电话打多长时间", "平均通话时长"), over the demo case: one figure, the
selected calls' seconds over their count, rounded to 0.1. A per-person or per-day average, an
average of several people, a ranking of averages and an average per day ("平均每天几个电话":
which days?) are declined."""

from __future__ import annotations

from .truth import ALL_CALLS, DECLINE, PHONE, WECHAT_CALLS, Item, Total

C = ALL_CALLS


def average(sources=C, **kw):
    def expect(t):
        recs = t.select(sources, **kw)
        assert recs
        return Total(round(sum(r.dur for r in recs) / len(recs), 1))
    return expect


ITEMS: list[Item] = [
    Item("平均每次通话多长时间", average(), "measure"),
    Item("和李娜的平均通话时长是多少", average(people=("李娜",)), "measure"),
    Item("微信通话平均时长", average(WECHAT_CALLS), "measure"),
    Item("机主打出去的电话平均通话时间是多少", average(direction="out"), "measure"),
    Item("普通电话平均每通打多久", average(PHONE), "measure"),
    Item("上个月张伟打来的电话，平均时长多少", lambda t: average(direction="in", people=("张伟",),
                                                          window=t.last_month(C))(t), "measure"),
    Item("晚上的通话平均时长", average(hours=(18, 24)), "measure"),
    Item("每个联系人的平均通话时长", DECLINE, "measure"),
    Item("平均通话时长最长的是谁", DECLINE, "measure"),
    Item("李娜和张伟的平均通话时长", DECLINE, "measure"),
    Item("每天的平均通话时长", DECLINE, "measure"),
    Item("微信消息平均时长", DECLINE, "measure"),
    Item("平均每天打几个电话", DECLINE, "measure"),
]
