"""Examiner-style questions over the demo case (qbot/evidence/demo.py), each with the answer the
ground truth (tests/engine/eval/truth.py) computes from the evidence store's tables.

Written the way examiners type them: colloquial and formal, with 请问/帮我查一下/麻烦看看, stray
punctuation, a few in traditional characters or mixed with English, numbers with spaces. Every
expected figure is a function of `Truth`; no number is copied from the data. Windows follow the
spec's reading rules: relative time is anchored at the newest record of the sources asked about
(the demo's newest records are on 2024-06-29, its oldest on 2023-11-03), a missing year is the
newest record's year unless that would be after it.

Facts of the demo the expectations lean on (checked against the built case, not assumed):
- WeChat accounts saved without a remark carry their nickname, so 李娜's WeChat is the person
  "昵称娜0" and 张伟's is "昵称伟4": they do not merge with the phone contacts (刘洋, 王磊, 陈静,
  黄明, 赵敏 do). Rankings over WeChat therefore lead with "昵称娜0"; the truth says so, and so do
  these items.
- The owner's number (13800138000) is the package's owner, never a record's counterpart.
- Two contacts surnamed 王 (王磊, 王凯), three 刘 (刘洋, 刘芳, 刘昊), two 张 (张伟, 张玉兰),
  three …秀英, five …静, four 江…: the must-clarify items use these.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.engine.eval.truth import (
    ALL,
    ALL_CALLS,
    ALL_MESSAGES,
    CLARIFY,
    DECLINE,
    PHONE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Item,
    Truth,
)

TZ = ZoneInfo("Asia/Shanghai")  # the demo case's cases.timezone (DEMO_TIMEZONE)
WORKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
MISSED_OR_REJECTED = ("missed", "rejected")  # 没接 / 未接或拒接


def _newest_day(t: Truth, sources) -> date:
    """The local date of the newest record of `sources` (t.recent's upper bound is newest + 1 ms)."""
    return datetime.fromtimestamp((t.recent(sources, 1)[1] - 1) / 1000, TZ).date()


def _last_week(t: Truth, sources) -> tuple[date, date]:
    """上周: the Monday–Sunday week before the newest record's week."""
    newest = _newest_day(t, sources)
    monday = newest - timedelta(days=newest.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _last_week_day(t: Truth, sources, weekday: int):
    day = _last_week(t, sources)[0] + timedelta(days=weekday)
    return t.days(day, day)


def _yesterday(t: Truth, sources):
    day = _newest_day(t, sources) - timedelta(days=1)
    return t.days(day, day)


def _this_year(t: Truth, sources):
    return t.year(t.newest_year(sources))


def _season(t: Truth, sources, first_month: int, years_back: int = 0):
    """A season of three months starting at `first_month` in the newest year (minus years_back);
    winter (12) runs into February of the next year."""
    y = t.newest_year(sources) - years_back
    lo = t.month(y, first_month)
    last = first_month + 2
    hi = t.month(y + (last - 1) // 12, (last - 1) % 12 + 1)
    return lo[0], hi[1]


# Official days off (国务院办公厅 holiday notices for 2023 and 2024).
SPRING_FESTIVAL_2024 = (date(2024, 2, 10), date(2024, 2, 17))
QINGMING_2024 = (date(2024, 4, 4), date(2024, 4, 6))
LABOUR_DAY_2024 = (date(2024, 5, 1), date(2024, 5, 5))
DRAGON_BOAT_2024 = (date(2024, 6, 8), date(2024, 6, 10))
NATIONAL_DAY_2023 = (date(2023, 10, 1), date(2023, 10, 7))  # before the demo's first record

# A long question: the seed question repeated inside filler with no meaning-bearing words.
LONG = ("您好，打扰了。我这边是办案单位的工作人员，现在正在整理这个案子的电子数据分析材料，时间比较紧，"
        "领导催得也比较急，所以想麻烦您帮忙看一下，辛苦了。问题是这样的：最近一个月谁给机主打电话最多？"
        "再重复一遍，以免我没说清楚：最近一个月谁给机主打电话最多？如果表述不够规范还请见谅，"
        "我们平时写报告也是这么问的，主要就是想知道这一项。还是那个问题，最近一个月谁给机主打电话最多？"
        "麻烦您了，非常感谢您的耐心和帮助，祝您工作顺利，万事如意，谢谢谢谢！再次感谢！辛苦辛苦！"
        "好的，就这些，没有别的要求了，请直接回答这一项就可以，多谢。如果需要我补充说明什么，"
        "您随时告诉我就行，我一直在线等着，不着急，您慢慢来，真的非常感谢，辛苦您了。")
assert len(LONG) >= 300, len(LONG)

ITEMS: list[Item] = [
    # ---- 1. totals ------------------------------------------------------------------------------
    Item("上个月机主总共打出去多少通电话？",
         lambda t: t.total(t.select(ALL_CALLS, window=t.last_month(ALL_CALLS), direction="out")), "total"),
    # 银行通知短信: topic noun before 短信 → body contains 银行; 收到 → incoming.
    Item("一共收到几条银行的通知短信",
         lambda t: t.total(t.select(SMS, direction="in", keywords=("银行",))), "total"),
    # A total: group chats count too.
    Item("机主最近一周一共有多少条微信消息",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.recent(WECHAT_MSGS, 7))), "total"),
    Item("机主所有通话加起来一共打了多长时间？",
         lambda t: t.duration(t.select(ALL_CALLS)), "total"),
    Item("请问这部手机里一共有多少条通话记录",
         lambda t: t.total(t.select(ALL_CALLS)), "total"),
    Item("帮我统计一下机主一共发出去多少条短信",
         lambda t: t.total(t.select(SMS, direction="out")), "total"),
    Item("本月机主的通话总时长是多少",
         lambda t: t.duration(t.select(ALL_CALLS, window=t.this_month(ALL_CALLS))), "total"),
    Item("一共有多少个未接来电？",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",))), "total"),
    Item("机主今年一共收到多少条消息",
         lambda t: t.total(t.select(ALL_MESSAGES, window=_this_year(t, ALL_MESSAGES), direction="in")), "total"),
    Item("麻烦算一下机主上个月微信语音和视频通话的总时长",
         lambda t: t.duration(t.select(WECHAT_CALLS, window=t.last_month(WECHAT_CALLS))), "total"),

    # ---- 2. direction / status for one person -----------------------------------------------------
    # 电话 = every call app (张伟 has no merged WeChat account, so phone-only gives the same).
    Item("张伟给机主打过几次电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",))), "direction"),
    Item("机主给李娜打了几次电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="out", people=("李娜",))), "direction"),
    # 没接 = missed or rejected (spec); 未接 alone = missed only (next item).
    Item("王磊打来的电话机主有几次没接",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=MISSED_OR_REJECTED, people=("王磊",))),
         "direction"),
    Item("王磊的来电里有几次未接？",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("王磊",))), "direction"),
    Item("刘洋最后一次给机主打电话是什么时候",
         lambda t: t.last(t.select(ALL_CALLS, direction="in", people=("刘洋",))), "direction"),
    Item("张伟给机主发过几条短信",
         lambda t: t.total(t.select(SMS, direction="in", people=("张伟",))), "direction"),
    # 通话 without a direction: both ways, every call app (刘洋's WeChat calls merge in).
    Item("机主第一次和刘洋通话是什么时候",
         lambda t: t.first(t.select(ALL_CALLS, people=("刘洋",))), "direction"),
    Item("黄明最近一个月打来几个电话",
         lambda t: t.total(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30), direction="in", people=("黄明",))),
         "direction"),
    Item("机主最后一次给赵敏打电话是哪天",
         lambda t: t.last(t.select(ALL_CALLS, direction="out", people=("赵敏",))), "direction"),
    Item("李娜打来的电话，机主拒接过几次？",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("rejected",), people=("李娜",))), "direction"),
    Item("机主和李娜接通的电话一共多少通",
         lambda t: t.total(t.select(ALL_CALLS, statuses=("answered",), people=("李娜",))), "direction"),
    # Private chat only: 赵敏's lines in group chats belong to the group (person-level count).
    Item("赵敏发给机主的微信有多少条",
         lambda t: t.total(t.select(WECHAT_MSGS, direction="in", people=("赵敏",))), "direction"),
    # A number with no address-book name: the person is its E.164 number.
    Item("陌生号码177 7327 0296给机主打过几次电话？",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("+8617773270296",))), "direction"),
    Item("帮我查一下机主最早一次给张伟发短信是什么时候",
         lambda t: t.first(t.select(SMS, direction="out", people=("张伟",))), "direction"),

    # ---- 3. channel lists --------------------------------------------------------------------------
    # The listed union; in the demo it is every record, so WeChat's "昵称娜0" (李娜's unmerged account) leads.
    Item("通话、短信和微信消息一起算，机主和谁联系最多？",
         lambda t: t.ranking(t.select(ALL_CALLS + SMS + WECHAT_MSGS)), "channels"),
    # 电话 = every call app, plus SMS.
    Item("电话和短信加起来，机主跟谁联系得最多",
         lambda t: t.ranking(t.select(ALL_CALLS + SMS)), "channels"),
    Item("只看短信和微信消息，机主和谁聊得最多？",
         lambda t: t.ranking(t.select(SMS + WECHAT_MSGS)), "channels"),
    Item("手机通话（不含微信通话）和短信合计，陈静一共有多少条记录",
         lambda t: t.total(t.select(PHONE + SMS, people=("陈静",))), "channels"),
    Item("微信消息和微信通话一共有多少条",
         lambda t: t.total(t.select(WECHAT_MSGS + WECHAT_CALLS)), "channels"),
    Item("机主和黄明的电话、短信、微信加起来一共多少次往来",
         lambda t: t.total(t.select(ALL, people=("黄明",))), "channels"),
    Item("短信加微信，最近一个月机主给谁发消息最多",
         lambda t: t.ranking(t.select(SMS + WECHAT_MSGS, window=t.recent(SMS + WECHAT_MSGS, 30), direction="out")),
         "channels"),

    # ---- 4. rankings ("……是谁") ----------------------------------------------------------------------
    # 来往 = calls and messages.
    Item("跟机主来往最多的是谁？",
         lambda t: t.ranking(t.select(ALL)), "ranking"),
    Item("最近给机主打电话最多的人是谁",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30), direction="in")), "ranking"),
    Item("机主最常打电话给谁？",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="out")), "ranking"),
    # Service numbers are persons too (10086 ranks third by SMS received): rankings keep them.
    Item("谁给机主发短信最多",
         lambda t: t.ranking(t.select(SMS, direction="in")), "ranking"),
    Item("机主微信上和谁聊得最多",
         lambda t: t.ranking(t.select(WECHAT_MSGS)), "ranking"),
    Item("谁打来的电话机主没接的次数最多",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", statuses=MISSED_OR_REJECTED)), "ranking"),
    Item("哪个联系人给机主打的微信电话最多",
         lambda t: t.ranking(t.select(WECHAT_CALLS, direction="in")), "ranking"),
    Item("最近一个月，谁和机主通话最频繁？",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))), "ranking"),
    Item("机主发微信最多的对象是谁",
         lambda t: t.ranking(t.select(WECHAT_MSGS, direction="out")), "ranking"),
    Item("麻烦看看短信往来最多的人是谁",
         lambda t: t.ranking(t.select(SMS)), "ranking"),

    # ---- 5. merging one person's phone + WeChat calls ------------------------------------------------
    # 陈静/刘洋/黄明 rank by phone + WeChat seconds together.
    Item("机主和谁通话时间最长（电话和微信通话都算）",
         lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "merge"),
    Item("刘洋和机主的通话总时长是多少，微信语音也算上",
         lambda t: t.duration(t.select(ALL_CALLS, people=("刘洋",))), "merge"),
    Item("陈静和机主一共通过多少次话（包括微信通话）",
         lambda t: t.total(t.select(ALL_CALLS, people=("陈静",))), "merge"),
    Item("王磊的所有联系记录，不管是电话、短信还是微信，一共多少条",
         lambda t: t.total(t.select(ALL, people=("王磊",))), "merge"),
    Item("算上微信电话，最近一个月机主和谁通话时长最长",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30)), by="duration"), "merge"),

    # ---- 6. time words -------------------------------------------------------------------------------
    Item("今年春天机主和谁打电话最多？",
         lambda t: t.ranking(t.select(ALL_CALLS, window=_season(t, ALL_CALLS, 3))), "time"),
    # 去年冬天 with the newest record in 2024 = 2023-12-01..2024-02-29.
    Item("去年冬天机主一共打了多少个电话",
         lambda t: t.total(t.select(ALL_CALLS, window=_season(t, ALL_CALLS, 12, years_back=1))), "time"),
    Item("春节期间谁给机主打电话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days(*SPRING_FESTIVAL_2024), direction="in")), "time"),
    Item("清明节假期机主有多少条短信",
         lambda t: t.total(t.select(SMS, window=t.days(*QINGMING_2024))), "time"),
    Item("五一期间机主和谁联系最多",
         lambda t: t.ranking(t.select(ALL, window=t.days(*LABOUR_DAY_2024))), "time"),
    Item("劳动节放假那几天机主一共打了多少通电话",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days(*LABOUR_DAY_2024))), "time"),
    Item("端午节机主和谁通话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days(*DRAGON_BOAT_2024))), "time"),
    # 国庆 2023 is before the first record: "no records" is the answer (an empty ranking).
    Item("去年国庆节机主和谁打电话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days(*NATIONAL_DAY_2023))), "time"),
    Item("上半年机主一共收到多少条短信",
         lambda t: t.total(t.select(SMS, window=t.days(date(t.newest_year(SMS), 1, 1), date(t.newest_year(SMS), 6, 30)),
                                    direction="in")), "time"),
    Item("第二季度机主和谁通话时长最长",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days(date(t.newest_year(ALL_CALLS), 4, 1),
                                                               date(t.newest_year(ALL_CALLS), 6, 30))),
                             by="duration"), "time"),
    Item("周末谁给机主打电话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", weekdays=WEEKEND)), "time"),
    Item("工作日机主一共打出去多少电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="out", weekdays=WORKDAYS)), "time"),
    # 最近三个月 = 90 days back from the newest record.
    Item("最近三个月机主和谁联系最多",
         lambda t: t.ranking(t.select(ALL, window=t.recent(ALL, 90))), "time"),
    Item("上周三机主打了几个电话",
         lambda t: t.total(t.select(ALL_CALLS, window=_last_week_day(t, ALL_CALLS, 2))), "time"),
    Item("5月1日至15日机主和谁打电话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days(date(t.newest_year(ALL_CALLS), 5, 1),
                                                               date(t.newest_year(ALL_CALLS), 5, 15)))), "time"),
    Item("晚上8点以后谁给机主打电话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", hours=(20, 24))), "time"),
    Item("2024年1月到3月，机主一共发了多少条微信",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days(date(2024, 1, 1), date(2024, 3, 31)), direction="out")),
         "time"),
    # 12月 without a year: December of the newest year is after the newest record → the year before.
    Item("12月份机主打了多少个电话",
         lambda t: t.total(t.select(ALL_CALLS, window=t.month(t.newest_year(ALL_CALLS) - 1, 12))), "time"),
    Item("深夜谁给机主打电话最多？",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", hours=(22, 6))), "time"),
    Item("昨天机主收到多少条微信",
         lambda t: t.total(t.select(WECHAT_MSGS, window=_yesterday(t, WECHAT_MSGS), direction="in")), "time"),
    Item("从2月20号到3月10号，机主和刘洋通过几次电话",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days(date(t.newest_year(ALL_CALLS), 2, 20),
                                                             date(t.newest_year(ALL_CALLS), 3, 10)),
                                    people=("刘洋",))), "time"),

    # ---- 7. implied measures -------------------------------------------------------------------------
    Item("机主和谁煲电话粥最久",
         lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "measure"),
    Item("机主跟谁电话打得最长",
         lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "measure"),
    # 通话 only, grouped by hour: messages are not counted.
    Item("一天里什么时候通话最多",
         lambda t: t.groups(t.select(ALL_CALLS), by="hour"), "measure"),
    # The top two days tie; the harness compares the first row's value, so either day is right.
    Item("哪天微信聊得最多",
         lambda t: t.groups(t.select(WECHAT_MSGS), by="day"), "measure"),
    Item("机主一般几点睡觉", DECLINE, "measure"),
    Item("机主和张伟一共聊了多久电话",
         lambda t: t.duration(t.select(ALL_CALLS, people=("张伟",))), "measure"),
    Item("星期几机主打电话最多？",
         lambda t: t.groups(t.select(ALL_CALLS), by="weekday"), "measure"),
    # Messages have no duration: no analysis (the spec allows DECLINE or CLARIFY; see the report).
    Item("机主和谁聊天时间最长", DECLINE, "measure"),
    # Distinct persons: a merged person (刘洋's number + WeChat) once; unnamed numbers each one.
    Item("机主和多少个不同的人通过电话",
         lambda t: t.people(t.select(ALL_CALLS)), "measure"),
    Item("最近一个月有多少人给机主发过微信",
         lambda t: t.people(t.select(WECHAT_MSGS, window=t.recent(WECHAT_MSGS, 30), direction="in")), "measure"),

    # ---- 8. unquoted and quoted keywords -----------------------------------------------------------
    Item("银行通知短信有哪些",
         lambda t: t.listing(t.select(SMS, keywords=("银行",))), "keyword"),
    Item("有没有提到快递的消息",
         lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("快递",))), "keyword"),
    Item("关于身份证的短信",
         lambda t: t.listing(t.select(SMS, keywords=("身份证",))), "keyword"),
    # Quoted text across SMS ("车停在老地方") and WeChat ("老地方见").
    Item("包含“老地方”的消息一共有多少条",
         lambda t: t.total(t.select(ALL_MESSAGES, keywords=("老地方",))), "keyword"),
    Item("微信里有哪些消息提到定位",
         lambda t: t.listing(t.select(WECHAT_MSGS, keywords=("定位",))), "keyword"),
    Item("提到“取件码”的短信，最近一条是什么时候收到的",
         lambda t: t.last(t.select(SMS, direction="in", keywords=("取件码",))), "keyword"),
    # Group-chat lines ("[红包]") are messages too: a listing counts every record.
    Item("帮我找一下聊天记录里提到红包的",
         lambda t: t.listing(t.select(ALL_MESSAGES, keywords=("红包",))), "keyword"),
    Item("有多少人给机主发过包含“生日快乐”的短信",
         lambda t: t.people(t.select(SMS, direction="in", keywords=("生日快乐",))), "keyword"),

    # ---- 9. absent ---------------------------------------------------------------------------------
    # The owner's own number: no record has it as counterpart, so the case holds no such person.
    Item("13800138000是谁？", DECLINE, "absent"),
    Item("机主和赵云有联系吗", DECLINE, "absent"),
    Item("139 1234 5678 这个号码给机主打过电话吗", DECLINE, "absent"),
    Item("孙悟空最后一次给机主发短信是什么时候", DECLINE, "absent"),

    # ---- 10. lookups ------------------------------------------------------------------------------
    Item("张伟的电话号码是多少", lambda t: t.lookup("张伟"), "lookup"),
    Item("刘洋的联系方式", lambda t: t.lookup("刘洋"), "lookup"),
    Item("155 7822 0482 是谁", lambda t: t.lookup("张伟"), "lookup"),
    Item("13805032582是谁的号码？", lambda t: t.lookup("王磊"), "lookup"),
    Item("请查一下通讯录里黄明的手机号", lambda t: t.lookup("黄明"), "lookup"),
    Item("+86 152 2024 6633 这个号码在通讯录里存的是谁", lambda t: t.lookup("李娜"), "lookup"),
    Item("wxid_0e3606defc 这个微信号是谁", lambda t: t.lookup("刘洋"), "lookup"),

    # ---- 11. must clarify ------------------------------------------------------------------------
    # 老王: 王磊 or 王凯, whose counts differ.
    Item("老王最近一个月给机主打了几次电话？", CLARIFY, "clarify"),
    # 秀英: 邱秀英, 武秀英, 卢秀英 all sent SMS, in different numbers.
    Item("秀英给机主发过几条短信", CLARIFY, "clarify"),
    # 小刘: 刘洋, 刘芳, 刘昊.
    Item("机主和小刘通过多少次电话", CLARIFY, "clarify"),
    # 阿静: 陈静, 彭静, 吴静, 夏静, 陶静 — five different numbers.
    Item("阿静的电话号码是多少", CLARIFY, "clarify"),
    # 姓江的那位: 江婷, 江欣, 江霞 (and 江晨) chat on WeChat in different amounts.
    Item("机主和姓江的那位一共聊了多少条微信", CLARIFY, "clarify"),
    # 张总: 张伟 or 张玉兰, whose last calls differ.
    Item("张总最近一次打来电话是什么时候", CLARIFY, "clarify"),
    # A pronoun with no earlier turn: every person is a reading with its own answer, and it names
    # nobody absent from the case, so it is a clarification rather than a decline.
    Item("机主和他联系最多吗", CLARIFY, "clarify"),

    # ---- 12. must decline -----------------------------------------------------------------------
    Item("机主通话那几天天气怎么样", DECLINE, "decline"),
    Item("机主现在在哪里？", DECLINE, "decline"),
    # The case holds no gallery; image messages have no "photo" analysis in the query.
    Item("机主手机里有哪些照片", DECLINE, "decline"),
    Item("谁在威胁机主", DECLINE, "decline"),
    # 95588 SMS report transactions, never a balance: not computable exactly.
    Item("机主的银行卡余额是多少", DECLINE, "decline"),
    Item("预测一下下周机主会给谁打电话", DECLINE, "decline"),
    Item("机主删除过哪些短信", DECLINE, "decline"),
    Item("张伟和机主是什么关系？", DECLINE, "decline"),

    # ---- 13. robustness -------------------------------------------------------------------------
    Item("？？", DECLINE, "robust"),
    Item("机主和谁打电话最多😀",
         lambda t: t.ranking(t.select(ALL_CALLS)), "robust"),
    Item(LONG,
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30), direction="in")), "robust"),
    Item("機主最近和誰打電話最頻繁？",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))), "robust"),
    # 簡訊 = 短信 (traditional-character usage).
    Item("張偉給機主發過幾條簡訊？",
         lambda t: t.total(t.select(SMS, direction="in", people=("张伟",))), "robust"),
    Item("劉洋最後一次打來電話是什麼時候",
         lambda t: t.last(t.select(ALL_CALLS, direction="in", people=("刘洋",))), "robust"),
    # "the owner call" = outgoing calls.
    Item("who did the owner call most",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="out")), "robust"),
    Item("机主跟谁 call 得最多",
         lambda t: t.ranking(t.select(ALL_CALLS)), "robust"),
    Item("How many missed calls did 王磊 leave?",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("王磊",))), "robust"),
    Item("机主,和谁打电话最多???",
         lambda t: t.ranking(t.select(ALL_CALLS)), "robust"),
]
