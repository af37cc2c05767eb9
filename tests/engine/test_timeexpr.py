"""Each time expression of qbot.engine.timeexpr, resolved to its exact [start, end) window in the
case's time zone, anchored at the newest record (never the clock). Expected windows are written
out by hand, as the examiner would read the question."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from qbot.config import EngineConfig
from qbot.engine import timeexpr
from qbot.engine.builtin import BuiltinEngine
from qbot.evidence.store import EvidenceStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)

# The demo case's newest call: 2024-06-29 23:18:09 in Shanghai.
NEWEST = datetime(2024, 6, 29, 15, 18, 9, tzinfo=timezone.utc)
# Newest records near a year boundary and near a month boundary that differs between UTC and local.
NEW_YEAR = datetime(2025, 1, 10, 4, 0, tzinfo=timezone.utc)  # 2025-01-10 12:00 Shanghai
JUNE_END = datetime(2024, 6, 30, 17, 0, tzinfo=timezone.utc)  # 2024-07-01 01:00 Shanghai, June in UTC
LATE_2024 = datetime(2024, 12, 15, 2, 0, tzinfo=timezone.utc)
END_2023 = datetime(2023, 12, 31, 8, 0, tzinfo=timezone.utc)


def local(y: int, m: int, d: int, tz: ZoneInfo = SHANGHAI) -> datetime:
    """Local midnight of a day."""
    return datetime(y, m, d, tzinfo=tz)


def recent(days: int, newest: datetime = NEWEST) -> tuple[datetime, datetime]:
    """`days` days up to and including the newest record (end exclusive: newest + 1 ms)."""
    return newest + MS - days * DAY, newest + MS


# (id, question, newest, recent_days, (start, end), window text)
CASES = [
    # 最近: the configured number of days (30 by default) up to the newest record.
    ("最近-default-30", "请问机主最近与谁打电话比较频繁？", NEWEST, 30, recent(30), "最近30天"),
    ("最近-configured-45", "机主最近和谁联系？", NEWEST, 45, recent(45), "最近45天"),
    ("最近-configured-7", "最近有哪些未接来电？", NEWEST, 7, recent(7), "最近7天"),
    ("近期", "近期机主和谁通话最多？", NEWEST, 30, recent(30), "最近30天"),
    # 最近 + a span.
    ("最近一周", "最近一周机主和谁打电话最多？", NEWEST, 30, recent(7), "最近7天"),
    ("最近两周", "最近两周谁给机主打了最多的未接电话？", NEWEST, 30, recent(14), "最近14天"),
    ("最近一个月", "最近一个月机主经常给谁打电话？", NEWEST, 30, recent(30), "最近30天"),
    ("最近一月", "最近一月机主经常给谁打电话？", NEWEST, 30, recent(30), "最近30天"),
    ("最近三个月", "最近三个月机主和谁通话最频繁？", NEWEST, 30, recent(90), "最近90天"),
    ("近三月", "近三月机主和谁通话最频繁？", NEWEST, 30, recent(90), "最近90天"),
    ("最近N天-digits", "最近10天机主跟谁打电话最多？", NEWEST, 30, recent(10), "最近10天"),
    ("最近N天-chinese", "最近十五天机主跟谁打电话最多？", NEWEST, 30, recent(15), "最近15天"),
    ("最近N天-二十五", "最近二十五天的通话", NEWEST, 30, recent(25), "最近25天"),
    ("过去两个月", "过去两个月机主和谁联系最多？", NEWEST, 30, recent(60), "最近60天"),
    ("近半年", "近半年机主和谁通话最多？", NEWEST, 30, recent(182), "最近182天"),
    # 上个月 / 本月: calendar months of the newest record, in the case's time zone.
    ("上个月", "上个月机主和谁打电话最多？", NEWEST, 30, (local(2024, 5, 1), local(2024, 6, 1)), "上个月"),
    ("上月", "上月的通话", NEWEST, 30, (local(2024, 5, 1), local(2024, 6, 1)), "上个月"),
    ("上个月-across-new-year", "上个月机主和谁打电话最多？", NEW_YEAR, 30,
     (local(2024, 12, 1), local(2025, 1, 1)), "上个月"),
    ("上个月-local-month-not-utc", "上个月机主和谁打电话最多？", JUNE_END, 30,
     (local(2024, 6, 1), local(2024, 7, 1)), "上个月"),
    ("本月", "本月机主和谁通话最多？", NEWEST, 30, (local(2024, 6, 1), local(2024, 7, 1)), "本月"),
    # 今年/去年 + month: the newest record's year.
    ("今年3月", "今年3月机主和谁通话最多？", NEWEST, 30, (local(2024, 3, 1), local(2024, 4, 1)), "2024年3月"),
    ("今年3月-newest-in-2025", "今年3月机主和谁通话最多？", NEW_YEAR, 30,
     (local(2025, 3, 1), local(2025, 4, 1)), "2025年3月"),
    ("去年12月", "去年12月的通话", NEWEST, 30, (local(2023, 12, 1), local(2024, 1, 1)), "2023年12月"),
    ("今年3月到5月", "今年3月到5月的通话", NEWEST, 30, (local(2024, 3, 1), local(2024, 6, 1)), "2024年3月至2024年5月"),
    # Explicit dates and ranges.
    ("2025年6月到9月", "2025年6月到9月机主和谁通话最多？", NEWEST, 30,
     (local(2025, 6, 1), local(2025, 10, 1)), "2025年6月至2025年9月"),
    ("2024年1月到3月", "2024年1月到3月机主和谁通话最频繁？", NEWEST, 30,
     (local(2024, 1, 1), local(2024, 4, 1)), "2024年1月至2024年3月"),
    ("3月5日至3月15日", "3月5日至3月15日机主和谁通话最多？", NEWEST, 30,
     (local(2024, 3, 5), local(2024, 3, 16)), "2024-03-05至2024-03-15"),
    ("3月5日到15日", "3月5日到15日机主和谁通话最多？", NEWEST, 30,
     (local(2024, 3, 5), local(2024, 3, 16)), "2024-03-05至2024-03-15"),
    ("3月5号-15号", "3月5号-15号的通话", NEWEST, 30, (local(2024, 3, 5), local(2024, 3, 16)), "2024-03-05至2024-03-15"),
    ("三月五日", "三月五日机主给谁打了电话？", NEWEST, 30, (local(2024, 3, 5), local(2024, 3, 6)), "2024-03-05"),
    ("2024年5月1日", "2024年5月1日机主和谁通话？", NEWEST, 30, (local(2024, 5, 1), local(2024, 5, 2)), "2024-05-01"),
    ("iso-range", "2024-05-01到2024-05-31机主和谁打电话最多？", NEWEST, 30,
     (local(2024, 5, 1), local(2024, 6, 1)), "2024-05-01至2024-05-31"),
    ("iso-slash-day", "2024/3/5 的通话", NEWEST, 30, (local(2024, 3, 5), local(2024, 3, 6)), "2024-03-05"),
    ("6月份", "6月份机主和谁通话最多？", NEWEST, 30, (local(2024, 6, 1), local(2024, 7, 1)), "2024年6月"),
    # A missing year is the newest record's year ...
    ("year-default-2024", "3月机主和谁通话最多？", NEWEST, 30, (local(2024, 3, 1), local(2024, 4, 1)), "2024年3月"),
    ("year-default-2023", "3月机主和谁通话最多？", END_2023, 30, (local(2023, 3, 1), local(2023, 4, 1)), "2023年3月"),
    # ... unless that would start after the newest record: then the year before.
    ("year-default-future-month", "8月机主和谁通话最多？", NEWEST, 30,
     (local(2023, 8, 1), local(2023, 9, 1)), "2023年8月"),
    ("year-default-future-day", "6月30日的通话", NEWEST, 30, (local(2023, 6, 30), local(2023, 7, 1)), "2023-06-30"),
    ("year-default-newest-day", "6月29日的通话", NEWEST, 30, (local(2024, 6, 29), local(2024, 6, 30)), "2024-06-29"),
    # Ranges crossing a year boundary.
    ("cross-year-explicit", "2023年11月到2月的通话", NEWEST, 30,
     (local(2023, 11, 1), local(2024, 3, 1)), "2023年11月至2024年2月"),
    ("cross-year-explicit-both", "2024年11月到2025年2月的通话", NEWEST, 30,
     (local(2024, 11, 1), local(2025, 3, 1)), "2024年11月至2025年2月"),
    ("cross-year-no-year", "11月到2月机主和谁通话最多？", NEWEST, 30,
     (local(2023, 11, 1), local(2024, 3, 1)), "2023年11月至2024年2月"),
    ("cross-year-no-year-newest-in-december", "11月到2月机主和谁通话最多？", LATE_2024, 30,
     (local(2024, 11, 1), local(2025, 3, 1)), "2024年11月至2025年2月"),
    ("cross-year-days", "12月28日至1月3日的通话", NEWEST, 30,
     (local(2023, 12, 28), local(2024, 1, 4)), "2023-12-28至2024-01-03"),
    # No time expression: all the time there is.
    ("none", "机主和谁通话次数最多？", NEWEST, 30, (None, None), "全部时间"),
    ("none-person", "机主和张伟之间有哪些往来？", NEWEST, 30, (None, None), "全部时间"),
]


# Newest record on a Friday just after a new year: 2024-01-05 12:00 in Shanghai.
EARLY_2024 = datetime(2024, 1, 5, 4, 0, tzinfo=timezone.utc)
INCLUDED = NEWEST + MS  # "以来" windows end with the newest record included

# The rules added with `scan`: (id, question, newest, (start, end), window text).
NEW_CASES = [
    # Counts in Chinese, and 近来 as 最近.
    ("最近四十五天", "最近四十五天的通话", NEWEST, recent(45), "最近45天"),
    ("最近一百天", "最近一百天的通话", NEWEST, recent(100), "最近100天"),
    ("最近二十天", "最近二十天的通话", NEWEST, recent(20), "最近20天"),
    ("最近半个月", "最近半个月的通话", NEWEST, recent(15), "最近15天"),
    ("最近一个半月", "最近一个半月的通话", NEWEST, recent(45), "最近45天"),
    ("近来", "近来机主和谁联系？", NEWEST, recent(30), "最近30天"),
    # Calendar months and years.
    ("上上个月", "上上个月的通话", NEWEST, (local(2024, 4, 1), local(2024, 5, 1)), "上上个月（2024-04-01至2024-04-30）"),
    ("上上个月-across-new-year", "上上个月的通话", NEW_YEAR, (local(2024, 11, 1), local(2024, 12, 1)),
     "上上个月（2024-11-01至2024-11-30）"),
    ("今年", "今年机主和谁通话最多？", NEWEST, (local(2024, 1, 1), local(2025, 1, 1)), "2024年（2024-01-01至2024-12-31）"),
    ("去年", "去年的通话", NEWEST, (local(2023, 1, 1), local(2024, 1, 1)), "2023年（2023-01-01至2023-12-31）"),
    ("前年", "前年的通话", NEWEST, (local(2022, 1, 1), local(2023, 1, 1)), "2022年（2022-01-01至2022-12-31）"),
    ("bare-year", "2023年机主和谁通话最多？", NEWEST, (local(2023, 1, 1), local(2024, 1, 1)),
     "2023年（2023-01-01至2023-12-31）"),
    ("bare-year-chinese", "二〇二二年的通话", NEWEST, (local(2022, 1, 1), local(2023, 1, 1)),
     "2022年（2022-01-01至2022-12-31）"),
    ("去年上半年", "去年上半年的通话", NEWEST, (local(2023, 1, 1), local(2023, 7, 1)),
     "2023年上半年（2023-01-01至2023-06-30）"),
    ("上半年", "上半年的通话", NEWEST, (local(2024, 1, 1), local(2024, 7, 1)), "2024年上半年（2024-01-01至2024-06-30）"),
    ("下半年-not-begun-is-last-year", "下半年的通话", NEWEST, (local(2023, 7, 1), local(2024, 1, 1)),
     "2023年下半年（2023-07-01至2023-12-31）"),
    ("第一季度", "第一季度的通话", NEWEST, (local(2024, 1, 1), local(2024, 4, 1)), "2024年第一季度（2024-01-01至2024-03-31）"),
    ("2023年第四季度", "2023年第四季度的通话", NEWEST, (local(2023, 10, 1), local(2024, 1, 1)),
     "2023年第四季度（2023-10-01至2023-12-31）"),
    ("Q3-not-begun", "Q3机主和谁通话最多？", NEWEST, (local(2023, 7, 1), local(2023, 10, 1)),
     "2023年第三季度（2023-07-01至2023-09-30）"),
    ("去年Q2", "去年Q2的通话", NEWEST, (local(2023, 4, 1), local(2023, 7, 1)), "2023年第二季度（2023-04-01至2023-06-30）"),
    # Seasons: winter of Y runs into February of Y+1; a bare season is the latest begun.
    ("春天", "春天的通话", NEWEST, (local(2024, 3, 1), local(2024, 6, 1)), "2024年春季（2024-03-01至2024-05-31）"),
    ("夏季-under-way", "夏季的通话", NEWEST, (local(2024, 6, 1), local(2024, 9, 1)), "2024年夏季（2024-06-01至2024-08-31）"),
    ("秋天-last-year", "秋天的通话", NEWEST, (local(2023, 9, 1), local(2023, 12, 1)), "2023年秋季（2023-09-01至2023-11-30）"),
    ("冬天", "冬天的通话", NEWEST, (local(2023, 12, 1), local(2024, 3, 1)), "2023年冬季（2023-12-01至2024-02-29）"),
    ("去年冬天", "去年冬天机主和谁联系最多？", NEWEST, (local(2023, 12, 1), local(2024, 3, 1)),
     "2023年冬季（2023-12-01至2024-02-29）"),
    ("2022年冬季", "2022年冬季的通话", NEWEST, (local(2022, 12, 1), local(2023, 3, 1)),
     "2022年冬季（2022-12-01至2023-02-28）"),
    ("冬天-newest-in-january", "冬天的通话", EARLY_2024, (local(2023, 12, 1), local(2024, 3, 1)),
     "2023年冬季（2023-12-01至2024-02-29）"),
    ("冬天-newest-in-december", "冬天的通话", LATE_2024, (local(2024, 12, 1), local(2025, 3, 1)),
     "2024年冬季（2024-12-01至2025-02-28）"),
    ("今年冬天-newest-in-december", "今年冬天的通话", LATE_2024, (local(2024, 12, 1), local(2025, 3, 1)),
     "2024年冬季（2024-12-01至2025-02-28）"),
    # Holidays: the official days off, from chinese-calendar.
    ("2024年春节", "2024年春节机主和谁通话最多？", NEWEST, (local(2024, 2, 10), local(2024, 2, 18)),
     "2024年春节（2024-02-10至2024-02-17）"),
    ("春节期间", "春节期间机主和谁通话最多？", NEWEST, (local(2024, 2, 10), local(2024, 2, 18)),
     "2024年春节（2024-02-10至2024-02-17）"),
    ("春节-not-yet-is-last-year", "春节的通话", EARLY_2024, (local(2023, 1, 21), local(2023, 1, 28)),
     "2023年春节（2023-01-21至2023-01-27）"),
    ("去年国庆", "去年国庆机主和谁联系最多？", NEWEST, (local(2023, 9, 30), local(2023, 10, 7)),
     "2023年国庆节（2023-09-30至2023-10-06）"),
    ("国庆-not-yet-is-last-year", "国庆的时候的通话", NEWEST, (local(2023, 9, 30), local(2023, 10, 7)),
     "2023年国庆节（2023-09-30至2023-10-06）"),
    ("2023年中秋-shares-block", "2023年中秋节的通话", NEWEST, (local(2023, 9, 29), local(2023, 9, 30)),
     "2023年中秋节（2023-09-29）"),
    ("2017年国庆-mid-autumn-inside", "2017年国庆节的通话", NEWEST, (local(2017, 10, 1), local(2017, 10, 9)),
     "2017年国庆节（2017-10-01至2017-10-08）"),
    ("2024年端午-weekend-joined", "2024年端午的通话", NEWEST, (local(2024, 6, 8), local(2024, 6, 11)),
     "2024年端午节（2024-06-08至2024-06-10）"),
    ("清明节", "清明节的通话", NEWEST, (local(2024, 4, 4), local(2024, 4, 7)), "2024年清明节（2024-04-04至2024-04-06）"),
    ("五一", "五一假期的通话", NEWEST, (local(2024, 5, 1), local(2024, 5, 6)), "2024年劳动节（2024-05-01至2024-05-05）"),
    ("劳动节", "劳动节的通话", NEWEST, (local(2024, 5, 1), local(2024, 5, 6)), "2024年劳动节（2024-05-01至2024-05-05）"),
    ("元旦-starts-in-december", "元旦的通话", NEWEST, (local(2023, 12, 30), local(2024, 1, 2)),
     "2024年元旦（2023-12-30至2024-01-01）"),
    # Weeks (Monday to Sunday) and days, of the newest record's local day (Saturday 2024-06-29).
    ("本周", "本周的通话", NEWEST, (local(2024, 6, 24), local(2024, 7, 1)), "本周（2024-06-24至2024-06-30）"),
    ("这周", "这周的通话", NEWEST, (local(2024, 6, 24), local(2024, 7, 1)), "本周（2024-06-24至2024-06-30）"),
    ("这个星期", "这个星期的通话", NEWEST, (local(2024, 6, 24), local(2024, 7, 1)), "本周（2024-06-24至2024-06-30）"),
    ("上周", "上周机主和谁通话最多？", NEWEST, (local(2024, 6, 17), local(2024, 6, 24)), "上周（2024-06-17至2024-06-23）"),
    ("上个星期", "上个星期的通话", NEWEST, (local(2024, 6, 17), local(2024, 6, 24)), "上周（2024-06-17至2024-06-23）"),
    ("上礼拜", "上礼拜的通话", NEWEST, (local(2024, 6, 17), local(2024, 6, 24)), "上周（2024-06-17至2024-06-23）"),
    ("上上周", "上上周的通话", NEWEST, (local(2024, 6, 10), local(2024, 6, 17)), "上上周（2024-06-10至2024-06-16）"),
    ("上周三", "上周三的通话", NEWEST, (local(2024, 6, 19), local(2024, 6, 20)), "上周三（2024-06-19）"),
    ("上周日", "上周日的通话", NEWEST, (local(2024, 6, 23), local(2024, 6, 24)), "上周日（2024-06-23）"),
    ("本周一", "本周一的通话", NEWEST, (local(2024, 6, 24), local(2024, 6, 25)), "本周一（2024-06-24）"),
    ("上周末", "上周末的通话", NEWEST, (local(2024, 6, 22), local(2024, 6, 24)), "上周末（2024-06-22至2024-06-23）"),
    ("上周-across-new-year", "上周的通话", NEW_YEAR, (local(2024, 12, 30), local(2025, 1, 6)),
     "上周（2024-12-30至2025-01-05）"),
    ("今天", "今天的通话", NEWEST, (local(2024, 6, 29), local(2024, 6, 30)), "今天（2024-06-29）"),
    ("今天-local-day-not-utc", "今天的通话", JUNE_END, (local(2024, 7, 1), local(2024, 7, 2)), "今天（2024-07-01）"),
    ("昨天", "昨天的通话", NEWEST, (local(2024, 6, 28), local(2024, 6, 29)), "昨天（2024-06-28）"),
    ("前天", "前天的通话", NEWEST, (local(2024, 6, 27), local(2024, 6, 28)), "前天（2024-06-27）"),
    ("三天前", "三天前的通话", NEWEST, (local(2024, 6, 26), local(2024, 6, 27)), "大前天（2024-06-26）"),
    ("十天前", "十天前的通话", NEWEST, (local(2024, 6, 19), local(2024, 6, 20)), "10天前（2024-06-19）"),
    # Dates, ranges and parts of months.
    ("11月1日至15日", "11月1日至15日的通话", NEWEST, (local(2023, 11, 1), local(2023, 11, 16)), "2023-11-01至2023-11-15"),
    ("2023年11月到2024年2月", "2023年11月到2024年2月的通话", NEWEST, (local(2023, 11, 1), local(2024, 3, 1)),
     "2023年11月至2024年2月"),
    ("去年12月到今年3月", "去年12月到今年3月的通话", NEWEST, (local(2023, 12, 1), local(2024, 4, 1)),
     "2023年12月至2024年3月"),
    ("3月5号到4月2号", "3月5号到4月2号的通话", NEWEST, (local(2024, 3, 5), local(2024, 4, 3)), "2024-03-05至2024-04-02"),
    ("2024/03/05", "2024/03/05的通话", NEWEST, (local(2024, 3, 5), local(2024, 3, 6)), "2024-03-05"),
    ("2024年1至3月", "2024年1至3月的通话", NEWEST, (local(2024, 1, 1), local(2024, 4, 1)), "2024年1月至2024年3月"),
    ("3月5-15日", "3月5-15日的通话", NEWEST, (local(2024, 3, 5), local(2024, 3, 16)), "2024-03-05至2024-03-15"),
    ("3月上旬", "3月上旬的通话", NEWEST, (local(2024, 3, 1), local(2024, 3, 11)), "2024年3月上旬（2024-03-01至2024-03-10）"),
    ("3月中旬", "3月中旬的通话", NEWEST, (local(2024, 3, 11), local(2024, 3, 21)), "2024年3月中旬（2024-03-11至2024-03-20）"),
    ("2月下旬-leap", "2月下旬的通话", NEWEST, (local(2024, 2, 21), local(2024, 3, 1)),
     "2024年2月下旬（2024-02-21至2024-02-29）"),
    ("11月初-is-上旬", "11月初的通话", NEWEST, (local(2023, 11, 1), local(2023, 11, 11)),
     "2023年11月上旬（2023-11-01至2023-11-10）"),
    ("3月底-is-下旬", "3月底的通话", NEWEST, (local(2024, 3, 21), local(2024, 4, 1)),
     "2024年3月下旬（2024-03-21至2024-03-31）"),
    ("上个月底", "上个月底的通话", NEWEST, (local(2024, 5, 21), local(2024, 6, 1)), "上个月下旬（2024-05-21至2024-05-31）"),
    ("圣诞节", "圣诞节的通话", NEWEST, (local(2023, 12, 25), local(2023, 12, 26)), "2023-12-25"),
    # 以来: from the period's start to the newest record, included.
    ("3月以来", "3月以来机主和谁通话最多？", NEWEST, (local(2024, 3, 1), INCLUDED), "2024年3月以来（2024-03-01至2024-06-29）"),
    ("今年以来", "今年以来的通话", NEWEST, (local(2024, 1, 1), INCLUDED), "2024年以来（2024-01-01至2024-06-29）"),
    # Around a year's end (newest record 2024-01-05).
    ("year-end-上个月", "上个月的通话", EARLY_2024, (local(2023, 12, 1), local(2024, 1, 1)), "上个月"),
    ("year-end-本周", "本周的通话", EARLY_2024, (local(2024, 1, 1), local(2024, 1, 8)), "本周（2024-01-01至2024-01-07）"),
    ("year-end-上周", "上周的通话", EARLY_2024, (local(2023, 12, 25), local(2024, 1, 1)), "上周（2023-12-25至2023-12-31）"),
    ("year-end-去年", "去年的通话", EARLY_2024, (local(2023, 1, 1), local(2024, 1, 1)), "2023年（2023-01-01至2023-12-31）"),
    ("year-end-元旦", "元旦的通话", EARLY_2024, (local(2023, 12, 30), local(2024, 1, 2)),
     "2024年元旦（2023-12-30至2024-01-01）"),
    ("year-end-12月", "12月的通话", EARLY_2024, (local(2023, 12, 1), local(2024, 1, 1)), "2023年12月"),
]


@pytest.mark.parametrize("question, newest, window, text", [c[1:] for c in NEW_CASES], ids=[c[0] for c in NEW_CASES])
def test_new_window(question, newest, window, text):
    spec = timeexpr.parse(question, 30)
    assert json.loads(json.dumps(spec)) == spec
    resolved = timeexpr.resolve(spec, newest, SHANGHAI)
    assert (resolved.start, resolved.end) == window, spec
    assert resolved.text == text


@pytest.mark.parametrize("question, newest", [
    ("去年冬天", EARLY_2024), ("今年冬天", EARLY_2024), ("前年冬天", datetime(2024, 2, 20, tzinfo=timezone.utc)),
    ("春节", datetime(2090, 6, 1, tzinfo=timezone.utc)),  # past chinese-calendar's years
    ("今年国庆", datetime(2090, 6, 1, tzinfo=timezone.utc)),
    ("2023年2月29日", NEWEST), ("2月30日", NEWEST), ("6月31日", NEWEST),
], ids=["去年冬天-in-january", "今年冬天-in-january", "前年冬天-in-february", "春节-uncovered-year",
        "今年国庆-uncovered-year", "2023年2月29日-no-such-day", "2月30日-no-such-day", "6月31日-no-such-day"])
def test_unresolvable(question, newest):
    """In January 去年冬天 is the winter under way (begun last December) or the one before; a
    holiday of a year the tables do not cover has no known days off; a day the month does not
    have (2月30日) is a typo for some other day: none is guessed."""
    spec = timeexpr.parse(question, 30)
    with pytest.raises(timeexpr.Unresolvable) as raised:
        timeexpr.resolve(spec, newest, SHANGHAI)
    assert raised.value.words == timeexpr.describe(spec)
    slots = timeexpr.scan(f"{question}机主和谁通话最多？", 30, newest=newest, tz=SHANGHAI)
    assert slots.window == {"kind": "all"} and slots.unknown == (question,) and slots.spans == ()


@pytest.mark.parametrize("question, text", [
    ("去年冬天", "去年冬天"), ("冬天", "冬天"), ("2023年冬季", "2023年冬天"), ("上周三", "上周三"), ("上上周", "上上周"),
    ("本周末", "本周末"), ("2024年春节", "2024年春节"), ("国庆期间", "国庆节"), ("去年国庆", "去年国庆节"),
    ("上上个月", "上上个月"), ("今天", "今天"), ("昨晚", "昨天"), ("三天前", "大前天"), ("第一季度", "第一季度"),
    ("去年上半年", "去年上半年"), ("3月下旬", "3月下旬"), ("上个月初", "上个月上旬"), ("今年以来", "今年以来"),
    ("2023年", "2023年"), ("最近一周", "最近7天"), ("上个月", "上个月"), ("机主和谁通话最多", "全部时间"),
], ids=lambda v: str(v))
def test_describe_without_dates(question, text):
    """What the plan shows before any record is read: a short phrase, no dates."""
    assert timeexpr.describe(timeexpr.parse(question, 30)) == text


@pytest.mark.parametrize("question, newest, recent_days, window, text",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_window(question, newest, recent_days, window, text):
    spec = timeexpr.parse(question, recent_days)
    resolved = timeexpr.resolve(spec, newest, SHANGHAI)
    assert (resolved.start, resolved.end) == window, spec
    assert resolved.text == text
    if resolved.start is not None:
        assert resolved.start.tzinfo is not None and resolved.end.tzinfo is not None


@pytest.mark.parametrize("question, kind, days", [
    ("最近", "recent", 30), ("最近一周", "recent", 7), ("最近三个月", "recent", 90), ("最近10天", "recent", 10),
    ("上个月", "last_month", None), ("本月", "this_month", None), ("今年3月", "dates", None),
    ("机主和谁通话最多", "all", None),
], ids=lambda v: str(v))
def test_spec_is_json(question, kind, days):
    """The plan keeps the unresolved spec: plain JSON, resolved only at analysis time."""
    spec = timeexpr.parse(question, 30)
    assert spec["kind"] == kind and json.loads(json.dumps(spec)) == spec
    if days is not None:
        assert spec["days"] == days


@pytest.mark.parametrize("question, inside, outside", [
    ("2024年5月1日", local(2024, 5, 2) - MS, local(2024, 5, 2)),
    ("今年3月", local(2024, 4, 1) - MS, local(2024, 4, 1)),
    ("3月5日至3月15日", local(2024, 3, 16) - MS, local(2024, 3, 16)),
    ("最近一周", NEWEST, NEWEST + MS),
], ids=["day", "month", "day-range", "recent"])
def test_end_is_exclusive(question, inside, outside):
    """The last millisecond of the named period is in, the first one after it is out; "最近" ends
    with the newest record itself included."""
    window = timeexpr.resolve(timeexpr.parse(question, 30), NEWEST, SHANGHAI)
    assert window.start <= inside < window.end
    assert not outside < window.end


def test_no_records_means_no_window():
    assert timeexpr.resolve(timeexpr.parse("最近一周", 30), None, SHANGHAI) == timeexpr.Window(None, None, "最近7天")


def test_day_across_daylight_saving_is_23_hours():
    """Days are local days of the case's zone: 2024-03-10 in New York is 23 hours long."""
    newest = datetime(2024, 6, 1, tzinfo=timezone.utc)
    window = timeexpr.resolve(timeexpr.parse("3月10日", 30), newest, NEW_YORK)
    assert window.start == local(2024, 3, 10, NEW_YORK) and window.end == local(2024, 3, 11, NEW_YORK)
    assert window.end - window.start == timedelta(hours=23)
    segments = timeexpr.offsets(NEW_YORK, window.start, window.end)
    change = datetime(2024, 3, 10, 7, tzinfo=timezone.utc)  # 02:00 EST
    assert segments == [(-(2**62), -5 * 3_600_000), (int(change.timestamp() * 1000), -4 * 3_600_000)]


@pytest.mark.parametrize("text, value", [("10", 10), ("十", 10), ("十五", 15), ("二十", 20), ("二十五", 25),
                                         ("两", 2), ("三", 3), ("一二", 12)])
def test_cn_number(text, value):
    assert timeexpr.cn_number(text) == value


def test_recent_default_is_30_days():
    assert EngineConfig().recent_days == 30


@pytest.mark.parametrize("recent_days", [30, 7])
async def test_engine_uses_configured_days_and_newest_record(data_dir: Path, recent_days: int):
    """Through the builtin engine over the demo store: "最近" is `engine.recent_days` days up to
    the newest record of the nodes read (2024-06-29), whatever today's date is."""
    store = await EvidenceStore.open(data_dir / "evidence.db", readers=1)
    try:
        engine = BuiltinEngine(EngineConfig(recent_days=recent_days), store)
        case = await store.get_case("")
        plan = await engine.plan("请问机主最近与谁打电话比较频繁？", case, [])
        assert plan.window == {"kind": "recent", "days": recent_days}
        form = await engine.propose_form(plan, case, [])
        ctx, *_ = await engine.run_analysis(plan, form, case, [])
        newest = await store.newest_time([n.id for n in ctx.nodes])
        assert newest == NEWEST
        assert (ctx.window.start, ctx.window.end) == recent(recent_days)
        assert ctx.window.text == f"最近{recent_days}天"
    finally:
        await store.close()


@pytest.mark.parametrize("tz, start, end, hours", [
    (SHANGHAI, datetime(2024, 3, 3, 16, tzinfo=timezone.utc), datetime(2024, 3, 10, 16, tzinfo=timezone.utc), 7 * 24),
    (NEW_YORK, datetime(2024, 3, 4, 5, tzinfo=timezone.utc), datetime(2024, 3, 11, 4, tzinfo=timezone.utc), 7 * 24 - 1),
], ids=["shanghai", "new-york-dst-starts"])
def test_week_in_zone(tz, start, end, hours):
    """上周 is Monday to Sunday in the case's zone: local midnights, 167 hours long in New York
    the week clocks went forward (2024-03-10), 168 in Shanghai."""
    newest = datetime(2024, 3, 12, 15, tzinfo=timezone.utc)
    window = timeexpr.resolve(timeexpr.parse("上周", 30), newest, tz)
    assert (window.start, window.end) == (start, end)
    assert window.end - window.start == timedelta(hours=hours)
    assert window.text == "上周（2024-03-04至2024-03-10）"


def _local_hour(moment: datetime, segments: list[tuple[int, int]]) -> int:
    """The local hour of a moment from offset segments, as the SQL computes it."""
    ms = int(moment.timestamp() * 1000)
    offset = [off for start, off in segments if start <= ms][-1]
    return (ms + offset) // 3_600_000 % 24


@pytest.mark.parametrize("tz", [SHANGHAI, NEW_YORK], ids=["shanghai", "new-york"])
def test_night_hours_are_local_across_dst(tz):
    """"上周夜间": the window in local days, the hours (22, 6) in local hours on both sides of New
    York's change to daylight time (the SQL reads local hours through `offsets`)."""
    newest = datetime(2024, 3, 12, 15, tzinfo=timezone.utc)
    slots = timeexpr.scan("上周夜间机主和谁通话最多？", 30)
    assert slots.hours == (22, 6)
    window = timeexpr.resolve(slots.window, newest, tz)
    segments = timeexpr.offsets(tz, window.start, window.end)
    for day in (4, 10):  # before and after the change in New York
        for hour, night in ((21, False), (22, True), (23, True), (5, True), (6, False)):
            moment = datetime(2024, 3, day, hour, 30, tzinfo=tz).astimezone(timezone.utc)
            local_hour = _local_hour(moment, segments)
            assert local_hour == hour
            assert (local_hour >= 22 or local_hour < 6) == night


@pytest.mark.parametrize("question, window", [
    ("2024年春节", (local(2024, 2, 10, NEW_YORK), local(2024, 2, 18, NEW_YORK))),
    ("3月10日", (local(2024, 3, 10, NEW_YORK), local(2024, 3, 11, NEW_YORK))),
    ("昨天", (local(2024, 3, 11, NEW_YORK), local(2024, 3, 12, NEW_YORK))),
], ids=["holiday", "dst-day", "day"])
def test_new_york_days(question, window):
    """Holidays and days start at the case zone's local midnight, whatever its offset that day."""
    newest = datetime(2024, 3, 12, 15, tzinfo=timezone.utc)  # 11:00 EDT
    resolved = timeexpr.resolve(timeexpr.parse(question, 30), newest, NEW_YORK)
    assert (resolved.start, resolved.end) == window
