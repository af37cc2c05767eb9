"""The async read API on small hand-made datasets (written in qbot's JSON case format)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from qbot.evidence.importing import import_paths
from qbot.evidence.store import EvidenceStore, from_ms, to_ms

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _call(number, minutes, duration=0, direction="in", status="answered", name=None):
    record = {"number": number, "start": (T0 + timedelta(minutes=minutes)).isoformat(),
              "duration": duration, "direction": direction, "status": status}
    if name:
        record["name"] = name
    return record


def write_case(path: Path, nodes: list[dict]) -> Path:
    path.write_text(json.dumps({"format": "qbot-case", "version": 1, "nodes": nodes}, ensure_ascii=False))
    return path


@pytest.fixture
async def store(tmp_path: Path, store_path: Path):
    p1 = write_case(tmp_path / "p1.json", [
        {"path": "基本信息/通讯录", "kind": "contacts", "records": [
            {"name": "Alice", "number": "+86 139 0000 0001"}]},
        {"path": "基本信息/电话/通话记录", "kind": "calls", "records": [
            _call("13900000001", 0, 10),
            _call("+86 139 0000 0001", 60, 20, "out"),
            _call("0086-139-0000-0001", 120, 0, "in", "missed"),
            _call("13900000002", 10, 100, name="Bob"),
            _call("139 0000 0002", 70, 0, "out", "unanswered"),
            _call("13900000002", 130, 0, "in", "rejected"),
            _call("13900000003", 20, 50),
            _call("13900000003", 80, 50),
            _call("13900000004", 30, 5),
            _call("13900000005", 40, 5),
            _call(None, 50, 0, "in", "missed"),
        ]},
    ])
    p2 = write_case(tmp_path / "p2.json", [
        {"path": "基本信息/通讯录", "kind": "contacts", "records": [{"name": "Robert", "number": "13900000002"}]},
        {"path": "基本信息/电话/通话记录", "kind": "calls", "records": [_call("13900000002", 500, 7)]},
    ])
    assert import_paths(store_path, "c1", [p1], package="p1").ok
    assert import_paths(store_path, "c1", [p2], package="p2").ok
    opened = await EvidenceStore.open(store_path)
    yield opened
    await opened.close()


async def _calls_node(store: EvidenceStore, package: str) -> int:
    return next(n.id for n in await store.nodes("c1") if n.kind == "calls" and n.package_name == package)


async def test_cases_and_nodes(store: EvidenceStore) -> None:
    cases = await store.list_cases()
    assert [(c.id, c.timezone, c.region) for c in cases] == [("c1", "Asia/Shanghai", "CN")]
    assert await store.get_case("") == cases[0]
    assert await store.get_case("nope") is None
    nodes = await store.nodes("")
    summary = [(n.package_name, n.path, n.kind, n.count) for n in nodes]
    assert summary == [("p1", "基本信息/电话/通话记录", "calls", 11), ("p1", "基本信息/通讯录", "contacts", 1),
                       ("p2", "基本信息/电话/通话记录", "calls", 1), ("p2", "基本信息/通讯录", "contacts", 1)]
    calls = nodes[0]
    assert (calls.first, calls.last) == (T0, T0 + timedelta(minutes=130))
    assert nodes[1].first is None and nodes[1].last is None
    assert await store.newest_time([n.id for n in nodes]) == T0 + timedelta(minutes=500)
    assert await store.newest_time([]) is None


async def test_ranking_order_counts_and_names(store: EvidenceStore) -> None:
    node = await _calls_node(store, "p1")
    total, rows = await store.call_ranking([node], None, None)
    assert total == 11  # the withheld call counts, but is not ranked
    assert [(r.name, r.number, r.calls, r.total_duration) for r in rows] == [
        ("Bob", "+8613900000002", 3, 100),      # ties on calls broken by total duration
        ("Alice", "+8613900000001", 3, 30),     # name from the package's contacts
        (None, "+8613900000003", 2, 100),
        (None, "+8613900000004", 1, 5),         # equal calls and duration: lower counterpart id first
        (None, "+8613900000005", 1, 5),
    ]
    bob, alice = rows[0], rows[1]
    assert (bob.incoming, bob.outgoing, bob.missed) == (2, 1, 0)
    assert (alice.incoming, alice.outgoing, alice.missed) == (2, 1, 1)
    assert (alice.first, alice.last) == (T0, T0 + timedelta(minutes=120))
    assert [e.rowid for e in alice.evidence] == [2, 1, 0]  # newest first; rows of /nodes/1/records
    assert {(e.file, e.table) for e in alice.evidence} == {("p1.json", "/nodes/1/records")}
    assert len(alice.evidence[0].sha256) == 64
    _, top2 = await store.call_ranking([node], None, None, limit=2)
    assert [r.name for r in top2] == ["Bob", "Alice"]


async def test_names_come_from_the_same_package(store: EvidenceStore) -> None:
    _, rows = await store.call_ranking([await _calls_node(store, "p2")], None, None)
    assert [(r.name, r.calls) for r in rows] == [("Robert", 1)]


async def test_time_bounds_start_inclusive_end_exclusive(store: EvidenceStore) -> None:
    node = await _calls_node(store, "p1")
    total, rows = await store.call_ranking([node], T0 + timedelta(minutes=10), T0 + timedelta(minutes=70))
    # minutes 10, 20, 30, 40, 50 (withheld) and 60; the call at minute 70 is out
    assert total == 6
    assert [(r.number, r.calls, r.total_duration) for r in rows] == [
        ("+8613900000002", 1, 100), ("+8613900000003", 1, 50), ("+8613900000001", 1, 20),
        ("+8613900000004", 1, 5), ("+8613900000005", 1, 5)]
    assert await store.call_ranking([node], T0, T0) == (0, [])
    with pytest.raises(ValueError):
        await store.call_ranking([node], datetime(2024, 3, 1), None)


@pytest.mark.parametrize(("keyword", "expected"), [
    ("Alice", ["+8613900000001"]),
    ("bob", ["+8613900000002"]),
    ("139 0000 0002", ["+8613900000002"]),
    ("00003", ["+8613900000003"]),
    ("nobody", []),
    ("%", []),
])
async def test_keyword(store: EvidenceStore, keyword: str, expected: list[str]) -> None:
    node = await _calls_node(store, "p1")
    total, rows = await store.call_ranking([node], None, None, keyword=keyword)
    assert [r.number for r in rows] == expected
    assert total == sum(r.calls for r in rows)


async def test_ranking_matches_brute_force_across_buckets(tmp_path: Path, store_path: Path) -> None:
    """Roll-ups cover whole 30-day buckets, raw rows the edges: both must add up exactly."""
    rng = random.Random(3)
    records = []
    for i in range(3000):
        minutes = rng.randrange(0, 400 * 24 * 60)
        records.append(_call(f"1390000{rng.randrange(40):04d}", minutes - 30 * 24 * 60, rng.randrange(0, 300),
                             rng.choice(["in", "out"]), rng.choice(["answered", "missed", "rejected"])))
    path = write_case(tmp_path / "many.json", [{"path": "基本信息/电话/通话记录", "kind": "calls",
                                                 "records": records}])
    assert import_paths(store_path, "c1", [path], package="p").ok
    times = [to_ms(datetime.fromisoformat(r["start"])) for r in records]
    store = await EvidenceStore.open(store_path)
    try:
        node = (await store.nodes("c1"))[0].id
        windows = [(None, None)] + [tuple(sorted(rng.sample(times, 2))) for _ in range(15)]
        windows += [(times[0], None), (None, times[1])]
        for lo, hi in windows:
            expected = defaultdict(lambda: [0, 0])
            for r, t in zip(records, times):
                if (lo is None or t >= lo) and (hi is None or t < hi):
                    expected[r["number"]][0] += 1
                    expected[r["number"]][1] += r["duration"]
            total, rows = await store.call_ranking([node], from_ms(lo), from_ms(hi), limit=100)
            assert total == sum(v[0] for v in expected.values())
            got = {r.number.replace("+86", ""): [r.calls, r.total_duration] for r in rows}
            assert got == dict(expected)
    finally:
        await store.close()


async def test_a_running_store_sees_later_imports(tmp_path: Path, store_path: Path, store: EvidenceStore,
                                                  monkeypatch) -> None:
    """The server keeps cases, nodes and rankings in memory; an import by another process (here,
    another connection) shows up once PRAGMA data_version moves, and cached rankings are not reused."""
    node = await _calls_node(store, "p1")
    total_before, _ = await store.call_ranking([node], None, None)
    count_before = next(n.count for n in await store.nodes("c1") if n.id == node)

    more = write_case(tmp_path / "p3.json", [{"path": "基本信息/电话/通话记录", "kind": "calls",
                                               "records": [_call("13900000005", 900 + i, 1) for i in range(5)]}])
    assert import_paths(store_path, "c1", [more], package="p1").ok
    monkeypatch.setattr("qbot.evidence.store.CATALOG_TTL", 0.0)

    assert next(n.count for n in await store.nodes("c1") if n.id == node) == count_before + 5
    total, ranking = await store.call_ranking([node], None, None)
    assert total == total_before + 5
    assert (ranking[0].number, ranking[0].calls) == ("+8613900000005", 6)
