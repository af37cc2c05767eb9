"""Dates written with digits and a slash or a dot, and one day with 那天, read by `timeexpr.scan`."""

from __future__ import annotations

import pytest

from qbot.engine import timeexpr


@pytest.mark.parametrize("text, first, last", [
    ("6/18 晚上 王磊 未接来电", [None, 6, 18], [None, 6, 18]),
    ("6.18晚上王磊的未接来电", [None, 6, 18], [None, 6, 18]),
    ("10/1-10/7 微信通话 时长", [None, 10, 1], [None, 10, 7]),
    ("9.1至9.30 facetime 几次", [None, 9, 1], [None, 9, 30]),
    ("2024.5.1-2024.5.7 通话次数", [2024, 5, 1], [2024, 5, 7]),
    ("2024/5/1-5/7通话几次", [2024, 5, 1], [2024, 5, 7]),
    ("6月18号那天王磊打来几次", [None, 6, 18], [None, 6, 18]),
    ("6/18那天通话几次", [None, 6, 18], [None, 6, 18]),
    ("2024年6月18日当天通话多少次", [2024, 6, 18], [2024, 6, 18]),
])
def test_dates(text, first, last) -> None:
    found = timeexpr.scan(text, 30)
    assert (found.window, found.unknown) == ({"kind": "dates", "from": first, "to": last}, ())


@pytest.mark.parametrize("text", ["转账5.20元的消息", "通话超过1.5小时", "占1/3的通话", "超过1/3的联系人", "版本16.4", "3.5分钟的电话"])
def test_amounts_and_lengths_are_not_dates(text) -> None:
    assert timeexpr.scan(text, 30).window == {"kind": "all"}


@pytest.mark.parametrize("text", ["13/5 通话多少次", "6/32 通话", "18号那天王磊打来几次", "6月那天王磊打来几次"])
def test_what_names_no_day_is_unknown(text) -> None:
    found = timeexpr.scan(text, 30)
    assert found.window == {"kind": "all"} and found.unknown, found
