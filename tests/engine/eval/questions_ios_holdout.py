"""Held-out examiner questions over the `ios` case (spec: /work/spec/eval-spec.md), written without
looking at the engine's parser or lexicon, nor at the other question files: new wordings, registers
and structures, to measure how often the engine answers wrongly on questions it was not tuned to.

The ios case (ioscase.py): Asia/Shanghai, 2024-04-10 .. 2024-10-09 (newest call and message on
Wednesday 2024-10-09), an iPhone (phone calls, FaceTime, SMS, iMessage, address book) and an
Android spare phone with WeChat. Since the case holds iMessage, a bare "短信" has two readings (SMS
alone, or SMS and iMessage): such questions are CLARIFY items when the readings differ; where they
agree, the shared answer is expected. Expectations are never adjusted to what qbot answers."""

from __future__ import annotations


from . import ioscase
from .truth import (ALL, ALL_CALLS, ALL_MESSAGES, DECLINE, FACETIME, IMESSAGE, PHONE, SMS, WECHAT_CALLS,
                    WECHAT_MSGS, Item, absent_number, absent_person, ambiguous)

WEEKEND = (5, 6)
NATIONAL_DAY = ("2024-10-01", "2024-10-07")  # 2024 official days off
MID_AUTUMN = ("2024-09-15", "2024-09-17")
DRAGON_BOAT = ("2024-06-08", "2024-06-10")



def same(*readings):
    """The answer of readings that must agree (a question whose two readings give one answer)."""
    def expect(t):
        answers = [reading(t) for reading in readings]
        assert len(set(answers)) == 1, f"readings differ: {answers}"
        return answers[0]
    return expect


def burst(t):
    day = t.days("2024-09-27", "2024-09-27")
    return same(lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("马超",),
                                           window=day, hours=(18, 24))),
                lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("missed",), people=("马超",),
                                           window=day)))(t)


ITEMS: list[Item] = [
    # -- total ----------------------------------------------------------------------------
    Item("这个案子里的 iMessage 一共有几条？", lambda t: t.total(t.select(IMESSAGE)), "total"),
    Item("FaceTime 通话总共有多少次", lambda t: t.total(t.select(FACETIME)), "total"),
    Item("备用机上的微信消息总量是多少", lambda t: t.total(t.select(WECHAT_MSGS)), "total"),

    # -- direction and status -------------------------------------------------------------
    Item("机主用 FaceTime 呼叫吴昊的次数",
         lambda t: t.total(t.select(FACETIME, direction="out", people=("吴昊",))), "direction"),
    Item("孙丽发给机主的 iMessage 有多少条",
         lambda t: t.total(t.select(IMESSAGE, direction="in", people=("孙丽",))), "direction"),
    Item("微信电话里机主没接的有几个",
         lambda t: t.total(t.select(WECHAT_CALLS, statuses=("missed", "rejected"))), "direction"),
    Item("何军打来的电话中，接通的有几通",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", statuses=("answered",), people=("何军",))),
         "direction"),
    Item("林峰给机主打过几次电话？", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("林峰",))),
         "direction"),

    # -- channels ---------------------------------------------------------------------------
    Item("郑雪和机主的微信通话有多少次", lambda t: t.total(t.select(WECHAT_CALLS, people=("郑雪",))), "channels"),
    Item("孙丽的普通电话、FaceTime 和 iMessage，三样加起来一共多少条",
         lambda t: t.total(t.select(PHONE + FACETIME + IMESSAGE, people=("孙丽",))), "channels"),
    Item("除了微信通话以外，机主和周强通了多少次电话",
         lambda t: t.total(t.select(PHONE + FACETIME, people=("周强",))), "channels"),
    Item("各个应用的消息各有多少条", lambda t: t.groups(t.select(ALL_MESSAGES), by="app"), "channels"),

    # -- ranking ----------------------------------------------------------------------------
    Item("整个提取期间，谁和机主打电话最多？", lambda t: t.ranking(t.select(ALL_CALLS)), "ranking"),
    Item("近30天的通话排行，前三名是谁",
         lambda t: t.ranking(t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))), "ranking"),
    Item("按通话总时长排名，第一是谁", lambda t: t.ranking(t.select(ALL_CALLS), by="duration"), "ranking"),
    Item("只算手机通话（不含微信和FaceTime），通话时间最长的是哪几个人",
         lambda t: t.ranking(t.select(PHONE), by="duration"), "ranking"),
    Item("机主在微信上主动发消息最多的前三个人",
         lambda t: t.ranking(t.select(WECHAT_MSGS, direction="out")), "ranking"),

    # -- merge ------------------------------------------------------------------------------
    Item("wuhao.sh@icloud.com 这个账号和机主的 FaceTime 有几次",
         lambda t: t.total(t.select(FACETIME, people=("吴昊",))), "merge"),
    Item("吴昊不管用哪个号码还是邮箱，发来的 iMessage 一共几条",
         lambda t: t.total(t.select(IMESSAGE, direction="in", people=("吴昊",))), "merge"),
    Item("何军的手机、办公室座机和邮箱，加在一起和机主联系了多少次",
         lambda t: t.total(t.select(ALL, people=("何军",))), "merge"),
    Item("+86 138 0013 8000 这个号码的主人，一共给机主打来过几次电话（微信电话也算）",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("周强",))), "merge"),
    # A listed set is the union of what it lists (电话 = every call app): SMS is not among them.
    Item("王芳的全部往来记录，电话、iMessage、微信都算上",
         lambda t: t.total(t.select(ALL_CALLS + IMESSAGE + WECHAT_MSGS, people=("王芳",))), "merge"),
    Item("王芳芳（不是王芳）和机主通过几次电话", lambda t: t.total(t.select(ALL_CALLS, people=("王芳芳",))), "merge"),

    # -- time -------------------------------------------------------------------------------
    Item("国庆假期期间一共有多少通电话", lambda t: t.total(t.select(ALL_CALLS, window=t.days(*NATIONAL_DAY))), "time"),
    Item("中秋节放假期间收到了几条微信消息",
         lambda t: t.total(t.select(WECHAT_MSGS, direction="in", window=t.days(*MID_AUTUMN))), "time"),
    Item("第三季度的 FaceTime 通话有几次",
         lambda t: t.total(t.select(FACETIME, window=t.days("2024-07-01", "2024-09-30"))), "time"),
    Item("今年夏天机主和郑雪的微信通话累计时长",
         lambda t: t.duration(t.select(WECHAT_CALLS, people=("郑雪",), window=t.days("2024-06-01", "2024-08-31"))),
         "time"),
    Item("上周一共有多少条通话记录", lambda t: t.total(t.select(ALL_CALLS, window=t.last_week(ALL_CALLS))), "time"),
    Item("昨天机主收到了多少条消息",
         lambda t: t.total(t.select(ALL_MESSAGES, direction="in", window=t.yesterday(ALL_MESSAGES))), "time"),
    Item("下半年以来的 iMessage 条数",
         lambda t: t.total(t.select(IMESSAGE, window=t.days("2024-07-01", "2024-12-31"))), "time"),
    Item("5月份周末的通话次数",
         lambda t: t.total(t.select(ALL_CALLS, window=t.month(2024, 5), weekdays=WEEKEND)), "time"),
    Item("8月10号到8月20号之间和孙丽的通话有几次",
         lambda t: t.total(t.select(ALL_CALLS, people=("孙丽",), window=t.days("2024-08-10", "2024-08-20"))), "time"),
    Item("每天凌晨两点到四点之间的通话，总共有几个", lambda t: t.total(t.select(ALL_CALLS, hours=(2, 4))), "time"),
    Item("最近一周机主发出的微信消息有多少",
         lambda t: t.total(t.select(WECHAT_MSGS, direction="out", window=t.recent(WECHAT_MSGS, 7))), "time"),
    Item("端午节期间和孙丽联系过几次",
         lambda t: t.total(t.select(ALL, people=("孙丽",), window=t.days(*DRAGON_BOAT))), "time"),

    # -- measure ----------------------------------------------------------------------------
    Item("9月份哪一天的通话最多", lambda t: t.groups(t.select(ALL_CALLS, window=t.month(2024, 9)), by="day"),
         "measure"),
    Item("一天里几点钟收发消息最频繁", lambda t: t.groups(t.select(ALL_MESSAGES), by="hour"), "measure"),
    Item("和机主用微信通过话的有几个人", lambda t: t.people(t.select(WECHAT_CALLS)), "measure"),
    Item("最后一次和林峰通话是什么时候", lambda t: t.last(t.select(ALL_CALLS, people=("林峰",))), "measure"),
    Item("机主和郑雪一共通话了多久", lambda t: t.duration(t.select(ALL_CALLS, people=("郑雪",))), "measure"),
    Item("孙丽最早发来的一条 iMessage 是什么时候",
         lambda t: t.first(t.select(IMESSAGE, direction="in", people=("孙丽",))), "measure"),
    Item("按月看，哪个月的微信消息最多", lambda t: t.groups(t.select(WECHAT_MSGS), by="month"), "measure"),

    # -- keyword ----------------------------------------------------------------------------
    Item("招商银行发来的短信有多少条",
         same(lambda t: t.total(t.select(SMS, keywords=("招商银行",))),
              lambda t: t.total(t.select(SMS + IMESSAGE, keywords=("招商银行",)))), "keyword"),
    Item("提到转账的微信消息有几条", lambda t: t.total(t.select(WECHAT_MSGS, keywords=("转账",))), "keyword"),
    Item("含有验证码的信息有多少条", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("验证码",))), "keyword"),
    Item("提到顺丰的消息一共几条", lambda t: t.total(t.select(ALL_MESSAGES, keywords=("顺丰",))), "keyword"),
    Item("菜鸟驿站的取件短信一共几条",
         same(lambda t: t.total(t.select(SMS, keywords=("菜鸟驿站",))),
              lambda t: t.total(t.select(SMS, keywords=("菜鸟驿站", "取件"))),
              lambda t: t.total(t.select(SMS + IMESSAGE, keywords=("菜鸟驿站", "取件")))), "keyword"),
    Item("话费账单相关的消息有几条",
         same(lambda t: t.total(t.select(ALL_MESSAGES, keywords=("话费",))),
              lambda t: t.total(t.select(ALL_MESSAGES, keywords=("话费", "账单")))), "keyword"),

    # -- lookup -----------------------------------------------------------------------------
    Item("何军有几个号码？都列出来", lambda t: t.lookup("何军"), "lookup"),
    Item("吴昊的联系方式有哪些", lambda t: t.lookup("吴昊"), "lookup"),
    Item("老家座机的号码是多少", lambda t: t.lookup("老家座机"), "lookup"),
    Item("孙丽的手机号码和微信号", lambda t: t.lookup("孙丽"), "lookup"),

    # -- absent -----------------------------------------------------------------------------
    Item("13999999999 有没有和机主通过话", absent_number(ioscase.ABSENT_NUMBER), "absent"),
    Item("李娜在这个案子里有多少条记录", absent_person("李娜"), "absent"),
    Item("机主和 tom.lee@gmail.com 有 iMessage 往来吗", absent_number("tom.lee@gmail.com"), "absent"),
    # 物业刘师傅 is in the address book but has no record: a person of the case, so 0, not a decline.
    Item("物业刘师傅和机主通过几次电话",
         lambda t: t.total(t.select(ALL_CALLS, people=("物业刘师傅",))), "absent"),

    # -- clarify ----------------------------------------------------------------------------
    Item("王总打过几次微信电话",
         ambiguous(*(lambda t, p=p: t.total(t.select(WECHAT_CALLS, people=(p,))) for p in ("王总(建材)", "王总(物流)"))),
         "clarify"),
    Item("银行通知短信有几条",
         ambiguous(lambda t: t.total(t.select(SMS, keywords=("银行",))),
                   lambda t: t.total(t.select(SMS + IMESSAGE, keywords=("银行",)))), "clarify"),
    Item("和姓孟的那个人通话次数是多少",
         ambiguous(*(lambda t, p=p: t.total(t.select(ALL_CALLS, people=(p,))) for p in ("孟勇", "孟霞", "孟鹏"))),
         "clarify"),
    Item("机主一共收到过多少条短信",
         ambiguous(lambda t: t.total(t.select(SMS, direction="in")),
                   lambda t: t.total(t.select(SMS + IMESSAGE, direction="in"))), "clarify"),
    Item("孙丽和机主互发了多少条短信",
         ambiguous(lambda t: t.total(t.select(SMS, people=("孙丽",))),
                   lambda t: t.total(t.select(SMS + IMESSAGE, people=("孙丽",)))), "clarify"),

    # -- decline ----------------------------------------------------------------------------
    Item("郑雪和机主微信聊天累计聊了多长时间", DECLINE, "decline"),
    Item("机主的 Apple ID 密码是什么", DECLINE, "decline"),
    Item("吴昊总是半夜打电话，原因是什么", DECLINE, "decline"),
    Item("统计每个人的平均通话时长", DECLINE, "decline"),

    # -- robust -----------------------------------------------------------------------------
    Item("孫麗的FaceTime通話有幾次？", lambda t: t.total(t.select(FACETIME, people=("孙丽",))), "robust"),
    Item("周強最近30天打來幾個電話",
         lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("周强",), window=t.recent(ALL_CALLS, 30))),
         "robust"),
    Item("pls 查一下 郑雪 WeChat call 的总时长, in seconds",
         lambda t: t.duration(t.select(WECHAT_CALLS, people=("郑雪",))), "robust"),
    Item("🍃马超那天晚上连着打了好多个未接电话……9月27号，到底几个？", burst, "robust"),
    Item("是这样的，我们在办一个案子，嫌疑人用的是苹果手机，另外还有一部安卓备用机装了微信，两边数据都导进来了。"
         "我想了解一下，在整个提取的时间范围内，机主跟何军这个人，不管是打电话、FaceTime，还是发iMessage、微信，"
         "一共有过多少次联系？麻烦算一下。", lambda t: t.total(t.select(ALL, people=("何军",))), "robust"),
    Item("Top3 FaceTime 联系人 😊", lambda t: t.ranking(t.select(FACETIME)), "robust"),
]
