"""From the slots a question fills to its reading: one `Query`, choices when the question has
two readings that give different answers, or the reason it cannot be answered.

The rules here are the product's documented reading rules (docs/questions.md): which sources a
word means, which direction, which measure and grouping; where they leave a question open, the
reading says so instead of picking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qbot.engine import exclusions, pronouns, refusals, thresholds, timenot
from qbot.engine import direction as ways
from qbot.engine.direction import direction as _direction
from qbot.engine import lexicon as lx
from qbot.engine.people import People
from qbot.engine.query import Query, QueryError, Source

if TYPE_CHECKING:
    from qbot.engine.parser import Slots, Token


@dataclass(frozen=True)
class CaseSources:
    """(kind, app) pairs the case holds records of, in the nodes the question may read."""

    pairs: frozenset[tuple[str, str]]

    def has(self, kind: str, app: str) -> bool:
        return (kind, app) in self.pairs


@dataclass(frozen=True)
class Choice:
    label: str  # what this reading means, for the examiner
    question: str  # the question rephrased so that it reads only this way
    query: Query


@dataclass
class Reading:
    text: str  # the question as read (normalised)
    query: Query | None = None
    choices: list[Choice] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words not understood
    reason: str = ""  # why it asks or declines, in the examiner's words
    nearest: str = ""  # a declined question's nearest one qbot can answer, to offer
    # What the choices differ in: "people" (which person), or "sources", "direction", "topic",
    # where two readings that give the same answer need not be asked about.
    about: str = ""
    pointers: list[str] = field(default_factory=list)  # 他 / 这个人 read as the previous question's person

    @property
    def outcome(self) -> str:
        return "answer" if self.query else "clarify" if self.choices else "decline"


def decline(text: str, reason: str, unknown: list[str] | None = None) -> Reading:
    return Reading(text, reason=reason, unknown=list(unknown or []))


_LIST_MARKS = ("、", "和", "与", "及", "或", "加", ",", "跟")
_PLACE_MARKS = ("上", "里", "中")


def _listed(text: str, token: Token) -> bool:
    after, before = text[token.span[1]:token.span[1] + 1], text[max(token.span[0] - 1, 0):token.span[0]]
    return (after in _LIST_MARKS or before in _LIST_MARKS) and after not in _PLACE_MARKS


def _kind_hint(found: Slots) -> str:
    """The record kind the verbs and measure words imply: 发 and 条 are messages, 打 and 通 calls."""
    words = "".join(found.word(t) for t in found.of("dir", "in_word", "out_word", "send_verb", "total", "source_in",
                                                    "source_out")) + ways.sender_verb(found)
    messages, calls = any(c in words for c in "发条收复"), any(c in words for c in "打拨呼通接")  # 回复: a reply is written
    return "messages" if messages and not calls else "calls" if calls and not messages else ""


def _sources(found: Slots, case: CaseSources) -> tuple[list[Source], bool]:
    """The sources the question names, and whether "短信" could also mean iMessage here.

    An app named on its own ("微信") narrows the kind words when it is a place ("在微信上聊天",
    "微信里和谁通话"); in a list ("电话、短信、微信") it is an item of its own: every kind of that
    app, or the kind the verbs imply ("发了多少条微信")."""
    text = found.text
    excluded = exclusions.tokens(found)
    apps, listed_apps = [], []
    for token in found.of("app"):
        if token in excluded:
            continue
        (listed_apps if _listed(text, token) else apps).append(token.value)
    bound: list[Source] = []
    unbound: list[str] = []
    sms_open = False
    for token in found.of("measure"):  # "通话时长" names calls as well as the measure
        if any(w in found.word(token) for w in ("通话", "电话")):
            unbound.append("calls")
    named = [t for t in found.of("source", "source_in", "source_out") if t not in excluded]
    if not named and not listed_apps and not unbound:
        named = found.of("contact_verb")
    hint = _kind_hint(found)
    # "短信加微信，给谁发消息最多": a kind word outside the list says what the listed app means.
    spoken = [k for t in named if not t.value[1] and not _listed(text, t) for k in t.value[0]]
    for app in listed_apps:
        bound += [Source(kind, app) for kind in (spoken or ((hint,) if hint else ("calls", "messages")))]
    for token in named:
        kinds, app = token.value
        if app == "短信!":
            app = "短信"
        elif app == "短信" and case.has("messages", "iMessage"):
            sms_open = True
        if app:
            bound += [Source(kind, app) for kind in kinds]
        else:
            unbound += list(kinds)
    if apps and not unbound and not bound:
        unbound = [hint] if hint else ["calls", "messages"]
    if not found.has("include"):
        # "在iMessage上和谁聊得最多": the kind word is the verb of the app named; unless the
        # question adds ("微信语音也算上"), it does not widen the source to every app.
        unbound = [kind for kind in unbound if not any(s.kind == kind for s in bound)]
    if "duration" in [t.value for t in found.of("measure")] and ("calls" in unbound or any(
            s.kind == "calls" for s in bound)):
        unbound = [k for k in unbound if k != "messages"]  # "聊了多久电话": 聊 is the verb of a call
    chosen = list(bound)
    for kind in dict.fromkeys(unbound):
        chosen += [Source(kind, app) for app in dict.fromkeys(apps)] if apps else [Source(kind)]
    if excluded:
        chosen = exclusions.without(chosen, excluded, case.pairs)
    return list(dict.fromkeys(chosen)), sms_open


def _limit(found: Slots) -> int | None:
    for token in found.of("limit"):
        digits = next((g for g in token.groups if g), "")
        if digits.isdigit():
            return max(1, min(int(digits), 100))
        if digits in lx.CN_DIGITS:
            return lx.CN_DIGITS[digits]
    return None


def _shape(found: Slots, has_people: bool) -> tuple[str, str] | str:
    """(measure, group), or the reason the question says nothing to compute."""
    measures = [t.value for t in found.of("measure")
                if not (t.value == "duration" and thresholds.bounds_word(found.text, t.span, found.bounds))]
    records = found.has("source", "source_in", "source_out", "contact_verb", "dir", "in_word", "out_word", "status")
    if "lookup" in measures and found.has("total", "rank", "contact_verb") and records:
        # "不管是手机号还是微信号，总共多少次来往": the numbers name the person, not a lookup;
        # "多少个号码给机主打过电话": the numbers are counted, as people (one person, one count)
        if not found.mentions and not found.has("rank", "limit") and any(
                _COUNTED.search(found.word(t)) for t in found.of("measure") if t.value == "lookup"):
            return "people", "none"
        measures = [m for m in measures if m != "lookup"]
    groups = [t.value for t in found.of("group")]
    if found.has("daily") and not (found.time and found.time.hours):
        # "每天打多少电话", "每天的通话量": one figure per day, never the period's total;
        # "每天凌晨两点到四点…总共": a daily time of day, which the hours already say.
        groups.append("day")
    # "时间最长", "最久": a superlative duration ranks as 最多 does.
    ranked = found.has("rank", "limit") or any("最" in found.word(t) for t in found.of("measure"))
    if "lookup" in measures and not ranked:
        return "lookup", "none"
    if found.has("who_is") and not ranked and not groups and has_people:
        return "lookup", "none"
    if found.has("when") and not found.has("total", "rank", "limit", "list") and not groups and _bare_recent(found):
        return "last", "none"  # "李娜最近打来电话是什么时候": when, most recently — the last record
    if "first" in measures or "last" in measures:
        return ("last" if "last" in measures else "first"), "none"
    if found.has("people_count"):
        return "people", "none"
    if "average" in measures and (found.has("each", "group", "rank", "limit", "daily") or groups or len(measures) > 1
                                  or len(found.mentions) > 1):
        return "平均通话时长只算一个数（所选通话平均每次多少秒）；按人、按天的平均、几个人的平均或平均值的排名还不能计算。"
    measure = "average" if "average" in measures else "duration" if "duration" in measures else "count"
    if "分布" in found.text and not groups and not found.has("by_person"):  # "通话时间分布": over what?
        return "“分布”没有说明按什么分：按天、按月、按小时、按星期几，还是按联系人？"
    time_groups = [g for g in groups if g != "person"]
    if found.has("by_person") and not time_groups:  # "按联系人统计通话次数": one row per person
        return measure, "person"
    if time_groups:
        if len(set(time_groups)) > 1:
            return "问题同时要求按" + "、".join(dict.fromkeys(time_groups)) + "分组；请只选一种。"
        return measure, time_groups[0]
    if ranked or (groups and measure == "duration"):
        if not groups and not found.has("who_is"):
            return "问题要求排序，但没有说明按什么排（联系人、日期还是时段）。"
        return measure, "person"
    if found.has("people_group") or (groups and not found.has("total")):
        return "people", "none"
    if found.has("total") or measure in ("duration", "average"):
        return measure, "none"
    if found.has("list", "when", "yesno") or has_people or found.keywords:
        return "list", "none"
    if found.has("source", "source_in", "source_out", "app") and (
            found.has("in_word", "out_word", "dir") or (found.time and found.time.window.get("kind") != "all")):
        return "list", "none"  # "昨天 收到的微信": those records, listed and counted
    return "没有看出要统计什么（次数、时长、排名、最近一次，还是列出记录）。"


_COUNTED = re.compile(r"(?:几|多少)个?号码|的号码")


def _bare_recent(found: Slots) -> bool:
    return bool(found.time) and any(found.text[a:b] == "最近" for a, b in found.time.spans)


def build(found: Slots, people: People, case: CaseSources) -> Reading:
    text = found.text
    time = found.time
    words = list(dict.fromkeys([*found.unknown, *(time.unknown if time else ())]))
    unknown = [w for w in words if not any(w != other and w in other for other in words)]  # "案" in "案发前后"
    if unknown and all(pronouns.POINTERS.fullmatch(w) for w in unknown):
        return decline(text, f"问题中的“{unknown[0]}”指谁不能确定：只有紧跟在人名或号码之后，或上一个问题只关于一个人时，"
                             "才按那个人理解。请写出姓名或号码，例如“张伟最后一次打来是什么时候”。", unknown)
    if found.unsearchable:
        return decline(text, f"“{re.sub(lx.QUOTE_MARKS, '', found.unsearchable[0])}”无法按一个关键词条件计算：消息内容只能按包含某个词"
                             "（几个词时同时包含）来查，不能查不包含某词，也不能查包含其中任一个词；请分开问每个词。", unknown)
    if unknown and all(timenot.MARKED.search(w) for w in unknown):
        return decline(text, f"“{unknown[0]}”无法按一个时间条件计算：只能去掉一天中的时段（如“除了晚上”）或星期（如“不算周末”），"
                             "不能去掉一段日期或同时去掉几项；请直接说要看的日期、时段或星期。", unknown)
    if unknown:
        return decline(text, "我没能理解问题中的" + "、".join(f"“{w}”" for w in unknown) +
                       "，为避免答非所问，没有作答。请换一种说法，或说明具体的时间、人和数据。", unknown)
    if why := refusals.before_sources(found):
        return decline(text, why)
    if found.has("groups_included") and found.has("rank", "limit", "group"):
        return decline(text, "群聊不是一个联系人，不能参与按联系人的统计；总数里已经包括群聊消息。")
    absent = [m.text for m in found.mentions if not m.people]
    if absent:
        return decline(text, "本案中没有" + "、".join(f"“{a}”" for a in absent) + "的记录或通讯录条目。")
    if case.has("messages", "iMessage") and any(t.value[1] == "短信" for t in exclusions.tokens(found) if t.tag == "source"):
        return decline(text, "本案的“短信”可以只指 SMS，也可以包括 iMessage，不知道要去掉哪些；"
                             "请说“不含普通短信”，或“不含短信和imessage”。")
    sources, sms_open = _sources(found, case)
    direction = _direction(found)
    if direction is None:
        return decline(text, "问题同时问了呼入（收到）和呼出（发出）；请分开问，或说明两者都算。")
    statuses = tuple(dict.fromkeys([*(s for t in found.of("status") for s in t.value),
                                    *(("unanswered",) if found.has("callee_missed") else ())]))
    seconds = thresholds.combined(found.bounds)
    if isinstance(seconds, str):
        return decline(text, seconds)
    shape = _shape(found, bool(found.mentions))
    if isinstance(shape, str):
        return decline(text, shape)
    measure, group = shape
    if measure == "lookup" and (why := refusals.owners_own(found)):
        return decline(text, why)
    if not sources:
        if measure == "lookup":
            sources = [Source("contacts")]
        elif gone := exclusions.tokens(found):  # "不看短信，李娜的记录": every record but those
            sources = exclusions.without([Source("calls"), Source("messages")], gone, case.pairs)
        elif statuses or measure in ("duration", "average") or seconds:
            sources = [Source("calls")]
        elif hint := _kind_hint(found):  # "机主打电话给陈静几次": 打 names calls
            sources = [Source(hint)]
        elif found.has("activity", "contact_verb") or group != "none" or found.mentions or found.keywords:
            sources = [Source("calls"), Source("messages")] if not found.keywords else [Source("messages")]
        else:
            return decline(text, "问题没有说明要看通话还是消息（短信、微信等）。")
    if measure == "lookup":
        sources = [Source("contacts")]
    if seconds and any(t.value[0] == (lx.MESSAGES,) for t in found.of("source")):  # "超过10分钟的微信消息"
        return decline(text, "通话时长条件（如“超过10分钟”）只适用于通话，消息没有时长；请只问通话。")
    media = refusals.media(found)
    if statuses or seconds or media:
        sources = [s for s in sources if s.kind == "calls"] or [Source("calls")]
    if found.keywords:
        sources = [s for s in sources if s.kind == "messages"]
        if not sources:
            return decline(text, "关键词只能在消息正文中查找，通话记录没有正文。")
    left_out = exclusions.people(found)
    if any(m.guessed or len(m.people) > 1 for m in found.mentions if m.span in exclusions.spans(found)):
        return decline(text, "要排除的人不能确定是谁；请写出全名或号码。")
    named = [m for m in found.mentions if m.span not in exclusions.spans(found)]
    persons = [m.people for m in named]
    # "最近…是什么时候" asks for the last record, wherever it lies, not one in the last 30 days
    window = time.window if time and not (measure == "last" and _bare_recent(found)) else {"kind": "all"}
    try:
        base = Query(tuple(sources), measure=measure, group=group, direction=direction, statuses=statuses,
                     keywords=tuple(found.keywords), window=window, hours=time.hours if time else None,
                     weekdays=time.weekdays if time else (), seconds=seconds, at_least=found.at_least, media=media,
                     order=next((t.value for t in found.of("rank")), "desc"), limit=_limit(found) or 10,
                     people=tuple(m.people[0] for m in named if len(m.people) == 1 and not m.guessed),
                     except_people=tuple(dict.fromkeys(left_out)))
    except QueryError as exc:
        return decline(text, f"这个问题无法按记录精确计算：{_why(exc)}。")
    if len(base.people) > 1 and base.group == "none" and base.measure in ("count", "duration"):
        return _each_or_sum(found, base)
    return _ask_or_answer(found, base, persons, sms_open, people)


_SUM_WORDS = re.compile(r"一共|总共|合计|共计|总计|加起来|一起|总")


def _each_or_sum(found: Slots, base: Query) -> Reading:
    """Several people and one figure: each person's ("分别", "…吴昊呢？"), or their sum ("一共")."""
    each = found.has("each") or found.text.count("?") >= 2
    summed = any(_SUM_WORDS.search(found.word(t)) for t in found.tokens if t.tag in ("total", "include", "fill"))
    per_person = base.with_(group="person", limit=len(base.people))
    if each and not summed:
        return Reading(found.text, query=per_person)
    if summed and not each:
        return Reading(found.text, query=base)
    return Reading(found.text, choices=[
        Choice("每个人分别统计", found.text.rstrip("?") + "(分别统计)", per_person),
        Choice("几个人合计", found.text.rstrip("?") + "(合计)", base),
    ], reason="问题里有几个人：是分别统计每个人，还是合计？", about="people")


_WHY = (("at_least", "“至少N次”“超过N条”这类条件只用于按联系人的排名或人数"), ("duration", "只有通话有时长，消息没有"),
        ("statuses", "未接、拒接是通话的状态，消息没有"), ("contacts", "通讯录只能查询号码，不能与通话、消息一起统计"))


def _why(exc: QueryError) -> str:
    return next((why for word, why in _WHY if word in str(exc)), str(exc))


def _ask_or_answer(found: Slots, base: Query, persons: list[tuple[str, ...]], sms_open: bool,
                   people: People) -> Reading:
    text = found.text
    guessed = [m for m in found.mentions if m.guessed]
    open_points = [p for p in persons if len(p) > 1] + [m.people for m in guessed if len(m.people) == 1]
    topics = found.topics
    relative = ways.relative_sender(found) if not base.direction else None
    if len(open_points) + sms_open + bool(topics) + bool(relative) + (
            found.has("dir_owner_calls") and not base.direction) > 1:
        return decline(text, "这个问题有几处可以有不同理解（人名、数据范围或方向）；请说得更具体一些。")
    if open_points:
        mention = next(m for m in found.mentions if len(m.people) > 1 or m.guessed)
        return Reading(text, choices=[
            Choice(f"{person}（{'、'.join(people.identifiers(person))}）",
                   text[:mention.span[0]] + person + text[mention.span[1]:],
                   base.with_(people=tuple(dict.fromkeys(base.people + (person,)))))
            for person in mention.people], reason=f"“{mention.text}”可以指本案中的 {len(mention.people)} 个人，请选择一位。"
            if len(mention.people) > 1 else f"“{mention.text}”是指{mention.people[0]}吗？请确认。", about="people")
    if topics:
        word, (a, b) = topics[0]
        rest = tuple(k for k in base.keywords if k != word)
        return Reading(text, choices=[
            Choice(f"只看内容包含“{word}”的消息", text[:a] + f"提到“{word}”的" + text[b:], base),
            Choice(f"不按内容筛选（“{word}”不是要查找的文字）", text[:a] + text[b:],
                   base.with_(keywords=rest, sources=base.sources) if rest or base.kinds == ("messages",) else base),
        ], reason=f"“{word}”是要在消息内容里查找的文字吗？", about="topic")
    if sms_open:
        token = next(t for t in found.of("source") if t.value[1] == "短信")
        a, b = token.span
        only = Source("messages", "短信")
        both = base.sources + ((Source("messages", "iMessage"),) if Source("messages", "iMessage") not in base.sources else ())
        return Reading(text, choices=[
            Choice("只算短信（SMS），不含 iMessage", text[:a] + "普通短信" + text[b:], base.with_(sources=base.sources)),
            Choice("短信和 iMessage 一起算", text[:a] + "短信和imessage" + text[b:], base.with_(sources=both)),
        ], reason="本案的苹果手机里短信与 iMessage 分开记录；“短信”可以只指 SMS，也可以包括 iMessage。",
            about="sources") if only in base.sources else \
            Reading(text, query=base)
    if relative:
        a = relative.span[0]
        return Reading(text, choices=[
            Choice("对方发给机主的", text[:a] + "给机主" + text[a:], base.with_(direction="in")),
            Choice("机主发给对方的", text[:a] + "机主" + text[a:], base.with_(direction="out")),
        ], reason="“发……的人”可以指给机主发消息的人，也可以指机主发消息给的人。", about="direction")
    if found.has("dir_owner_calls") and not base.direction:
        token = found.of("dir_owner_calls")[0]
        a, b = token.span
        return Reading(text, choices=[
            Choice("只算机主打出去的电话", text[:a] + "机主打出去" + text[b:], base.with_(direction="out")),
            Choice("机主的全部通话（打出和接听）", text[:a] + "机主通话" + text[b:], base),
        ], reason="“机主打了……电话”可以指机主打出去的电话，也可以指机主的全部通话。", about="direction")
    return Reading(text, query=base)
