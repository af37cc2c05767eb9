"""Second held-out set for the testdata case (spec: /work/spec/eval-spec.md): terse English-name
questions over the public test phones (America/New_York), written without reading the parser,
lexicon or other question files. The case holds SMS and iMessage, so "短信" has two readings unless
they agree (nothing was sent over iMessage in 2013)."""

from __future__ import annotations

from .truth import ALL_CALLS, ALL_MESSAGES, IMESSAGE, SMS, Item, absent_person, ambiguous

IN = "in"

ITEMS: list[Item] = [
    Item("Barney 来电 几次", lambda t: t.total(t.select(ALL_CALLS, direction=IN, people=("Barney",))), "direction"),
    Item("Barney 通话总时长", lambda t: t.duration(t.select(ALL_CALLS, people=("Barney",))), "measure"),
    Item("2015年11月 iMessage 几条", lambda t: t.total(t.select(IMESSAGE, window=t.month(2015, 11))), "time"),
    Item("+44 7775 455555 发来几条消息",
         lambda t: t.total(t.select(ALL_MESSAGES, direction=IN, people=("+447775455555",))), "robust"),
    Item("Josh Hickman 的号码", lambda t: t.lookup("Josh Hickman"), "lookup"),
    Item("提到“USB”的消息有几条", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("USB",))), "keyword"),
    Item("2013年10月29日 短信 条数",
         lambda t: t.total(t.select(SMS, window=t.days("2013-10-29", "2013-10-29"))), "time"),
    Item("2013.11.6 下午 通话", lambda t: t.total(t.select(ALL_CALLS, window=t.days("2013-11-06", "2013-11-06"),
                                                         hours=(12, 18))), "time"),
    Item("短信一共几条", ambiguous(lambda t: t.total(t.select(SMS)), lambda t: t.total(t.select(SMS + IMESSAGE))),
         "clarify"),
    Item("Liz 通话次数", lambda t: t.total(t.select(ALL_CALLS, people=("Liz",))), "robust"),
    # Fred is named in an SMS body, but no person of the case is Fred.
    Item("Fred 来电", absent_person("Fred"), "absent"),
    Item("最后一条消息 什么时候", lambda t: t.last(t.select(ALL_MESSAGES)), "time"),
]
