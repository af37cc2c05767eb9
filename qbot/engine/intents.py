"""Question understanding for the builtin engine: which analysis a Chinese question asks for, and
its parameters (app, keyword, person). Rules are ordered: the first that fits wins."""

from __future__ import annotations

import re
from dataclasses import dataclass

CALL_FREQUENCY = "call_frequency"
CALL_DURATION = "call_duration"
NIGHT_CALLS = "night_calls"
MISSED_CALLS = "missed_calls"
MESSAGE_FREQUENCY = "message_frequency"
CONTACT_FREQUENCY = "contact_frequency"  # all channels merged per person
PERSON = "person"  # everything between the owner and one person
KEYWORD = "keyword_search"
ACTIVITY_PERIOD = "activity_period"
ACTIVITY_HOUR = "activity_hour"
LOOKUP = "contact_lookup"
UNSUPPORTED = "unsupported"

# App words as examiners write them → the app name of the node tree.
# "电话" is not here: "打电话" means calls in general (phone and WeChat), not the phone app.
APPS = {"微信": "微信", "wechat": "微信", "短信": "短信", "sms": "短信", "imessage": "iMessage",
        "facetime": "FaceTime"}

_CALLS = re.compile(r"电话|通话|来电|呼叫|打给|致电|拨打|语音通话|视频通话")
_MESSAGES = re.compile(r"短信|消息|聊天|信息|微信|imessage|sms|发信|私信", re.I)
_NIGHT = re.compile(r"夜间|深夜|半夜|凌晨|晚上十点|22[:：]00|夜里")
_MISSED = re.compile(r"未接|漏接|拒接|拒绝|没接|未应答")
_DURATION = re.compile(r"时长|时间最长|最长|聊得最久|通话最久|最久|多久")
_FREQUENT = re.compile(r"频繁|最多|经常|次数|谁|排名|排行|多少")
_ALL_CHANNELS = re.compile(r"所有渠道|全部渠道|各渠道|跨渠道|联系最|来往最|往来最|联系最多|联系最频繁|沟通最|交流最")
_HOUR = re.compile(r"几点|哪个时段|时段|小时|什么时间|哪个时间")
_ACTIVITY = re.compile(r"活动|活跃|使用情况|每天|每日|哪天|哪一天|按天|按月|每月|哪个月|概况")
_LOOKUP = re.compile(r"号码是|电话是多少|号码多少|是谁|谁的号码|联系方式|通讯录|联系人信息|备注")
_KEYWORD_QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’']{1,30})[”\"」』’']")
_KEYWORD_AFTER = re.compile(r"(?:提到|提及|包含|含有|涉及|关于|出现|搜索|查找|关键词|关键字)[了过]?\s*[：:]?\s*"
                            r"([\u4e00-\u9fffA-Za-z0-9]{1,12}?)(?=的|消息|短信|聊天|内容|字样|记录|这个|[？?，,。]|$)")


@dataclass
class Understanding:
    intent: str
    app: str = ""  # an app the question names ("微信"), "" for any
    keyword: str = ""
    person: str = ""  # the person's name in the directory
    person_text: str = ""  # how the question wrote it


def keyword_of(question: str) -> str:
    if match := _KEYWORD_QUOTED.search(question):
        return match.group(1).strip()
    if match := _KEYWORD_AFTER.search(question):
        return match.group(1).strip()
    return ""


def app_of(question: str) -> str:
    lowered = question.lower()
    return next((app for word, app in APPS.items() if word in lowered), "")


def understand(question: str, person: tuple[str, str] | None) -> Understanding:
    """The intent of a question; `person` is the (name, written) a directory found in it."""
    app = app_of(question)
    keyword = keyword_of(question)
    calls = bool(_CALLS.search(question))
    messages = bool(_MESSAGES.search(question)) and not (app == "微信" and calls and not re.search(
        r"消息|聊天|信息", question))
    if keyword and re.search(r"提到|提及|包含|含有|涉及|关于|出现|搜索|查找|关键|[“\"「『]", question):
        return Understanding(KEYWORD, app, keyword)
    if person and _LOOKUP.search(question):
        return Understanding(LOOKUP, app, "", *person)
    if person:
        return Understanding(PERSON, app, "", *person)
    if _LOOKUP.search(question) and not calls and not messages and not _FREQUENT.search(question.replace("是谁", "")):
        return Understanding(LOOKUP, app)
    if _HOUR.search(question) and (_ACTIVITY.search(question) or re.search(r"最多|频繁|集中", question)):
        return Understanding(ACTIVITY_HOUR, app)
    if _ACTIVITY.search(question) and not _FREQUENT.search(question.replace("哪天", "").replace("多少", "")):
        return Understanding(ACTIVITY_PERIOD, app)
    if re.search(r"哪天|哪一天|哪个月", question):
        return Understanding(ACTIVITY_PERIOD, app)
    if calls and _NIGHT.search(question):
        return Understanding(NIGHT_CALLS, app)
    if calls and _MISSED.search(question) or re.search(r"未接来电|漏接", question):
        return Understanding(MISSED_CALLS, app)
    if not app and (_ALL_CHANNELS.search(question) and not (calls and not messages) or (calls and messages)):
        return Understanding(CONTACT_FREQUENCY, app)
    if calls and _DURATION.search(question):
        return Understanding(CALL_DURATION, app)
    if calls and _FREQUENT.search(question):
        return Understanding(CALL_FREQUENCY, app)
    if messages and (_FREQUENT.search(question) or re.search(r"聊天最多|发.{0,4}最多", question)):
        return Understanding(MESSAGE_FREQUENCY, app)
    if _NIGHT.search(question) and re.search(r"联系|打给", question):
        return Understanding(NIGHT_CALLS, app)
    return Understanding(UNSUPPORTED)
