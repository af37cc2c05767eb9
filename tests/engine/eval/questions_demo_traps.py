"""Held-out set 3 over the demo case: traps, each a near-miss of a common question where a sloppy
reading gives a confident wrong answer (direction and role inversions, negations and exclusions,
quantity words that change the measure, time near-misses, people and keyword near-misses, two
questions in one), plus ordinary questions in fresh wordings. Written without reading the parser,
lexicon, readings, people or any other question file; the truth follows the spec's reading rules,
and what those rules do not cover is DECLINE (or CLARIFY where two readings really differ).

Demo facts used (from the generator's docstring and the store): 李娜 leads calls over the whole
period, 张伟 the last 30 days; 刘洋 calls at night; 王磊 leaves a burst of missed calls; WeChat
friends without a remark are persons of their own under their nickname (李娜's WeChat is
昵称娜0, 张伟's 昵称伟4); the owner's number +8613800138000 is no counterpart; 张伟's number ends
in 0482 and no other identifier does; the longest single call is with 郝勇, not with 李娜."""

from __future__ import annotations

from datetime import date, timedelta

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
    People,
    Ranking,
    Total,
    Truth,
    absent_number,
    absent_person,
    ambiguous,
)


def without(ranking: Ranking, *names: str) -> Ranking:
    """A ranking with some persons taken out (除了X以外): the others keep their order."""
    return Ranking(tuple(row for row in ranking.rows if row[0] not in names))


def last_wednesday(t: Truth) -> tuple[int, int]:
    """上周三: the Wednesday of the Monday–Sunday week before the newest call's week."""
    d = t.newest_date(ALL_CALLS)
    wednesday = d - timedelta(days=d.weekday() + 7) + timedelta(days=2)
    return t.days(wednesday, wednesday)


def first_days(t: Truth, n: int) -> tuple[int, int]:
    d: date = t.select(ALL_CALLS)[0].local.date()
    return t.days(d, d + timedelta(days=n - 1))


def early_last_month(t: Truth) -> tuple[int, int]:
    """上个月初: days 1–10 of the calendar month before the newest call's month."""
    first = t.newest_date(ALL_CALLS).replace(day=1) - timedelta(days=1)
    return t.days(first.replace(day=1), first.replace(day=10))


def morning_plus_evening(t: Truth) -> Total:
    """早上和晚上: 6–9 and 18–24 together, two ranges of hours."""
    return Total(len(t.select(ALL_CALLS, hours=(6, 9))) + len(t.select(ALL_CALLS, hours=(18, 24))))


SPRING_FESTIVAL_2024 = ("2024-02-10", "2024-02-17")  # the official days off
NEW_YEAR_2024 = ("2023-12-30", "2024-01-01")  # 元旦 2024's days off begin in 2023

ITEMS: list[Item] = [
    # -- direction and role inversions -------------------------------------------------------
    Item("机主接了谁的电话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", statuses=("answered",))), "direction"),
    Item("没接机主电话次数最多的是谁", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="out", statuses=("unanswered",))), "direction"),
    Item("机主没接谁的电话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", statuses=("missed", "rejected"))), "direction"),
    Item("被机主挂断的来电有多少", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", statuses=("rejected",))), "direction"),
    Item("机主主动联系最多的人是谁", lambda t: t.ranking(t.select(ALL, direction="out")), "direction"),
    Item("最主动联系机主的是谁", lambda t: t.ranking(t.select(ALL, direction="in")), "direction"),
    Item("赵敏给机主打了多少次电话", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", people=("赵敏",))), "direction"),
    Item("机主给赵敏打过多少次电话", lambda t: t.total(
        t.select(ALL_CALLS, direction="out", people=("赵敏",))), "direction"),
    Item("机主回拨了哪些未接来电", DECLINE, "decline"),
    Item("谁打来的电话机主一次都没接过", DECLINE, "decline"),

    # -- negations and exclusions ------------------------------------------------------------
    Item("除了李娜以外，机主和谁通话最多", lambda t: without(t.ranking(t.select(ALL_CALLS)), "李娜"), "ranking"),
    Item("最近一个月除了张伟，和谁打电话最多", lambda t: without(
        t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))), "张伟"), "ranking"),
    Item("不是晚上的通话有多少次", lambda t: t.total(t.select(ALL_CALLS, hours=(0, 18))), "time"),
    Item("非工作日的通话一共几次", lambda t: t.total(t.select(ALL_CALLS, weekdays=(5, 6))), "time"),
    Item("除了微信电话，其他通话一共多少次", lambda t: t.total(t.select(PHONE)), "channels"),
    Item("不含群聊，机主发出的微信消息有多少条", lambda t: t.total(
        t.select(WECHAT_MSGS, direction="out", persons_only=True)), "channels"),
    Item("早上和晚上的通话一共多少次", morning_plus_evening, "time"),

    # -- quantity words that change the measure -----------------------------------------------
    Item("平均每天有多少次通话", DECLINE, "decline"),
    Item("最长的一次通话是跟谁打的", DECLINE, "measure"),
    Item("通话超过10分钟的有几次", lambda t: t.total([r for r in t.select(ALL_CALLS) if r.dur > 600]), "measure"),
    Item("李娜的通话占全部通话的百分之几", DECLINE, "measure"),
    Item("通话次数第二多的联系人是谁", lambda t: t.ranking(t.select(ALL_CALLS)), "ranking"),
    Item("和机主通话次数最少的人是谁", lambda t: t.ranking(t.select(ALL_CALLS), order="asc"), "ranking"),
    Item("至少打过5次电话的人有几个", lambda t: People(sum(n >= 5 for _, n in t.ranking(t.select(ALL_CALLS)).rows)),
         "measure"),

    # -- time near-misses --------------------------------------------------------------------
    Item("最近一次和张伟通话是什么时候", lambda t: t.last(t.select(ALL_CALLS, people=("张伟",))), "time"),
    Item("最近一周和张伟通了几次电话", lambda t: t.total(
        t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 7), people=("张伟",))), "time"),
    # timeexpr's documented rule (docs/questions.md points to it): X月初 = days 1–10, as 上旬.
    Item("上个月初的通话有多少次", lambda t: t.total(t.select(ALL_CALLS, window=early_last_month(t))), "time"),
    Item("前三天的通话有多少次", ambiguous(
        lambda t: t.total(t.select(ALL_CALLS, window=first_days(t, 3))),
        lambda t: t.total(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 3)))), "clarify"),
    # A bare clock hour is that hour of the 24-hour clock (timeexpr's documented rule; 下午/晚上 move it).
    Item("11点的通话有几个", lambda t: t.total(t.select(ALL_CALLS, hours=(11, 12))), "time"),
    Item("今年以来一共有多少次通话", lambda t: t.total(
        t.select(ALL_CALLS, window=t.year(t.newest_year(ALL_CALLS)))), "time"),
    Item("去年同期的通话次数", DECLINE, "decline"),
    Item("春节前后和谁联系最多", DECLINE, "decline"),
    Item("春节假期和谁通话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, window=t.days(*SPRING_FESTIVAL_2024))), "time"),
    Item("上周三的通话有几次", lambda t: t.total(t.select(ALL_CALLS, window=last_wednesday(t))), "time"),
    Item("最近三个月谁给机主打电话最多", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", window=t.recent(ALL_CALLS, 90))), "time"),
    Item("元旦假期的微信消息有多少条", lambda t: t.total(
        t.select(WECHAT_MSGS, window=t.days(*NEW_YEAR_2024))), "time"),

    # -- people near-misses ------------------------------------------------------------------
    Item("和刘总通话几次", ambiguous(
        lambda t: t.total(t.select(ALL_CALLS, people=("刘昊",))),
        lambda t: t.total(t.select(ALL_CALLS, people=("刘芳",)))), "clarify"),
    Item("老江打过几次电话来", ambiguous(
        lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("江婷",))),
        lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("江晨",)))), "clarify"),
    Item("昵称娜0的微信消息有多少条", lambda t: t.total(t.select(WECHAT_MSGS, people=("昵称娜0",))), "merge"),
    Item("李娜的微信聊天记录有多少条", lambda t: t.total(t.select(WECHAT_MSGS, people=("李娜",))), "merge"),
    Item("尾号0482的号码打来过几次电话", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", people=("张伟",))), "merge"),
    Item("尾号7391的号码打来过几次", absent_number("7391"), "absent"),
    Item("13800138000给机主打过电话吗", absent_number("13800138000"), "absent"),
    Item("和欧阳娜的短信有多少条", absent_person("欧阳娜"), "absent"),

    # -- keyword near-misses -----------------------------------------------------------------
    Item("提到“晚上”的短信有几条", lambda t: t.total(t.select(SMS, keywords=("晚上",))), "keyword"),
    Item("包含“明天”的消息有多少", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("明天",))), "keyword"),
    Item("消息里提到张伟的有几条", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("张伟",))), "keyword"),
    Item("陈静发来的消息里提到“身份证”的有几条", lambda t: t.total(
        t.select(ALL_MESSAGES, direction="in", people=("陈静",), keywords=("身份证",))), "keyword"),
    Item("李娜发来的短信里说过“生日快乐”的有几条", lambda t: t.total(
        t.select(SMS, direction="in", people=("李娜",), keywords=("生日快乐",))), "keyword"),

    # -- two questions in one, yes/no, comparisons -------------------------------------------
    Item("和张伟通话几次？和李娜通话几次？", lambda t: t.ranking(
        t.select(ALL_CALLS, people=("张伟", "李娜"))), "robust"),
    Item("张伟的通话次数比李娜多吗", lambda t: t.ranking(t.select(ALL_CALLS, people=("张伟", "李娜"))), "robust"),
    Item("张伟最近一个月给机主打过电话吗", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", people=("张伟",), window=t.recent(ALL_CALLS, 30))), "robust"),
    Item("機主接聽最多的是誰的來電", lambda t: t.ranking(
        t.select(ALL_CALLS, direction="in", statuses=("answered",))), "robust"),
    Item("２０２４年２月下旬的通话次数", lambda t: t.total(
        t.select(ALL_CALLS, window=t.days("2024-02-21", "2024-02-29"))), "robust"),

    # -- ordinary questions in fresh wordings ------------------------------------------------
    Item("这部手机里一共有多少条通话记录", lambda t: t.total(t.select(ALL_CALLS)), "total"),
    Item("微信语音和视频通话有多少次", lambda t: t.total(t.select(WECHAT_CALLS)), "channels"),
    Item("和机主联系最频繁的前五个人", lambda t: t.ranking(t.select(ALL)), "ranking"),
    Item("所有通话加起来多长时间", lambda t: t.duration(t.select(ALL_CALLS)), "measure"),
    Item("张伟的手机号码是多少", lambda t: t.lookup("张伟"), "lookup"),
    Item("第一次和赵敏通话是什么时候", lambda t: t.first(t.select(ALL_CALLS, people=("赵敏",))), "time"),
    Item("哪一天的通话最多", lambda t: t.groups(t.select(ALL_CALLS), "day"), "time"),
    Item("星期几收到的短信最多", lambda t: t.groups(t.select(SMS, direction="in"), "weekday"), "time"),
    Item("和黄明之间的短信有多少条", lambda t: t.total(t.select(SMS, people=("黄明",))), "total"),
    Item("有多少人给机主发过短信", lambda t: t.people(t.select(SMS, direction="in")), "total"),
    Item("王磊打来的未接电话有多少", lambda t: t.total(
        t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("王磊",))), "direction"),
    Item("晚上8点以后和谁通话最多", lambda t: t.ranking(t.select(ALL_CALLS, hours=(20, 24))), "ranking"),
]
