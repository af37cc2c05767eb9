"""What each intent reads and how it is explained: node kinds, the filter sentence's purpose, the
plan's steps and the analysis prompt's measures."""

from __future__ import annotations

from dataclasses import dataclass

from qbot.engine import intents as i
from qbot.engine.analyses import Analysis, activity, lookup, person, ranking, search


@dataclass(frozen=True)
class Spec:
    kinds: tuple[str, ...]
    purpose: str  # "为了{purpose}，需要检索…"
    goal: str  # what the analysis finds, after "分析机主在{window}内"
    measures: tuple[tuple[str, str], ...]  # (measure, how it is judged) for the prompt's second layer
    analysis: Analysis
    uses_window: bool = True


CALL_MEASURES = (("通话次数", "统计机主与每位联系人之间的通话次数，按次数从高到低排序"),
                 ("通话时长", "统计每位联系人的累计通话时长，次数相同时以时长区分"),
                 ("呼叫方向", "区分呼入、呼出与未接，识别单向的频繁呼叫"))

SPECS: dict[str, Spec] = {
    i.CALL_FREQUENCY: Spec(("calls",), "分析机主的通话频率", "与哪些联系人通话最为频繁", CALL_MEASURES,
                           ranking.call_frequency),
    i.CALL_DURATION: Spec(("calls",), "分析机主的通话时长", "与哪些联系人累计通话时间最长",
                          (("通话时长", "统计每位联系人的累计通话时长（秒），从长到短排序"),
                           ("通话次数", "列出对应的通话次数，时长相同时以次数区分")), ranking.call_duration),
    i.NIGHT_CALLS: Spec(("calls",), "分析机主的夜间通话", "在夜间（22:00–06:00，案件时区）与哪些联系人通话",
                        (("夜间通话次数", "统计 22:00 至次日 06:00 之间每位联系人的通话次数"),
                         ("通话时长", "统计夜间通话的累计时长")), ranking.night_calls),
    i.MISSED_CALLS: Spec(("calls",), "分析机主的未接与拒接来电", "有哪些未接与拒接的来电，来自哪些联系人",
                         (("未接", "统计状态为未接的来电次数"), ("拒接", "统计被拒接的来电次数"),
                          ("集中程度", "按联系人汇总，识别短时间内的密集呼叫")), ranking.missed_calls),
    i.MESSAGE_FREQUENCY: Spec(("messages",), "分析机主的消息往来", "与哪些联系人消息往来最多",
                              (("消息数", "统计与每位联系人（不含群聊）往来的消息条数"),
                               ("收发方向", "区分收到与发出的消息")), ranking.message_frequency),
    i.CONTACT_FREQUENCY: Spec(("calls", "messages"), "分析机主在各渠道的联系情况",
                              "在通话、短信、微信等所有渠道中与谁联系最频繁",
                              (("联系次数", "合并同一联系人在各渠道的通话与消息，统计总次数"),
                               ("通话次数", "其中的通话次数"), ("消息数", "其中的消息条数"),
                               ("通话时长", "累计通话时长，次数相同时以时长区分")), ranking.contact_frequency),
    i.PERSON: Spec(("calls", "messages"), "分析机主与指定联系人的往来", "与指定联系人之间的全部往来",
                   (("往来次数", "按渠道统计通话次数与消息条数"), ("通话时长", "统计累计通话时长"),
                    ("首次与最近联系", "给出首次与最近一次联系的时间，并列出时间线")), person.person),
    i.KEYWORD: Spec(("messages",), "检索包含关键词的消息", "的消息中哪些提到了关键词",
                    (("关键词命中", "逐条列出正文包含关键词的消息"),
                     ("上下文", "给出时间、应用、联系人与收发方向")), search.keyword_search),
    i.ACTIVITY_PERIOD: Spec(("calls", "messages"), "分析机主在各时期的活动情况", "每天（或每月）的通话与消息数量",
                            (("记录数", "按日期统计通话与消息数量，找出最活跃的时期"),
                             ("通话时长", "统计各时期的累计通话时长")), activity.by_period),
    i.ACTIVITY_HOUR: Spec(("calls", "messages"), "分析机主在一天中各时段的活动情况", "各小时的通话与消息数量",
                          (("时段分布", "按案件时区的小时统计通话与消息数量，找出最活跃的时段"),
                           ("夜间", "关注 22:00–06:00 的活动")), activity.by_hour),
    i.LOOKUP: Spec(("contacts",), "查询联系人信息", "的通讯录中指定联系人的号码与账号",
                   (("联系人信息", "给出姓名、号码或账号、备注与所在通讯录"),), lookup.lookup, uses_window=False),
}
