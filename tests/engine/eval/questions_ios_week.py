"""A fourth held-out set over the ios case: a week of examiners' questions (half ordinary, a quarter
with two or three conditions, a quarter tricky), written without reading the parser, lexicon,
readings, people or any other question file. Truth follows the documented reading rules
(docs/questions.md, /work/spec/eval-spec.md).

The case holds iMessage, so "短信" has two readings (SMS alone, SMS with iMessage): `sms_or_ask`
expects the SMS answer when both readings agree and CLARIFY when they differ, as the rules say.
Newest record 2024-10-09 (Wednesday); 国庆 2024-10-01..07, 中秋 2024-09-15..17."""

from __future__ import annotations

from .truth import (
    ALL,
    ALL_CALLS,
    ALL_MESSAGES,
    CLARIFY,
    DECLINE,
    FACETIME,
    IMESSAGE,
    PHONE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Item,
    Readings,
    Total,
    absent_number,
    absent_person,
)

C, M = ALL_CALLS, ALL_MESSAGES
NOT_ANSWERED_BY_OWNER = ("missed", "rejected")  # 没接
NOT_ANSWERED_BY_CALLEE = ("unanswered", "missed", "rejected")  # X没接机主的电话 (outgoing)
NATIONAL_DAY = ("2024-10-01", "2024-10-07")
MID_AUTUMN = ("2024-09-15", "2024-09-17")
WEEKDAYS = (0, 1, 2, 3, 4)


def without(recs, *people):
    return [r for r in recs if r.person not in people]


def sms_or_ask(answer):
    """`answer(t, sources)` over SMS and over SMS + iMessage: the SMS answer when they agree, else
    both readings (asked about, or answered side by side)."""
    def expect(t):
        alone, both = answer(t, SMS), answer(t, SMS + IMESSAGE)
        return alone if alone == both else Readings((alone, both))
    return expect



def _average(recs):
    """Seconds per call over the selected calls, rounded to 0.1 (docs/questions.md)."""
    return Total(round(sum(r.dur for r in recs) / len(recs), 1))

ITEMS: list[Item] = [
    # -- ordinary: what everyone asks -----------------------------------------------------------
    Item("谁和机主通话次数最多", lambda t: t.ranking(t.select(C)), "ranking"),
    Item("近30天打电话最多的人是谁", lambda t: t.ranking(t.select(C, window=t.recent(C, 30))), "time"),
    Item("FaceTime通话记录有多少条", lambda t: t.total(t.select(FACETIME)), "channels"),
    Item("在iMessage上和谁聊得最多", lambda t: t.ranking(t.select(IMESSAGE)), "channels"),
    Item("吴昊有哪些联系方式", lambda t: t.lookup("吴昊"), "lookup"),
    Item("何军的电话和邮箱是什么", lambda t: t.lookup("何军"), "lookup"),
    Item("13800138000是谁的号码", lambda t: t.lookup("周强"), "lookup"),
    Item("深夜给机主打电话最多的是谁", lambda t: t.ranking(t.select(C, hours=(22, 6), direction="in")), "time"),
    Item("谁的通话总时长最长", lambda t: t.ranking(t.select(C), "duration"), "measure"),
    Item("普通电话里和谁通话时间最长", lambda t: t.ranking(t.select(PHONE), "duration"), "measure"),
    Item("和周强的微信通话有多少次", lambda t: t.total(t.select(WECHAT_CALLS, people=("周强",))), "channels"),
    Item("和郑雪微信语音一共聊了多久", lambda t: t.duration(t.select(WECHAT_CALLS, people=("郑雪",))), "measure"),
    Item("内容包含“招商银行”的短信有多少条",
         sms_or_ask(lambda t, s: t.total(t.select(s, keywords=("招商银行",)))), "keyword"),
    Item("含有'取件码'的短信有哪些", sms_or_ask(lambda t, s: t.listing(t.select(s, keywords=("取件码",)))), "keyword"),
    Item("微信里提到转账的消息有多少条", lambda t: t.total(t.select(WECHAT_MSGS, keywords=("转账",))), "keyword"),
    Item("哪个月的通话最多", lambda t: t.groups(t.select(C), "month"), "time"),
    Item("星期几电话最多", lambda t: t.groups(t.select(C), "weekday"), "time"),
    Item("国庆假期谁跟机主通话最多", lambda t: t.ranking(t.select(C, window=t.days(*NATIONAL_DAY))), "time"),
    Item("中秋假期的微信消息一共多少条",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days(*MID_AUTUMN))), "time"),
    Item("上周的通话有多少次", lambda t: t.total(t.select(C, window=t.last_week(C))), "time"),
    Item("列出昨天的所有通话", lambda t: t.listing(t.select(C, window=t.yesterday(C))), "time"),
    Item("林峰发过几条消息", lambda t: t.total(t.select(M, people=("林峰",))), "total"),
    Item("林峰最后一次打来电话是什么时候", lambda t: t.last(t.select(C, direction="in", people=("林峰",))), "direction"),
    Item("机主和郑雪的第一条微信消息是什么时候", lambda t: t.first(t.select(WECHAT_MSGS, people=("郑雪",))), "time"),
    Item("妈妈给机主发了多少条微信", lambda t: t.total(t.select(WECHAT_MSGS, direction="in", people=("妈妈",))),
         "direction"),
    Item("和阿杰的聊天记录有多少条", lambda t: t.total(t.select(M, people=("阿杰",))), "total"),
    Item("机主一共和多少人联系过", lambda t: t.people(t.select(ALL)), "measure"),
    Item("哪个应用上的通话最多", lambda t: t.groups(t.select(C), "app"), "channels"),
    Item("7月份iMessage有多少条", lambda t: t.total(t.select(IMESSAGE, window=t.month(2024, 7))), "time"),
    Item("今年夏天FaceTime通话几次", lambda t: t.total(t.select(FACETIME, window=t.days("2024-06-01", "2024-08-31"))),
         "time"),
    Item("谁给机主发的微信消息最多", lambda t: t.ranking(t.select(WECHAT_MSGS, direction="in")), "direction"),
    Item("9月份未接电话有多少个", lambda t: t.total(t.select(C, window=t.month(2024, 9), statuses=("missed",))), "total"),

    # -- two or three conditions at once --------------------------------------------------------
    Item("最近一个月周强通过微信发给机主多少条消息",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.recent(WECHAT_MSGS, 30), direction="in",
                                    people=("周强",))), "direction"),
    Item("上个月晚上机主打给吴昊的电话有几次",
         lambda t: t.total(t.select(C, window=t.last_month(C), hours=(18, 24), direction="out", people=("吴昊",))),
         "time"),
    Item("第三季度凌晨吴昊打来的电话有多少个",
         lambda t: t.total(t.select(C, window=t.days("2024-07-01", "2024-09-30"), hours=(0, 6), direction="in",
                                    people=("吴昊",))), "time"),
    Item("8月份工作日和孙丽的FaceTime通话次数",
         lambda t: t.total(t.select(FACETIME, window=t.month(2024, 8), weekdays=WEEKDAYS, people=("孙丽",))),
         "channels"),
    Item("今年5月郑雪的微信通话总时长",
         lambda t: t.duration(t.select(WECHAT_CALLS, window=t.month(2024, 5), people=("郑雪",))), "measure"),
    Item("最近两周接通的电话里谁最多",
         lambda t: t.ranking(t.select(C, window=t.recent(C, 14), statuses=("answered",))), "ranking"),
    Item("9月份周末谁给机主发微信消息最多",
         lambda t: t.ranking(t.select(WECHAT_MSGS, window=t.month(2024, 9), weekdays=(5, 6), direction="in")),
         "time"),
    Item("6月份下午机主发出的iMessage有多少条",
         lambda t: t.total(t.select(IMESSAGE, window=t.month(2024, 6), hours=(12, 18), direction="out")), "time"),
    Item("9月27日晚上马超打来的未接电话有几个",
         lambda t: t.total(t.select(C, window=t.days("2024-09-27", "2024-09-27"), hours=(18, 24), direction="in",
                                    statuses=("missed",), people=("马超",))), "time"),
    Item("国庆期间机主在微信上主动发给周强的消息有几条",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days(*NATIONAL_DAY), direction="out", people=("周强",))),
         "direction"),
    Item("上周和周强的通话总时长",
         lambda t: t.duration(t.select(C, window=t.last_week(C), people=("周强",))), "measure"),
    Item("下半年和吴昊的通话按月统计，哪个月最多",
         lambda t: t.groups(t.select(C, window=t.days("2024-07-01", "2024-12-31"), people=("吴昊",)), "month"),
         "time"),
    Item("5月到7月晚上王芳发来的iMessage有多少条",
         lambda t: t.total(t.select(IMESSAGE, window=t.days("2024-05-01", "2024-07-31"), hours=(18, 24),
                                    direction="in", people=("王芳",))), "time"),
    Item("白天机主用FaceTime打给吴昊多少次",
         lambda t: t.total(t.select(FACETIME, hours=(6, 18), direction="out", people=("吴昊",))), "direction"),

    # -- tricky ---------------------------------------------------------------------------------
    Item("王总这个月微信聊了几条", CLARIFY, "clarify"),
    Item("王芳给机主发了多少条短信",
         sms_or_ask(lambda t, s: t.total(t.select(s, direction="in", people=("王芳",)))), "clarify"),
    Item("王芳芳给机主打了多少次电话", lambda t: t.total(t.select(C, direction="in", people=("王芳芳",))), "merge"),
    Item("姓孟的那个人号码多少", CLARIFY, "clarify"),
    Item("除了孙丽，谁给机主打电话最多", lambda t: t.ranking(without(t.select(C, direction="in"), "孙丽")), "ranking"),
    Item("除了周强以外，最近30天和谁联系最多",
         lambda t: t.ranking(without(t.select(ALL, window=t.recent(ALL, 30)), "周强")), "ranking"),
    Item("吴昊没接机主的电话有几次",
         lambda t: t.total(t.select(C, direction="out", statuses=NOT_ANSWERED_BY_CALLEE, people=("吴昊",))),
         "direction"),
    Item("机主没接马超的电话有几次",
         lambda t: t.total(t.select(C, direction="in", statuses=NOT_ANSWERED_BY_OWNER, people=("马超",))),
         "direction"),
    Item("和爸爸、妈妈的微信聊天分别有多少条",
         lambda t: t.ranking(t.select(WECHAT_MSGS, people=("爸爸", "妈妈"))), "ranking"),
    Item("孙丽和吴昊的FaceTime通话加起来有多少次", lambda t: t.total(t.select(FACETIME, people=("孙丽", "吴昊"))),
         "merge"),
    Item("孙丽的通话、短信和iMessage一起算一共多少条",
         lambda t: t.total(t.select(C + SMS + IMESSAGE, people=("孙丽",))), "channels"),
    Item("吴昊（包括他的邮箱和微信）和机主一共有多少条往来记录", lambda t: t.total(t.select(ALL, people=("吴昊",))),
         "merge"),
    Item("0086-13800138000这个号码的微信消息有多少", lambda t: t.total(t.select(WECHAT_MSGS, people=("周强",))),
         "merge"),
    Item("和谁聊天的时间最长", DECLINE, "decline"),
    Item("平均每次通话时长多少", lambda t: _average(t.select(C)), "measure"),
    Item("郑雪单次最长的一通电话是多久", DECLINE, "decline"),
    Item("超过30分钟的通话有多少通", lambda t: t.total([r for r in t.select(C) if r.dur > 1800]), "measure"),
    Item("周强9月份的通话比8月份多了多少次", DECLINE, "decline"),
    Item("最近几天谁打过电话给机主", DECLINE, "decline"),
    Item("13999999999打来过电话吗", absent_number("13999999999"), "absent"),
    Item("赵建国的聊天记录有多少", absent_person("赵建国"), "absent"),
    Item("誰的FaceTime通話最多", lambda t: t.ranking(t.select(FACETIME)), "robust"),
]
