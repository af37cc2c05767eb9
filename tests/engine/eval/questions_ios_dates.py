"""Dates written with digits and a slash or a dot over the ios case (newest record 2024-10-09):
"9.27", "10/1-10/7", "9/15那天". The ios case holds iMessage, so only questions with no "短信" are
here (短信 has two readings there, asked back elsewhere)."""

from __future__ import annotations

from .truth import ALL_CALLS, ALL_MESSAGES, FACETIME, IMESSAGE, WECHAT_CALLS, Item

C, M = ALL_CALLS, ALL_MESSAGES


def on(first, last=None, sources=C, measure="total", **kw):
    def expect(t):
        recs = t.select(sources, window=t.days(first, last or first), **kw)
        got = t.ranking(recs) if measure == "ranking" else t.duration(recs) if measure == "duration" \
            else t.total(recs)
        assert getattr(got, "value", None) != 0 and getattr(got, "rows", None) != (), got  # proves something
        return got
    return expect


ITEMS: list[Item] = [
    Item("9.27晚上马超打来的未接电话有几个",
         on("2024-09-27", direction="in", statuses=("missed",), hours=(18, 24), people=("马超",)), "time"),
    Item("10/1-10/7 微信通话 总时长", on("2024-10-01", "2024-10-07", WECHAT_CALLS, "duration"), "time"),
    Item("9/15到9/17期间，和谁通话最多", on("2024-09-15", "2024-09-17", measure="ranking"), "time"),
    Item("9.1至9.30 FaceTime 一共几次", on("2024-09-01", "2024-09-30", FACETIME), "time"),
    Item("8/8那天iMessage收发了多少条", on("2024-08-08", sources=IMESSAGE), "time"),
    Item("10.8 机主一共收发多少条消息", on("2024-10-08", sources=M), "time"),
]
