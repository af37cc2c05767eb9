"""Second held-out set for the ios case (spec: /work/spec/eval-spec.md), written without reading the
parser, lexicon, readings, people or any other question file: terse fragments, report-style
sentences, two conditions at once, odd spellings of numbers and dates, Cantonese/Taiwanese words,
and adversarial ones (名字里有时间词, 妈妈/爸爸 as persons, the owner himself, yes/no questions shaped
like rankings, 短信 where SMS and iMessage give the same answer and where they do not).

ios facts used (ioscase's docstring, checked with sqlite3 over the built case): newest record
2024-10-09 21:39 (a Wednesday; calls 19:05); 2024-04-10 onwards. The owner's number 18912340000 is
no counterpart. 王芳芳 and 10086 have SMS and no iMessage, and no iMessage mentions 验证码 or 快递, so
"短信" reads the same either way there; 孙丽 and "银行" do not.
"""

from __future__ import annotations


from .truth import (ALL, ALL_CALLS, ALL_MESSAGES, DECLINE, FACETIME, IMESSAGE, SMS, WECHAT_CALLS, WECHAT_MSGS,
                    Item, absent_number, absent_person, ambiguous)

IN, OUT = "in", "out"
WEEKEND = (5, 6)
TEXTS = SMS + IMESSAGE  # the second reading of 短信 in a case with iMessage



ITEMS: list[Item] = [
    # -- terse fragments -----------------------------------------------------------------------
    Item("周强 近30天 来电 几次",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.recent(ALL_CALLS, 30), people=("周强",))),
         "time"),
    Item("上周 通话 次数", lambda t: t.total(t.select(ALL_CALLS, window=t.last_week(ALL_CALLS))), "time"),
    Item("昨天 收到的微信", lambda t: t.listing(t.select(WECHAT_MSGS, direction=IN, window=t.yesterday(WECHAT_MSGS))),
         "time"),
    Item("每月 通话 数量", lambda t: t.groups(t.select(ALL_CALLS), "month"), "time"),
    Item("通话最多的一天是哪天", lambda t: t.groups(t.select(ALL_CALLS), "day"), "time"),
    Item("几点 FaceTime 最多", lambda t: t.groups(t.select(FACETIME), "hour"), "time"),
    Item("各应用 消息 数量", lambda t: t.groups(t.select(ALL_MESSAGES), "app"), "channels"),
    Item("凌晨 谁打来的最多", lambda t: t.ranking(t.select(ALL_CALLS, direction=IN, hours=(0, 6))), "ranking"),
    Item("通话时长 最长 的联系人", lambda t: t.ranking(t.select(ALL_CALLS), "duration"), "measure"),
    Item("微信通话 时长 前三", lambda t: t.ranking(t.select(WECHAT_CALLS), "duration"), "measure"),
    Item("周末 通话 排行", lambda t: t.ranking(t.select(ALL_CALLS, weekdays=WEEKEND)), "ranking"),
    Item("转账消息最多的人", lambda t: t.ranking(t.select(ALL_MESSAGES, keywords=("转账",))), "keyword"),
    Item("提到转账的微信消息 几条", lambda t: t.total(t.select(WECHAT_MSGS, keywords=("转账",))), "keyword"),
    Item("验证码短信 几条", lambda t: t.total(t.select(SMS, keywords=("验证码",))), "keyword"),
    Item("上月 快递 短信", lambda t: t.listing(t.select(SMS, keywords=("快递",), window=t.last_month(SMS))), "keyword"),
    Item("王芳 iMessage 里提到银行的", lambda t: t.total(t.select(IMESSAGE, people=("王芳",), keywords=("银行",))),
         "keyword"),
    Item("王芳 来电", lambda t: t.total(t.select(ALL_CALLS, direction=IN, people=("王芳",))), "direction"),
    Item("王芳芳 短信 条数", lambda t: t.total(t.select(SMS, people=("王芳芳",))), "channels"),
    Item("10086 发来的短信", lambda t: t.total(t.select(SMS, direction=IN, people=("10086",))), "channels"),
    Item("吴昊 FaceTime 次数", lambda t: t.total(t.select(FACETIME, people=("吴昊",))), "channels"),
    Item("吴昊 iMessage 几条", lambda t: t.total(t.select(IMESSAGE, people=("吴昊",))), "merge"),
    Item("郑雪 通话 时长 合计", lambda t: t.duration(t.select(ALL_CALLS, people=("郑雪",))), "measure"),
    Item("王总(建材) 微信通话 时长", lambda t: t.duration(t.select(WECHAT_CALLS, people=("王总(建材)",))), "measure"),
    Item("王总(物流) 发给机主的微信", lambda t: t.total(t.select(WECHAT_MSGS, direction=IN, people=("王总(物流)",))),
         "direction"),
    Item("孙丽 一共 联系 几次", lambda t: t.total(t.select(ALL, people=("孙丽",))), "merge"),
    Item("爸爸 最后一条消息", lambda t: t.last(t.select(ALL_MESSAGES, people=("爸爸",))), "time"),
    Item("阿杰 第一次 联系 时间", lambda t: t.first(t.select(ALL, people=("阿杰",))), "time"),
    Item("何军 的邮箱", lambda t: t.lookup("何军"), "lookup"),
    Item("物业刘师傅 的号码", lambda t: t.lookup("物业刘师傅"), "lookup"),
    Item("老家座机 号码多少", lambda t: t.lookup("老家座机"), "lookup"),

    # -- report style, the case and the device named -------------------------------------------
    Item("请统计本案2024年第三季度机主呼出电话的总时长",
         lambda t: t.duration(t.select(ALL_CALLS, direction=OUT, window=t.days("2024-07-01", "2024-09-30"))),
         "measure"),
    Item("检材中下半年的通话总数", lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-07-01", "2024-12-31"))),
         "time"),
    Item("请核查该iPhone在国庆假期期间的通话次数",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-10-01", "2024-10-07"))), "time"),
    Item("这台手机中秋期间微信消息几条",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days("2024-09-15", "2024-09-17"))), "time"),
    Item("端午节 FaceTime 和微信通话 一共几次",
         lambda t: t.total(t.select(FACETIME + WECHAT_CALLS, window=t.days("2024-06-08", "2024-06-10"))), "channels"),
    Item("本案9月份与机主有过通话的人数", lambda t: t.people(t.select(ALL_CALLS, window=t.month(2024, 9))), "total"),
    Item("本案 iMessage 涉及几个人", lambda t: t.people(t.select(IMESSAGE)), "total"),
    Item("2024年10月 孙丽 通过iMessage发给机主几条",
         lambda t: t.total(t.select(IMESSAGE, direction=IN, window=t.month(2024, 10), people=("孙丽",))), "direction"),
    Item("机主 给 妈妈 发了几条微信", lambda t: t.total(t.select(WECHAT_MSGS, direction=OUT, people=("妈妈",))),
         "direction"),
    Item("妈妈 微信 几条", lambda t: t.total(t.select(WECHAT_MSGS, people=("妈妈",))), "robust"),

    # -- numbers and dates in other spellings -----------------------------------------------------
    Item("0086-13800138000 通话次数", lambda t: t.total(t.select(ALL_CALLS, people=("周强",))), "robust"),
    Item("+86 138 0013 8000 是谁", lambda t: t.lookup("周强"), "lookup"),
    Item("021-6234 5678 通话次数", lambda t: t.total(t.select(ALL_CALLS, people=("何军",))), "merge"),
    Item("wuhao.sh@icloud.com 通话记录共几条", lambda t: t.total(t.select(ALL_CALLS, people=("吴昊",))), "merge"),
    Item("2024/9/27 21点后 马超 打来几次",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.days("2024-09-27", "2024-09-27"), hours=(21, 24),
                                    people=("马超",))), "time"),
    Item("9.27 晚上 马超 未接来电",
         lambda t: t.listing(t.select(ALL_CALLS, statuses=("missed",), window=t.days("2024-09-27", "2024-09-27"),
                                      hours=(18, 24), people=("马超",))), "robust"),
    Item("10/1-10/7 微信通话 时长",
         lambda t: t.duration(t.select(WECHAT_CALLS, window=t.days("2024-10-01", "2024-10-07"))), "robust"),
    Item("二〇二四年八月 微信消息 条数", lambda t: t.total(t.select(WECHAT_MSGS, window=t.month(2024, 8))), "robust"),
    Item("２０２４年９月 呼入 次数", lambda t: t.total(t.select(ALL_CALLS, direction=IN, window=t.month(2024, 9))),
         "robust"),

    # -- Cantonese / Taiwanese wording -------------------------------------------------------------
    Item("吴昊 凌晨打過來幾多次",
         lambda t: t.total(t.select(ALL_CALLS, direction=IN, hours=(0, 6), people=("吴昊",))), "robust"),
    Item("打電話給孙丽 幾次", lambda t: t.total(t.select(ALL_CALLS, direction=OUT, people=("孙丽",))), "robust"),
    Item("孙丽 传了几则簡訊",
         ambiguous(lambda t: t.total(t.select(SMS, direction=IN, people=("孙丽",))),
                   lambda t: t.total(t.select(TEXTS, direction=IN, people=("孙丽",)))), "clarify"),

    # -- two readings --------------------------------------------------------------------------
    Item("短信共计多少条", ambiguous(lambda t: t.total(t.select(SMS)), lambda t: t.total(t.select(TEXTS))), "clarify"),
    Item("含“银行”字样的短信数量",
         ambiguous(lambda t: t.total(t.select(SMS, keywords=("银行",))),
                   lambda t: t.total(t.select(TEXTS, keywords=("银行",)))), "clarify"),
    Item("王总 微信消息 数",
         ambiguous(lambda t: t.total(t.select(WECHAT_MSGS, people=("王总(建材)",))),
                   lambda t: t.total(t.select(WECHAT_MSGS, people=("王总(物流)",)))), "clarify"),

    # -- adversarial ---------------------------------------------------------------------------
    Item("夏飞 夏天 通话",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days("2024-06-01", "2024-08-31"), people=("夏飞",))), "time"),
    Item("周强 周末 来电", lambda t: t.total(t.select(ALL_CALLS, direction=IN, weekdays=WEEKEND, people=("周强",))),
         "robust"),
    Item("林峰 有没有发过消息", lambda t: t.total(t.select(ALL_MESSAGES, people=("林峰",))), "robust"),
    Item("物业刘师傅 通话次数", lambda t: t.total(t.select(ALL_CALLS, people=("物业刘师傅",))), "robust"),
    Item("周强最近是不是打电话最多的", lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))),
         "ranking"),
    Item("郑雪是不是通话最久的", lambda t: t.ranking(t.select(ALL_CALLS), "duration"), "ranking"),
    Item("孙丽和周强谁的微信消息多", lambda t: t.ranking(t.select(WECHAT_MSGS, people=("孙丽", "周强"))), "ranking"),
    # The owner himself: his number is no counterpart, his WeChat account no person.
    Item("18912340000 通话记录", absent_number("18912340000"), "absent"),
    Item("机主的微信号是多少", DECLINE, "decline"),
    Item("张伟 通话", absent_person("张伟"), "absent"),
    Item("13999999999 来电", absent_number("13999999999"), "absent"),
    Item("郑雪 微信通话 平均 多长", DECLINE, "decline"),
    Item("九月比八月通话多几次", DECLINE, "decline"),
]
