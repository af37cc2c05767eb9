"""Held-out set 3 over the ios case: traps, each a near-miss of a common question where a sloppy
reading gives a confident wrong answer (direction and role inversions, negations and exclusions,
quantity words that change the measure, time near-misses, people and keyword near-misses, two
questions in one), plus ordinary questions in fresh wordings. Written without reading the parser,
lexicon, readings, people or any other question file; the truth follows the spec's reading rules,
and what those rules do not cover is DECLINE (or CLARIFY where two readings really differ).

ios facts used (ioscase's docstring and the store): 孙丽 leads calls overall, but 吴昊 (night
calls, mostly incoming) leads incoming and answered incoming calls; 郑雪 leads call seconds only
with WeChat calls; 王芳 and 王芳芳 are two persons; 王总(建材) and 王总(物流) both fit 王总; 妈妈
and 阿杰 are WeChat persons (a remark that is a common word, a nickname alone); 孙丽's mobile
13912345678 and 何军's office line 021-6234 5678 share the last four digits 5678, 周强's number
alone ends in 8000; the owner's own number 18912340000 is no counterpart; "短信" has two readings
here (SMS, or SMS and iMessage) unless both give the same answer."""

from __future__ import annotations

from datetime import timedelta

from .truth import (ALL, ALL_CALLS, ALL_MESSAGES, FACETIME, IMESSAGE, PHONE, SMS, WECHAT_CALLS, WECHAT_MSGS,
                    DECLINE, Item, Ranking, Total, Truth, absent_number, ambiguous)

TEXTS = SMS + IMESSAGE  # the second reading of 短信 in a case with iMessage
NATIONAL_DAY_2024 = ("2024-10-01", "2024-10-07")  # official days off
MID_AUTUMN_2024 = ("2024-09-15", "2024-09-17")


def without(ranking: Ranking, *names: str) -> Ranking:
    """A ranking with some persons taken out (除了X以外): the others keep their order."""
    return Ranking(tuple(row for row in ranking.rows if row[0] not in names))


def late_last_month(t: Truth) -> tuple[int, int]:
    """上个月底: day 21 to the end of the calendar month before the newest call's month."""
    last = t.newest_date(ALL_CALLS).replace(day=1) - timedelta(days=1)
    return t.days(last.replace(day=21), last)


def not_connected(t: Truth) -> Total:
    """没有接通: every call whose status is not answered (missed, rejected, outgoing unanswered)."""
    return t.total([r for r in t.select(ALL_CALLS) if r.st != "answered"])


def family_group(t: Truth) -> Total:
    """The WeChat group 家人群's own records (a group is never a person)."""
    return t.total([r for r in t.select(ALL_MESSAGES) if r.group and r.person == "家人群"])


ITEMS: list[Item] = [
    # -- direction and role inversions -------------------------------------------------------
    Item("机主接听次数最多的来电是谁打的", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", statuses=("answered",))), "direction"),
    Item("谁打给机主的电话最多", lambda t: t.ranking(t.select(ALL_CALLS, direction="in")), "direction"),
    Item("机主最常打给谁", lambda t: t.ranking(t.select(ALL_CALLS, direction="out")), "direction"),
    Item("機主打給誰沒人接的次數最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="out", statuses=("unanswered",))), "direction"),
    Item("机主没接谁的电话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", statuses=("missed", "rejected"))), "direction"),
    Item("最主动联系机主的人是谁", lambda t: t.ranking(t.select(ALL, direction="in")), "direction"),
    Item("机主主动找得最多的人是谁", lambda t: t.ranking(t.select(ALL, direction="out")), "direction"),
    Item("郑雪给机主打过几次微信电话", lambda t: t.total(
        t.select(WECHAT_CALLS, direction="in", people=("郑雪",))), "direction"),
    Item("机主拨给周强却没接通的电话有几次", lambda t: t.total(
        t.select(ALL_CALLS, direction="out", statuses=("unanswered",), people=("周强",))), "direction"),
    Item("机主拒接了几次微信来电", lambda t: t.total(
        t.select(WECHAT_CALLS, direction="in", statuses=("rejected",))), "direction"),
    Item("机主回拨过马超的未接来电吗", DECLINE, "decline"),
    Item("马超那晚打来的电话机主接了几个", DECLINE, "decline"),

    # -- negations and exclusions ------------------------------------------------------------
    Item("没有接通的电话一共多少个", not_connected, "direction"),
    Item("除了孙丽以外和谁通话最多", lambda t: without(t.ranking(t.select(ALL_CALLS)), "孙丽"), "ranking"),
    Item("除去郑雪，谁的通话时长最长", lambda t: without(
        t.ranking(t.select(ALL_CALLS), by="duration"), "郑雪"), "measure"),
    Item("不算FaceTime，通话一共多少次", lambda t: t.total(t.select(PHONE + WECHAT_CALLS)), "channels"),
    Item("不算微信电话，和谁通话时间最长", lambda t: t.ranking(
        t.select(PHONE + FACETIME), by="duration"), "channels"),
    Item("不是周末的时候和谁通话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, weekdays=(0, 1, 2, 3, 4))), "time"),

    # -- quantity words that change the measure -----------------------------------------------
    Item("平均每周有多少通电话", DECLINE, "decline"),
    Item("和郑雪最长的一次微信通话有多久", DECLINE, "measure"),
    Item("超过一小时的通话有几次", lambda t: t.total([r for r in t.select(ALL_CALLS) if r.dur > 3600]), "measure"),
    Item("吴昊的来电占所有来电的比例是多少", DECLINE, "measure"),
    Item("通话次数排第三的联系人", lambda t: t.ranking(t.select(ALL_CALLS)), "ranking"),
    Item("微信上聊得最少的好友是谁", lambda t: t.ranking(t.select(WECHAT_MSGS), order="asc"), "ranking"),

    # -- time near-misses --------------------------------------------------------------------
    Item("和周强最近一次微信通话是什么时候", lambda t: t.last(
        t.select(WECHAT_CALLS, people=("周强",))), "time"),
    Item("最近一周和周强微信通话几次", lambda t: t.total(
        t.select(WECHAT_CALLS, window=t.recent(WECHAT_CALLS, 7), people=("周强",))), "time"),
    Item("国庆假期机主打给谁最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="out", window=t.days(*NATIONAL_DAY_2024))), "time"),
    Item("中秋假期的通话次数", lambda t: t.total(t.select(ALL_CALLS, window=t.days(*MID_AUTUMN_2024))), "time"),
    # A bare clock hour is that hour of the 24-hour clock (timeexpr's documented rule; 下午/晚上 move it).
    Item("8点打来的电话有几个", lambda t: t.total(t.select(ALL_CALLS, direction="in", hours=(8, 9))), "time"),
    Item("去年和孙丽通了多少次电话", lambda t: t.total(
        t.select(ALL_CALLS, window=t.year(t.newest_year(ALL_CALLS) - 1), people=("孙丽",))), "time"),
    Item("今年夏天和郑雪的微信通话总时长", lambda t: t.duration(
        t.select(WECHAT_CALLS, window=t.days("2024-06-01", "2024-08-31"), people=("郑雪",))), "time"),
    Item("9月上旬和谁聊天最多", lambda t: t.ranking(
        t.select(ALL_MESSAGES, window=t.days("2024-09-01", "2024-09-10"))), "time"),
    # timeexpr's documented rule (docs/questions.md points to it): X月底 = day 21 to the month's end.
    Item("上个月底的通话有多少", lambda t: t.total(t.select(ALL_CALLS, window=late_last_month(t))), "time"),
    Item("两周前的消息有多少条", DECLINE, "decline"),
    Item("这几天谁给机主打电话最多", DECLINE, "decline"),
    Item("凌晨1点到3点谁打来的电话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", hours=(1, 3))), "time"),
    Item("昨天的通话有几次", lambda t: t.total(t.select(ALL_CALLS, window=t.yesterday(ALL_CALLS))), "time"),
    Item("上周和吴昊有几次FaceTime", lambda t: t.total(
        t.select(FACETIME, window=t.last_week(FACETIME), people=("吴昊",))), "time"),

    # -- people near-misses ------------------------------------------------------------------
    Item("和王芳的通话次数", lambda t: t.total(t.select(ALL_CALLS, people=("王芳",))), "merge"),
    Item("王芳芳发来的消息有几条", lambda t: t.total(
        t.select(ALL_MESSAGES, direction="in", people=("王芳芳",))), "merge"),
    Item("跟王总的微信聊天记录有多少", ambiguous(
        lambda t: t.total(t.select(WECHAT_MSGS, people=("王总(建材)",))),
        lambda t: t.total(t.select(WECHAT_MSGS, people=("王总(物流)",)))), "clarify"),
    Item("妈妈发了多少条微信给机主", lambda t: t.total(
        t.select(WECHAT_MSGS, direction="in", people=("妈妈",))), "merge"),
    Item("和阿杰聊了多少条微信", lambda t: t.total(t.select(WECHAT_MSGS, people=("阿杰",))), "merge"),
    Item("尾号5678的是谁", ambiguous(lambda t: t.lookup("孙丽"), lambda t: t.lookup("何军")), "clarify"),
    Item("尾号8000打来过几次电话", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", people=("周强",))), "merge"),
    Item("尾号0000的号码联系过机主吗", absent_number("0000"), "absent"),
    Item("18912340000和机主联系过几次", absent_number("18912340000"), "absent"),
    Item("和 wuhao.sh@icloud.com 的FaceTime有几次", lambda t: t.total(
        t.select(FACETIME, people=("吴昊",))), "merge"),
    Item("和小孟的通话次数", ambiguous(
        lambda t: t.total(t.select(ALL_CALLS, people=("孟勇",))),
        lambda t: t.total(t.select(ALL_CALLS, people=("孟鹏",)))), "clarify"),
    Item("孙丽最近一个月发来几条短信", ambiguous(
        lambda t: t.total(t.select(SMS, direction="in", people=("孙丽",), window=t.recent(SMS, 30))),
        lambda t: t.total(t.select(TEXTS, direction="in", people=("孙丽",), window=t.recent(TEXTS, 30)))),
         "clarify"),

    # -- keyword near-misses -----------------------------------------------------------------
    Item("微信里包含“明天”的消息有几条", lambda t: t.total(t.select(WECHAT_MSGS, keywords=("明天",))), "keyword"),
    Item("“周五下午”出现在多少条消息里", lambda t: t.total(
        t.select(ALL_MESSAGES, keywords=("周五下午",))), "keyword"),
    Item("提到SF的消息有多少", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("SF",))), "keyword"),
    Item("周强发给机主的微信里提到转账的有几条", lambda t: t.total(
        t.select(WECHAT_MSGS, direction="in", people=("周强",), keywords=("转账",))), "keyword"),
    Item("消息里提到“阿杰”的有几条", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("阿杰",))), "keyword"),
    Item("和谁的消息里提到转账最多", lambda t: t.ranking(t.select(ALL_MESSAGES, keywords=("转账",))), "keyword"),
    Item("第一次收到招商银行短信是什么时候", lambda t: t.first(
        t.select(SMS, direction="in", keywords=("招商银行",))), "keyword"),

    # -- two questions in one, yes/no, comparisons -------------------------------------------
    Item("孙丽和吴昊分别通话多少次", lambda t: t.ranking(t.select(ALL_CALLS, people=("孙丽", "吴昊"))), "robust"),
    Item("郑雪的微信通话时长比孙丽长吗", lambda t: t.ranking(
        t.select(WECHAT_CALLS, people=("郑雪", "孙丽")), by="duration"), "robust"),
    Item("林峰给机主发过消息吗", lambda t: t.total(
        t.select(ALL_MESSAGES, direction="in", people=("林峰",))), "robust"),
    Item("马超打来的未接电话有几个，吴昊呢？", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("马超", "吴昊"))), "robust"),
    Item("138 0013 8000 最近30天通话几次", lambda t: t.total(
        t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30), people=("周强",))), "robust"),

    # -- ordinary questions in fresh wordings ------------------------------------------------
    Item("iMessage一共多少条", lambda t: t.total(t.select(IMESSAGE)), "total"),
    Item("FaceTime通话总时长", lambda t: t.duration(t.select(FACETIME)), "measure"),
    Item("和谁的微信聊天最多", lambda t: t.ranking(t.select(WECHAT_MSGS)), "ranking"),
    Item("何军的联系方式", lambda t: t.lookup("何军"), "lookup"),
    Item("物业刘师傅的电话号码", lambda t: t.lookup("物业刘师傅"), "lookup"),
    Item("每个月的通话量", lambda t: t.groups(t.select(ALL_CALLS), "month"), "time"),
    Item("共有多少个人跟机主通过电话", lambda t: t.people(t.select(ALL_CALLS)), "total"),
    Item("10086发来多少条短信", lambda t: t.total(t.select(SMS, direction="in", people=("10086",))), "total"),
    Item("最后一次和何军联系是什么时候", lambda t: t.last(t.select(ALL, people=("何军",))), "time"),
    Item("家人群里有多少条消息", family_group, "total"),
    Item("哪个应用的消息最多", lambda t: t.groups(t.select(ALL_MESSAGES), "app"), "channels"),
    Item("马超9月27日晚上打来多少个未接电话", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("马超",),
                 window=t.days("2024-09-27", "2024-09-27"), hours=(18, 24))), "direction"),
]
