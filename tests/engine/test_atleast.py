"""How many records a person needs: the words, the least count, and the query that carries it."""

from __future__ import annotations

import pytest

from qbot.engine import atleast
from qbot.engine.query import Query, QueryError, Source


@pytest.mark.parametrize("text, least", [
    ("至少打过5次电话的人有几个", 5), ("超过10条的联系人", 11), ("5次以上的人", 5), ("打过两次以上电话的人", 2),
    ("通话次数超过10次的人", 11), ("不少于20条微信的联系人", 20), ("超过5通电话的联系人", 6),
])
def test_least(text, least) -> None:
    (found,) = atleast.scan(text)
    assert found.least == least


@pytest.mark.parametrize("text", ["不到5次的人", "3次以下的人", "少于10条的联系人", "超过10次以下"])
def test_an_upper_bound_is_unknown(text) -> None:
    (found,) = atleast.scan(text)
    assert found.least is None


@pytest.mark.parametrize("text", ["第5次通话", "最后一次", "一共5次", "打了5次电话"])
def test_a_count_alone_bounds_nothing(text) -> None:
    assert atleast.scan(text) == []


def test_the_query_carries_at_least_for_people_only() -> None:
    query = Query((Source("calls"),), group="person", at_least=5)
    assert Query.from_json(query.to_json()).at_least == 5
    assert Query((Source("calls"),), measure="people", at_least=2).at_least == 2
    with pytest.raises(QueryError, match="at_least"):
        Query((Source("calls"),), at_least=5)  # one total: no person to bound
    with pytest.raises(QueryError, match="at_least"):
        Query((Source("calls"),), group="person", at_least=0)
