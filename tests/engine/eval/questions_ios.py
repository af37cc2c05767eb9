"""Questions over the "ios" case (ioscase.py: an iPhone and an Android spare phone with WeChat,
Asia/Shanghai, 2024-04-10 .. 2024-10-09), written as examiners ask them. Every figure comes from
Truth; the windows are the reading rules of the spec (holidays: the official 2024 days off)."""

from __future__ import annotations

from datetime import timedelta

from .truth import (ALL, ALL_CALLS, ALL_MESSAGES, DECLINE, FACETIME, IMESSAGE, PHONE, SMS, WECHAT_CALLS,
                    WECHAT_MSGS, Item, Truth, absent_number, absent_person, ambiguous)

IN, OUT, MISSED = "in", "out", ("missed",)
HOLIDAYS_2024 = {"五一": ("2024-05-01", "2024-05-05"), "中秋": ("2024-09-15", "2024-09-17"),
                 "国庆": ("2024-10-01", "2024-10-07")}


def holiday(t: Truth, name: str) -> tuple[int, int]:
    return t.days(*HOLIDAYS_2024[name])


def summer(t: Truth, sources) -> tuple[int, int]:
    y = t.newest_year(sources)
    return t.days(f"{y}-06-01", f"{y}-08-31")


def yesterday(t: Truth, sources) -> tuple[int, int]:
    day = t.newest_date(sources) - timedelta(days=1)
    return t.days(day, day)


def last_week(t: Truth, sources, weekday: int) -> tuple[int, int]:
    """One day (0 Monday) of the Monday–Sunday week before the newest record's week."""
    newest = t.newest_date(sources)
    day = newest - timedelta(days=newest.weekday() + 7 - weekday)
    return t.days(day, day)


def calls(t: Truth, **kw):
    return t.select(ALL_CALLS, **kw)


ITEMS = [
    # total
    Item("机主一共有多少条通话记录？", lambda t: t.total(calls(t)), "total"),
    Item("FaceTime通话一共有多少次？", lambda t: t.total(t.select(FACETIME)), "total"),
    Item("微信语音、视频通话加起来一共几次？", lambda t: t.total(t.select(WECHAT_CALLS)), "total"),
    Item("机主的微信聊天记录一共有多少条（群聊也算）？", lambda t: t.total(t.select(WECHAT_MSGS)), "total"),
    # direction and status for one person
    Item("孙丽给机主打过几次电话？", lambda t: t.total(calls(t, people=("孙丽",), direction=IN)), "direction"),
    Item("机主打给周强的电话有多少次？", lambda t: t.total(calls(t, people=("周强",), direction=OUT)), "direction"),
    Item("马超打来的电话机主有几次未接？",
         lambda t: t.total(calls(t, people=("马超",), direction=IN, statuses=MISSED)), "direction"),
    Item("吴昊最后一次给机主打电话是什么时候？", lambda t: t.last(calls(t, people=("吴昊",), direction=IN)), "direction"),
    Item("机主最近一次给王芳发信息是什么时候？",
         lambda t: t.last(t.select(ALL_MESSAGES, people=("王芳",), direction=OUT)), "direction"),
    Item("林峰第一次打给机主是哪天几点？", lambda t: t.first(calls(t, people=("林峰",), direction=IN)), "direction"),
    Item("机主一共有多少个未接来电？", lambda t: t.total(calls(t, direction=IN, statuses=MISSED)), "direction"),
    # channels
    Item("机主和何军在哪些渠道上有联系？各多少条？", lambda t: t.groups(t.select(ALL, people=("何军",)), by="app"),
         "channels"),
    Item("吴昊用FaceTime和机主联系过几次？", lambda t: t.total(t.select(FACETIME, people=("吴昊",))), "channels"),
    Item("郑雪和机主的 WeChat 通话有几次？", lambda t: t.total(t.select(WECHAT_CALLS, people=("郑雪",))), "channels"),
    # ranking
    Item("最近和机主打电话最多的是谁？", lambda t: t.ranking(calls(t, window=t.recent(ALL_CALLS, 30))), "ranking"),
    Item("机主通话次数最多的联系人是谁？", lambda t: t.ranking(calls(t)), "ranking"),
    Item("半夜经常给机主打电话的人是谁？", lambda t: t.ranking(calls(t, hours=(22, 6), direction=IN)), "ranking"),
    Item("iMessage上谁跟机主聊得最多？", lambda t: t.ranking(t.select(IMESSAGE)), "ranking"),
    Item("机主微信上跟谁聊天最多？", lambda t: t.ranking(t.select(WECHAT_MSGS)), "ranking"),
    # merge: e-mail handle + number + WeChat account are one person; WeChat calls join phone calls
    # The listed channels are the union asked for: every call app, iMessage and WeChat; SMS is
    # not listed, so 吴昊's one SMS is not counted.
    Item("机主和吴昊一共有多少次往来？电话、FaceTime、iMessage、微信都算",
         lambda t: t.total(t.select(ALL_CALLS + IMESSAGE + WECHAT_MSGS, people=("吴昊",))), "merge"),
    Item("吴昊跟机主的iMessage有多少条？", lambda t: t.total(t.select(IMESSAGE, people=("吴昊",))), "merge"),
    Item("机主和谁通话时间最长（微信电话也算）？", lambda t: t.ranking(calls(t), by="duration"), "merge"),
    Item("郑雪和机主的通话总时长是多少？", lambda t: t.duration(calls(t, people=("郑雪",))), "merge"),
    Item("不算微信和FaceTime，机主和谁的普通电话通话时间最长？",
         lambda t: t.ranking(t.select(PHONE), by="duration"), "merge"),
    # time words
    Item("今年夏天机主一共有多少通电话？", lambda t: t.total(calls(t, window=summer(t, ALL_CALLS))), "time"),
    Item("国庆期间机主和谁联系最多？", lambda t: t.ranking(t.select(ALL, window=holiday(t, "国庆"))), "time"),
    Item("上半年机主一共收到多少条iMessage？",
         lambda t: t.total(t.select(IMESSAGE, direction=IN, window=t.days("2024-01-01", "2024-06-30"))), "time"),
    Item("第三季度机主的微信通话有多少次？",
         lambda t: t.total(t.select(WECHAT_CALLS, window=t.days("2024-07-01", "2024-09-30"))), "time"),
    Item("周末机主和谁打电话最多？", lambda t: t.ranking(calls(t, weekdays=(5, 6))), "time"),
    Item("上周三机主一共有几通电话？", lambda t: t.total(calls(t, window=last_week(t, ALL_CALLS, 2))), "time"),
    Item("晚上8点以后机主和谁通话最多？", lambda t: t.ranking(calls(t, hours=(20, 24))), "time"),
    Item("7月15号到8月10号之间机主发了多少条微信消息？",
         lambda t: t.total(t.select(WECHAT_MSGS, direction=OUT, window=t.days("2024-07-15", "2024-08-10"))), "time"),
    Item("中秋节那几天机主跟谁联系最多？", lambda t: t.ranking(t.select(ALL, window=holiday(t, "中秋"))), "time"),
    Item("昨天机主一共有几通电话？", lambda t: t.total(calls(t, window=yesterday(t, ALL_CALLS))), "time"),
    Item("9月27号晚上是谁一连串打了好多未接电话？",
         lambda t: t.ranking(calls(t, statuses=MISSED, hours=(18, 24), window=t.days("2024-09-27", "2024-09-27"))),
         "time"),
    Item("五一假期机主的通话有多少？", lambda t: t.total(calls(t, window=holiday(t, "五一"))), "time"),
    Item("上个月谁给机主打电话最多？", lambda t: t.ranking(calls(t, direction=IN, window=t.last_month(ALL_CALLS))),
         "time"),
    # implied measures
    Item("机主一天里什么时候通话最多？", lambda t: t.groups(calls(t), by="hour"), "measure"),
    Item("哪个月机主的通话最多？", lambda t: t.groups(calls(t), by="month"), "measure"),
    Item("谁跟机主煲电话粥最多？", lambda t: t.ranking(calls(t), by="duration"), "measure"),
    Item("机主星期几的通话最多？", lambda t: t.groups(calls(t), by="weekday"), "measure"),
    # keywords, quoted or not
    Item("收到的银行通知消息有多少条？",
         lambda t: t.total(t.select(ALL_MESSAGES, direction=IN, keywords=("银行",))), "keyword"),
    Item("提到“转账”的微信消息有哪些？", lambda t: t.listing(t.select(WECHAT_MSGS, keywords=("转账",))), "keyword"),
    Item("有哪些消息提到快递？", lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("快递",))), "keyword"),
    Item("验证码消息一共收到几条？", lambda t: t.total(t.select(ALL_MESSAGES, direction=IN, keywords=("验证码",))),
         "keyword"),
    # lookup: every number and handle of the person
    Item("何军的电话号码是多少？", lambda t: t.lookup("何军"), "lookup"),
    Item("138-0013-8000 是谁？", lambda t: t.lookup("周强"), "lookup"),
    Item("wuhao.sh@icloud.com 这个账号是谁的？", lambda t: t.lookup("吴昊"), "lookup"),
    # absent from the case
    Item("13999999999 给机主打过电话吗？", absent_number("13999999999"), "absent"),
    Item("机主和欧阳娜娜有联系吗？", absent_person("欧阳娜娜"), "absent"),
    Item("林峰给机主发过微信吗？", lambda t: t.total(t.select(WECHAT_MSGS, people=("林峰",))), "absent"),  # 0, not unknown
    # two readings
    Item("机主一共收发了多少条短信？", ambiguous(lambda t: t.total(t.select(SMS)),
                                     lambda t: t.total(t.select(SMS + IMESSAGE))), "clarify"),
    Item("银行通知短信有多少条？", ambiguous(lambda t: t.total(t.select(SMS, keywords=("银行",))),
                                  lambda t: t.total(t.select(SMS + IMESSAGE, keywords=("银行",)))), "clarify"),
    Item("王总最近一次给机主打微信电话是什么时候？",
         ambiguous(lambda t: t.last(t.select(WECHAT_CALLS, people=("王总(建材)",), direction=IN)),
                   lambda t: t.last(t.select(WECHAT_CALLS, people=("王总(物流)",), direction=IN))), "clarify"),
    # no analysis for it
    Item("机主国庆节去了哪些地方？", DECLINE, "decline"),
    Item("手机里有哪些照片？", DECLINE, "decline"),
    Item("谁在威胁机主？", DECLINE, "decline"),
    Item("机主和谁聊天时间最长？", DECLINE, "decline"),  # messages have no duration: no guess
    # spelling, script and language
    Item("最近一個月誰給機主打電話最多？", lambda t: t.ranking(calls(t, direction=IN, window=t.recent(ALL_CALLS, 30))),
         "robust"),
    Item("最近30天和机主call最多的是谁？", lambda t: t.ranking(calls(t, window=t.recent(ALL_CALLS, 30))), "robust"),
    Item("+86 138 0013 8000 这个号码和机主通过几次话？", lambda t: t.total(calls(t, people=("周强",))), "robust"),
    Item("王芳给机主打过几次电话？", lambda t: t.total(calls(t, people=("王芳",), direction=IN)), "robust"),
    Item("0086-13800138000最后一次来电是什么时候？", lambda t: t.last(calls(t, people=("周强",), direction=IN)),
         "robust"),
]
