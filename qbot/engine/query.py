"""The engine's contract: a typed query over one case's evidence.

A question, an edited filter form and a model's plan all become a `Query`; one executor
(`qbot.engine.executor`) turns any valid query into parameterised SQL. Every field has one
meaning, and `describe` says it in words, so the plan the examiner reads is the query that runs.

- `sources`: record kinds × apps. `Source("calls")` is every call app (phone, WeChat, FaceTime);
  `Source("messages", "短信")` only SMS.
- `measure`: `count` (records), `duration` (call seconds), `average` (seconds per call, one
  figure rounded to 0.1), `first` / `last` (the earliest or
  latest record), `list` (the records themselves), `people` (distinct people), `lookup` (address
  book entries).
- filters: `direction` (`in`: to the owner, `out`: from the owner), `statuses` of calls
  (`missed`, `rejected`, `answered`, `unanswered`), `people` (person names, each one person with
  all their identifiers), `except_people` (people left out: "除了张伟以外"), `keywords` (message text contains every one), `window` (a `timeexpr` spec, local
  time), `hours` (local hours [from, to), wrapping past midnight), `weekdays` (0 Monday … 6 Sunday),
  `seconds` (a call's duration [least, most] in whole seconds, most null for no bound: "超过10分钟" =
  [601, null]), `at_least` (only people with at least this many records in the selection:
  "至少打过5次电话的人"; a ranking or a count of people).
- `group`: `none` (one figure), `person`, `day`, `month`, `hour`, `weekday`, `app`.
- `order` (`desc`: largest first) and `limit` (rows shown in the ranking).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

KINDS = ("calls", "messages", "contacts")
MEASURES = ("count", "duration", "average", "first", "last", "list", "people", "lookup")
GROUPS = ("none", "person", "day", "month", "hour", "weekday", "app")
DIRECTIONS = ("", "in", "out")
STATUSES = ("missed", "rejected", "answered", "unanswered")
ORDERS = ("desc", "asc")
MAX_LIMIT = 100
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class QueryError(ValueError):
    """A query that cannot run; the message names the field and what it accepts."""


@dataclass(frozen=True)
class Source:
    kind: str
    app: str = ""  # the node tree's app name; "" = every app holding this kind

    def words(self) -> str:
        noun = {"calls": "通话", "messages": "消息", "contacts": "通讯录"}[self.kind]
        if not self.app:
            return {"calls": "全部通话（电话与各应用的音视频通话）", "messages": "全部消息（短信与各应用的聊天）",
                    "contacts": "通讯录"}[self.kind]
        return f"{self.app}{noun}" if self.app not in noun else noun


MEDIA = ("", "video")


@dataclass(frozen=True)
class Query:
    sources: tuple[Source, ...]
    measure: str = "count"
    group: str = "none"
    direction: str = ""
    statuses: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    except_people: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    window: dict[str, Any] = field(default_factory=lambda: {"kind": "all"}, hash=False, compare=False)
    hours: tuple[int, int] | None = None
    weekdays: tuple[int, ...] = ()
    seconds: tuple[int, int | None] | None = None
    at_least: int | None = None
    media: str = ""  # "video": video calls only ("微信视频"); "" every call
    order: str = "desc"
    limit: int = 10

    def __post_init__(self) -> None:
        check(self)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.kind for s in self.sources))

    def with_(self, **changes: Any) -> Query:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {"sources": [{"kind": s.kind, "app": s.app} for s in self.sources], "measure": self.measure,
                "group": self.group, "direction": self.direction, "statuses": list(self.statuses),
                "people": list(self.people), "except_people": list(self.except_people),
                "keywords": list(self.keywords), "window": dict(self.window),
                "hours": list(self.hours) if self.hours else None, "weekdays": list(self.weekdays),
                "seconds": list(self.seconds) if self.seconds else None, "at_least": self.at_least, "media": self.media, "order": self.order, "limit": self.limit}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Query:
        """The query a JSON object describes; `QueryError` naming the field when it is not one."""
        if not isinstance(data, dict):
            raise QueryError("a query is a JSON object")
        try:
            sources = tuple(Source(str(s["kind"]), str(s.get("app") or "")) for s in data["sources"])
            hours, seconds = data.get("hours"), data.get("seconds")
            return cls(sources=sources, measure=str(data.get("measure", "count")), group=str(data.get("group", "none")),
                       direction=str(data.get("direction") or ""), statuses=tuple(data.get("statuses") or ()),
                       people=tuple(str(p) for p in data.get("people") or ()),
                       except_people=tuple(str(p) for p in data.get("except_people") or ()),
                       keywords=tuple(str(k) for k in data.get("keywords") or ()),
                       window=dict(data.get("window") or {"kind": "all"}),
                       hours=(int(hours[0]), int(hours[1])) if hours else None,
                       weekdays=tuple(int(d) for d in data.get("weekdays") or ()),
                       seconds=(int(seconds[0]), None if seconds[1] is None else int(seconds[1])) if seconds else None,
                       at_least=int(data["at_least"]) if data.get("at_least") is not None else None,
                       media=str(data.get("media") or ""),
                       order=str(data.get("order", "desc")), limit=int(data.get("limit", 10)))
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            raise QueryError(f"malformed query ({exc.__class__.__name__}: {exc}); "
                             "sources is a list of {kind, app}") from exc


def check(query: Query) -> None:
    """Every field within what the executor accepts, and no combination it cannot compute."""
    def one_of(name: str, value: Any, accepted: tuple) -> None:
        if value not in accepted:
            raise QueryError(f"{name} {value!r} is not one of {list(accepted)}")

    if not query.sources:
        raise QueryError("sources is empty; name at least one of kinds " + str(list(KINDS)))
    for source in query.sources:
        one_of("sources.kind", source.kind, KINDS)
    one_of("measure", query.measure, MEASURES)
    one_of("group", query.group, GROUPS)
    one_of("direction", query.direction, DIRECTIONS)
    one_of("order", query.order, ORDERS)
    for status in query.statuses:
        one_of("statuses", status, STATUSES)
    for day in query.weekdays:
        one_of("weekdays", day, tuple(range(7)))
    if query.hours is not None and not all(0 <= h <= 24 for h in query.hours):
        raise QueryError(f"hours {list(query.hours)} must be two local hours between 0 and 24")
    if query.seconds is not None and not (0 <= query.seconds[0] and (query.seconds[1] is None
                                                                      or query.seconds[0] <= query.seconds[1])):
        raise QueryError(f"seconds {list(query.seconds)} must be [least, most] call seconds, most null or not below least")
    if query.seconds is not None and query.kinds != ("calls",):
        raise QueryError("seconds bound a call's duration; messages have none, so give only call sources")
    if query.at_least is not None and (query.at_least < 1 or query.group != "person" and query.measure != "people"):
        raise QueryError(f"at_least {query.at_least} is a count of a person's records (1 or more), for a ranking "
                         "(group person) or a count of people (measure people)")
    if not 1 <= query.limit <= MAX_LIMIT:
        raise QueryError(f"limit {query.limit} must be between 1 and {MAX_LIMIT}")
    contacts = "contacts" in query.kinds
    if contacts and (len(query.kinds) > 1 or query.measure != "lookup"):
        raise QueryError("contacts are only looked up (measure lookup), not counted with calls or messages")
    if set(query.people) & set(query.except_people):
        raise QueryError("a person cannot be both in people and in except_people")
    if query.measure == "lookup" and not contacts:
        raise QueryError("measure lookup reads contacts; give sources [{kind: contacts}]")
    if query.measure == "average" and query.group != "none":
        raise QueryError("measure average is one figure (seconds per call); give group none")
    if query.measure in ("duration", "average") and query.kinds != ("calls",):
        raise QueryError("measure duration is the seconds of calls; messages have no duration")
    one_of("media", query.media, MEDIA)
    if query.media and query.kinds != ("calls",):
        raise QueryError("media (video) is a kind of call; messages have none, so give only call sources")
    if query.statuses and "calls" not in query.kinds:
        raise QueryError("statuses (missed, rejected, answered) are call states; the sources hold no calls")
    if query.keywords and query.kinds != ("messages",):
        raise QueryError("keywords search message text; calls have none, so give only message sources")
    if query.measure in ("list", "people", "first", "last", "lookup") and query.group != "none":
        raise QueryError(f"measure {query.measure} is one answer for the whole selection; give group none")


def describe(query: Query, window_text: str) -> str:
    """The query in the examiner's words: what is counted, over which records, how it is ordered."""
    sources = "、".join(s.words() for s in query.sources)
    parts = [f"数据：{sources}", f"时间：{window_text}"]
    if query.direction:
        parts.append("方向：" + ("对方打来或发来（呼入/收到）" if query.direction == "in" else "机主打出或发出（呼出/发送）"))
    if query.statuses:
        parts.append("状态：" + "、".join({"missed": "未接", "rejected": "拒接", "answered": "已接通", "unanswered": "未接通"}[s]
                                         for s in query.statuses))
    if query.people:
        parts.append("对象：" + "、".join(query.people))
    if query.except_people:
        parts.append("不含：" + "、".join(query.except_people))
    if query.keywords:
        parts.append("内容包含：" + "、".join(f"“{k}”" for k in query.keywords))
    if query.hours:
        parts.append(f"时段：每天 {query.hours[0]:02d}:00–{query.hours[1] % 24:02d}:00（案件时区）")
    if query.weekdays:
        parts.append("星期：" + "、".join(WEEKDAY_NAMES[d] for d in query.weekdays))
    if query.seconds:
        parts.append("单次通话时长：" + seconds_words(query.seconds))
    if query.media:
        parts.append("通话方式：只算视频通话")
    if query.at_least:
        parts.append(f"只算记录不少于 {query.at_least} 条的联系人")
    parts.append("统计：" + measure_words(query))
    return "；".join(parts)


def seconds_words(seconds: tuple[int, int | None]) -> str:
    least, most = seconds
    if most is None:
        return f"不少于 {least} 秒"
    return f"不超过 {most} 秒" if least == 0 else f"{least}–{most} 秒"


def measure_words(query: Query) -> str:
    what = {"count": "记录条数", "duration": "累计通话时长（秒）", "average": "平均每次通话时长（秒）", "first": "最早一条记录", "last": "最近一条记录",
            "list": "逐条列出记录", "people": "涉及的不同联系人", "lookup": "通讯录中的号码与账号"}[query.measure]
    by = {"none": "", "person": "按联系人（同一人的号码与账号合并）", "day": "按日期", "month": "按月份",
          "hour": "按一天中的小时", "weekday": "按星期", "app": "按应用"}[query.group]
    ranked = ""
    if query.group != "none" and query.measure in ("count", "duration"):
        ranked = "，从多到少排序" if query.order == "desc" else "，从少到多排序"
    return f"{by}{what}{ranked}"
