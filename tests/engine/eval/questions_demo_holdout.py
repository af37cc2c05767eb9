"""Held-out examiner questions over the `demo` case (spec: /work/spec/eval-spec.md), written without
looking at the engine's parser or lexicon, nor at the other question files: new wordings, registers
and structures, to measure how often the engine answers wrongly on questions it was not tuned to.

The demo case (qbot.evidence.demo): Asia/Shanghai, 2023-11-03 .. 2024-06-29 (newest record Saturday
2024-06-29), phone calls, SMS, WeChat chats, group chats and WeChat calls. 李娜 leads calls over the
whole period, 张伟 the last 30 days; 刘洋 calls at night; 王磊 leaves a burst of missed calls.
Truth by the spec's reading rules; expectations are never adjusted to what qbot answers."""

from __future__ import annotations

from .truth import (
    ALL,
    ALL_CALLS,
    DECLINE,
    PHONE,
    SMS,
    WECHAT_CALLS,
    WECHAT_MSGS,
    Item,
    absent_number,
    absent_person,
    ambiguous,
)

WEEKEND = (5, 6)
WORKDAYS = (0, 1, 2, 3, 4)
SPRING_FESTIVAL = ("2024-02-10", "2024-02-17")  # 2024 春节 days off
QINGMING = ("2024-04-04", "2024-04-06")
LABOUR_DAY = ("2024-05-01", "2024-05-05")




ITEMS: list[Item] = [
    # -- total ----------------------------------------------------------------------------
    Item("这部手机里一共提取到多少条通话记录？", lambda t: t.total(t.select(ALL_CALLS)), "total"),
    Item("机主手机上的短信总数是多少", lambda t: t.total(t.select(SMS)), "total"),
    Item("微信聊天记录合计有几条（群聊也算进去）", lambda t: t.total(t.select(WECHAT_MSGS)), "total"),
    Item("请统计机主与陈静之间的通话总次数",
         lambda t: t.total(t.select(ALL_CALLS, people=("陈静",))), "total"),

    # -- direction and status -------------------------------------------------------------
    Item("王磊打进来、机主没有接的电话有多少个",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed", "rejected"), people=("王磊",))),
         "direction"),
    Item("机主主动拨给李娜的电话有几通？",
         lambda t: t.total(t.select(ALL_CALLS, direction="out", people=("李娜",))), "direction"),
    Item("黄明发给机主的短信有多少条",
         lambda t: t.total(t.select(SMS, direction="in", people=("黄明",))), "direction"),
    Item("机主一共拒接过几个来电？", lambda t: t.total(t.select(ALL_CALLS, statuses=("rejected",))), "direction"),
    Item("刘洋打来的电话当中，接通了的有多少",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("answered",), people=("刘洋",))),
         "direction"),

    # -- channels ---------------------------------------------------------------------------
    Item("张伟的通话加上短信，总共多少条？",
         lambda t: t.total(t.select(ALL_CALLS + SMS, people=("张伟",))), "channels"),
    Item("除了微信以外，机主和陈静还有多少条往来记录",
         lambda t: t.total(t.select(PHONE + SMS, people=("陈静",))), "channels"),
    Item("黄明跟机主打过几次微信语音？", lambda t: t.total(t.select(WECHAT_CALLS, people=("黄明",))), "channels"),
    Item("只看微信（聊天和微信通话），不含短信和普通电话，机主和孙华联系了多少次",
         lambda t: t.total(t.select(WECHAT_CALLS + WECHAT_MSGS, people=("孙华",))), "channels"),
    Item("通话记录按应用分一下，各有多少条", lambda t: t.groups(t.select(ALL_CALLS), by="app"), "channels"),

    # -- ranking ----------------------------------------------------------------------------
    Item("给机主发短信最多的是哪个号码或哪个人？",
         lambda t: t.ranking(t.select(SMS, direction="in")), "ranking"),
    Item("最近一个月跟机主通话次数排前三的都是谁",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))), "ranking"),
    Item("累计通话时长最长的五个联系人", lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "ranking"),
    Item("张伟和刘洋相比，谁跟机主通话更频繁？",
         lambda t: t.ranking(t.select(ALL_CALLS, people=("张伟", "刘洋"))), "ranking"),
    Item("微信上机主发消息最多的对象是谁？", lambda t: t.ranking(t.select(WECHAT_MSGS, direction="out")), "ranking"),

    # -- merge (one person over numbers spellings and accounts) -----------------------------
    Item("陈静这个人，不管是手机号还是微信号，总共和机主有多少次来往？",
         lambda t: t.total(t.select(ALL, people=("陈静",))), "merge"),
    Item("15887366946 发来的短信一共几条", lambda t: t.total(t.select(SMS, direction="in", people=("陈静",))), "merge"),
    Item("黄明所有通话方式加起来的通话时长是多少秒",
         lambda t: t.duration(t.select(ALL_CALLS, people=("黄明",))), "merge"),
    Item("王磊在短信、微信消息和通话里一共出现了多少条记录",
         lambda t: t.total(t.select(ALL, people=("王磊",))), "merge"),

    # -- time -------------------------------------------------------------------------------
    Item("春节放假那几天机主接打了多少个电话",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days(*SPRING_FESTIVAL))), "time"),
    Item("2024年第一季度一共有多少条短信",
         lambda t: t.total(t.select(SMS, window=t.days("2024-01-01", "2024-03-31"))), "time"),
    Item("今年上半年李娜给机主打了多少次电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("李娜",),
                                    window=t.days("2024-01-01", "2024-06-30"))), "time"),
    Item("去年冬天机主的通话次数是多少",
         lambda t: t.total(t.select(ALL_CALLS, window=t.days("2023-12-01", "2024-02-29"))), "time"),
    Item("周末的通话记录一共有几条", lambda t: t.total(t.select(ALL_CALLS, weekdays=WEEKEND)), "time"),
    Item("工作日晚上8点以后，张伟打来过几次电话",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("张伟",), weekdays=WORKDAYS, hours=(20, 24))),
         "time"),
    Item("凌晨时段跟机主通话次数最多的是谁",
         lambda t: t.ranking(t.select(ALL_CALLS, hours=(0, 6))), "time"),
    Item("上周机主一共发出了多少条微信",
         lambda t: t.total(t.select(WECHAT_MSGS, direction="out", window=t.last_week(WECHAT_MSGS))), "time"),
    Item("昨天总共有几通电话？", lambda t: t.total(t.select(ALL_CALLS, window=t.yesterday(ALL_CALLS))), "time"),
    Item("3月1日至3月15日期间的短信有多少",
         lambda t: t.total(t.select(SMS, window=t.days("2024-03-01", "2024-03-15"))), "time"),
    Item("五一小长假期间和谁通话最多",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.days(*LABOUR_DAY))), "time"),
    Item("12月份的微信通话有几个", lambda t: t.total(t.select(WECHAT_CALLS, window=t.month(2023, 12))), "time"),
    Item("最近两周机主的未接来电有多少",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",),
                                    window=t.recent(ALL_CALLS, 14))), "time"),
    Item("清明节那几天机主有没有和陈静联系过？联系了几次",
         lambda t: t.total(t.select(ALL, people=("陈静",), window=t.days(*QINGMING))), "time"),
    Item("今年春天的微信消息一共有多少条",
         lambda t: t.total(t.select(WECHAT_MSGS, window=t.days("2024-03-01", "2024-05-31"))), "time"),

    # -- measure ----------------------------------------------------------------------------
    Item("机主和赵敏一共通话多长时间", lambda t: t.duration(t.select(ALL_CALLS, people=("赵敏",))), "measure"),
    Item("哪个月的通话最多？", lambda t: t.groups(t.select(ALL_CALLS), by="month"), "measure"),
    Item("一周里星期几打电话最多", lambda t: t.groups(t.select(ALL_CALLS), by="weekday"), "measure"),
    Item("和机主通过电话的一共有多少个人", lambda t: t.people(t.select(ALL_CALLS)), "measure"),
    Item("机主最后一次给王磊打电话是什么时候",
         lambda t: t.last(t.select(ALL_CALLS, direction="out", people=("王磊",))), "measure"),
    Item("通话最多的是哪一天", lambda t: t.groups(t.select(ALL_CALLS), by="day"), "measure"),
    Item("一天当中哪个钟点通话最集中", lambda t: t.groups(t.select(ALL_CALLS), by="hour"), "measure"),

    # -- keyword ----------------------------------------------------------------------------
    Item("有几条短信提到了身份证", lambda t: t.total(t.select(SMS, keywords=("身份证",))), "keyword"),
    Item("微信里说过“老地方见”的消息有多少", lambda t: t.total(t.select(WECHAT_MSGS, keywords=("老地方见",))), "keyword"),
    Item("话费短信有多少条", lambda t: t.total(t.select(SMS, keywords=("话费",))), "keyword"),
    Item("关于取件码的短信一共几条", lambda t: t.total(t.select(SMS, keywords=("取件码",))), "keyword"),
    Item("机主发出去的短信里，有多少条说到了吃饭",
         lambda t: t.total(t.select(SMS, direction="out", keywords=("吃饭",))), "keyword"),

    # -- lookup -----------------------------------------------------------------------------
    Item("陈静的电话号码是多少？", lambda t: t.lookup("陈静"), "lookup"),
    Item("帮我查一下通讯录里赵凯的联系方式", lambda t: t.lookup("赵凯"), "lookup"),
    Item("龙晨的手机号和微信号分别是什么", lambda t: t.lookup("龙晨"), "lookup"),

    # -- absent -----------------------------------------------------------------------------
    Item("机主和欧阳娜娜有过通话吗？", absent_person("欧阳娜娜"), "absent"),
    Item("13900001111 这个号码给机主打过几次电话", absent_number("13900001111"), "absent"),
    Item("诸葛亮和机主的微信聊天记录有多少条", absent_person("诸葛亮"), "absent"),
    Item("查询号码 021-55556666 的通话情况", absent_number("02155556666"), "absent"),

    # -- clarify ----------------------------------------------------------------------------
    Item("机主和秀英通了几次电话？",
         ambiguous(*(lambda t, p=p: t.total(t.select(ALL_CALLS, people=(p,))) for p in ("卢秀英", "武秀英", "邱秀英"))),
         "clarify"),
    Item("跟姓罗的那位一共联系了多少次",
         ambiguous(*(lambda t, p=p: t.total(t.select(ALL, people=(p,))) for p in ("罗娟", "罗婷", "罗晨"))),
         "clarify"),
    Item("阿娟和机主通过几次电话",
         ambiguous(*(lambda t, p=p: t.total(t.select(ALL_CALLS, people=(p,))) for p in ("向娟", "徐娟", "罗娟"))),
         "clarify"),

    # -- decline ----------------------------------------------------------------------------
    Item("机主和谁聊天的时间最长？", DECLINE, "decline"),
    Item("平均每通电话打多长时间", lambda t: t.average(t.select(ALL_CALLS)), "measure"),
    Item("帮我判断一下张伟是不是机主的同伙", DECLINE, "decline"),
    Item("机主3月份都去过哪些地方", DECLINE, "decline"),
    Item("张伟和刘洋两个人之间有没有互相打过电话", DECLINE, "decline"),

    # -- robust -----------------------------------------------------------------------------
    Item("機主和張偉最近一個月通話幾次？",
         lambda t: t.total(t.select(ALL_CALLS, people=("张伟",), window=t.recent(ALL_CALLS, 30))), "robust"),
    Item("陈静的WeChat消息有多少条", lambda t: t.total(t.select(WECHAT_MSGS, people=("陈静",))), "robust"),
    Item("📞王磊的未接来电一共多少个？😱",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("王磊",))), "robust"),
    Item("领导让我赶紧出个数，案子比较急，麻烦帮忙看一下哈，就是这个机主啊，在今年五月份，到底跟哪几个人"
         "微信聊得最多，给我排个名，谢谢了",
         lambda t: t.ranking(t.select(WECHAT_MSGS, window=t.month(2024, 5))), "robust"),
    Item("top 5 SMS联系人", lambda t: t.ranking(t.select(SMS)), "robust"),
    Item("李娜 call 机主 的次数", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("李娜",))), "robust"),
    Item("最近７天的通话有多少", lambda t: t.total(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 7))), "robust"),
]
