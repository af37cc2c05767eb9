"""Apps left out over the ios case, where "短信" has two readings (SMS alone, or with iMessage):
leaving out 短信 does not say which to leave out, so it is declined; 普通短信 says."""

from __future__ import annotations

from .truth import DECLINE, IMESSAGE, PHONE, WECHAT_CALLS, WECHAT_MSGS, Item

ITEMS: list[Item] = [
    Item("不含短信，消息有多少条", DECLINE, "channels"),
    Item("不含普通短信，消息有多少条", lambda t: t.total(t.select(IMESSAGE + WECHAT_MSGS)), "channels"),
    Item("除了FaceTime，通话一共有几次", lambda t: t.total(t.select(PHONE + WECHAT_CALLS)), "channels"),
]
