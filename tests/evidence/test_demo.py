"""The demo case: volumes, the patterns it promises, and determinism."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from qbot.evidence.demo import DEMO_CASE_ID, build_demo, write_demo_files
from qbot.evidence.store import EvidenceStore

from .conftest import query, sha256


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    build_demo(root / "evidence.db", root / "work")
    assert time.perf_counter() - started < 10  # it runs at first server start
    return root / "evidence.db"


def test_case_volumes_and_sources(demo_db: Path) -> None:
    assert query(demo_db, "SELECT id, name, timezone, region, is_default FROM cases") == [
        (DEMO_CASE_ID, "演示案件", "Asia/Shanghai", "CN", 1)]
    counts = dict(query(demo_db, "SELECT path, record_count FROM nodes"))
    assert set(counts) == {"基本信息/通讯录", "基本信息/电话/通话记录", "基本信息/短信", "社交通讯/微信/联系人",
                           "社交通讯/微信/聊天记录", "社交通讯/微信/音视频通话"}
    assert counts["基本信息/通讯录"] >= 80
    assert sum(counts[p] for p in counts if "通讯录" not in p and "联系人" not in p) >= 30000
    (first, last), = query(demo_db, "SELECT min(first_time), max(last_time) FROM nodes")
    assert last - first >= 182 * 86400 * 1000
    assert {f for f, in query(demo_db, "SELECT format FROM source_files")} == {
        "android.contacts2", "android.calllog", "android.mmssms", "wechat.enmicromsg"}
    # group chats are their own counterparts, apart from people
    assert query(demo_db, "SELECT count(*) FROM counterparts WHERE kind = 'chatroom'") == [(3,)]
    assert query(demo_db, "SELECT count(*) FROM messages m JOIN counterparts c ON c.id = m.counterpart_id"
                          " WHERE m.is_group = 1 AND c.kind != 'chatroom'") == [(0,)]


async def test_frequent_contact_in_last_30_days(demo_db: Path) -> None:
    store = await EvidenceStore.open(demo_db)
    try:
        calls = [n.id for n in await store.nodes("") if n.path == "基本信息/电话/通话记录"]
        newest = await store.newest_time(calls)
        _, recent = await store.call_ranking(calls, newest - timedelta(days=30), None, limit=2)
        assert recent[0].name == "张伟" and recent[0].calls >= 1.5 * recent[1].calls
        _, overall = await store.call_ranking(calls, None, None, limit=1)
        assert overall[0].name == "李娜"  # so "recent" really must be relative to the data
    finally:
        await store.close()


def test_night_caller_and_missed_burst(demo_db: Path) -> None:
    rows = query(demo_db, "SELECT c.start, p.display_name, c.status FROM calls c"
                          " JOIN counterparts p ON p.id = c.counterpart_id JOIN nodes n ON n.id = c.node_id"
                          " WHERE n.path = '基本信息/电话/通话记录'")
    tz = ZoneInfo("Asia/Shanghai")  # times are stored in UTC; the night is local
    night = [name for start, name, _ in rows
             if datetime.fromtimestamp(start / 1000, tz).hour < 5]
    assert night.count("刘洋") > 0.5 * len(night) > 50
    missed = sorted(start for start, name, status in rows if name == "王磊" and status == "missed")
    assert max(sum(1 for t in missed if s <= t < s + 2 * 3600 * 1000) for s in missed) >= 15


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = write_demo_files(tmp_path / "a", seed=7)
    b = write_demo_files(tmp_path / "b", seed=7)
    c = write_demo_files(tmp_path / "c", seed=8)
    assert [sha256(p) for p in a] == [sha256(p) for p in b]
    assert [sha256(p) for p in a] != [sha256(p) for p in c]


def test_rebuild_replaces_the_demo(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    build_demo(db, tmp_path / "work")
    before = query(db, "SELECT count(*) FROM calls")
    build_demo(db, tmp_path / "work")
    assert query(db, "SELECT count(*) FROM calls") == before
    assert query(db, "SELECT count(*) FROM cases") == [(1,)]
