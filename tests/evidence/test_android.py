"""Android importers on the real plaso files and on a modern calllog.db built from AOSP's schema."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from qbot.evidence import formats
from qbot.evidence.importing import import_paths

from .conftest import query, sha256, tree_hashes


def test_legacy_contacts2_calls(testdata: Path, store_path: Path) -> None:
    before = tree_hashes(testdata)
    summary = import_paths(store_path, "c1", [testdata / "android" / "contacts2.db"], package="phone")
    assert summary.ok and [f.format for f in summary.files] == ["android.contacts2"]
    assert summary.added == {"基本信息/电话/通话记录": 3}
    rows = query(store_path, "SELECT c.number, c.name, c.direction, c.status, c.start, c.duration,"
                 " c.source_table, c.source_rowid, p.key FROM calls c JOIN counterparts p"
                 " ON p.id = c.counterpart_id ORDER BY c.start")
    assert rows == [
        ("5404561685", "Barney", "in", "missed", 1383772636690, 0, "calls", 714, "+15404561685"),
        ("5404561685", "Barney", "out", "answered", 1383772733283, 126, "calls", 715, "+15404561685"),
        ("5404561685", "Barney", "in", "answered", 1383782616690, 639, "calls", 717, "+15404561685"),
    ]
    # contact tables exist but are empty: no contacts node is invented
    assert query(store_path, "SELECT count(*) FROM contacts") == [(0,)]
    assert tree_hashes(testdata) == before
    assert query(store_path, "SELECT file_name, sha256, format FROM source_files") == [
        ("contacts2.db", sha256(testdata / "android" / "contacts2.db"), "android.contacts2")]


def test_mmssms_one_correspondent(testdata: Path, store_path: Path) -> None:
    summary = import_paths(store_path, "c1", [testdata / "android" / "mmssms.db"], package="phone")
    assert summary.ok and summary.added == {"基本信息/短信": 9}
    # '1 555-521-5554' and '15555215554' are one person
    assert query(store_path, "SELECT count(DISTINCT counterpart_id), count(*) FROM messages") == [(1, 9)]
    assert query(store_path, "SELECT direction, count(*) FROM messages GROUP BY 1") == [("in", 4), ("out", 5)]
    first = query(store_path, "SELECT time, body, status, source_rowid FROM messages ORDER BY time LIMIT 1")
    assert first == [(1383065788038, "Yo Fred this is my new number.", "sent", 1)]


def _modern_calllog(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(formats.ANDROID_METADATA)
        conn.execute(formats.CALLLOG_CALLS)
        conn.executemany(
            "INSERT INTO calls (_id, number, presentation, date, duration, type, features, name, countryiso)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (1, "+86 139 0000 0002", 1, 1700000000000, 61, 1, 0, "老王", "CN"),
                (2, "0086-13900000002", 1, 1700000100000, 0, 2, 0, None, "CN"),
                (3, "139 0000 0002", 1, 1700000200000, 30, 2, 1, None, "CN"),
                (4, "", 2, 1700000300000, 0, 3, 0, None, "CN"),  # withheld
                (5, "10086", 1, 1700000400000, 5, 6, 0, None, "CN"),
                (6, "13800000001", 1, 1700000500000, 0, 5, 0, None, "CN"),
                (7, "13800000001", 1, 1700000600000, 0, 4, 0, None, "CN"),
                (8, "13800000001", 1, 1700000700000, 12, 7, 0, None, "CN"),
            ],
        )
        conn.commit()


def test_modern_calllog(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "calllog.db"
    _modern_calllog(path)
    summary = import_paths(store_path, "c1", [path], package="phone")
    assert summary.ok and summary.files[0].format == "android.calllog"
    rows = query(store_path, "SELECT c.source_rowid, p.key, c.direction, c.status, c.media, c.duration"
                 " FROM calls c LEFT JOIN counterparts p ON p.id = c.counterpart_id ORDER BY c.source_rowid")
    assert rows == [
        (1, "+8613900000002", "in", "answered", "voice", 61),
        (2, "+8613900000002", "out", "unanswered", "voice", 0),
        (3, "+8613900000002", "out", "answered", "video", 30),
        (4, None, "in", "missed", "voice", 0),
        (5, "tel:10086", "in", "blocked", "voice", 5),
        (6, "+8613800000001", "in", "rejected", "voice", 0),
        (7, "+8613800000001", "in", "voicemail", "voice", 0),
        (8, "+8613800000001", "in", "answered_elsewhere", "voice", 12),
    ]
    assert query(store_path, "SELECT display_name FROM counterparts WHERE key = '+8613900000002'") == [("老王",)]


def test_contacts2_with_contacts(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "contacts2.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.create_collation("PHONEBOOK", lambda a, b: (a > b) - (a < b))
        for sql in (formats.CONTACTS2_MIMETYPES, formats.CONTACTS2_RAW_CONTACTS, formats.CONTACTS2_DATA):
            conn.execute(sql)
        conn.executemany("INSERT INTO mimetypes VALUES (?, ?)", [
            (1, "vnd.android.cursor.item/name"), (2, "vnd.android.cursor.item/phone_v2"),
            (3, "vnd.android.cursor.item/email_v2")])
        conn.executemany("INSERT INTO raw_contacts (_id, display_name, deleted) VALUES (?,?,?)",
                         [(1, "张三", 0), (2, "李四", 0), (3, "已删除", 1)])
        conn.executemany("INSERT INTO data (_id, mimetype_id, raw_contact_id, data1, data2) VALUES (?,?,?,?,?)", [
            (10, 1, 1, "张三", None), (11, 2, 1, "139-0000-0002", "2"), (12, 3, 1, "zs@example.com", "1"),
            (13, 1, 2, "李四", None)])
        conn.commit()
    summary = import_paths(store_path, "c1", [path], package="phone")
    assert summary.ok and summary.added == {"基本信息/通讯录": 3}
    rows = query(store_path, "SELECT c.name, c.number, p.key, c.source_table, c.source_rowid FROM contacts c"
                 " LEFT JOIN counterparts p ON p.id = c.counterpart_id ORDER BY c.id")
    assert rows == [("张三", "139-0000-0002", "+8613900000002", "data", 11),
                    ("张三", "zs@example.com", "email:zs@example.com", "data", 12),
                    ("李四", None, None, "raw_contacts", 2)]
