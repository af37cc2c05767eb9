"""Bounds on a call's length over the ios case (phone, FaceTime and WeChat calls)."""

from __future__ import annotations

from .questions_demo_thresholds import calls
from .truth import ALL_CALLS, DECLINE, FACETIME, WECHAT_CALLS, Item

C = ALL_CALLS


def total(test, sources=C, **kw):
    return lambda t: t.total(calls(t, test, sources, **kw))


ITEMS: list[Item] = [
    Item("FaceTime超过10分钟的有几次", total(lambda d: d > 600, FACETIME), "measure"),
    Item("半小时以上的微信通话有几个", total(lambda d: d >= 1800, WECHAT_CALLS), "measure"),
    Item("超过1个小时的通话，谁最多", lambda t: t.ranking(calls(t, lambda d: d > 3600)), "measure"),
    Item("马超打来的电话中不到1分钟的有几个", total(lambda d: d < 60, direction="in", people=("马超",)), "measure"),
    Item("超过5分钟的 iMessage 有多少条", DECLINE, "measure"),
]
