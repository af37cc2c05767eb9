"""iOS and WeChat importers: the real iOS files, and databases built from the apps' real schemas."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from qbot.evidence import formats
from qbot.evidence.importers.wechat import parse_call
from qbot.evidence.importing import import_paths

from .conftest import TESTDATA, query

APPLE = 978307200


def test_ios_sms_testdata(testdata: Path, store_path: Path) -> None:
    summary = import_paths(store_path, "c1", [testdata / "ios" / "sms.db"], package="iphone", region="US")
    assert summary.ok and summary.added == {"社交通讯/iMessage/聊天记录": 10}
    rows = query(store_path, "SELECT m.time, m.direction, p.key FROM messages m"
                 " JOIN counterparts p ON p.id = m.counterpart_id ORDER BY m.source_rowid")
    assert rows[0] == ((469908586 + APPLE) * 1000, "in", "+447775455555")  # seconds since 2001, GB number
    assert [r[2] for r in rows].count("email:xxxxxx2015@icloud.com") == 2
    assert [r[1] for r in rows].count("out") == 5


def test_ios_sms_nanosecond_dates(testdata: Path, store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    shutil.copyfile(testdata / "ios" / "sms.db", path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE message SET date = date * 1000000000 + 123456789")
        conn.commit()
    assert import_paths(store_path, "c1", [path], package="iphone", region="US").ok
    assert query(store_path, "SELECT min(time) FROM messages") == [((469908586 + APPLE) * 1000 + 123,)]


def test_ios_addressbook_testdata(testdata: Path, store_path: Path) -> None:
    summary = import_paths(store_path, "c1", [testdata / "ios" / "addressbook-wal"], package="iphone",
                           region="US")
    assert summary.ok and summary.added == {"基本信息/通讯录": 13}  # 11 phone/e-mail values + 2 bare names
    josh = query(store_path, "SELECT c.number, c.label, p.key FROM contacts c JOIN counterparts p"
                 " ON p.id = c.counterpart_id WHERE c.name = 'Josh Hickman' ORDER BY c.source_rowid")
    assert josh == [("(919) 579-0479", "Mobile", "+19195790479"), ("(919) 391-2507", "TextNow", "+19193912507"),
                    ("joshuahickman957@gmail.com", None, "email:joshuahickman957@gmail.com")]
    assert query(store_path, "SELECT count(*) FROM source_files WHERE wal_sha256 != ''") == [(1,)]


def _addressbook_schema(conn: sqlite3.Connection) -> None:
    conn.create_function("ab_generate_guid", 0, lambda: str(uuid.uuid4()))
    with closing(sqlite3.connect(f"file:{TESTDATA / 'ios/addressbook-wal/AddressBook.sqlitedb'}?immutable=1",
                                 uri=True)) as real:
        for name in ("ABPerson", "ABMultiValue", "ABMultiValueLabel"):
            (sql,), = real.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchall()
            conn.execute(sql)


def test_contacts_only_in_the_wal_are_imported(tmp_path: Path, store_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    conn = sqlite3.connect(live / "AddressBook.sqlitedb", isolation_level=None)
    try:
        _addressbook_schema(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # schema in the main file, rows only in the WAL
        conn.execute("INSERT INTO ABMultiValueLabel (value) VALUES ('_$!<Mobile>!$_')")
        for i, (first, last) in enumerate([("三", "张"), ("Ann", "Lee")], 1):
            conn.execute("INSERT INTO ABPerson (ROWID, First, Last) VALUES (?,?,?)", (i, first, last))
            conn.execute("INSERT INTO ABMultiValue (record_id, property, label, value) VALUES (?,3,1,?)",
                         (i, f"139 0000 000{i}"))
        seized = tmp_path / "seized"
        seized.mkdir()
        for suffix in ("", "-wal", "-shm"):  # as an extraction tool copies a live database
            shutil.copyfile(live / f"AddressBook.sqlitedb{suffix}", seized / f"AddressBook.sqlitedb{suffix}")
    finally:
        conn.close()
    main_only = tmp_path / "main-only"
    main_only.mkdir()
    shutil.copyfile(seized / "AddressBook.sqlitedb", main_only / "AddressBook.sqlitedb")
    with closing(sqlite3.connect(f"file:{main_only / 'AddressBook.sqlitedb'}?immutable=1", uri=True)) as c:
        assert c.execute("SELECT count(*) FROM ABPerson").fetchone() == (0,)
    wal_before = (seized / "AddressBook.sqlitedb-wal").read_bytes()
    summary = import_paths(store_path, "c1", [seized], package="iphone")
    assert summary.ok and summary.added == {"基本信息/通讯录": 2}
    assert query(store_path, "SELECT c.name, p.key, c.label FROM contacts c JOIN counterparts p"
                 " ON p.id = c.counterpart_id ORDER BY c.id") == [
        ("张三", "+8613900000001", "Mobile"), ("Ann Lee", "+8613900000002", "Mobile")]
    assert (seized / "AddressBook.sqlitedb-wal").read_bytes() == wal_before  # never checkpointed


def test_callhistory(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "CallHistory.storedata"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(formats.IOS_CALLRECORD)
        for sql in formats.IOS_CALLHISTORY_METADATA:
            conn.execute(sql)
        rows = [  # Z_PK, ZDATE, ZDURATION, ZADDRESS, ZORIGINATED, ZANSWERED, ZCALLTYPE, ZSERVICE_PROVIDER, ZNAME
            (1, 700000000.25, 125.6, "+86 139 0000 0002", 1, 1, 1, "com.apple.Telephony", "老李"),
            (2, 700000100.0, 0.0, b"13900000002", 0, 0, 1, "com.apple.Telephony", None),  # BLOB address
            (3, 700000200.0, 0.0, "139-0000-0002", 1, 0, 1, None, None),
            (4, 700000300.0, 300.0, "friend@icloud.com", 0, 1, 8, "com.apple.FaceTime", None),
            (5, 700000400.0, 42.0, "wxid_abc", 1, 1, 1, "com.tencent.xin", None),
        ]
        conn.executemany("INSERT INTO ZCALLRECORD (Z_PK, Z_ENT, Z_OPT, ZDATE, ZDURATION, ZADDRESS, ZORIGINATED,"
                         " ZANSWERED, ZCALLTYPE, ZSERVICE_PROVIDER, ZNAME) VALUES (?,2,1,?,?,?,?,?,?,?,?)", rows)
        conn.commit()
    summary = import_paths(store_path, "c1", [path], package="iphone")
    assert summary.ok and summary.files[0].format == "ios.callhistory"
    assert summary.added == {"基本信息/电话/通话记录": 3, "社交通讯/FaceTime/音视频通话": 1, "社交通讯/微信/音视频通话": 1}
    got = query(store_path, "SELECT c.source_rowid, c.start, c.duration, c.direction, c.status, c.media, p.key"
                " FROM calls c JOIN counterparts p ON p.id = c.counterpart_id ORDER BY c.source_rowid")
    assert got[:4] == [
        (1, (700000000 + APPLE) * 1000 + 250, 126, "out", "answered", "voice", "+8613900000002"),
        (2, (700000100 + APPLE) * 1000, 0, "in", "missed", "voice", "+8613900000002"),
        (3, (700000200 + APPLE) * 1000, 0, "out", "unanswered", "voice", "+8613900000002"),
        (4, (700000300 + APPLE) * 1000, 300, "in", "answered", "video", "email:friend@icloud.com"),
    ]


def _enmicromsg(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for sql in (formats.WECHAT_MESSAGE, formats.WECHAT_RCONTACT, formats.WECHAT_USERINFO):
            conn.execute(sql)
        conn.executemany("INSERT INTO userinfo (id, type, value) VALUES (?,?,?)",
                         [(2, 3, "wxid_owner"), (6, 3, "13800000000")])
        conn.executemany("INSERT INTO rcontact (username, alias, conRemark, nickname, type) VALUES (?,?,?,?,?)", [
            ("wxid_a", "alice88", "阿丽", "Alice", 3), ("wxid_b", "", "", "Bob", 3),
            ("123@chatroom", "", "", "家人群", 2), ("gh_news", "", "", "公众号", 3), ("filehelper", "", "", "文件", 1)])
        voip = ('<voipmsg type="VoIPBubbleMsg"><VoIPBubbleMsg><msg><![CDATA[{}]]></msg>'
                "<room_type>1</room_type></VoIPBubbleMsg></voipmsg>")
        conn.executemany(
            "INSERT INTO message (msgId, type, isSend, createTime, talker, content) VALUES (?,?,?,?,?,?)", [
                (1, 1, 0, 1700000000000, "wxid_a", "你好"),
                (2, 1, 1, 1700000001000, "wxid_a", "在"),
                (3, 1, 0, 1700000002000, "123@chatroom", "wxid_b:\n大家好"),
                (4, 1, 1, 1700000003000, "123@chatroom", "好"),
                (5, 50, 1, 1700000004000, "wxid_a", voip.format("通话时长 01:05")),
                (6, 50, 0, 1700000005000, "wxid_b", voip.format("对方已取消")),
                (7, 50, 1, 1700000006000, "wxid_b", voip.format("视频通话时长 1:02:03")),
                (8, 3, 0, 1700000007000, "wxid_b", "<msg><img /></msg>"),
                (9, 10000, 0, 1700000008000, "123@chatroom", "\"Bob\"邀请你加入了群聊"),
            ])
        conn.commit()


def test_wechat(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "EnMicroMsg.db"
    _enmicromsg(path)
    summary = import_paths(store_path, "c1", [path], package="phone")
    assert summary.ok and summary.files[0].format == "wechat.enmicromsg"
    assert summary.added == {"社交通讯/微信/联系人": 2, "社交通讯/微信/聊天记录": 6, "社交通讯/微信/音视频通话": 3}
    calls = query(store_path, "SELECT c.source_rowid, c.direction, c.status, c.duration, c.media, p.display_name"
                  " FROM calls c JOIN counterparts p ON p.id = c.counterpart_id ORDER BY c.source_rowid")
    assert calls == [(5, "out", "answered", 65, "voice", "阿丽"), (6, "in", "missed", 0, "voice", "Bob"),
                     (7, "out", "answered", 3723, "video", "Bob")]
    group = query(store_path, "SELECT m.body, c.kind, c.display_name, s.key FROM messages m"
                  " JOIN counterparts c ON c.id = m.counterpart_id LEFT JOIN counterparts s ON s.id = m.sender_id"
                  " WHERE m.is_group = 1 ORDER BY m.source_rowid")
    assert group == [("大家好", "chatroom", "家人群", "wechat:wxid_b"), ("好", "chatroom", "家人群", None),
                     ("\"Bob\"邀请你加入了群聊", "chatroom", "家人群", None)]
    assert query(store_path, "SELECT kind FROM messages WHERE source_rowid = 8") == [("image",)]
    assert query(store_path, "SELECT owner FROM packages") == [
        ('{"numbers": ["13800000000"], "accounts": ["wechat:wxid_owner"]}',)]


def test_parse_call_texts() -> None:
    assert parse_call("<msg><![CDATA[通话时长 00:42]]></msg>", True) == ("answered", 42, "voice")
    assert parse_call("Duration: 12:00", False) == ("answered", 720, "voice")
    assert parse_call("已拒绝", False) == ("rejected", 0, "voice")
    assert parse_call("对方已拒绝", True) == ("unanswered", 0, "voice")
    assert parse_call("对方已取消", False) == ("missed", 0, "voice")
    assert parse_call(None, False) == ("missed", 0, "voice")
