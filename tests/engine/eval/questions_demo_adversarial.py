"""Adversarial held-out questions over the `demo` case, written without reading the engine's parser,
lexicon or SQL: wordings examiners use that the other files lack (colloquial, full-width digits,
traditional characters, English mixed in, stray punctuation), relative times (上上周, 前天晚上,
今年以来, 过去半年), units, negations, combinations, and questions that look like supported ones
but ask something else (who called the owner vs whom the owner called, one longest call vs the
longest total, the last record vs recent records). Truth is plain Python over truth.py's records;
a question with two honest readings expects qbot to ask (or to answer both, labelled).

The demo case: Asia/Shanghai, 2023-11-03 .. 2024-06-29 (newest record Saturday 2024-06-29)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from .truth import (
    ALL,
    ALL_CALLS,
    ALL_MESSAGES,
    CLARIFY,
    DECLINE,
    PHONE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Groups,
    Item,
    Record,
    Total,
    absent_person,
    ambiguous,
    without,
)

WEEKEND = (5, 6)


def _weeks_back(t, sources, weeks: int):
    """The Monday–Sunday week `weeks` before the newest record's week (1 = 上周, 2 = 上上周)."""
    d = t.newest_date(sources)
    monday = d - timedelta(days=d.weekday()) - timedelta(days=7 * weeks)
    return t.days(monday, monday + timedelta(days=6))


def _this_week(t, sources):
    d = t.newest_date(sources)
    return t.days(d - timedelta(days=d.weekday()), d)


def _days_before(t, sources, n: int):
    d = t.newest_date(sources) - timedelta(days=n)
    return t.days(d, d)


def _since_new_year(t, sources):
    d = t.newest_date(sources)
    return t.days(d.replace(month=1, day=1), d)


def _fewest(recs, by):
    """Groups smallest first (the harness reads the first row as the one asked for)."""
    tally = Counter(r.key(by) for r in recs)
    return Groups(tuple(sorted(tally.items(), key=lambda kv: (kv[1], kv[0]))))


def _no_groups(recs):
    return [r for r in recs if not r.group]


def _only_groups(recs):
    return [r for r in recs if r.group]


ITEMS: list[Item] = [
    # -- direction: who called whom -------------------------------------------------------
    Item("打给机主次数最多的是哪位", lambda t: t.ranking(t.select(ALL_CALLS, direction="in")), "direction"),
    Item("机主最常拨打的是谁的电话", lambda t: t.ranking(t.select(ALL_CALLS, direction="out")), "direction"),
    Item("哪个人最经常主动给机主打电话？", lambda t: t.ranking(t.select(ALL_CALLS, direction="in")), "direction"),
    Item("机主主动打出去最多的联系人前3名", lambda t: t.ranking(t.select(ALL_CALLS, direction="out")), "direction"),
    Item("机主一共打了几个电话给张伟", lambda t: t.total(t.select(ALL_CALLS, direction="out", people=("张伟",))),
         "direction"),
    Item("张伟总共给机主来过多少次电话", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",))),
         "direction"),
    Item("机主没接的电话里，谁打得最多",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", statuses=("missed", "rejected"))), "direction"),
    Item("机主拨出但对方没接的电话有几个",
         lambda t: t.total(t.select(ALL_CALLS, direction="out", statuses=("unanswered",))), "direction"),
    Item("收到的短信比发出的多多少条", DECLINE, "decline"),
    Item("李娜发给机主的微信有几条", lambda t: t.total(t.select(WECHAT_MSGS, direction="in", people=("李娜",))),
         "direction"),
    Item("机主回了陈静多少条微信", lambda t: t.total(t.select(WECHAT_MSGS, direction="out", people=("陈静",))),
         "direction"),
    Item("接通的来电一共有多少", lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("answered",))),
         "direction"),
    Item("被机主拒接次数最多的人是谁",
         lambda t: t.ranking(t.select(ALL_CALLS, statuses=("rejected",))), "direction"),

    # -- duration: total vs one call -------------------------------------------------------
    Item("通话总时长排第一的联系人是谁", lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "measure"),
    Item("单次通话时间最长的那通电话是跟谁打的", lambda t: _longest(t, t.select(ALL_CALLS)), "measure"),
    Item("和李娜打得最久的一次电话有多长", lambda t: _longest_seconds(t, t.select(ALL_CALLS, people=("李娜",))),
         "measure"),
    Item("机主跟谁煲电话粥的时间最长", lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "measure"),
    Item("张伟的通话时长一共多少分钟", lambda t: t.duration(t.select(ALL_CALLS, people=("张伟",))), "measure"),
    Item("和李娜累计通话几个小时", lambda t: t.duration(t.select(ALL_CALLS, people=("李娜",))), "measure"),
    Item("通话超过半小时的有几通", lambda t: t.total([r for r in t.select(ALL_CALLS) if r.dur > 1800]), "measure"),
    Item("不到30秒的电话有多少个", lambda t: t.total([r for r in t.select(ALL_CALLS) if r.dur < 30]), "measure"),
    Item("通话超过１０分钟的有几个", lambda t: t.total([r for r in t.select(ALL_CALLS) if r.dur > 600]), "measure"),
    Item("1个小时以上的微信通话有几次",
         lambda t: t.total([r for r in t.select(WECHAT_CALLS) if r.dur >= 3600]), "measure"),
    Item("李娜打来的电话平均每通多少秒",
         lambda t: t.average(t.select(ALL_CALLS, direction="in", people=("李娜",))), "measure"),
    Item("通话时长为0的电话有几个", lambda t: t.total([r for r in t.select(ALL_CALLS) if r.dur == 0]), "measure"),

    # -- 最近 vs 最近一次 ---------------------------------------------------------------------
    Item("最近一次跟张伟通电话是啥时候", lambda t: t.last(t.select(ALL_CALLS, people=("张伟",))), "measure"),
    Item("最近和张伟通了多少次电话",
         lambda t: t.total(t.select(ALL_CALLS, people=("张伟",), window=t.recent(ALL_CALLS, 30))), "time"),
    Item("最后一个给机主打电话的是谁", lambda t: t.last(t.select(ALL_CALLS, direction="in")), "measure"),
    Item("机主最后发出的一条短信是发给谁的", lambda t: t.last(t.select(SMS, direction="out")), "measure"),
    Item("最近一次未接来电是谁打来的",
         lambda t: t.last(t.select(ALL_CALLS, direction="in", statuses=("missed",))), "measure"),
    Item("最近通话时长最多的人",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30)), by="duration"), "ranking"),
    Item("最近跟机主联系的人是谁",
         ambiguous(lambda t: t.last(t.select(ALL)),
                   lambda t: t.ranking(t.select(ALL, window=t.recent(ALL, 30)))), "clarify"),
    Item("李娜最近打来电话是什么时候", lambda t: t.last(t.select(ALL_CALLS, direction="in", people=("李娜",))),
         "measure"),  # when, most recently: the last call, not a list of the last 30 days
    Item("最近什么时候和张伟通过话", lambda t: t.last(t.select(ALL_CALLS, people=("张伟",))), "measure"),
    Item("李娜上次发短信是什么时候", lambda t: t.last(t.select(SMS, direction="in", people=("李娜",))), "measure"),
    Item("最新通话记录", lambda t: t.last(t.select(ALL_CALLS)), "measure"),
    Item("头一次和李娜通话", lambda t: t.first(t.select(ALL_CALLS, people=("李娜",))), "measure"),
    Item("机主第一次和陈静通话是哪天", lambda t: t.first(t.select(ALL_CALLS, people=("陈静",))), "measure"),
    Item("陈静最后一次给机主发微信是几号",
         lambda t: t.last(t.select(WECHAT_MSGS, direction="in", people=("陈静",))), "measure"),
    Item("最早的一条短信是什么时候、和谁", lambda t: t.first(t.select(SMS)), "measure"),

    # -- relative time ------------------------------------------------------------------------
    Item("上上周一共有几通电话", lambda t: t.total(t.select(ALL_CALLS, window=_weeks_back(t, ALL_CALLS, 2))), "time"),
    Item("上上周机主收到多少条短信",
         lambda t: t.total(t.select(SMS, direction="in", window=_weeks_back(t, SMS, 2))), "time"),
    Item("前天晚上的通话有几个",
         lambda t: t.total(t.select(ALL_CALLS, window=_days_before(t, ALL_CALLS, 2), hours=(18, 24))), "time"),
    Item("前天一共多少条微信消息",
         lambda t: t.total(t.select(WECHAT_MSGS, window=_days_before(t, WECHAT_MSGS, 2))), "time"),
    Item("大前天有没有通话？有几次",
         lambda t: t.total(t.select(ALL_CALLS, window=_days_before(t, ALL_CALLS, 3))), "time"),
    Item("今年以来的短信有多少条", lambda t: t.total(t.select(SMS, window=_since_new_year(t, SMS))), "time"),
    Item("今年以来谁给机主打电话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", window=_since_new_year(t, ALL_CALLS))), "time"),
    # 半年: half of a 365-day year, 182 days (a calendar 6 months would be 182 or 183 as well)
    Item("过去半年一共打了多少电话", lambda t: t.total(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 182))), "time"),
    Item("近三个月的通话次数", lambda t: t.total(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 90))), "time"),
    Item("前三个月的短信有多少", CLARIFY, "clarify"),
    Item("这周的通话有多少个", lambda t: t.total(t.select(ALL_CALLS, window=_this_week(t, ALL_CALLS))), "time"),
    Item("本周机主发了几条微信",
         lambda t: t.total(t.select(WECHAT_MSGS, direction="out", window=_this_week(t, WECHAT_MSGS))), "time"),
    Item("近１０天和李娜的通话",
         lambda t: t.listing(t.select(ALL_CALLS, people=("李娜",), window=t.recent(ALL_CALLS, 10))), "time"),
    Item("２０２４年６月的短信条数", lambda t: t.total(t.select(SMS, window=t.month(2024, 6))), "time"),
    Item("六月份一共多少通电话", lambda t: t.total(t.select(ALL_CALLS, window=t.month(2024, 6))), "time"),
    Item("去年12月机主和谁通话最多", lambda t: t.ranking(t.select(ALL_CALLS, window=t.month(2023, 12))), "time"),
    Item("元旦放假期间的微信消息数",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days("2023-12-30", "2024-01-01"))), "time"),
    Item("端午节那几天的通话一共几次",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-06-08", "2024-06-10"))), "time"),
    Item("晚上十点以后的来电有多少", lambda t: t.total(t.select(ALL_CALLS, direction="in", hours=(22, 24))), "time"),
    Item("下午3点到5点之间的通话有几个", lambda t: t.total(t.select(ALL_CALLS, hours=(15, 17))), "time"),
    Item("6月中旬的短信有多少条", lambda t: t.total(t.select(SMS, window=t.days("2024-06-11", "2024-06-20"))), "time"),
    # 月初 = days 1–10, as 上旬 (docs/questions.md); 机主打了 has two readings, side by side
    Item("6月初机主打了几个电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="out", window=t.days("2024-06-01", "2024-06-10"))), "time"),
    Item("每个星期天的通话加起来有多少", lambda t: t.total(t.select(ALL_CALLS, weekdays=(6,))), "time"),
    Item("礼拜六收到的微信消息有几条",
         lambda t: t.total(t.select(WECHAT_MSGS, direction="in", weekdays=(5,))), "time"),
    Item("三个月前的通话记录有多少", DECLINE, "decline"),
    Item("6月31日的通话", DECLINE, "time"),  # no such day: not 6月30日, nor last year's
    Item("2月30日的短信", DECLINE, "time"),

    # -- negation -----------------------------------------------------------------------------
    Item("除去李娜，跟机主打电话最多的是谁",
         lambda t: t.ranking(without(t.select(ALL_CALLS), "李娜")), "ranking"),
    Item("不是李娜打来的电话有多少个",
         lambda t: t.total([r for r in t.select(ALL_CALLS, direction="in") if r.person != "李娜" or r.group]),
         "direction"),
    Item("没有接通的微信电话有多少",
         lambda t: t.total(t.select(WECHAT_CALLS, statuses=("missed", "rejected", "unanswered"))), "direction"),
    Item("不含群聊，微信消息一共多少条", lambda t: t.total(_no_groups(t.select(WECHAT_MSGS))), "channels"),
    Item("群聊里一共有多少条消息", lambda t: t.total(_only_groups(t.select(WECHAT_MSGS))), "channels"),
    Item("除了晚上，其他时间和刘洋的通话有几次",
         lambda t: t.total(t.select(ALL_CALLS, people=("刘洋",), hours=(0, 18))), "time"),
    Item("不算周末，李娜打来了多少个电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("李娜",), weekdays=(0, 1, 2, 3, 4))), "time"),
    Item("除了微信电话以外的通话总时长", lambda t: t.duration(t.select(PHONE)), "channels"),

    Item("除了李娜，张伟打来几次",  # the comma ends what is left out: 张伟 is asked about
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",))), "direction"),
    Item("去掉10086和95588，短信还有多少",
         lambda t: t.total([r for r in t.select(SMS) if r.person not in ("10086", "95588")]), "channels"),
    Item("张伟不算，谁打来最多",  # 不算 after the person leaves him out
         lambda t: t.ranking([r for r in t.select(ALL_CALLS, direction="in") if r.person != "张伟"]), "ranking"),
    Item("李娜不算在内，谁打电话最多", lambda t: t.ranking(without(t.select(ALL_CALLS), "李娜")), "ranking"),
    Item("不看短信，李娜的记录有几条",
         lambda t: t.total([r for r in t.select(ALL, people=("李娜",)) if r.app != "短信"]), "channels"),
    Item("不算未接来电，通话一共几次", DECLINE, "direction"),  # not the missed calls themselves
    Item("不含未接的通话有多少", DECLINE, "direction"),

    # -- combinations ------------------------------------------------------------------------
    Item("上个月晚上张伟打来的微信电话有几个",
         lambda t: t.total(t.select(WECHAT_CALLS, direction="in", people=("张伟",), hours=(18, 24),
                                    window=t.last_month(WECHAT_CALLS))), "time"),
    Item("今年5月份周末机主发出去的短信多少条",
         lambda t: t.total(t.select(SMS, direction="out", weekdays=WEEKEND, window=t.month(2024, 5))), "time"),
    Item("工作日白天和李娜的通话总时长",
         lambda t: t.duration(t.select(ALL_CALLS, people=("李娜",), weekdays=(0, 1, 2, 3, 4), hours=(6, 18))),
         "measure"),
    Item("最近两周凌晨给机主打电话最多的人",
         lambda t: t.ranking(t.select(ALL_CALLS, direction="in", hours=(0, 6), window=t.recent(ALL_CALLS, 14))),
         "ranking"),
    Item("6月份哪天通话最多", lambda t: t.groups(t.select(ALL_CALLS, window=t.month(2024, 6)), by="day"), "measure"),
    Item("晚上几点打电话的最多", lambda t: t.groups(t.select(ALL_CALLS, hours=(18, 24)), by="hour"), "measure"),
    Item("哪个月的短信最少", lambda t: _fewest(t.select(SMS), "month"), "measure"),
    Item("星期几通话最少", lambda t: _fewest(t.select(ALL_CALLS), "weekday"), "measure"),

    # -- people by partial name or number ---------------------------------------------------
    Item("尾号6633的号码一共打来几次电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("李娜",))), "merge"),
    Item("小张最近联系了几次", CLARIFY, "clarify"),
    Item("老李的通话有多少", CLARIFY, "clarify"),
    Item("刘总给机主打过几次电话", CLARIFY, "clarify"),
    Item("张伟和张玉兰加起来一共通话多少次",
         lambda t: t.total(t.select(ALL_CALLS, people=("张伟", "张玉兰"))), "merge"),
    Item("152开头的那个号码打来几次", CLARIFY, "clarify"),
    Item("李娜和陈静谁跟机主的通话多", lambda t: t.ranking(t.select(ALL_CALLS, people=("李娜", "陈静"))), "ranking"),
    Item("给机主发过短信的一共有多少人", lambda t: t.people(t.select(SMS, direction="in")), "measure"),
    Item("和机主有过微信聊天的人有几个", lambda t: t.people(t.select(WECHAT_MSGS)), "measure"),
    Item("只打过一次电话的联系人有几个", DECLINE, "decline"),

    # -- keywords ---------------------------------------------------------------------------
    Item("提到“取件码”的短信最早一条是什么时候", lambda t: t.first(t.select(SMS, keywords=("取件码",))), "keyword"),
    Item("最后一条说到“身份证”的短信是谁的", lambda t: t.last(t.select(SMS, keywords=("身份证",))), "keyword"),
    Item("10086发来的短信有几条", lambda t: t.total(t.select(SMS, direction="in", people=("10086",))), "keyword"),
    Item("包含'老地方'的微信和短信一共多少条",
         lambda t: t.total(t.select(SMS + WECHAT_MSGS, keywords=("老地方",))), "keyword"),

    # -- English, traditional, punctuation -------------------------------------------------
    Item("top 3 通话联系人", lambda t: t.ranking(t.select(ALL_CALLS)), "robust"),
    Item("SMS 发给谁最多", lambda t: t.ranking(t.select(SMS, direction="out")), "robust"),
    Item("missed call 一共有几个", lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",))),
         "robust"),
    Item("how many 通话 with 李娜", lambda t: t.total(t.select(ALL_CALLS, people=("李娜",))), "robust"),
    Item("張偉打來的電話有幾通", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",))), "robust"),
    Item("簡訊總數是多少", lambda t: t.total(t.select(SMS)), "robust"),
    Item("通話時間最長的聯絡人是誰", lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "robust"),
    Item("李娜,,打来几次??", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("李娜",))), "robust"),
    Item("机主。。给张伟打了几次电话", lambda t: t.total(t.select(ALL_CALLS, direction="out", people=("张伟",))),
         "robust"),
    Item("  陈静   短信   几条  ", lambda t: t.total(t.select(SMS, people=("陈静",))), "robust"),
    Item("WeChat 语音通话一共几次", lambda t: t.total(t.select(WECHAT_CALLS)), "robust"),

    # -- who is the sender when the owner is the object ------------------------------------
    Item("谁收到机主的短信最多", lambda t: t.ranking(t.select(SMS, direction="out")), "direction"),
    Item("谁回复机主最多", lambda t: t.ranking(t.select(ALL_MESSAGES, direction="in")), "direction"),
    Item("机主收到谁的短信最多", lambda t: t.ranking(t.select(SMS, direction="in")), "direction"),

    Item("李娜发了多少条短信", lambda t: t.total(t.select(SMS, direction="in", people=("李娜",))), "direction"),
    Item("李娜发的最后一条短信是什么", lambda t: t.last(t.select(SMS, direction="in", people=("李娜",))), "direction"),
    Item("张伟打的电话有几个", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",))), "direction"),
    Item("李娜昨天发了几条短信",
         lambda t: t.total(t.select(SMS, direction="in", people=("李娜",), window=t.yesterday(SMS))), "direction"),
    Item("张伟最近一周打了几次",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",), window=t.recent(ALL_CALLS, 7))),
         "direction"),
    Item("最近和机主联系过的人有哪些", lambda t: t.people(t.select(ALL, window=t.recent(ALL, 30))), "measure"),
    Item("发短信超过100条的人有几个",  # who sent? the people, or the owner to them
         ambiguous(lambda t: _people_over(t, t.select(SMS, direction="in"), 100),
                   lambda t: _people_over(t, t.select(SMS, direction="out"), 100)), "clarify"),
    Item("机主发短信超过100条的人有几个", lambda t: _people_over(t, t.select(SMS, direction="out"), 100), "measure"),
    Item("李娜一般几点打电话",
         lambda t: t.groups(t.select(ALL_CALLS, direction="in", people=("李娜",)), by="hour"), "direction"),
    Item("李娜打电话最多的是哪个月",
         lambda t: t.groups(t.select(ALL_CALLS, direction="in", people=("李娜",)), by="month"), "direction"),
    Item("张伟打电话和发短信加起来多少次",
         lambda t: t.total(t.select(ALL_CALLS + SMS, direction="in", people=("张伟",))), "direction"),
    Item("深夜给机主打电话的都有谁", lambda t: t.people(t.select(ALL_CALLS, direction="in", hours=(22, 6))), "time"),
    Item("陈静通过微信打来几次", lambda t: t.total(t.select(WECHAT_CALLS, direction="in", people=("陈静",))), "channels"),
    Item("机主发的短信有几条", lambda t: t.total(t.select(SMS, direction="out")), "direction"),
    Item("给李娜打电话的人有谁", DECLINE, "decline"),
    Item("给张伟发短信的人有几个", DECLINE, "decline"),
    Item("陈静发给李娜的短信", DECLINE, "decline"),
    Item("陌生号码打来的电话有多少", DECLINE, "decline"),
    Item("那次通话打了多久", DECLINE, "decline"),  # which call? not every call's seconds
    Item("这条短信是什么时候发的", DECLINE, "decline"),
    Item("机主的电话被李娜挂断了几次", DECLINE, "direction"),  # not the owner rejecting her calls
    Item("李娜被机主拒接了几次",
         lambda t: t.total(t.select(ALL_CALLS, statuses=("rejected",), people=("李娜",))), "direction"),  # not every incoming call
    Item("通讯录以外的号码", DECLINE, "decline"),  # not the address book itself
    Item("机主在家人群发了几条",  # the group is where the owner wrote, not who wrote
         lambda t: t.total([r for r in t.select(WECHAT_MSGS, direction="out") if r.person == "家人群"]), "direction"),  # between two others: not on the owner's phone
    Item("张伟给李娜打了几次电话", DECLINE, "decline"),
    Item("李娜和陈静发给机主的短信",
         lambda t: t.listing(t.select(SMS, direction="in", people=("李娜", "陈静"))), "direction"),

    # -- 以外 / 之外 after what is left out ----------------------------------------------------
    Item("李娜以外的人打来的电话有多少",
         lambda t: t.total([r for r in t.select(ALL_CALLS, direction="in") if r.person != "李娜"]), "ranking"),
    Item("李娜之外谁打电话最多", lambda t: t.ranking(without(t.select(ALL_CALLS), "李娜")), "ranking"),
    Item("微信以外的通话有多少", lambda t: t.total(t.select(PHONE)), "channels"),

    # -- per day is not the period's total -------------------------------------------------
    Item("6月份每天的通话量", lambda t: t.groups(t.select(ALL_CALLS, window=t.month(2024, 6)), by="day"), "measure"),
    Item("每天有多少条短信", lambda t: t.groups(t.select(SMS), by="day"), "measure"),
    Item("李娜每天给机主打几次电话",
         lambda t: t.groups(t.select(ALL_CALLS, direction="in", people=("李娜",)), by="day"), "measure"),

    # -- keyword searches no filter says -----------------------------------------------------
    Item("提到身份证或者取件码的短信有几条", DECLINE, "keyword"),
    Item("提到“身份证”或“取件码”的短信有几条", DECLINE, "keyword"),
    Item("不包含“好的”的短信有多少", DECLINE, "keyword"),
    Item("没有提到身份证的短信有几条", DECLINE, "keyword"),
    Item("有没有提到身份证的短信", lambda t: t.listing(t.select(SMS, keywords=("身份证",))), "keyword"),

    # -- lookups: whose number -----------------------------------------------------------------
    Item("陈静的微信号是多少", lambda t: t.lookup("陈静"), "lookup"),
    Item("李娜的号码有几个", lambda t: t.lookup("李娜"), "lookup"),  # not her records
    Item("一共多少个号码给机主打过电话", lambda t: t.people(t.select(ALL_CALLS, direction="in")), "measure"),
    Item("给机主打过电话的号码有多少个", lambda t: t.people(t.select(ALL_CALLS, direction="in")), "measure"),
    Item("按联系人统计通话次数", lambda t: t.ranking(t.select(ALL_CALLS)), "ranking"),
    Item("各个联系人的短信数", lambda t: t.ranking(t.select(SMS)), "ranking"),
    Item("每个联系人的通话时长", lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "ranking"),
    Item("通话时间分布", DECLINE, "measure"),
    Item("机主的手机号", DECLINE, "lookup"),
    Item("wxid_0a2188287e是谁", lambda t: t.lookup("陈静"), "lookup"),  # digits inside an id are no number

    # -- 视频 is video calls only (the records say which); 语音和视频 every call -------------------
    Item("和黄明微信视频几次", lambda t: t.total(t.select(WECHAT_CALLS, people=("黄明",), media="video")), "channels"),
    Item("视频通话一共多少次", lambda t: t.total(t.select(ALL_CALLS, media="video")), "channels"),
    Item("和黄明视频通话多长时间",
         lambda t: t.duration(t.select(ALL_CALLS, people=("黄明",), media="video")), "measure"),
    Item("上个月谁和机主微信视频最多",
         lambda t: t.ranking(t.select(WECHAT_CALLS, media="video", window=t.last_month(WECHAT_CALLS))), "ranking"),
    Item("黄明的微信语音和视频一共几次", lambda t: t.total(t.select(WECHAT_CALLS, people=("黄明",))), "channels"),

    # -- 微信语音 sent by the piece is a voice message, not a call -----------------------------
    Item("机主给黄明发了多少条微信语音", DECLINE, "decline"),
    Item("黄明发来几条微信语音", DECLINE, "decline"),

    # -- decline / absent ---------------------------------------------------------------------
    Item("机主删掉了哪些短信", DECLINE, "decline"),
    Item("张伟的QQ号是多少", DECLINE, "decline"),
    Item("机主平均每天发多少条微信", DECLINE, "decline"),
    Item("张伟打给刘洋几次", DECLINE, "decline"),
    Item("通话记录里有没有境外号码", DECLINE, "decline"),
    Item("上官婉儿给机主发过短信吗", absent_person("上官婉儿"), "absent"),
]


def _people_over(t, recs, n):
    from .truth import People
    return People(sum(v > n for _, v in t.ranking(recs).rows))


def _longest(t, recs):
    """The one longest call (a record, not a total): earliest first on ties."""
    best = max(recs, key=lambda r: (r.dur, -r.ts))
    return Record(best.time_text, best.person)


def _longest_seconds(t, recs):
    return Total(max(r.dur for r in recs))


