"""Words that were declined though their meaning is plain, over the demo case: 量 / 数 after a
record word ("通话量", "消息数"), 人数, 收发 before a message word, 拨给, a place in a ranking
("第二多", "排第三", "第一是谁", "前三个人"), 集中, 一周里. Written as examiners write them, beside
the forms the rules were made for."""

from __future__ import annotations

from .truth import (
    ALL,
    ALL_CALLS,
    ALL_MESSAGES,
    DECLINE,
    PHONE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Item,
)

C, M = ALL_CALLS, ALL_MESSAGES

ITEMS: list[Item] = [
    Item("短信量是多少", lambda t: t.total(t.select(SMS)), "total"),
    Item("每天的微信消息量，哪天最多", lambda t: t.groups(t.select(WECHAT_MSGS), "day"), "time"),
    Item("张伟 通话数", lambda t: t.total(t.select(C, people=("张伟",))), "total"),
    Item("上个月和机主有过通话的人数", lambda t: t.people(t.select(C, window=t.last_month(C))), "total"),
    Item("给机主发过微信消息的人数是多少", lambda t: t.people(t.select(WECHAT_MSGS, direction="in")), "total"),
    Item("一周中周几微信消息最多", lambda t: t.groups(t.select(WECHAT_MSGS), "weekday"), "time"),
    Item("哪天收发短信最多", lambda t: t.groups(t.select(SMS), "day"), "time"),
    Item("机主拨给张伟的电话一共几个", lambda t: t.total(t.select(C, direction="out", people=("张伟",))), "direction"),
    Item("微信通话次数排第二的是谁", lambda t: t.ranking(t.select(WECHAT_CALLS)), "ranking"),
    Item("短信往来第三多的联系人", lambda t: t.ranking(t.select(SMS)), "ranking"),
    Item("给机主打电话的人里，按次数排，第一是谁", lambda t: t.ranking(t.select(C, direction="in")), "ranking"),
    Item("联系最多的前三个人", lambda t: t.ranking(t.select(ALL)), "ranking"),
    Item("晚上通话最集中的是哪天", lambda t: t.groups(t.select(C, hours=(18, 24)), "day"), "time"),
    Item("上个月不算周末，谁给机主发消息最多", lambda t: t.ranking(
        t.select(M, window=t.last_month(M), weekdays=(0, 1, 2, 3, 4), direction="in")), "time"),
]

# A word that points at a person, in a conversation's first question: nobody to point at. These
# were answered about everyone (这个人 was a filler word).
ITEMS += [
    Item("这个人最后一次打来是什么时候", DECLINE, "decline"),
    Item("那个人一共打了几次电话", DECLINE, "decline"),
    Item("他给机主发过几条微信", DECLINE, "decline"),
    Item("此人和机主的通话总时长", DECLINE, "decline"),
    Item("15220246633这个人最后一次打来是什么时候",
         lambda t: t.last(t.select(C, direction="in", people=("李娜",))), "merge"),
]

# An app left out, then a comma and the kind word: only the app is left out.
ITEMS += [
    Item("不算微信电话，通话一共多少次", lambda t: t.total(t.select(PHONE)), "channels"),
    Item("除了短信，消息一共多少条", lambda t: t.total(t.select(WECHAT_MSGS)), "channels"),
    Item("不含微信，和谁通话最多", lambda t: t.ranking(t.select(PHONE)), "channels"),
]
