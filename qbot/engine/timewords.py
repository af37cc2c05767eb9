"""The words of Chinese time expressions: the patterns, and the reading of each match.

`hits(text, recent_days)` lists every candidate reading of the text, overlapping; `timeexpr.scan`
keeps the longest ones that do not overlap. A window spec is plain JSON (see timeexpr.scan); a
year in a spec is an int, "this" / "last" / "before_last" (今年/去年/前年), or None (not named:
timeexpr.resolve takes the newest record's year, or the year before when that would start after
the newest record). Unknown patterns are time-like words no rule resolves: they are matched so
that the engine asks the examiner instead of reading them as "all time"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from qbot.engine import holidays

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(text: str) -> int:
    """"12", "十二", "四十五", "一百零五", "两百", "一二" (digit by digit), "二〇二三" → int."""
    if text.isdigit():
        return int(text)
    digits = [_DIGITS[char] if char in _DIGITS else int(char) if char.isdigit() else char for char in text]
    if not any(isinstance(d, str) for d in digits):
        value = 0
        for d in digits:
            value = value * 10 + int(d)
        return value
    total, digit = 0, 0
    for d in digits:
        if isinstance(d, str):
            total += (digit or 1) * _UNITS[d]  # "十五": a bare 十 is one ten
            digit = 0
        else:
            digit = d
    return total + digit


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    window: dict[str, Any] | None = None
    hours: tuple[int, int] | None = None
    weekdays: tuple[int, ...] = ()
    unknown: bool = False  # a time-like word no rule resolves
    neutral: bool = False  # filters nothing ("一天中"): only keeps the catch-all from flagging it


NUM = r"[0-9０-９零〇一二两三四五六七八九十百千]+"
_CN = "零〇一二两三四五六七八九十"
YEAR_WORDS = {"今年": "this", "本年": "this", "去年": "last", "前年": "before_last"}
# 今年/去年/前年 or an explicit year ("2023年", "二〇二三年"); `(?:的)?` is added where a year
# prefixes another word ("去年的冬天").
_Y = (r"(?:(?:(?P<yw>今年|本年|去年|前年)|(?P<yn>(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])"
      r"|[一二][〇零九][〇零一二三四五六七八九]{2})\s*年)(?:度)?)")
_YP = rf"(?:{_Y}\s*(?:的)?\s*)?"
SEP = r"\s*(?:到|至|~|～|—|－|-)\s*"
_SUFFIX = re.compile(r"期间|的时候|时候|之内|以内|之间|当中|那段时间|那几天|里面|内|里|时(?![长间段])"
                     r"|来(?![电往自访])")
# After a window these change what it means ("春节前", "3月以后"): the whole is unknown, except
# 以来, "since" (to the newest record). 前/后 followed by a count are a ranking ("前十名").
_TAIL = re.compile(r"以来|以后|之后|以前|之前|前后|左右|前(?![0-9零〇一二两三四五六七八九十几名位个])"
                   r"|后(?![来面台续])")


def year_of(match: re.Match[str]) -> int | str | None:
    if word := match.group("yw"):
        return YEAR_WORDS[word]
    return cn_number(match.group("yn")) if match.group("yn") else None


# -- windows ------------------------------------------------------------------------------------

_MAX_DAYS = 36500  # a century: more is a typo, and would overflow dates
_UNIT_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "月": 30, "年": 365}
_WEEK_AGO = {"上上": 2, "上一": 1, "上": 1, "本": 0, "这": 0, "这一": 0}
_DAY = r"[一二三四五六日天1-7]"
# 周一 is not Monday in "一周一次", "这周一直", "上周一共"
_DAY_END = r"(?![次遍回直共样般定切些起个])"
_SEASONS = {"春": "spring", "夏": "summer", "秋": "autumn", "冬": "winter"}
_HOLIDAY_WORDS = {"春节": "spring_festival", "过年": "spring_festival", "国庆": "national_day",
                  "中秋": "mid_autumn_festival", "清明": "tomb_sweeping_day", "五一": "labour_day",
                  "劳动节": "labour_day", "端午": "dragon_boat_festival", "元旦": "new_years_day"}
# Festivals on a fixed date of the solar calendar: that day.
_FIXED_DAYS = {"情人节": (2, 14), "妇女节": (3, 8), "愚人节": (4, 1), "儿童节": (6, 1), "教师节": (9, 10),
               "双十一": (11, 11), "光棍节": (11, 11), "双十二": (12, 12), "平安夜": (12, 24), "圣诞节": (12, 25)}
_PARTS = {"上旬": "early", "初": "early", "中旬": "mid", "下旬": "late", "底": "late", "末": "late"}
_MONTH_AGO = r"(?P<rel>上上个?月|上一?个?月|本月|这一?个?月)"
_MONTH_AGO_OF = {"上上": 2, "上": 1, "本": 0, "这": 0}


def _weekday(char: str) -> int:
    return 6 if char in "日天7" else "一二三四五六".index(char) if char in "一二三四五六" else int(char) - 1


def _relative(m: re.Match[str], recent_days: int) -> dict[str, Any]:
    count = 0.5 if m.group("n") == "半" else cn_number(m.group("n"))
    count += 0.5 if m.group("half") else 0
    days = max(1, int(count * _UNIT_DAYS[m.group("u")]))
    return {"kind": "recent", "days": days} if days <= _MAX_DAYS else None


def _holiday(m: re.Match[str], _: int) -> dict[str, Any] | None:
    word = next(w for w in _HOLIDAY_WORDS if m.group("hol").startswith(w))
    year = year_of(m)
    if isinstance(year, int) and holidays.days_off(_HOLIDAY_WORDS[word], year) is None:
        return None  # no official days off known for that year: unknown, no guess
    return {"kind": "holiday", "year": year, "holiday": _HOLIDAY_WORDS[word]}


def _fixed_day(m: re.Match[str], _: int) -> dict[str, Any]:
    month, day = _FIXED_DAYS[m.group("fix")]
    return {"kind": "dates", "from": [year_of(m), month, day], "to": [year_of(m), month, day]}


def _quarter(m: re.Match[str], _: int) -> dict[str, Any]:
    q = next(g for g in (m.group("q1"), m.group("q2"), m.group("q3")) if g)
    return {"kind": "quarter", "year": year_of(m), "quarter": int(q) if q.isdigit() else cn_number(q)}


def _week(m: re.Match[str], _: int) -> dict[str, Any]:
    days = [5, 6] if m.group("e") else [_weekday(m.group("d"))] * 2 if m.group("d") else [0, 6]
    return {"kind": "week", "ago": _WEEK_AGO[m.group("w")], "days": days}


def _month_part(m: re.Match[str], _: int) -> dict[str, Any] | None:
    part = _PARTS[m.group("p")]
    if rel := m.group("rel"):
        return {"kind": "month_part", "ago": _MONTH_AGO_OF[next(k for k in _MONTH_AGO_OF if rel.startswith(k))],
                "part": part}
    month = cn_number(m.group("m"))
    return {"kind": "month_part", "year": year_of(m), "month": month, "part": part} if 1 <= month <= 12 else None


# After "5.20" or "1/3" these make it an amount, a length or a share, not a date.
_NOT_DAY = r"(?:\s*(?:元|块|万|亿|%|倍|小时|钟头|分|秒|岁|个|次|条|人|米|公里)|[a-z])"


def _point(sfx: str) -> str:
    """A date: "2024年3月5日", "今年3月", "三月五号", "2024-03-05", "2024/3", "9.27", "10/1"; groups
    end in `sfx`."""
    y = _Y.replace("?P<yw>", f"?P<yw{sfx}>").replace("?P<yn>", f"?P<yn{sfx}>")
    return (rf"(?:(?:{y}\s*(?:的)?\s*)?(?P<m{sfx}>{NUM})\s*月份?(?:\s*(?P<d{sfx}>{NUM})\s*[日号](?![码线楼卡]))?"
            rf"|(?<![0-9])(?P<iy{sfx}>(?:19|20)[0-9]{{2}})[-/.](?P<im{sfx}>[0-9]{{1,2}})"
            rf"(?:[-/.](?P<id{sfx}>[0-9]{{1,2}}))?(?![0-9]|-(?!(?:19|20)[0-9]{{2}}[-/.]|[0-9]{{1,2}}[/.][0-9]))"
            rf"|(?<![0-9./:占约近超过于])(?P<sm{sfx}>[0-9]{{1,2}})[/.](?P<sd{sfx}>[0-9]{{1,2}})(?![0-9]|[./:][0-9]|{_NOT_DAY}))")


def _read_point(m: re.Match[str], sfx: str) -> list[Any] | None:
    if m.group(f"sm{sfx}"):  # "9.27", "10/1": month and day, the year not named
        point = [None, int(m.group(f"sm{sfx}")), int(m.group(f"sd{sfx}"))]
    elif m.group(f"iy{sfx}"):
        day = m.group(f"id{sfx}")
        point = [int(m.group(f"iy{sfx}")), int(m.group(f"im{sfx}")), int(day) if day else None]
    else:
        if (word := m.group(f"yw{sfx}")) is not None:
            year: int | str | None = YEAR_WORDS[word]
        else:
            year = cn_number(m.group(f"yn{sfx}")) if m.group(f"yn{sfx}") else None
        day = m.group(f"d{sfx}")
        point = [year, cn_number(m.group(f"m{sfx}")), cn_number(day) if day else None]
    if not 1 <= point[1] <= 12 or (point[2] is not None and not 1 <= point[2] <= 31):
        return None
    return point


def _dates(m: re.Match[str], _: int) -> dict[str, Any] | None:
    first = _read_point(m, "a")
    if first is None:
        return None
    if "mb" in m.re.groupindex:  # point to point: "去年12月到今年3月"
        last = _read_point(m, "b")
        if last is None:
            return None
        if last[0] is None:
            last[0] = first[0]  # "2025年6月到9月": the year carries over
        return {"kind": "dates", "from": first, "to": last}
    if "dend" in m.re.groupindex:  # "3月5日到15日": the end gives only the day
        day = cn_number(m.group("dend"))
        if first[2] is None or not 1 <= day <= 31:
            return None
        return {"kind": "dates", "from": first, "to": [first[0], first[1], day]}
    return {"kind": "dates", "from": first, "to": first}


def _month_range(m: re.Match[str], _: int) -> dict[str, Any] | None:
    """"2024年1至3月", "1-3月"."""
    lo, hi, year = cn_number(m.group("m1")), cn_number(m.group("m2")), year_of(m)
    if not (1 <= lo <= 12 and 1 <= hi <= 12):
        return None
    return {"kind": "dates", "from": [year, lo, None], "to": [year, hi, None]}


def _day_range(m: re.Match[str], _: int) -> dict[str, Any] | None:
    """"3月5-15日"."""
    month, lo, hi, year = cn_number(m.group("m")), cn_number(m.group("d1")), cn_number(m.group("d2")), year_of(m)
    if not (1 <= month <= 12 and 1 <= lo <= 31 and 1 <= hi <= 31):
        return None
    return {"kind": "dates", "from": [year, month, lo], "to": [year, month, hi]}


def _const(spec: dict[str, Any]) -> Callable[[re.Match[str], int], dict[str, Any]]:
    return lambda m, _: spec


_WINDOWS: list[tuple[re.Pattern[str], Callable[[re.Match[str], int], dict[str, Any] | None]]] = [
    (re.compile(rf"(?:最近|近|过去)(?:的)?\s*(?P<n>{NUM}|半)\s*个?(?P<half>半)?\s*(?P<u>天|日|周|星期|礼拜|月|年)"),
     _relative),
    (re.compile(r"最近(?:这段时间|一段时间|这些天|这段日子)?|近期|近来|近段时间|这段时间|这段日子"),
     lambda m, days: {"kind": "recent", "days": days}),
    (re.compile(_Y), lambda m, _: {"kind": "year", "year": year_of(m)}),
    (re.compile(rf"{_YP}(?P<h>上|下)半年"), lambda m, _: {"kind": "half", "year": year_of(m),
                                                      "half": 1 if m.group("h") == "上" else 2}),
    (re.compile(rf"{_YP}(?:第(?P<q1>[一二三四1-4])季度?|(?P<q2>[一二三四1-4])季度"
                r"|(?<![A-Za-z0-9])[Qq](?P<q3>[1-4])(?![0-9]))"), _quarter),
    (re.compile(rf"{_YP}(?P<s>[春夏秋冬])(?:天|季)"),
     lambda m, _: {"kind": "season", "year": year_of(m), "season": _SEASONS[m.group("s")]}),
    (re.compile(rf"{_YP}(?P<hol>春节|过年|国庆节?|中秋节?|清明节?|(?<![{_CN}0-9])五一(?:劳动节)?(?![{_CN}0-9])"
                r"|劳动节|端午节?|元旦节?)(?:假期|小长假|长假|黄金周|放假期间|放假)?"), _holiday),
    (re.compile(rf"{_YP}(?P<fix>{'|'.join(_FIXED_DAYS)})"), _fixed_day),
    (re.compile(r"上上个?月"), _const({"kind": "month", "ago": 2})),
    (re.compile(r"上一?个?月"), _const({"kind": "last_month"})),
    (re.compile(r"本月|这一?个?月"), _const({"kind": "this_month"})),
    (re.compile(rf"(?P<w>上上|上一|上|本|这一|这)个?(?:周|星期|礼拜|週)(?:(?P<d>{_DAY}){_DAY_END}|(?P<e>末))?"),
     _week),
    (re.compile(r"今天|今日"), _const({"kind": "day", "ago": 0})),
    (re.compile(r"昨天|昨日"), _const({"kind": "day", "ago": 1})),
    (re.compile(r"大前天"), _const({"kind": "day", "ago": 3})),
    (re.compile(r"前天"), _const({"kind": "day", "ago": 2})),
    (re.compile(rf"(?P<n>{NUM})\s*天前(?!后)"),
     lambda m, _: {"kind": "day", "ago": n} if (n := cn_number(m.group("n"))) <= _MAX_DAYS else None),
    (re.compile(rf"(?:(?:从|自)\s*)?{_point('a')}{SEP}{_point('b')}"), _dates),
    (re.compile(rf"(?:(?:从|自)\s*)?{_point('a')}{SEP}(?P<dend>{NUM})\s*[日号]"), _dates),
    (re.compile(_point("a")), _dates),
    (re.compile(rf"{_point('a')}\s*(?:的)?(?:那一?天|这一?天|当天|那日|当日)"),  # "6月18号那天": one day only
     lambda m, days: s if (s := _dates(m, days)) and s["from"][2] and s["from"] == s["to"] else None),
    (re.compile(rf"(?:(?:从|自)\s*)?{_YP}(?P<m1>{NUM})\s*(?:月份?)?{SEP}(?P<m2>{NUM})\s*月份?"), _month_range),
    (re.compile(rf"{_YP}(?P<m>{NUM})\s*月\s*(?P<d1>{NUM})\s*[日号]?{SEP}(?P<d2>{NUM})\s*[日号]"), _day_range),
    (re.compile(rf"(?:{_YP}(?P<m>{NUM})\s*月份?|{_MONTH_AGO}(?:的)?)(?P<p>上旬|中旬|下旬|初|底|末)"), _month_part),
]
# 今晚/昨晚: that day's evening.
_EVENINGS = re.compile(r"(?P<w>今|昨|前)晚(?!上|间|饭)")

# -- hours of the day ---------------------------------------------------------------------------

# Period word → (hours it names, how a clock hour after it becomes 24-hour).
_PERIODS = {
    "夜间": ((22, 6), "night"), "深夜": ((22, 6), "night"), "半夜": ((22, 6), "night"),
    "夜里": ((22, 6), "night"), "夜晚": ((22, 6), "night"), "午夜": ((22, 6), "night"),
    "凌晨": ((0, 6), "am"), "早上": ((6, 9), "am"), "早晨": ((6, 9), "am"), "清晨": ((6, 9), "am"),
    "上午": ((6, 12), "am"), "中午": ((11, 13), "noon"), "午间": ((11, 13), "noon"),
    "下午": ((12, 18), "pm"), "午后": ((12, 18), "pm"), "晚上": ((18, 24), "night"),
    "晚间": ((18, 24), "night"), "每晚": ((18, 24), "night"), "白天": ((6, 18), "am"), "傍晚": (None, "pm"),
}
_PERIOD = "|".join(_PERIODS)
_PERIOD_WORDS = re.compile(rf"(?P<later>傍晚|中午)(?:以后|之后)|{_PERIOD}")
_HOUR = r"(?<![0-9:：.])[0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3}"
_CLOCK_END = r"(?:点钟?|时|[:：]00)(?:整)?(?![半多分0-9零〇一二三四五六七八九十]|左右|前后|[:：])"
_CLOCK = re.compile(
    rf"(?:(?:从|自)\s*)?(?P<p1>{_PERIOD})?\s*(?P<h1>{_HOUR})(?P<u1>{_CLOCK_END})"
    rf"(?:(?P<after>以后|之后|以来|后|起)|(?P<before>以前|之前|前(?!后))"
    rf"|{SEP}(?P<p2>{_PERIOD})?\s*(?P<h2>{_HOUR}){_CLOCK_END}(?:之间)?)?")


def _clock(period: str | None, hour: int) -> int:
    """A clock hour after a period word, 24-hour: 下午3点 = 15, 晚上10点 = 22, 晚上1点 = 1,
    晚上12点 = 24 (midnight, as an end), 中午1点 = 13."""
    way = _PERIODS[period][1] if period else "am"
    if way == "pm" and hour < 12 or way == "noon" and hour < 11:
        return hour + 12
    if way == "night":
        return 24 if hour == 12 else hour + 12 if 5 <= hour < 12 else hour
    return hour


def _clock_hit(m: re.Match[str]) -> Hit | None:
    h1 = cn_number(m.group("h1"))
    # A bare Chinese "一点" is as often "a little" as one o'clock: only with a period word, 钟/整,
    # or 以后/以前/到 is it the hour.
    if not (m.group("p1") or m.group("h1").isdigit() or m.group("u1") != "点"
            or m.group("after") or m.group("before") or m.group("h2")):
        return None
    start = _clock(m.group("p1"), h1)
    if start > 24 or start in (0, 24) and (m.group("after") or m.group("before")):
        return Hit(m.start(), m.end(), unknown=True)  # "晚上12点以后": the small hours? the evening?
    if m.group("after"):
        hours = (start % 24, 24)
    elif m.group("before"):
        hours = (0, start)
    elif m.group("h2"):
        end = _clock(m.group("p2") or m.group("p1"), cn_number(m.group("h2")))
        if not m.group("p2") and end < start < end + 12 <= 24:
            end += 12  # "10点到2点", "上午10点到2点": 14:00, not a span across midnight
        hours = (start % 24, end)
    else:
        hours = (start % 24, start % 24 + 1)
    if not (0 <= hours[0] < 24 and 0 < hours[1] <= 24) or hours[0] == hours[1] % 24:
        return Hit(m.start(), m.end(), unknown=True)  # "25点", "8点到8点"
    return Hit(m.start(), m.end(), hours=hours)


# -- weekdays -----------------------------------------------------------------------------------

_WD = r"(?:周|星期|礼拜|週)"
_WEEKDAY = re.compile(rf"(?:每个?|逢)?{_WD}(?P<a>{_DAY})(?:(?P<range>{SEP})|(?P<list>、|和|及|与|或))"
                      rf"{_WD}?(?P<b>{_DAY}){_DAY_END}|(?:每个?|逢)?{_WD}(?P<one>{_DAY}){_DAY_END}")
_WEEKDAY_WORDS = re.compile(r"(?P<we>(?:每个?)?(?:周末|双休日|周六日|星期六日))|(?P<wd>(?:每个?)?工作日)")


def _weekday_hit(m: re.Match[str]) -> Hit:
    if m.group("one"):
        return Hit(m.start(), m.end(), weekdays=(_weekday(m.group("one")),))
    a, b = _weekday(m.group("a")), _weekday(m.group("b"))
    if m.group("range") is not None:
        days = tuple(sorted({(a + i) % 7 for i in range((b - a) % 7 + 1)}))  # "周五到周一" wraps
    else:
        days = tuple(sorted({a, b}))
    return Hit(m.start(), m.end(), weekdays=days)


# -- unknown words ------------------------------------------------------------------------------

_UNIT = r"(?:天|日|周|星期|礼拜|月|年|小时|钟头|日子)"
_UNKNOWN = re.compile("|".join([
    rf"(?:那|这|前|最近|近|过去)(?:的)?(?:几|些|一些|一两|两三)个?{_UNIT}",  # 那几天, 最近几个月
    r"(?:那|前|这)一?(?:段|阵)(?:时间|日子|子)?",  # 那段时间, 前段时间, 这阵子
    r"那(?:时候?|天|晚|夜|会儿?|年|个月|月|周)|当(?:时|天|日|晚|夜|月|年|周)|同一?(?:天|日|时期|时段)",
    rf"(?:案发|事发|出事|作案|案件发生)(?:时候|时|前后|之前|之后|以前|以后|当天|当日|当晚|那天|期间|前|后)?"
    rf"(?:{NUM}个?{_UNIT})?(?:内|以内|之内)?",
    r"法定节假日|节假日|节日期间|节日|假期|假日|放假|寒假|暑假|黄金周|小长假|长假|过节|非工作日|休息日",
    r"除夕|年三十|元宵节?|七夕|重阳节?|腊八|小年|冬至|夏至|中元节?|正月|腊月|(?:大年|正月)初[一二三四五六七八九十]",
    r"以前|之前|以后|之后|早些时候|早期|后来|从前|以往|往年|往常|近年来?|近日|当初|早先|先前|此前|此后|日前",
    rf"(?:{NUM}|半|几|一两|两三)\s*个?{_UNIT}(?:多)?(?:前后|以前|之前|以后|之后|左右|前|后)",  # 半年前
    rf"前(?:{NUM}|几)个?(?:天|日|周|星期|礼拜|月|年)",  # 前三天: of what? (前两天: "the other day")
    r"下一?个?(?:周末?|星期|礼拜|月)|明天|明年|后天|后年|大后天|大前年|明早|明晚",
    rf"{_YP}(?:年初|年底|年末|年头|年尾|年中)|(?:今|去|前)年(?:初|底|末)",
    rf"(?<![0-9{_CN}几每])(?:月初|月底|月末|月头|月尾|月中)|上半月|下半月",
    r"黄昏|黎明|拂晓|通宵|晚饭后|午饭后|饭点|下班后|上班时间|下班时间|工作时间|上班期间|昨夜|今夜|今早|今晨|前夜",
    rf"(?:(?:从|自)\s*)?(?:{_PERIOD})?\s*(?:{_HOUR})(?:点|时)(?:半|{NUM}分|多|左右|前后|一刻|三刻)钟?"
    rf"(?:以后|之后|以前|之前|后|前|{SEP}(?:{_PERIOD})?\s*(?:{_HOUR})(?:点|时)(?:半|{NUM}分)?)?",
    rf"(?:{_PERIOD})?\s*[0-9]{{1,2}}[:：][0-5][0-9](?<![:：]00)",  # minutes: hours are whole
    rf"(?:最近|过去|近)(?:{NUM}|半|几)个?(?:小时|钟头)",
]))
# Any count of a time unit left over ("三天", "23年", "5号"): time-like, so flagged.
_CATCH_ALL = re.compile(rf"(?:{NUM}|几|半)\s*个?(?:年|月份?|日|号(?![码线楼卡机位房])|天|周|星期|礼拜)"
                        r"|[0-9]{1,2}\s*(?:点|时)")
# Words that look like time but filter nothing: a question about when ("几点", "哪天"), a
# frequency ("一周一次"), an order ("最后一次").
_NEUTRAL = re.compile(rf"一[天周](?:中|里|当中|之中)|(?:一|每)(?:天|日|周|个?星期|个?礼拜|个?月|年)(?:{NUM}|几|多)次"
                      r"|每一?(?:天|日|周|星期|月|年|个月)|几点|哪一?天|哪个?(?:月|时段|时间段)"
                      r"|什么时候|何时|最后一次|第一次|首次|同时")


def hits(text: str, recent_days: int) -> Iterator[Hit]:
    """Every candidate reading of `text`, overlapping."""
    for pattern, read in _WINDOWS:
        for m in pattern.finditer(text):
            yield _with_tail(text, m, read(m, recent_days))
    for m in _EVENINGS.finditer(text):
        ago = {"今": 0, "昨": 1, "前": 2}[m.group("w")]
        yield Hit(m.start(), m.end(), window={"kind": "day", "ago": ago}, hours=(18, 24))
    for m in _PERIOD_WORDS.finditer(text):
        if m.group("later"):
            yield Hit(m.start(), m.end(), hours=(18, 24) if m.group("later") == "傍晚" else (12, 24))
        elif (hours := _PERIODS[m.group()][0]) is not None:
            yield Hit(m.start(), m.end(), hours=hours)
        else:
            yield Hit(m.start(), m.end(), unknown=True)  # 傍晚 alone: no agreed hours
    for m in _CLOCK.finditer(text):
        if hit := _clock_hit(m):
            yield hit
    for m in _WEEKDAY.finditer(text):
        yield _weekday_hit(m)
    for m in _WEEKDAY_WORDS.finditer(text):
        yield Hit(m.start(), m.end(), weekdays=(5, 6) if m.group("we") else (0, 1, 2, 3, 4))
    for pattern, flag in ((_UNKNOWN, "unknown"), (_CATCH_ALL, "unknown"), (_NEUTRAL, "neutral")):
        for m in pattern.finditer(text):
            if m.end() > m.start():
                yield Hit(m.start(), m.end(), unknown=flag == "unknown", neutral=flag == "neutral")


def _with_tail(text: str, m: re.Match[str], spec: dict[str, Any] | None) -> Hit:
    """The window's hit, with the words after it that belong to it ("春节期间", "3月以来"); a spec
    of None is a window that cannot be read ("2030年春节": no holiday table)."""
    end = m.end()
    if tail := _TAIL.match(text, end):
        if tail.group() != "以来" or spec is None:
            return Hit(m.start(), tail.end(), unknown=True)  # "春节前", "3月以后": which side?
        if spec["kind"] != "recent":
            spec = {"kind": "since", "of": spec}
        return Hit(m.start(), tail.end(), window=spec)
    if suffix := _SUFFIX.match(text, end):
        end = suffix.end()
    return Hit(m.start(), end, window=spec, unknown=spec is None)
