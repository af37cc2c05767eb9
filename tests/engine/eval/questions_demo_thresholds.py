"""Bounds on a call's length over the demo case ("超过10分钟", "10分钟以上", "不到1分钟", "半小时以内"),
read as docs/questions.md says: 超过 N is more than N, N以上 / 以内 / 以下 include N (the Criminal
Law's art. 99 reading), 不到 / 不足 N is less than N. Truth filters the records sqlite3 returned on
their duration in seconds. A length that bounds nothing ("10分钟左右"), bounds on messages, and
bounds that cannot all hold are declined."""

from __future__ import annotations

from .truth import ALL_CALLS, DECLINE, PHONE, WECHAT_CALLS, Item

C = ALL_CALLS


def calls(t, test, sources=C, **kw):
    """The selected calls whose duration passes `test`, after checking the bound leaves some out
    and keeps some: a bound that changes nothing proves nothing."""
    recs = t.select(sources, **kw)
    kept = [r for r in recs if test(r.dur)]
    assert kept and len(kept) < len(recs), (len(kept), len(recs))
    return kept


def total(test, sources=C, **kw):
    return lambda t: t.total(calls(t, test, sources, **kw))


ITEMS: list[Item] = [
    Item("通话超过5分钟的有多少次", total(lambda d: d > 300), "measure"),
    Item("打了超过20分钟的电话有几通", total(lambda d: d > 1200), "measure"),
    Item("时长在10分钟以上的通话有几个", total(lambda d: d >= 600), "measure"),
    Item("10分钟以上的通话，和谁最多", lambda t: t.ranking(calls(t, lambda d: d >= 600)), "measure"),
    Item("不到1分钟的电话有几个", total(lambda d: d < 60), "measure"),
    Item("不足30秒的来电有多少", total(lambda d: d < 30, direction="in"), "measure"),
    Item("李娜和机主通话超过5分钟的有几次", total(lambda d: d > 300, people=("李娜",)), "measure"),
    Item("超过15分钟的微信通话一共多长时间",
         lambda t: t.duration(calls(t, lambda d: d > 900, WECHAT_CALLS)), "measure"),
    Item("普通电话里超过18分钟的有几次", total(lambda d: d > 1080, PHONE), "measure"),
    Item("超过1分钟不到5分钟的通话有多少", total(lambda d: 60 < d < 300), "measure"),
    Item("上个月超过10分钟的电话有几通", lambda t: t.total(
        calls(t, lambda d: d > 600, window=t.last_month(C))), "measure"),
    Item("晚上超过10分钟的通话有几次", total(lambda d: d > 600, hours=(18, 24)), "measure"),
    Item("5分钟以内的通话一共多少个", total(lambda d: d <= 300), "measure"),
    Item("机主打出去的电话里，通话时长超过15分钟的有几个", total(lambda d: d > 900, direction="out"), "measure"),
    # 300 s calls exist: 5分钟以上 (300 included) and 超过5分钟 (300 left out) differ.
    Item("5分钟以上的电话有几个", total(lambda d: d >= 300), "measure"),
    Item("通话时长不少于5分钟的有多少次", total(lambda d: d >= 300), "measure"),
    Item("超过一刻钟的通话有几次", DECLINE, "measure"),  # 一刻钟: not a unit the rules know
    Item("通话10分钟左右的有几次", DECLINE, "measure"),
    Item("超过10分钟的短信有几条", DECLINE, "measure"),
    Item("超过10分钟的微信消息有几条", DECLINE, "measure"),
    Item("超过10分钟不到5分钟的通话有多少", DECLINE, "measure"),
]
