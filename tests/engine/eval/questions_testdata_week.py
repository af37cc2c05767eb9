"""A fourth held-out set over the testdata case (the public test phones, America/New_York): a week
of examiners' questions, written without reading the parser, lexicon, readings, people or any
other question file. Truth follows the documented reading rules (docs/questions.md,
/work/spec/eval-spec.md). The case holds iMessage, so "短信" has two readings (SMS alone, SMS with
iMessage): CLARIFY when they differ, the SMS answer when they agree."""

from __future__ import annotations

from .truth import (ALL_CALLS, ALL_MESSAGES, DECLINE, IMESSAGE, SMS, Item, absent_person, ambiguous)

C, M = ALL_CALLS, ALL_MESSAGES


def sms_or_ask(answer):
    def expect(t):
        alone, both = answer(t, SMS), answer(t, SMS + IMESSAGE)
        return alone if alone == both else ambiguous(lambda _: alone, lambda _: both)(t)
    return expect


ITEMS: list[Item] = [
    Item("通话记录有几条", lambda t: t.total(t.select(C)), "total"),
    Item("Barney给机主打过几次电话", lambda t: t.total(t.select(C, direction="in", people=("Barney",))), "direction"),
    Item("和Barney的通话总时长是多少", lambda t: t.duration(t.select(C, people=("Barney",))), "measure"),
    Item("未接电话有几个", lambda t: t.total(t.select(C, statuses=("missed",))), "total"),
    Item("Barney最后一次来电是什么时候", lambda t: t.last(t.select(C, direction="in", people=("Barney",))), "time"),
    Item("Josh Hickman的联系方式", lambda t: t.lookup("Josh Hickman"), "lookup"),
    Item("Liz的电话号码是多少", lambda t: t.lookup("Liz"), "lookup"),
    Item("iMessage一共多少条", lambda t: t.total(t.select(IMESSAGE)), "channels"),
    Item("短信有多少条", sms_or_ask(lambda t, s: t.total(t.select(s))), "clarify"),
    Item("和谁发消息最多", lambda t: t.ranking(t.select(M)), "ranking"),
    Item("哪些消息提到了bowling", lambda t: t.listing(t.select(M, keywords=("bowling",))), "keyword"),
    Item("2015年11月的iMessage有多少条", lambda t: t.total(t.select(IMESSAGE, window=t.month(2015, 11))), "time"),
    Item("2013年10月29日机主发出的短信有几条",
         sms_or_ask(lambda t, s: t.total(t.select(s, window=t.days("2013-10-29", "2013-10-29"), direction="out"))),
         "time"),
    Item("机主和Thom De'Fer联系过几次", lambda t: t.total(t.select(C + M, people=("Thom De'Fer",))), "total"),
    Item("Fred打来过电话吗", absent_person("Fred"), "absent"),
    Item("凌晨的消息有几条", lambda t: t.total(t.select(M, hours=(0, 6))), "time"),
    Item("哪一天的消息最多", lambda t: t.groups(t.select(M), "day"), "time"),
    Item("最后一条消息是和谁的", lambda t: t.last(t.select(M)), "time"),
    Item("+44 7775 455555发来几条消息", lambda t: t.total(t.select(M, direction="in", people=("+447775455555",))),
         "robust"),
    Item("Barney的通话里最长的一次有多久", DECLINE, "decline"),
]
