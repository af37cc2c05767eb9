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
    ("2023年2月29日-clamped", "2023年2月29日的通话", NEWEST, 30,
     (local(2023, 2, 28), local(2023, 3, 1)), "2023-02-28"),
    ("2月30日-clamped", "2月30日的通话", NEWEST, 30, (local(2024, 2, 29), local(2024, 3, 1)), "2024-02-29"),
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
        ctx, _ = await engine.run_analysis(plan, form, case, [])
        newest = await store.newest_time([n.id for n in ctx.nodes])
        assert newest == NEWEST
        assert (ctx.window.start, ctx.window.end) == recent(recent_days)
        assert ctx.window.text == f"最近{recent_days}天"
    finally:
        await store.close()
