"""Second held-out set for the demo case (spec: /work/spec/eval-spec.md), written without reading
the parser, lexicon, readings, people or any other question file: the way a busy investigator types
on a work terminal (terse fragments, report-style sentences, two conditions at once, odd spellings of
numbers and dates, a few Cantonese/Taiwanese words) plus adversarial ones (names that are words or
hold a time word, the owner himself, yes/no questions shaped like rankings, comparisons with no exact
analysis). Truth by the spec's reading rules, through the Truth API only.

Demo facts used (checked with sqlite3 over the built case): newest record 2024-06-29 23:31 (a
Saturday; calls 23:18, SMS 21:49); records from 2023-11-03. 李娜's WeChat account has no remark, so
it is the person "昵称娜0", not 李娜; the owner's own number +8613800138000 is no counterpart.
"""

from __future__ import annotations


from .truth import (ALL, ALL_CALLS, DECLINE, SMS, WECHAT_CALLS, WECHAT_MSGS, Item, absent_number,
                    absent_person, ambiguous)

IN, OUT = "in", "out"
WEEKEND, WORKDAYS = (5, 6), (0, 1, 2, 3, 4)



ITEMS: list[Item] = [
    # -- terse fragments -----------------------------------------------------------------------
    Item("张伟 来电 次数", lambda t: t.total(t.select(ALL_CALLS, direction=IN, people=("张伟",))), "direction"),
    Item("上月 呼出 总数", lambda t: t.total(t.select(ALL_CALLS, direction=OUT, window=t.last_month(ALL_CALLS))),
         "time"),
    Item("本案短信总量", lambda t: t.total(t.select(SMS)), "total"),
    Item("没接的电话一共多少个", lambda t: t.total(t.select(ALL_CALLS, statuses=("missed", "rejected"))), "total"),
    Item("每小时 通话量 分布", lambda t: t.groups(t.select(ALL_CALLS), "hour"), "time"),
    Item("哪个月 短信 最多", lambda t: t.groups(t.select(SMS), "month"), "time"),
    Item("凌晨来电最多的是谁", lambda t: t.ranking(t.select(ALL_CALLS, direction=IN, hours=(0, 6))), "ranking"),
    Item("近7天 微信消息 前三 联系人",
         lambda t: t.ranking(t.select(WECHAT_MSGS, window=t.recent(WECHAT_MSGS, 7))), "ranking"),
    Item("上半年 通话时长 排名",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days("2024-01-01", "2024-06-30")), "duration"), "measure"),
    Item("未接来电 最多 是谁", lambda t: t.ranking(t.select(ALL_CALLS, statuses=("missed",))), "ranking"),
    Item("第一条短信 时间", lambda t: t.first(t.select(SMS)), "time"),
    Item("昨天 通话 几次", lambda t: t.total(t.select(ALL_CALLS, window=t.yesterday(ALL_CALLS))), "time"),
    Item("上周 短信 收发 总数", lambda t: t.total(t.select(SMS, window=t.last_week(SMS))), "time"),
    Item("去年冬天 短信 数", lambda t: t.total(t.select(SMS, window=t.days("2023-12-01", "2024-02-29"))), "time"),
    Item("晚上8点以后 张伟 来电",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, hours=(20, 24), people=("张伟",))), "time"),
    Item("周末 晚上 打出去的电话 次数",
         lambda t: t.total(t.select(ALL_CALLS, direction=OUT, weekdays=WEEKEND, hours=(18, 24))), "time"),
    Item("工作日 白天 收到的短信 多少条",
         lambda t: t.total(t.select(SMS, direction=IN, weekdays=WORKDAYS, hours=(6, 18))), "time"),
    Item("接通的呼出电话 总时长",
         lambda t: t.duration(t.select(ALL_CALLS, direction=OUT, statuses=("answered",))), "measure"),
    Item("最近三个月 电话 呼入 时长",
         lambda t: t.duration(t.select(ALL_CALLS, direction=IN, window=t.recent(ALL_CALLS, 90))), "measure"),
    Item("银行短信 几条", lambda t: t.total(t.select(SMS, keywords=("银行",))), "keyword"),
    Item("微信里说“老地方见”的有几条", lambda t: t.total(t.select(WECHAT_MSGS, keywords=("老地方见",))), "keyword"),

    # -- report style, the case and the extraction named -----------------------------------------
    Item("请统计涉案手机在2024年第二季度的通话总时长",
         lambda t: t.duration(t.select(ALL_CALLS, window=t.days("2024-04-01", "2024-06-30"))), "measure"),
    Item("检材内李娜相关通话记录共计多少条", lambda t: t.total(t.select(ALL_CALLS, people=("李娜",))), "total"),
    Item("这部手机上个月收到几条短信", lambda t: t.total(t.select(SMS, direction=IN, window=t.last_month(SMS))),
         "direction"),
    Item("请统计检材中2024年4月份机主与赵敏的微信通话次数",
         lambda t: t.total(t.select(WECHAT_CALLS, window=t.month(2024, 4), people=("赵敏",))), "channels"),
    Item("请列出本案2024年6月1日至6月7日期间的全部未接来电",
         lambda t: t.listing(t.select(ALL_CALLS, statuses=("missed",), window=t.days("2024-06-01", "2024-06-07"))),
         "time"),
    Item("本案中6月份给机主发过短信的共有多少人",
         lambda t: t.people(t.select(SMS, direction=IN, window=t.month(2024, 6))), "direction"),
    Item("涉案手机与陈静的通话、短信、微信消息合计多少条", lambda t: t.total(t.select(ALL, people=("陈静",))), "merge"),

    # -- two or more conditions -------------------------------------------------------------------
    Item("2024年5月 张伟打给机主的电话 几次",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.month(2024, 5), people=("张伟",))), "direction"),
    Item("五一假期 机主发出的微信消息 多少条",
         lambda t: t.total(t.select(WECHAT_MSGS, direction=OUT, window=t.days("2024-05-01", "2024-05-05"))), "time"),
    Item("2024年5月1日至15日 机主发给李娜的短信",
         lambda t: t.listing(t.select(SMS, direction=OUT, window=t.days("2024-05-01", "2024-05-15"),
                                      people=("李娜",))), "direction"),
    Item("机主最后一次打给张伟是什么时候",
         lambda t: t.last(t.select(ALL_CALLS, direction=OUT, people=("张伟",))), "direction"),
    Item("机主发给张伟的第一条短信", lambda t: t.first(t.select(SMS, direction=OUT, people=("张伟",))), "direction"),

    # -- holidays and dates in other spellings ---------------------------------------------------
    Item("春节期间 通话 几次", lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-02-10", "2024-02-17"))),
         "time"),
    Item("端午 微信通话 总时长",
         lambda t: t.duration(t.select(WECHAT_CALLS, window=t.days("2024-06-08", "2024-06-10"))), "measure"),
    Item("元旦假期 来电 次数",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.days("2023-12-30", "2024-01-01"))), "time"),
    Item("2024.5.1-2024.5.7 通话次数", lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-05-01", "2024-05-07"))),
         "robust"),
    Item("5/20 短信 条数", lambda t: t.total(t.select(SMS, window=t.days("2024-05-20", "2024-05-20"))), "robust"),
    Item("二〇二四年三月 微信通话 次数", lambda t: t.total(t.select(WECHAT_CALLS, window=t.month(2024, 3))), "robust"),
    Item("２０２４年６月 来电 总数", lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.month(2024, 6))),
         "robust"),

    # -- numbers in odd spellings ------------------------------------------------------------------
    Item("+86 152 2024 6633 通话次数", lambda t: t.total(t.select(ALL_CALLS, people=("李娜",))), "robust"),
    Item("１５５７８２２０４８２ 是谁的号码", lambda t: t.lookup("张伟"), "lookup"),
    Item("152-2024-6633 这个号码跟机主一共联系过几次", lambda t: t.total(t.select(ALL, people=("李娜",))), "robust"),
    Item("+8615578220482 最近一次通话", lambda t: t.last(t.select(ALL_CALLS, people=("张伟",))), "robust"),
    Item("155 7822 0482 上月打来几次",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.last_month(ALL_CALLS), people=("张伟",))),
         "robust"),
    Item("王磊 微信号 和 手机号", lambda t: t.lookup("王磊"), "lookup"),

    # -- Cantonese / Taiwanese wording -------------------------------------------------------------
    Item("黄明打電話俾機主幾多次", lambda t: t.total(t.select(ALL_CALLS, direction=IN, people=("黄明",))), "robust"),
    Item("6月份收到幾多條簡訊", lambda t: t.total(t.select(SMS, direction=IN, window=t.month(2024, 6))), "robust"),
    Item("機主打電話給陈静幾次", lambda t: t.total(t.select(ALL_CALLS, direction=OUT, people=("陈静",))), "robust"),

    # -- adversarial ---------------------------------------------------------------------------
    # 钱 is a surname here (钱昊, 钱辉) but no person; quoted, it is text in the SMS body.
    Item("短信内容提到“钱”的有几条", lambda t: t.total(t.select(SMS, keywords=("钱",))), "keyword"),
    Item("范文 微信消息 几条", lambda t: t.total(t.select(WECHAT_MSGS, people=("范文",))), "robust"),
    # 夏 (summer), 周 (week), 晨 (morning) inside contacts' names.
    Item("夏欣 夏天 通话 几次",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-06-01", "2024-08-31"), people=("夏欣",))), "time"),
    Item("周昊 周一 打来的电话", lambda t: t.listing(t.select(ALL_CALLS, direction=IN, weekdays=(0,), people=("周昊",))),
         "robust"),
    Item("江晨 晚上 来电", lambda t: t.total(t.select(ALL_CALLS, direction=IN, hours=(18, 24), people=("江晨",))),
         "robust"),
    # The owner is no person of the case; his own number is no counterpart.
    Item("机主本人的手机号是多少", DECLINE, "decline"),
    Item("13800138000 通话记录", absent_number("13800138000"), "absent"),
    # Shaped like rankings, asked as yes/no: the ranking answers them (李娜 is not first for 联系).
    Item("通话次数最多的是不是李娜", lambda t: t.ranking(t.select(ALL_CALLS)), "ranking"),
    Item("李娜是不是联系最多的人", lambda t: t.ranking(t.select(ALL)), "ranking"),
    Item("张伟和李娜谁打来的电话多", lambda t: t.ranking(t.select(ALL_CALLS, direction=IN, people=("张伟", "李娜"))),
         "ranking"),
    # 李娜's WeChat account is a different person (no remark): she has no WeChat messages.
    Item("李娜 微信 消息数", lambda t: t.total(t.select(WECHAT_MSGS, people=("李娜",))), "merge"),
    Item("昵称静 的微信消息 有多少",
         ambiguous(lambda t: t.total(t.select(WECHAT_MSGS, people=("昵称静40",))),
                   lambda t: t.total(t.select(WECHAT_MSGS, people=("昵称静8",)))), "clarify"),

    # -- comparisons and measures with no exact analysis; absent people ---------------------------
    Item("本月通话比上月多了百分之几", DECLINE, "decline"),
    Item("上个月 平均每天 打几个电话", DECLINE, "decline"),
    Item("最长的一次通话 是跟谁", DECLINE, "decline"),
    Item("和谁聊天时间最长", DECLINE, "decline"),
    Item("李明 来电 次数", absent_person("李明"), "absent"),
    Item("+86 139 9999 9999 有没有联系记录", absent_number("13999999999"), "absent"),
]
