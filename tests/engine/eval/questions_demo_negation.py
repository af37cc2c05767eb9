"""Negated time over the demo case: hours or weekdays the question leaves out ("除了晚上", "不算周末",
"不是周末的时候", "工作日以外"), read as their complement. Before this set qbot read every one of
these as the filter itself (除了晚上 = the evening only): each item here checks that the
complement's answer differs from the filter's, so a reading the wrong way round is wrong, not
lucky. Negations the filters cannot express (a window, a list) must be declined.

Demo facts used: newest record 2024-06-29 (Saturday); 刘洋 calls at night."""

from __future__ import annotations

from .truth import ALL_CALLS, ALL_MESSAGES, DECLINE, SMS, WECHAT_MSGS, Item

C, M = ALL_CALLS, ALL_MESSAGES
WEEKDAYS, WEEKEND = (0, 1, 2, 3, 4), (5, 6)
NOT_EVENING, EVENING = (0, 18), (18, 24)
NOT_NIGHT, NIGHT = (6, 22), (22, 6)


def unlike(answer, opposite):
    """`answer`, after checking that the filter read the other way round gives another answer."""
    def expect(t):
        got = answer(t)
        assert got != opposite(t), f"the negation and the filter agree: {got}"
        return got
    return expect


def ranked(sources, **kw):
    return lambda t: t.ranking(t.select(sources, **kw))


def total(sources, **kw):
    return lambda t: t.total(t.select(sources, **kw))


ITEMS: list[Item] = [
    Item("不算周末，和谁通话最多", unlike(ranked(C, weekdays=WEEKDAYS), ranked(C, weekdays=WEEKEND)), "time"),
    Item("除了周末，机主一共有多少通通话", unlike(total(C, weekdays=WEEKDAYS), total(C, weekdays=WEEKEND)), "time"),
    Item("周末以外，谁打电话给机主最多",
         unlike(ranked(C, weekdays=WEEKDAYS, direction="in"), ranked(C, weekdays=WEEKEND, direction="in")), "time"),
    Item("工作日以外的通话有几次", unlike(total(C, weekdays=WEEKEND), total(C, weekdays=WEEKDAYS)), "time"),
    Item("不是周末的时候，微信消息一共多少条",
         unlike(total(WECHAT_MSGS, weekdays=WEEKDAYS), total(WECHAT_MSGS, weekdays=WEEKEND)), "time"),
    Item("周末不算，短信总共几条", unlike(total(SMS, weekdays=WEEKDAYS), total(SMS, weekdays=WEEKEND)), "time"),
    Item("除了晚上，和谁通话最多", unlike(ranked(C, hours=NOT_EVENING), ranked(C, hours=EVENING)), "time"),
    Item("不含晚上的通话有多少次", unlike(total(C, hours=NOT_EVENING), total(C, hours=EVENING)), "time"),
    Item("夜间除外，谁和机主通话最多", unlike(ranked(C, hours=NOT_NIGHT), ranked(C, hours=NIGHT)), "time"),
    Item("除了夜里以外，机主一共收到多少条消息",
         unlike(total(M, hours=NOT_NIGHT, direction="in"), total(M, hours=NIGHT, direction="in")), "time"),
    Item("刘洋除了深夜打来过几次电话",
         unlike(total(C, hours=NOT_NIGHT, direction="in", people=("刘洋",)),
                total(C, hours=NIGHT, direction="in", people=("刘洋",))), "time"),
    Item("不算晚上8点以后，和李娜通话几次",
         unlike(total(C, hours=(0, 20), people=("李娜",)), total(C, hours=(20, 24), people=("李娜",))), "time"),
    Item("除了周末，晚上谁打电话最多",
         unlike(ranked(C, weekdays=WEEKDAYS, hours=EVENING), ranked(C, weekdays=WEEKEND, hours=EVENING)), "time"),
    Item("上个月不算周末，通话有多少次",
         unlike(lambda t: t.total(t.select(C, window=t.last_month(C), weekdays=WEEKDAYS)),
                lambda t: t.total(t.select(C, window=t.last_month(C), weekdays=WEEKEND))), "time"),
    Item("除开周末 谁打来电话最多",  # 除开: a mark not in the rules must not be read as the filter
         unlike(ranked(C, weekdays=WEEKDAYS, direction="in"), ranked(C, weekdays=WEEKEND, direction="in"))
         , "time"),
    # What a complement cannot say: declined, never read as the filter.
    Item("除了3月，通话一共多少次", DECLINE, "time"),
    Item("除了昨晚，机主和谁通话最多", DECLINE, "time"),
    Item("除了周末和晚上，通话多少次", DECLINE, "time"),
    Item("除了周末和张伟，谁打电话最多", DECLINE, "time"),
    Item("不算春节期间，短信有多少条", DECLINE, "time"),
]
