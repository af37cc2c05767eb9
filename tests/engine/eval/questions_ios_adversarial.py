"""Adversarial held-out questions over the `ios` case (see questions_demo_adversarial.py for how
they were written): who is the sender when a person or the owner is the object, 以外 after what is
left out, per-day figures, keyword searches no filter says, the owner's own accounts. Truth is
plain Python over truth.py's records, written without reading the engine."""

from __future__ import annotations

from .truth import (
    ALL_CALLS,
    ALL_MESSAGES,
    DECLINE,
    FACETIME,
    IMESSAGE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Item,
    ambiguous,
    without,
)


ITEMS: list[Item] = [
    # 短信 alone or with iMessage: two readings, answered side by side or asked
    Item("孙丽发了多少条短信",
         ambiguous(lambda t: t.total(t.select(SMS, direction="in", people=("孙丽",))),
                   lambda t: t.total(t.select(SMS + IMESSAGE, direction="in", people=("孙丽",)))), "direction"),
    Item("孙丽发的iMessage有几条", lambda t: t.total(t.select(IMESSAGE, direction="in", people=("孙丽",))),
         "direction"),
    Item("吴昊打了几次FaceTime", lambda t: t.total(t.select(FACETIME, direction="in", people=("吴昊",))), "direction"),
    Item("王芳发了几条消息", lambda t: t.total(t.select(ALL_MESSAGES, direction="in", people=("王芳",))), "direction"),
    Item("周强最近一周打了几次",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("周强",), window=t.recent(ALL_CALLS, 7))),
         "direction"),
    Item("郑雪打的微信电话时长一共多少",
         lambda t: t.duration(t.select(WECHAT_CALLS, direction="in", people=("郑雪",))), "measure"),
    Item("谁收到机主的iMessage最多", lambda t: t.ranking(t.select(IMESSAGE, direction="out")), "direction"),
    Item("谁回复机主最多", lambda t: t.ranking(t.select(ALL_MESSAGES, direction="in")), "direction"),
    Item("给孙丽打电话的人有几个", DECLINE, "decline"),
    Item("吴昊以外谁打电话最多", lambda t: t.ranking(without(t.select(ALL_CALLS), "吴昊")), "ranking"),
    Item("FaceTime以外的通话有几个",
         lambda t: t.total([r for r in t.select(ALL_CALLS) if r.app != "FaceTime"]), "channels"),
    Item("妈妈每天给机主发几条微信",
         lambda t: t.groups(t.select(WECHAT_MSGS, direction="in", people=("妈妈",)), by="day"), "measure"),
    Item("最近一周每天的通话次数",
         lambda t: t.groups(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 7)), by="day"), "measure"),
    Item("提到银行或者快递的短信有几条", DECLINE, "keyword"),
    Item("没提到验证码的短信有多少", DECLINE, "keyword"),
    Item("吴昊的微信号是多少", lambda t: t.lookup("吴昊"), "lookup"),
    Item("FaceTime视频一共几次", lambda t: t.total(t.select(FACETIME, media="video")), "channels"),
    Item("和郑雪微信视频了几次", lambda t: t.total(t.select(WECHAT_CALLS, people=("郑雪",), media="video")), "channels"),
    Item("郑雪的视频通话有几次", lambda t: t.total(t.select(ALL_CALLS, people=("郑雪",), media="video")), "channels"),
    Item("FaceTime视频通话几次", lambda t: t.total(t.select(FACETIME, media="video")), "channels"),
    Item("吴昊用邮箱发的iMessage有几条", DECLINE, "merge"),  # one handle of a merged person
    Item("何军用手机号打来几次", DECLINE, "merge"),
    Item("给王芳发iMessage的人", DECLINE, "decline"),  # messages between others
    Item("王芳发给王芳芳的消息", DECLINE, "decline"),
    Item("孙丽不算，谁打电话最多", lambda t: t.ranking(without(t.select(ALL_CALLS), "孙丽")), "ranking"),
    Item("除了孙丽，周强打来几次", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("周强",))), "direction"),
    Item("不看iMessage，孙丽的消息有几条",
         lambda t: t.total([r for r in t.select(ALL_MESSAGES, people=("孙丽",)) if r.app != "iMessage"]), "channels"),
    Item("马超9月27号打了几个",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("马超",),
                                    window=t.days("2024-09-27", "2024-09-27"))), "time"),
]
