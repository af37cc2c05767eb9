"""Call-length bounds: the words, the seconds, and the query that carries them."""

from __future__ import annotations

import pytest

from qbot.engine import thresholds
from qbot.engine.query import Query, QueryError, Source


@pytest.mark.parametrize("text, seconds", [
    ("通话超过10分钟的有几次", (601, None)),
    ("10分钟以上的通话", (600, None)),
    ("至少5分钟的电话", (300, None)),
    ("不到1分钟的电话", (0, 59)),
    ("不足30秒的来电", (0, 29)),
    ("半小时以内的通话", (0, 1800)),
    ("5分钟以下的通话", (0, 300)),
    ("不超过两分钟的通话", (0, 120)),
    ("超过一个半小时的通话", (5401, None)),
    ("超过1个小时的通话", (3601, None)),
])
def test_bounds(text, seconds) -> None:
    (bound,) = thresholds.scan(text)
    assert bound.seconds == seconds


@pytest.mark.parametrize("text", ["通话10分钟的有几次", "5分钟左右的通话", "大约10分钟以上的通话", "10分钟多的通话",
                                  "超过10分钟以下的通话"])
def test_a_length_that_bounds_nothing_is_unknown(text) -> None:
    (bound,) = thresholds.scan(text)
    assert bound.seconds is None


def test_three_points_alone_are_not_minutes() -> None:
    assert thresholds.scan("评分3分的") == []


def test_combined() -> None:
    one, other = thresholds.scan("超过1分钟不到5分钟")
    assert thresholds.combined([one, other]) == (61, 299)
    assert isinstance(thresholds.combined(thresholds.scan("超过10分钟不到5分钟")), str)
    assert thresholds.combined([]) is None


def test_the_query_carries_seconds_and_checks_them() -> None:
    query = Query((Source("calls"),), seconds=(601, None))
    assert Query.from_json(query.to_json()) == query and Query.from_json(query.to_json()).seconds == (601, None)
    with pytest.raises(QueryError, match="seconds"):
        Query((Source("messages"),), seconds=(601, None))
    with pytest.raises(QueryError, match="seconds"):
        Query((Source("calls"),), seconds=(300, 60))
