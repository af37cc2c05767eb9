"""Time expressions of a Chinese question, as pure functions.

`parse` turns the words into a JSON-able window spec (kept in the plan); `resolve` turns a spec
into a [start, end) window in the case's time zone, anchored at the newest record in scope:
extractions are historical, so the server's clock never enters. A missing year is the year of
the newest record."""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9零〇一二两三四五六七八九十]+"
# Span words after 最近/近/过去: how many days each unit covers.
_UNIT_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "个月": 30, "月": 30, "年": 365}
_RELATIVE = re.compile(rf"(?:最近|近|过去|前)\s*({_NUM}|半)?\s*(天|日|周|星期|礼拜|个月|月|年)")
_RECENT = re.compile(r"最近|近期|近来|这段时间")
_LAST_MONTH = re.compile(r"上个?月")
_THIS_MONTH = re.compile(r"本月|这个月")
_YEAR = re.compile(r"(今年|去年|前年|(\d{4})\s*年)")
_ISO = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?![\d-])")
_MD = re.compile(rf"(?:(\d{{4}})\s*年\s*)?({_NUM})\s*月(?:份)?(?:\s*({_NUM})\s*[日号])?")
_RANGE_SEP = r"\s*(?:到|至|~|～|—|-)\s*"
# A month word right after a span word is a span ("最近一月", "近三月"), not a month of the year.
_AFTER_SPAN = re.compile(r"(?:最近|近|过去|前)\s*$")
# "3月5日到15日": a range whose end gives only the day (of the same month).
_DAY_END = re.compile(rf"{_RANGE_SEP}({_NUM})\s*[日号]")


def cn_number(text: str) -> int:
    """"12", "十二", "二十五", "两" → int."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for char in text:
        value = value * 10 + _DIGITS[char]
    return value


def parse(question: str, recent_days: int) -> dict[str, Any]:
    """The window a question names: {"kind": "all" | "recent" (days) | "last_month" | "this_month" |
    "dates" (from/to: [year or null, month, day or null])}."""
    text = question
    dates = _dates(text)
    if dates:
        return dates
    if match := _RELATIVE.search(text):
        count = 0.5 if match.group(1) == "半" else cn_number(match.group(1)) if match.group(1) else 1
        return {"kind": "recent", "days": max(1, int(count * _UNIT_DAYS[match.group(2)]))}
    if _LAST_MONTH.search(text):
        return {"kind": "last_month"}
    if _THIS_MONTH.search(text):
        return {"kind": "this_month"}
    if _RECENT.search(text):
        return {"kind": "recent", "days": recent_days}
    return {"kind": "all"}


def _year_of(word: str | None, explicit: str | None) -> int | str | None:
    if explicit:
        return int(explicit)
    return {"今年": "this", "去年": "last", "前年": "before_last"}.get(word or "")


def _dates(text: str) -> dict[str, Any] | None:
    """Explicit dates: "2024年3月", "今年3月5日", "2024-03-05", "3月5日至3月15日", "2025年6月到9月"."""
    points = []
    for match in re.finditer(rf"(今年|去年|前年)?{_MD.pattern}|{_ISO.pattern}", text):
        if match.group(5):  # ISO form
            y, m, d = match.group(5), match.group(6), match.group(7)
            points.append((match.start(), match.end(), [int(y), int(m), int(d) if d else None]))
            continue
        year = _year_of(match.group(1), match.group(2))
        month = cn_number(match.group(3))
        day = cn_number(match.group(4)) if match.group(4) else None
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            continue
        if year is None and day is None and _AFTER_SPAN.search(text[:match.start()]):
            continue
        points.append((match.start(), match.end(), [year, month, day]))
    if not points:
        return None
    first = points[0]
    if len(points) >= 2 and re.fullmatch(_RANGE_SEP, text[first[1]:points[1][0]]):
        last = points[1][2]
        if last[0] is None:
            last = [first[2][0], *last[1:]]  # "2025年6月到9月": the year carries over
        return {"kind": "dates", "from": first[2], "to": last}
    if first[2][2] is not None and (end_day := _DAY_END.match(text, first[1])):
        day = cn_number(end_day.group(1))
        if 1 <= day <= 31:
            return {"kind": "dates", "from": first[2], "to": [first[2][0], first[2][1], day]}
    return {"kind": "dates", "from": first[2], "to": first[2]}


@dataclass(frozen=True)
class Window:
    start: datetime | None  # aware, inclusive
    end: datetime | None  # aware, exclusive
    text: str  # "最近30天", "2024年3月", "全部时间"


def _resolve_year(year: int | str | None, newest_year: int) -> int:
    if isinstance(year, int):
        return year
    return newest_year - {"last": 1, "before_last": 2}.get(year or "", 0)


def _day(year: int, month: int, day: int) -> date:
    """The date, with a day past the month's end moved to its last day ("2月30日")."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def resolve(spec: dict[str, Any], newest: datetime | None, tz: ZoneInfo) -> Window:
    """The [start, end) window of a spec. `newest` is the newest record in scope (None: no records)."""
    kind = spec.get("kind", "all")
    if kind == "all" or newest is None:
        return Window(None, None, describe(spec))
    local_newest = newest.astimezone(tz)
    if kind == "recent":
        end = newest + timedelta(milliseconds=1)
        return Window(end - timedelta(days=int(spec["days"])), end, describe(spec))
    if kind in ("last_month", "this_month"):
        this = date(local_newest.year, local_newest.month, 1)
        first = _month_start(this.year, this.month - 1) if kind == "last_month" else this
        return Window(_at(first, tz), _at(_month_start(first.year, first.month + 1), tz), describe(spec))
    lo_y, lo_m, lo_d = spec["from"]
    hi_y, hi_m, hi_d = spec["to"]
    lo_year = _resolve_year(lo_y, local_newest.year)
    hi_year = _resolve_year(hi_y, local_newest.year) if hi_y is not None else lo_year
    if lo_y is None and hi_y is None and _day(lo_year, lo_m, lo_d or 1) > local_newest.date():
        # No year given and the window would start after the newest record ("8月" when the data
        # ends in June, "11月到2月"): the examiner means the last such period, a year earlier.
        lo_year = hi_year = lo_year - 1
    start = _day(lo_year, lo_m, lo_d or 1)
    end = (_day(hi_year, hi_m, hi_d) + timedelta(days=1)) if hi_d else _month_start(hi_year, hi_m + 1)
    if end <= start:  # "11月到2月": the range crosses a new year
        end = _day(end.year + 1, end.month, end.day)
    return Window(_at(start, tz), _at(end, tz), describe(spec, start, end))


def _at(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(timezone.utc)


def describe(spec: dict[str, Any], start: date | None = None, end: date | None = None) -> str:
    kind = spec.get("kind", "all")
    if kind == "recent":
        return f"最近{spec['days']}天"
    if kind == "last_month":
        return "上个月"
    if kind == "this_month":
        return "本月"
    if kind == "dates" and start and end:
        last = end - timedelta(days=1)
        if spec["from"][2] is None and spec["to"][2] is None:
            if (start.year, start.month) == (last.year, last.month):
                return f"{start.year}年{start.month}月"
            return f"{start.year}年{start.month}月至{last.year}年{last.month}月"
        return f"{start:%Y-%m-%d}" if start == last else f"{start:%Y-%m-%d}至{last:%Y-%m-%d}"
    if kind == "dates":
        return "指定日期"
    return "全部时间"


def offsets(tz: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[int, int]]:
    """UTC-offset segments over [lo, hi): [(from_ms, offset_ms), ...], the first from -inf. Local
    hours are computed in SQL from these, exact across daylight-saving changes."""
    return list(_offsets(tz, lo, hi))


@functools.lru_cache(maxsize=256)  # the same span comes back with every question on a case
def _offsets(tz: ZoneInfo, lo: datetime, hi: datetime) -> tuple[tuple[int, int], ...]:
    def offset_at(moment: datetime) -> int:
        delta = moment.astimezone(tz).utcoffset() or timedelta(0)
        return int(delta.total_seconds() * 1000)

    segments = [(-(2**62), offset_at(lo))]
    day = lo
    while day < hi:
        nxt = min(day + timedelta(days=1), hi)
        if offset_at(nxt) != offset_at(day):
            # Bisect in whole seconds (zones change offset on a whole second): b ends as the
            # first second with the new offset, exactly.
            a, b = int(day.timestamp()), -(-int(nxt.timestamp() * 1000) // 1000)
            before = offset_at(day)
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if offset_at(datetime.fromtimestamp(mid, timezone.utc)) == before else (a, mid)
            segments.append((b * 1000, offset_at(datetime.fromtimestamp(b, timezone.utc))))
        day = nxt
    return tuple(segments)


# -- temporary: spans of the words `parse` reads (replaced by the full scanner) ----------------

@dataclass(frozen=True)
class TimeSlots:
    window: dict[str, Any]
    hours: tuple[int, int] | None
    weekdays: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    unknown: tuple[str, ...]


_NIGHT_WORDS = re.compile(r"夜间|深夜|半夜|夜里|凌晨")


def scan(text: str, recent_days: int) -> TimeSlots:
    window = parse(text, recent_days)
    spans = []
    for pattern in (_ISO, _MD, _RELATIVE, _LAST_MONTH, _THIS_MONTH, _RECENT, re.compile(_RANGE_SEP.strip("\\s*"))):
        spans += [m.span() for m in pattern.finditer(text)] if window["kind"] != "all" else []
    hours = None
    for m in _NIGHT_WORDS.finditer(text):
        hours = (0, 6) if m.group(0) == "凌晨" else (22, 6)
        spans.append(m.span())
    return TimeSlots(window, hours, (), tuple(spans), ())
