"""Time expressions of a Chinese question, as pure functions.

`scan` reads a question's time words: the window it names (a JSON-able spec, kept in the plan),
the hours of the day and the weekdays it filters on, the characters it used, and the time-like
words it could not read. `resolve` turns a spec into a [start, end) window in the case's time
zone, anchored at the newest record in scope: extractions are historical, so the server's clock
never enters. A missing year is the newest record's year, or the year before when the period
would start after the newest record ("8月" when the data end in June).

Reading rules where the words alone leave a choice:
- 月初 / 3月初 = days 1–10 (as 上旬), 3月底 / 3月末 = day 21 to the month's end (as 下旬); a bare
  月初 / 月底 (of which month?) and 年初 / 年底 / 年中 are unknown.
- 冬天 of year Y runs from 1 December of Y to the end of February of Y+1. A bare season is the
  latest one that started on or before the newest record's day. 今年冬天 / 去年冬天 / 前年冬天
  when the newest record falls in January or February could name the winter under way or the one
  a year before: `resolve` refuses them (`Unresolvable`), and so does `scan` when given `newest`.
- A holiday is the block of consecutive official days off holding the days chinese-calendar
  labels with it (see holidays.days_off); a year the package does not cover is unknown, never
  guessed. 过年 reads as 春节. 节假日 (all holidays at once) is not one window: unknown.
- N天前 is that single day (三天前 = the newest record's day minus 3); N周前 / N个月前 / 半年前
  (a day? everything before?) and 前N天 (of what? 前两天 is also "the other day") are unknown.
- Clock hours: "X点以后/之后" = (X, 24), "X点以前/之前" = (0, X), "X点到Y点" = (X, Y) (wrapping past
  midnight: 晚上10点到凌晨2点 = (22, 2)); a clock hour alone is that hour (晚上八点 = (20, 21)); an
  end with no period word of its own that would fall before the start moves to the afternoon when
  it can (10点到2点 = (10, 14)). 下午/晚上 make X < 12 afternoon; after 晚上/夜里 1–4 stay past
  midnight (晚上1点 = 1). Minutes and 半/多/左右 are unknown: the filter has whole hours. 傍晚 alone
  is unknown; 傍晚以后 = (18, 24).
- One window per question: a second one ("3月和5月") is unknown, a union not being a window.
  Weekday filters add up (周六和周日 = (5, 6)); hours add up only when they touch, else unknown.
- X以来 = from X's start to the newest record; X以后 / X以前 / X前后 (which side of X?) are unknown.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from qbot.engine import holidays, timenot
from qbot.engine.timewords import Hit, cn_number, hits

__all__ = ["TimeSlots", "Unresolvable", "Window", "cn_number", "describe", "offsets", "parse", "resolve", "scan"]


@dataclass(frozen=True)
class TimeSlots:
    window: dict[str, Any]  # the window spec (JSON-able), {"kind": "all"} when none named
    hours: tuple[int, int] | None  # local hours [from, to), wrapping past midnight: (22, 6)
    weekdays: tuple[int, ...]  # 0 Monday … 6 Sunday; () = any
    spans: tuple[tuple[int, int], ...]  # character spans of the text this consumed
    unknown: tuple[str, ...]  # time-like words found but not understood ("那几天", "案发前后")


class Unresolvable(ValueError):
    """A spec that names no single period given the newest record ("去年冬天" in January), or a
    holiday in a year chinese-calendar does not cover: the examiner has to say."""

    def __init__(self, words: str, why: str) -> None:
        super().__init__(f"{words}: {why}")
        self.words = words


def scan(text: str, recent_days: int, *, newest: datetime | None = None, tz: ZoneInfo | None = None) -> TimeSlots:
    """The time slots of a question. Window specs, by kind:
    all; recent {days}; last_month; this_month; month {ago}; dates {from, to: [year, month, day or
    null]}; year {year}; half {year, half: 1|2}; quarter {year, quarter: 1-4}; season {year, season:
    spring|summer|autumn|winter}; holiday {year, holiday: a holidays.NAMES key}; week {ago, days:
    [first, last] 0-6}; day {ago}; month_part {year, month | ago, part: early|mid|late}; since {of:
    a spec}. `year` is an int, "this", "last", "before_last" or null (see the module's rules).

    With `newest` (and `tz`, else UTC), a window `resolve` would refuse is moved to `unknown`."""
    chosen: list[Hit] = []
    taken = bytearray(len(text))
    # The longest reading wins ("晚上十点以后" over "晚上", "上周三" over "周三"); at equal length a
    # rule's reading beats the flagging of an unknown word.
    for hit in sorted(hits(text, recent_days),
                      key=lambda h: (h.start - h.end, 2 if h.unknown else 1 if h.neutral else 0, h.start)):
        if not any(taken[hit.start:hit.end]):
            taken[hit.start:hit.end] = b"\1" * (hit.end - hit.start)
            chosen.append(hit)
    window: dict[str, Any] | None = None
    window_at = (0, 0)
    hours: tuple[int, int] | None = None
    weekdays: set[int] = set()
    spans: list[tuple[int, int]] = []
    unknown: list[str] = []
    negated: set[str] = set()  # "hours" / "weekdays" a negation filled: nothing else may add to them
    for found in sorted(chosen, key=lambda h: h.start):
        hit = timenot.negate(text, found) or found
        words = text[hit.start:hit.end]
        if hit.neutral:
            continue
        both_hours = hit.hours is not None and hours is not None
        merged = _merge(hours, hit.hours) if both_hours else hours or hit.hours  # type: ignore[arg-type]
        mixed = (both_hours and (hit is not found or "hours" in negated)) or (
            hit.weekdays and weekdays and (hit is not found or "weekdays" in negated))
        if hit.unknown or (hit.window is not None and window is not None) or (both_hours and merged is None) or mixed:
            unknown.append(words)  # "3月和5月", "上午和晚上": a second window, hours apart
            continue
        if hit is not found:
            negated.add("hours" if hit.hours is not None else "weekdays")
        if hit.window is not None:
            window, window_at = hit.window, (hit.start, hit.end)
        hours = merged
        weekdays.update(hit.weekdays)
        spans.append((hit.start, hit.end))
    if window is not None and newest is not None:
        try:
            resolve(window, newest, tz or ZoneInfo("UTC"))
        except Unresolvable:
            unknown.append(text[window_at[0]:window_at[1]])
            spans.remove(window_at)
            window = None
    return TimeSlots(window or {"kind": "all"}, hours, tuple(sorted(weekdays)), tuple(spans), tuple(unknown))


def _merge(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    """Two hour ranges as one, when they are one span ("上午和下午" = (6, 18))."""
    if a == b:
        return a
    if a[0] < a[1] and b[0] < b[1] and max(a[0], b[0]) <= min(a[1], b[1]):
        return (min(a[0], b[0]), max(a[1], b[1]))
    return None


def parse(question: str, recent_days: int) -> dict[str, Any]:
    """The window spec a question names (see `scan`)."""
    return scan(question, recent_days).window


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
    """The date, with a day past the month's end moved to its last day (the end of a range
    carried into a shorter month); a written day that does not exist is refused in `resolve`."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def resolve(spec: dict[str, Any], newest: datetime | None, tz: ZoneInfo) -> Window:
    """The [start, end) window of a spec. `newest` is the newest record in scope (None: no records).
    Raises `Unresolvable` for a spec that names no single period given `newest`."""
    kind = spec.get("kind", "all")
    if kind == "all" or newest is None:
        return Window(None, None, describe(spec))
    local_newest = newest.astimezone(tz)
    today = local_newest.date()
    if kind == "recent":
        end = newest + timedelta(milliseconds=1)
        return Window(end - timedelta(days=int(spec["days"])), end, describe(spec))
    if kind in ("last_month", "this_month"):
        this = date(local_newest.year, local_newest.month, 1)
        first = _month_start(this.year, this.month - 1) if kind == "last_month" else this
        return Window(_at(first, tz), _at(_month_start(first.year, first.month + 1), tz), describe(spec))
    if kind == "since":  # from the period's start to the newest record, included
        inner = resolve(spec["of"], newest, tz)
        assert inner.start is not None
        first = inner.start.astimezone(tz).date()
        label = inner.text.split("（")[0] + "以来"  # "2024年3月以来", not "指定日期以来"
        return Window(inner.start, newest + timedelta(milliseconds=1), _dated(label, first, today))
    if kind != "dates":
        start, end, label = _span(spec, today)
        return Window(_at(start, tz), _at(end, tz), _dated(label, start, end - timedelta(days=1)))
    lo_y, lo_m, lo_d = spec["from"]
    hi_y, hi_m, hi_d = spec["to"]
    lo_year = _resolve_year(lo_y, local_newest.year)
    hi_year = _resolve_year(hi_y, local_newest.year) if hi_y is not None else lo_year
    if lo_y is None and hi_y is None and _day(lo_year, lo_m, lo_d or 1) > today:
        # No year given and the window would start after the newest record ("8月" when the data
        # ends in June, "11月到2月"): the examiner means the last such period, a year earlier.
        lo_year = hi_year = lo_year - 1
    for year, month, day in ((lo_year, lo_m, lo_d), (hi_year, hi_m, hi_d)):
        if day and day > calendar.monthrange(year, month)[1]:
            # "2月30日", "6月31日": no such day; moving it to the month's end would answer
            # a question about another day
            raise Unresolvable(describe(spec), f"{year}-{month:02d} has no day {day}")
    start = _day(lo_year, lo_m, lo_d or 1)
    end = (_day(hi_year, hi_m, hi_d) + timedelta(days=1)) if hi_d else _month_start(hi_year, hi_m + 1)
    if end <= start:  # "11月到2月": the range crosses a new year
        end = _day(end.year + 1, end.month, end.day)
    return Window(_at(start, tz), _at(end, tz), describe(spec, start, end))


def _dated(label: str, first: date, last: date) -> str:
    """"2024年春节（2024-02-10至2024-02-17）", "昨天（2024-06-28）"."""
    return f"{label}（{first:%Y-%m-%d}）" if first == last else f"{label}（{first:%Y-%m-%d}至{last:%Y-%m-%d}）"


_SEASON_MONTH = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}
_SEASON_WORD = {"spring": "春", "summer": "夏", "autumn": "秋", "winter": "冬"}
_PART_DAYS = {"early": (1, 11), "mid": (11, 21), "late": (21, None)}
_PART_WORD = {"early": "上旬", "mid": "中旬", "late": "下旬"}
_CN_DAYS = "一二三四五六日"


def _yearly(spec: dict[str, Any], year: int) -> tuple[date, date] | None:
    """[start, end) of a year-bound period in `year`; None when there is no such period."""
    kind = spec["kind"]
    if kind == "year":
        return date(year, 1, 1), date(year + 1, 1, 1)
    if kind == "half":
        return (date(year, 1, 1), date(year, 7, 1)) if spec["half"] == 1 else (date(year, 7, 1), date(year + 1, 1, 1))
    if kind == "quarter":
        return date(year, 3 * spec["quarter"] - 2, 1), _month_start(year, 3 * spec["quarter"] + 1)
    if kind == "season":
        month = _SEASON_MONTH[spec["season"]]
        return date(year, month, 1), _month_start(year, month + 3)
    if kind == "holiday":
        days = holidays.days_off(spec["holiday"], year)
        return (days[0], days[1] + timedelta(days=1)) if days else None
    if kind == "month_part":
        lo, hi = _PART_DAYS[spec["part"]]
        month = spec["month"]
        return date(year, month, lo), date(year, month, hi) if hi else _month_start(year, month + 1)
    raise ValueError(f"unknown window kind {kind!r}")


def _pick_year(spec: dict[str, Any], today: date) -> tuple[int, tuple[date, date]]:
    given = spec.get("year")
    if spec["kind"] == "season" and spec["season"] == "winter" and isinstance(given, str) and today.month <= 2:
        raise Unresolvable(describe(spec), "the winter under way, or the one a year before?")
    year = _resolve_year(given, today.year)
    span = _yearly(spec, year)
    if given is None and span is not None and span[0] > today:
        year -= 1  # not yet begun at the newest record: the one before
        span = _yearly(spec, year)
    if span is None:
        raise Unresolvable(describe(spec), f"no official days off known for {year}")
    return year, span


def _span(spec: dict[str, Any], today: date) -> tuple[date, date, str]:
    """[start, end) and the label of a day-aligned spec, other than dates."""
    kind = spec["kind"]
    if kind == "day":
        day = today - timedelta(days=int(spec["ago"]))
        return day, day + timedelta(days=1), describe(spec)
    if kind == "week":  # weeks run Monday to Sunday
        monday = today - timedelta(days=today.weekday() + 7 * int(spec["ago"]))
        first, last = spec.get("days", [0, 6])
        return monday + timedelta(days=first), monday + timedelta(days=last + 1), describe(spec)
    if kind == "month" or (kind == "month_part" and "ago" in spec):
        first = _month_start(today.year, today.month - int(spec["ago"]))
        if kind == "month":
            return first, _month_start(first.year, first.month + 1), describe(spec)
        return (*_yearly({**spec, "month": first.month}, first.year), describe(spec))  # type: ignore[return-value]
    year, (start, end) = _pick_year(spec, today)
    if kind == "year":
        label = f"{year}年"
    elif kind == "half":
        label = f"{year}年{'上' if spec['half'] == 1 else '下'}半年"
    elif kind == "quarter":
        label = f"{year}年第{_CN_DAYS[spec['quarter'] - 1]}季度"
    elif kind == "season":
        label = f"{year}年{_SEASON_WORD[spec['season']]}季"
    elif kind == "holiday":
        label = f"{year}年{holidays.NAMES[spec['holiday']]}"
    else:
        label = f"{year}年{spec['month']}月{_PART_WORD[spec['part']]}"
    return start, end, label


def _at(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(timezone.utc)


def _year_word(year: int | str | None) -> str:
    if isinstance(year, int):
        return f"{year}年"
    return {"this": "今年", "last": "去年", "before_last": "前年"}.get(year or "", "")


_SHORT: dict[str, Callable[[dict[str, Any]], str]] = {
    "recent": lambda s: f"最近{s['days']}天",
    "last_month": lambda s: "上个月",
    "this_month": lambda s: "本月",
    "month": lambda s: {0: "本月", 1: "上个月", 2: "上上个月"}.get(s["ago"], f"{s['ago']}个月前"),
    "year": lambda s: _year_word(s["year"]),
    "half": lambda s: f"{_year_word(s['year'])}{'上' if s['half'] == 1 else '下'}半年",
    "quarter": lambda s: f"{_year_word(s['year'])}第{_CN_DAYS[s['quarter'] - 1]}季度",
    "season": lambda s: f"{_year_word(s['year'])}{_SEASON_WORD[s['season']]}天",
    "holiday": lambda s: f"{_year_word(s['year'])}{holidays.NAMES[s['holiday']]}",
    "day": lambda s: {0: "今天", 1: "昨天", 2: "前天", 3: "大前天"}.get(s["ago"], f"{s['ago']}天前"),
    "week": lambda s: _week_words(s["ago"], s.get("days", [0, 6])),
    "month_part": lambda s: (_SHORT["month"](s) if "ago" in s else f"{_year_word(s.get('year'))}{s['month']}月")
    + _PART_WORD[s["part"]],
    "since": lambda s: f"{describe(s['of'])}以来",
    "dates": lambda s: "指定日期",
    "all": lambda s: "全部时间",
}


def _week_words(ago: int, days: list[int]) -> str:
    week = {0: "本周", 1: "上周", 2: "上上周"}.get(ago, f"{ago}周前")
    if days == [0, 6]:
        return week
    if days == [5, 6]:
        return f"{week}末"
    if days[0] == days[1]:
        return f"{week}{_CN_DAYS[days[0]]}"
    return f"{week}{_CN_DAYS[days[0]]}至周{_CN_DAYS[days[1]]}"


def describe(spec: dict[str, Any], start: date | None = None, end: date | None = None) -> str:
    """A short phrase for a spec ("去年冬天", "上周三"); a dates spec with its resolved [start, end)
    days states them ("2024年3月", "2024-03-05至2024-03-15")."""
    kind = spec.get("kind", "all")
    if kind == "dates" and start and end:
        last = end - timedelta(days=1)
        if spec["from"][2] is None and spec["to"][2] is None:
            if (start.year, start.month) == (last.year, last.month):
                return f"{start.year}年{start.month}月"
            return f"{start.year}年{start.month}月至{last.year}年{last.month}月"
        return f"{start:%Y-%m-%d}" if start == last else f"{start:%Y-%m-%d}至{last:%Y-%m-%d}"
    short = _SHORT.get(kind, _SHORT["all"])(spec)
    if start and end and kind not in ("all", "recent", "last_month", "this_month"):
        return _dated(short, start, end - timedelta(days=1))
    return short


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

