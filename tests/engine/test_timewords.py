"""What `timeexpr.scan` reads in a question besides its window: the hours of the day and the
weekdays it filters on, the exact characters each expression used, and the time-like words no
rule resolves (the engine asks the examiner about those instead of reading "all time")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from qbot.engine import holidays, timeexpr, timewords


def slots(question: str) -> timeexpr.TimeSlots:
    return timeexpr.scan(question, 30)


@pytest.mark.parametrize("question, hours", [
    ("机主夜间通话最多的是谁？", (22, 6)),
    ("深夜给机主打电话的人", (22, 6)),
    ("半夜的通话", (22, 6)),
    ("夜里的通话", (22, 6)),
    ("凌晨的通话", (0, 6)),
    ("早上的通话", (6, 9)),
    ("早晨的通话", (6, 9)),
    ("上午的通话", (6, 12)),
    ("中午的通话", (11, 13)),
    ("下午的通话", (12, 18)),
    ("晚上的通话", (18, 24)),
    ("傍晚以后的通话", (18, 24)),
    ("白天的通话", (6, 18)),
    ("晚上8点以后的通话", (20, 24)),
    ("晚上八点后的通话", (20, 24)),
    ("晚上十点以后的通话", (22, 24)),
    ("下午3点以后的通话", (15, 24)),
    ("20:00以后的通话", (20, 24)),
    ("10点以前的通话", (0, 10)),
    ("早上八点之前的通话", (0, 8)),
    ("8点到10点的通话", (8, 10)),
    ("下午两点到五点的通话", (14, 17)),
    ("10点到2点的通话", (10, 14)),
    ("晚上10点到凌晨2点的通话", (22, 2)),
    ("晚上八点的通话", (20, 21)),
    ("中午1点的通话", (13, 14)),
    ("上午和下午的通话", (6, 18)),
], ids=lambda v: str(v))
def test_hours(question, hours):
    found = slots(question)
    assert found.hours == hours and found.unknown == () and found.window == {"kind": "all"}


@pytest.mark.parametrize("question, weekdays", [
    ("周末机主和谁联系最多？", (5, 6)),
    ("双休日的通话", (5, 6)),
    ("工作日的通话", (0, 1, 2, 3, 4)),
    ("每周三的通话", (2,)),
    ("周三的通话", (2,)),
    ("星期天的通话", (6,)),
    ("礼拜一的通话", (0,)),
    ("周一到周五的通话", (0, 1, 2, 3, 4)),
    ("周五到周一的通话", (0, 4, 5, 6)),
    ("周六和周日的通话", (5, 6)),
    ("周六日的通话", (5, 6)),
], ids=lambda v: str(v))
def test_weekdays(question, weekdays):
    found = slots(question)
    assert found.weekdays == weekdays and found.unknown == () and found.window == {"kind": "all"}


@pytest.mark.parametrize("question, word", [
    ("那几天机主和谁联系？", "那几天"),
    ("那段时间的通话", "那段时间"),
    ("前几天的通话", "前几天"),
    ("最近几天的通话", "最近几天"),
    ("前段时间的通话", "前段时间"),
    ("案发前后机主和谁联系？", "案发前后"),
    ("案发前三天的通话", "案发前三天"),
    ("节假日的通话", "节假日"),  # every holiday at once: not one window
    ("最近几个月的通话", "最近几个月"),
    ("以前和他联系过吗？", "以前"),
    ("早些时候的通话", "早些时候"),
    ("半年前的通话", "半年前"),
    ("一个月前的通话", "一个月前"),
    ("前三天的通话", "前三天"),  # of what?
    ("月初的通话", "月初"),  # of which month?
    ("年底的通话", "年底"),
    ("去年年底的通话", "去年年底"),
    ("傍晚的通话", "傍晚"),
    ("8点半以后的通话", "8点半以后"),
    ("晚上八点多的通话", "晚上八点多"),
    ("晚上12点以后的通话", "晚上12点以后"),  # the small hours, or the whole evening?
    ("春节前的通话", "春节前"),  # which side of it?
    ("3月以后的通话", "3月以后"),
    ("下个月的通话", "下个月"),
    ("明天的通话", "明天"),
    ("当天的通话", "当天"),
    ("除夕的通话", "除夕"),
    ("最近24小时的通话", "最近24小时"),
    ("2090年春节期间的通话", "2090年春节期间"),  # past chinese-calendar's years
    ("2020年中秋的通话", "2020年中秋"),  # merged into 国庆 that year: no days of its own
    ("三天的通话", "三天"),
], ids=lambda v: str(v))
def test_unknown(question, word):
    found = slots(question)
    assert found.unknown == (word,)
    assert found.window == {"kind": "all"} and found.spans == ()


@pytest.mark.parametrize("question, spans", [
    ("最近一周机主和谁打电话最多？", ["最近一周"]),
    ("春节期间机主和谁通话最多？", ["春节期间"]),
    ("国庆的时候晚上八点以后谁给机主打过电话？", ["国庆的时候", "晚上八点以后"]),
    ("最近一个月内机主夜间和谁通话最多？", ["最近一个月内", "夜间"]),
    ("上周三下午3点以后有哪些未接来电？", ["上周三", "下午3点以后"]),
    ("2023年11月到2024年2月每周三机主和谁联系？", ["2023年11月到2024年2月", "每周三"]),
    ("从3月5日到15日之间机主和谁通话？", ["从3月5日到15日之间"]),
    ("去年的春节期间周末晚上的通话", ["去年的春节期间", "周末", "晚上"]),
    ("最近一周来电最多的人", ["最近一周"]),  # 来电 is a call, not "最近一周来"
    ("最近一个月前十名联系人", ["最近一个月"]),  # 前十名 is a ranking
    ("上周一共打了几次？", ["上周"]),  # 一共, not Monday
], ids=lambda v: str(v))
def test_spans_are_exact(question, spans):
    found = slots(question)
    assert [question[a:b] for a, b in found.spans] == spans and found.unknown == ()


def test_most_specific_wins():
    """"晚上十点" inside "晚上十点以后" is not also 晚上 (18, 24); "上周三" is a day, not a
    weekday filter; "最近一周" is not also "最近"."""
    assert slots("晚上十点以后的通话").hours == (22, 24)
    assert slots("上周三的通话") == timeexpr.TimeSlots({"kind": "week", "ago": 1, "days": [2, 2]}, None, (), ((0, 3),), ())
    assert slots("最近一周的通话").window == {"kind": "recent", "days": 7}


@pytest.mark.parametrize("question, window, hours", [
    ("昨晚机主和谁通话？", {"kind": "day", "ago": 1}, (18, 24)),
    ("昨天晚上十点以后的通话", {"kind": "day", "ago": 1}, (22, 24)),
    ("今天凌晨的通话", {"kind": "day", "ago": 0}, (0, 6)),
    ("最近一个月夜间的通话", {"kind": "recent", "days": 30}, (22, 6)),
], ids=lambda v: str(v))
def test_window_and_hours(question, window, hours):
    found = slots(question)
    assert (found.window, found.hours, found.unknown) == (window, hours, ())


@pytest.mark.parametrize("question, window, unknown", [
    ("3月和5月的通话", {"kind": "dates", "from": [None, 3, None], "to": [None, 3, None]}, ("5月",)),
    ("23年春节的通话", {"kind": "holiday", "year": None, "holiday": "spring_festival"}, ("23年",)),
], ids=["two-windows", "two-digit-year"])
def test_partly_understood(question, window, unknown):
    """A second window (a union is no window) and a two-digit year are reported, not dropped."""
    found = slots(question)
    assert (found.window, found.unknown) == (window, unknown)


def test_hours_that_do_not_touch_are_unknown():
    found = slots("上午和晚上的通话")
    assert found.hours == (6, 12) and found.unknown == ("晚上",)


@pytest.mark.parametrize("question", [
    "机主和谁通话次数最多？", "机主和张伟之间有哪些往来？", "机主一天中几点最活跃？", "最后一次通话是什么时候？",
    "一周一次的联系人", "用1号卡打的电话", "通话时长超过5分钟的记录", "和他多联系一点的人",
], ids=lambda v: str(v))
def test_no_time_words(question):
    """Words that look like time but filter nothing are neither read nor flagged."""
    assert slots(question) == timeexpr.TimeSlots({"kind": "all"}, None, (), (), ())


def test_parse_is_scans_window():
    question = "去年国庆期间周末晚上机主和谁联系最多？"
    assert timeexpr.parse(question, 30) == slots(question).window == {
        "kind": "holiday", "year": "last", "holiday": "national_day"}


@pytest.mark.parametrize("text, value", [("四十五", 45), ("一百", 100), ("一百零五", 105), ("两百", 200),
                                         ("二〇二三", 2023), ("十", 10), ("零", 0)])
def test_cn_number(text, value):
    assert timewords.cn_number(text) == value == timeexpr.cn_number(text)


@pytest.mark.parametrize("name, year, first, last", [
    ("spring_festival", 2024, "2024-02-10", "2024-02-17"),
    ("national_day", 2023, "2023-09-30", "2023-10-06"),  # 9-29 is 中秋's
    ("mid_autumn_festival", 2023, "2023-09-29", "2023-09-29"),
    ("dragon_boat_festival", 2024, "2024-06-08", "2024-06-10"),  # labelled on the 10th only
    ("new_years_day", 2024, "2023-12-30", "2024-01-01"),
    ("labour_day", 2017, "2017-04-29", "2017-05-01"),
], ids=lambda v: str(v))
def test_days_off(name, year, first, last):
    days = holidays.days_off(name, year)
    assert days is not None and (days[0].isoformat(), days[1].isoformat()) == (first, last)


@pytest.mark.parametrize("name, year", [("spring_festival", 2003), ("spring_festival", 2090),
                                        ("mid_autumn_festival", 2006)], ids=lambda v: str(v))
def test_no_days_off(name, year):
    assert holidays.days_off(name, year) is None


def test_imports_nothing_else_from_qbot():
    """The time modules stand alone: pure functions over the text and the newest record."""
    engine = Path(timeexpr.__file__).parent
    for module in ("timeexpr.py", "timewords.py", "timenot.py", "holidays.py"):
        tree = ast.parse((engine / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qbot"):
                assert node.module == "qbot.engine" or node.module.startswith("qbot.engine.time"), module
                assert {a.name for a in node.names} <= {"holidays", "timewords", "timenot", "Hit", "cn_number", "hits"}
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("qbot") for a in node.names), module
