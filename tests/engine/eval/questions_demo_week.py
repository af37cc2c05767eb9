"""A fourth held-out set over the demo case: a week of examiners' questions (half ordinary, a quarter
with two or three conditions, a quarter tricky), written without reading the parser, lexicon,
readings, people or any other question file. Truth follows the documented reading rules
(docs/questions.md, /work/spec/eval-spec.md).

Demo facts used: newest record 2024-06-29 (Saturday); 李娜 leads calls over the whole period, 张伟
the last 30 days; 刘洋 calls at night; 王磊's 18 missed calls on 2024-06-18 from 21:05; 李娜's and
张伟's WeChat accounts carry no remark (they are the persons 昵称娜0 and 昵称伟4, not 李娜 / 张伟)."""

from __future__ import annotations

from .truth import (ALL, ALL_CALLS, ALL_MESSAGES, CLARIFY, DECLINE, PHONE, SMS, WECHAT_CALLS, WECHAT_MSGS,
                    Item, absent_number, absent_person, ambiguous, without)

C, M = ALL_CALLS, ALL_MESSAGES
NOT_ANSWERED_BY_OWNER = ("missed", "rejected")  # 没接 / 未接或拒接
NOT_ANSWERED_BY_CALLEE = ("unanswered", "missed", "rejected")  # X没接机主的电话 (outgoing)
SPRING_FESTIVAL = ("2024-02-10", "2024-02-17")
MAY_DAY = ("2024-05-01", "2024-05-05")


ITEMS: list[Item] = [
    # -- ordinary: what everyone asks -----------------------------------------------------------
    Item("谁给机主打电话最多？", lambda t: t.ranking(t.select(C, direction="in")), "direction"),
    Item("机主打出去的电话，打给谁最多", lambda t: t.ranking(t.select(C, direction="out")), "direction"),
    Item("最近一个月和谁通话最频繁", lambda t: t.ranking(t.select(C, window=t.recent(C, 30))), "time"),
    Item("通话记录一共有多少条", lambda t: t.total(t.select(C)), "total"),
    Item("微信聊天记录总数是多少", lambda t: t.total(t.select(WECHAT_MSGS)), "channels"),
    Item("和陈静通过几次电话", lambda t: t.total(t.select(C, people=("陈静",))), "total"),
    Item("张伟最后一次给机主打电话是什么时候",
         lambda t: t.last(t.select(C, direction="in", people=("张伟",))), "direction"),
    Item("机主和王磊第一次通话是在什么时候", lambda t: t.first(t.select(C, people=("王磊",))), "time"),
    Item("刘洋的手机号码是多少", lambda t: t.lookup("刘洋"), "lookup"),
    Item("15220246633是谁的号码", lambda t: t.lookup("李娜"), "lookup"),
    Item("聊天记录里提到“转给你”的消息有多少条", lambda t: t.total(t.select(M, keywords=("转给你",))), "keyword"),
    Item("列出包含'身份证'的短信", lambda t: t.listing(t.select(SMS, keywords=("身份证",))), "keyword"),
    Item("夜里谁打电话最多", lambda t: t.ranking(t.select(C, hours=(22, 6))), "time"),
    Item("未接来电最多的联系人是谁", lambda t: t.ranking(t.select(C, statuses=("missed",))), "ranking"),
    Item("一共有多少个未接来电", lambda t: t.total(t.select(C, statuses=("missed",))), "total"),
    Item("一天里什么时候通话最多", lambda t: t.groups(t.select(C), "hour"), "time"),
    Item("哪一天的通话次数最多", lambda t: t.groups(t.select(C), "day"), "time"),
    Item("按星期几统计通话，哪天最多", lambda t: t.groups(t.select(C), "weekday"), "time"),
    Item("上个月和机主通话最多的是谁", lambda t: t.ranking(t.select(C, window=t.last_month(C))), "time"),
    Item("上周一共有几通电话", lambda t: t.total(t.select(C, window=t.last_week(C))), "time"),
    Item("昨天收发了多少条微信消息",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.yesterday(WECHAT_MSGS))), "time"),
    Item("和黄明的微信聊天有多少条", lambda t: t.total(t.select(WECHAT_MSGS, people=("黄明",))), "channels"),
    Item("通话时长最长的联系人是谁", lambda t: t.ranking(t.select(C), "duration"), "measure"),
    Item("机主和李娜一共通话多长时间", lambda t: t.duration(t.select(C, people=("李娜",))), "measure"),
    Item("有多少人给机主发过短信", lambda t: t.people(t.select(SMS, direction="in")), "measure"),
    Item("2024年3月的短信有多少条", lambda t: t.total(t.select(SMS, window=t.month(2024, 3))), "time"),
    Item("春节期间通话有多少次", lambda t: t.total(t.select(C, window=t.days(*SPRING_FESTIVAL))), "time"),
    Item("五一假期微信消息一共有多少条",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days(*MAY_DAY))), "time"),
    Item("机主最后一次打出去的电话是打给谁的", lambda t: t.last(t.select(C, direction="out")), "direction"),
    Item("银行相关的短信有多少条", lambda t: t.total(t.select(SMS, keywords=("银行",))), "keyword"),
    Item("快递通知短信有几条", lambda t: t.total(t.select(SMS, keywords=("快递",))), "keyword"),
    Item("联系最多的前三个人是谁", lambda t: t.ranking(t.select(ALL)), "ranking"),

    # -- two or three conditions at once --------------------------------------------------------
    Item("最近一个月张伟打给机主的电话有多少个",
         lambda t: t.total(t.select(C, window=t.recent(C, 30), direction="in", people=("张伟",))), "direction"),
    Item("上个月机主给陈静发了几条短信",
         lambda t: t.total(t.select(SMS, window=t.last_month(SMS), direction="out", people=("陈静",))), "direction"),
    Item("今年刘洋深夜打来的电话有多少次",
         lambda t: t.total(t.select(C, window=t.year(2024), hours=(22, 6), direction="in", people=("刘洋",))),
         "time"),
    Item("最近两周和刘洋的微信通话总时长",
         lambda t: t.duration(t.select(WECHAT_CALLS, window=t.recent(WECHAT_CALLS, 14), people=("刘洋",))), "measure"),
    Item("2024年5月机主用普通电话打出去最多的是谁",
         lambda t: t.ranking(t.select(PHONE, window=t.month(2024, 5), direction="out")), "channels"),
    Item("凌晨打给机主但机主没接的电话有多少个",
         lambda t: t.total(t.select(C, hours=(0, 6), direction="in", statuses=NOT_ANSWERED_BY_OWNER)), "time"),
    Item("6月18日王磊打来的未接电话有几个",
         lambda t: t.total(t.select(C, window=t.days("2024-06-18", "2024-06-18"), direction="in",
                                    statuses=("missed",), people=("王磊",))), "time"),
    Item("今年2月和赵敏通话的总时长是多少",
         lambda t: t.duration(t.select(C, window=t.month(2024, 2), people=("赵敏",))), "measure"),
    Item("最近两周机主主动给李娜打过几次电话",
         lambda t: t.total(t.select(C, window=t.recent(C, 14), direction="out", people=("李娜",))), "direction"),
    Item("去年12月夜间谁给机主打电话最多",
         lambda t: t.ranking(t.select(C, window=t.month(2023, 12), hours=(22, 6), direction="in")), "time"),
    Item("4月份下午和陈静的短信往来有多少条",
         lambda t: t.total(t.select(SMS, window=t.month(2024, 4), hours=(12, 18), people=("陈静",))), "time"),
    Item("晚上8点以后机主打出去的电话有多少",
         lambda t: t.total(t.select(C, hours=(20, 24), direction="out")), "time"),
    Item("周末谁给机主发消息最多", lambda t: t.ranking(t.select(M, weekdays=(5, 6), direction="in")), "time"),
    Item("工作日白天和张伟通了几次电话",
         lambda t: t.total(t.select(C, weekdays=(0, 1, 2, 3, 4), hours=(6, 18), people=("张伟",))), "time"),
    Item("上周陈静发给机主的微信消息有多少条",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.last_week(WECHAT_MSGS), direction="in",
                                    people=("陈静",))), "direction"),
    Item("最近三个月未接来电最多的是谁",
         lambda t: t.ranking(t.select(C, window=t.recent(C, 90), statuses=("missed",))), "ranking"),
    Item("3月份接通的微信语音电话一共多长时间",
         lambda t: t.duration(t.select(WECHAT_CALLS, window=t.month(2024, 3), statuses=("answered",))), "measure"),

    # -- tricky ---------------------------------------------------------------------------------
    Item("除了李娜以外，谁给机主打电话最多",
         lambda t: t.ranking(without(t.select(C, direction="in"), "李娜")), "ranking"),
    Item("除去张伟，最近一个月还跟谁通话最多",
         lambda t: t.ranking(without(t.select(C, window=t.recent(C, 30)), "张伟")), "ranking"),
    Item("李娜没接机主的电话有几次",
         lambda t: t.total(t.select(C, direction="out", statuses=NOT_ANSWERED_BY_CALLEE, people=("李娜",))),
         "direction"),
    Item("机主没接王磊的电话有几次",
         lambda t: t.total(t.select(C, direction="in", statuses=NOT_ANSWERED_BY_OWNER, people=("王磊",))),
         "direction"),
    Item("张伟和刘洋加起来一共和机主通了多少次电话", lambda t: t.total(t.select(C, people=("张伟", "刘洋"))), "merge"),
    Item("张伟、刘洋、王磊分别给机主打了多少个电话",
         lambda t: t.ranking(t.select(C, direction="in", people=("张伟", "刘洋", "王磊"))), "ranking"),
    Item("和李娜的微信聊天有多少条", lambda t: t.total(t.select(WECHAT_MSGS, people=("李娜",))), "merge"),
    Item("小刘这个月打了几次电话", CLARIFY, "clarify"),
    Item("姓江的那位的号码是多少", CLARIFY, "clarify"),
    Item("秀英发来的短信有几条", CLARIFY, "clarify"),
    Item("快递短信有几条",
         ambiguous(lambda t: t.total(t.select(SMS, keywords=("快递",))), lambda t: t.total(t.select(SMS))), "clarify"),
    Item("机主本月打了多少个电话",
         ambiguous(lambda t: t.total(t.select(C, window=t.this_month(C), direction="out")),
                   lambda t: t.total(t.select(C, window=t.this_month(C)))), "clarify"),
    Item("前几天谁给机主打过电话", DECLINE, "decline"),
    Item("平均每天有多少个通话", DECLINE, "decline"),
    Item("这个月的通话比上个月多了多少", DECLINE, "decline"),
    Item("时间最长的那一次通话是和谁打的", DECLINE, "decline"),
    Item("通话时长超过10分钟的电话有多少个", lambda t: t.total([r for r in t.select(C) if r.dur > 600]), "measure"),
    Item("和谁聊天聊得时间最长", DECLINE, "decline"),
    Item("夜间通话占全部通话的百分之多少", DECLINE, "decline"),
    Item("欧阳娜娜打来过几次电话", absent_person("欧阳"), "absent"),
    Item("13999999999有没有联系过机主", absent_number("13999999999"), "absent"),
    Item("最近一個月和誰通話最多", lambda t: t.ranking(t.select(C, window=t.recent(C, 30))), "robust"),
    Item("２０２４年４月的通话有多少次", lambda t: t.total(t.select(C, window=t.month(2024, 4))), "robust"),
    Item("152 2024 6633打来的电话有几个", lambda t: t.total(t.select(C, direction="in", people=("李娜",))), "robust"),
]
