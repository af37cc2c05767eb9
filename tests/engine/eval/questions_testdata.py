"""Questions over the public test databases (case "testdata", America/New_York): 3 calls with
Barney, 9 SMS with one correspondent written two ways, 10 iMessages (a UK number and an iCloud
address) and a small address book. The figures are tiny, so every answer is exact: a count off by
one, a date in UTC or in Shanghai instead of New York, is simply wrong."""

from __future__ import annotations

from .truth import (ALL, ALL_CALLS, ALL_MESSAGES, DECLINE, IMESSAGE, SMS, Item, absent_number, absent_person,
                    ambiguous)

BARNEY = ("Barney",)
SMS_PEER = ("15555215554",)  # the emulator's number: not a valid one, so it is its own name
UK = ("+447775455555",)

ITEMS = [
    # total
    Item("机主手机里一共有几条通话记录？", lambda t: t.total(t.select(ALL_CALLS)), "total"),
    Item("iMessage 一共多少条？", lambda t: t.total(t.select(IMESSAGE)), "total"),
    Item("机主一共发出去多少条消息？", lambda t: t.total(t.select(ALL_MESSAGES, direction="out")), "total"),
    Item("机主跟几个不同的人发过iMessage？", lambda t: t.people(t.select(IMESSAGE)), "total"),
    # direction and status for one person
    Item("Barney给机主打过几次电话？", lambda t: t.total(t.select(ALL_CALLS, people=BARNEY, direction="in")),
         "direction"),
    Item("Barney打来的电话机主有几次没接？",
         lambda t: t.total(t.select(ALL_CALLS, people=BARNEY, direction="in", statuses=("missed", "rejected"))),
         "direction"),
    Item("机主主动打给Barney几次？", lambda t: t.total(t.select(ALL_CALLS, people=BARNEY, direction="out")),
         "direction"),
    Item("Barney最后一次给机主打电话是什么时候？",
         lambda t: t.last(t.select(ALL_CALLS, people=BARNEY, direction="in")), "direction"),
    Item("机主收到的第一条消息是什么时候、谁发的？", lambda t: t.first(t.select(ALL_MESSAGES, direction="in")),
         "direction"),
    # ranking
    Item("机主和谁通话最多？", lambda t: t.ranking(t.select(ALL_CALLS)), "ranking"),
    Item("机主在iMessage上和谁聊得最多？", lambda t: t.ranking(t.select(IMESSAGE)), "ranking"),
    Item("和机主联系最多的人是谁？", lambda t: t.ranking(t.select(ALL)), "ranking"),
    # measure
    Item("机主和Barney一共通话多长时间？", lambda t: t.duration(t.select(ALL_CALLS, people=BARNEY)), "measure"),
    Item("机主打给Barney的那通电话聊了多久？",
         lambda t: t.duration(t.select(ALL_CALLS, people=BARNEY, direction="out")), "measure"),
    Item("机主一天里几点钟通话最多？", lambda t: t.groups(t.select(ALL_CALLS), by="hour"), "measure"),
    Item("哪一天机主的消息最多？", lambda t: t.groups(t.select(ALL_MESSAGES), by="day"), "measure"),
    # merge: the SMS correspondent is written '1 555-521-5554' and '15555215554'
    Item("1 555-521-5554 这个号码和机主来往了几条信息？", lambda t: t.total(t.select(ALL_MESSAGES, people=SMS_PEER)),
         "merge"),
    # time (New York local time: in UTC or Shanghai these fall on other days)
    Item("2013年11月6日机主一共有几次通话？", lambda t: t.total(t.select(ALL_CALLS, window=t.days("2013-11-06", "2013-11-06"))),
         "time"),
    Item("2013年10月29日下午机主收发了多少条信息？",
         lambda t: t.total(t.select(ALL_MESSAGES, window=t.days("2013-10-29", "2013-10-29"), hours=(12, 18))), "time"),
    Item("2015年11月机主和谁发消息最多？", lambda t: t.ranking(t.select(ALL_MESSAGES, window=t.month(2015, 11))),
         "time"),
    Item("最近一周机主收发了几条 iMessage？", lambda t: t.total(t.select(IMESSAGE, window=t.recent(IMESSAGE, 7))),
         "time"),
    Item("晚上机主在iMessage上聊了几条？", lambda t: t.total(t.select(IMESSAGE, hours=(18, 24))), "time"),
    # keyword
    Item("提到MacBook的消息有几条？", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("MacBook",))), "keyword"),
    Item("哪些信息里包含“message”这个词？", lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("message",))),
         "keyword"),
    # lookup
    Item("Josh Hickman 的联系方式有哪些？", lambda t: t.lookup("Josh Hickman"), "lookup"),
    Item("+1 (919) 579-0479 是谁？", lambda t: t.lookup("Josh Hickman"), "lookup"),
    Item("This Is DFIR Two 的电话和邮箱是什么？", lambda t: t.lookup("This Is DFIR Two"), "lookup"),
    # absent: a person the case holds, with no calls, is 0; one it lacks is declined
    Item("机主和Liz通过电话吗？", lambda t: t.total(t.select(ALL_CALLS, people=("Liz",))), "absent"),
    Item("Tom Cruise 给机主打过电话吗？", absent_person("Tom Cruise"), "absent"),
    Item("+1 202 555 0100 跟机主有联系吗？", absent_number("+12025550100"), "absent"),
    # clarify: SMS alone (9) or SMS and iMessage (19)
    Item("机主一共收发了多少条短信？", ambiguous(lambda t: t.total(t.select(SMS)),
                                     lambda t: t.total(t.select(SMS + IMESSAGE))), "clarify"),
    # decline
    Item("2015年11月机主人在哪里？", DECLINE, "decline"),
    Item("Barney 和机主是什么关系？感情好不好？", DECLINE, "decline"),
]
