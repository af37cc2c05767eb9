"""Negated time filters, read through `timeexpr.scan` as the parser reads them."""

from __future__ import annotations

import pytest

from qbot.engine import timeexpr
from qbot.engine.timenot import complement_hours


@pytest.mark.parametrize("hours, rest", [((18, 24), (0, 18)), ((22, 6), (6, 22)), ((0, 6), (6, 24)),
                                         ((6, 12), (12, 6)), ((20, 21), (21, 20))])
def test_complement_hours(hours, rest) -> None:
    assert complement_hours(hours) == rest
    assert complement_hours(rest) == hours


@pytest.mark.parametrize("text, hours, weekdays", [
    ("不算周末和谁通话最多", None, (0, 1, 2, 3, 4)),
    ("不是周末的时候和谁通话最多", None, (0, 1, 2, 3, 4)),
    ("周末以外谁打电话最多", None, (0, 1, 2, 3, 4)),
    ("工作日以外通话多少次", None, (5, 6)),
    ("周末不算,短信几条", None, (0, 1, 2, 3, 4)),
    ("除了晚上通话多少次", (0, 18), ()),
    ("夜间除外通话多少次", (6, 22), ()),
    ("除开深夜以外通话多少次", (6, 22), ()),
    ("除了周末,晚上谁打电话最多", (18, 24), (0, 1, 2, 3, 4)),
    ("周末谁打电话最多", None, (5, 6)),  # no negation: the filter itself
])
def test_negated_filters(text, hours, weekdays) -> None:
    found = timeexpr.scan(text, 30)
    assert (found.hours, found.weekdays, found.unknown) == (hours, weekdays, ())
    negation = next((w for w in ("不算", "不是", "以外", "除外", "除了", "除开", "不算") if w in text), None)
    if negation:  # the marks are the time slot's own, so no other slot reads them as 不含 people
        assert any(a <= text.index(negation) < b for a, b in found.spans)


@pytest.mark.parametrize("text", ["除了3月通话多少次", "除了昨晚和谁通话", "除了周末和晚上通话多少次",
                                  "不算春节期间短信几条", "除了周末、晚上,谁打电话最多",
                                  "除了晚上,上午和谁通话", "周六以外,周日谁打电话最多"])
def test_what_a_complement_cannot_say_is_unknown(text) -> None:
    found = timeexpr.scan(text, 30)
    assert found.unknown, found
