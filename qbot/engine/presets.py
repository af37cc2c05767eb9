"""The analyses qbot offers by name: each a preset of the query model. A plan names the preset its
query matches (the seed's question is `call_frequency`), or `query` for any other composition;
the examples are what qbot offers when it cannot answer a question."""

from __future__ import annotations

from qbot.engine.query import Query

EXAMPLES = ("请问机主最近与谁打电话比较频繁？", "上个月机主总共打出去多少通电话？", "机主和谁累计通话时间最长？",
            "机主夜间和谁通话最多？", "最近一周有哪些未接来电？", "机主微信上和谁聊天最多？",
            "通话、短信和微信消息一起算，机主和谁联系最多？", "张伟最后一次给机主打电话是什么时候？",
            "有哪些消息提到“转账”？", "机主一天中几点通话最多？", "张伟的电话号码是多少？")


def name_of(query: Query) -> str:
    """The preset a query is, or "query"."""
    kinds = set(query.kinds)
    if query.measure == "lookup":
        return "contact_lookup"
    if query.keywords and query.measure == "list":
        return "keyword_search"
    if query.people and query.measure in ("list", "count"):
        return "person"
    if query.group in ("day", "month"):
        return "activity_period"
    if query.group == "hour":
        return "activity_hour"
    if query.group != "person" or query.direction or query.keywords or query.weekdays or query.seconds or query.at_least:
        return "query"
    if kinds == {"calls"}:
        if query.statuses and set(query.statuses) <= {"missed", "rejected"}:
            return "missed_calls"
        if query.hours == (22, 6) and not query.statuses:
            return "night_calls"
        if not query.statuses and not query.hours:
            return "call_duration" if query.measure == "duration" else "call_frequency"
    if kinds == {"messages"} and not query.hours:
        return "message_frequency"
    if kinds == {"calls", "messages"} and not query.hours and not query.statuses:
        return "contact_frequency"
    return "query"
