"""How many records a person needs to count, over the demo case: "至少打过5次电话的人", "超过100次",
"两次以上" (超过 N is more than N; 至少 N and N以上 include N). One person is all their numbers and
accounts, so the count is of each person's merged records, as `Truth.ranking` merges them. An
upper bound ("不到5次") or a bound with nothing to rank is declined."""

from __future__ import annotations

from .truth import ALL, ALL_CALLS, DECLINE, SMS, WECHAT_MSGS, Item, People

C = ALL_CALLS


def people_with(least, sources=C, **kw):
    """People whose merged records reach `least`, after checking the bound leaves some out."""
    def expect(t):
        rows = t.ranking(t.select(sources, **kw)).rows
        kept = [p for p, n in rows if n >= least]
        assert kept and len(kept) < len(rows), (least, len(kept), len(rows))
        return People(len(kept))
    return expect


def top_with(least, sources=C, **kw):
    def expect(t):
        ranked = t.ranking(t.select(sources, **kw))
        assert any(n < least for _, n in ranked.rows)
        return type(ranked)(tuple((p, n) for p, n in ranked.rows if n >= least))
    return expect


ITEMS: list[Item] = [
    Item("至少打过5次电话的人有几个", people_with(5), "measure"),
    Item("通话次数超过100次的有几个人", people_with(101), "measure"),
    Item("和机主通话超过100次的联系人有哪些", people_with(101), "measure"),
    Item("打过两次以上电话的人有多少", people_with(2), "measure"),
    Item("给机主发短信超过20条的人有几个", people_with(21, SMS, direction="in"), "measure"),
    Item("微信消息不少于110条的联系人有多少位", people_with(110, WECHAT_MSGS), "measure"),
    Item("上个月通话10次以上的人有几个", lambda t: people_with(10, window=t.last_month(C))(t), "measure"),
    Item("超过100次的联系人里谁最多", top_with(101, ALL), "ranking"),
    Item("不到5次的人有几个", DECLINE, "measure"),
    Item("通话超过5次的有几天", DECLINE, "measure"),
]
