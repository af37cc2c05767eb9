"""Evidence is never written, re-import adds nothing, and a file that is not what it seems is
refused with a message saying what was expected, leaving the store exactly as it was."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from qbot.evidence.importing import import_paths

from .conftest import dump, query, tree_hashes


def test_every_testdata_file_unchanged_and_reimport_adds_nothing(testdata: Path, store_path: Path) -> None:
    before = tree_hashes(testdata)
    first = import_paths(store_path, "c1", [testdata], package="phone", region="US")
    assert first.ok, str(first)
    assert sorted(f.path.name for f in first.by_status("imported")) == [
        "AddressBook.sqlitedb", "contacts2.db", "mmssms.db", "sms.db"]
    assert tree_hashes(testdata) == before  # WAL not checkpointed, -shm not rewritten
    state = dump(store_path)
    again = import_paths(store_path, "c1", [testdata], package="phone", region="US")
    assert [f.status for f in again.files if f.status != "skipped"] == ["duplicate"] * 4
    assert again.added == {}
    assert dump(store_path) == state
    assert tree_hashes(testdata) == before


def test_same_file_in_another_case_is_imported(testdata: Path, store_path: Path) -> None:
    path = testdata / "android" / "mmssms.db"
    import_paths(store_path, "c1", [path], package="phone")
    second = import_paths(store_path, "c2", [path], package="phone")
    assert second.files[0].status == "imported"
    assert query(store_path, "SELECT count(*) FROM messages") == [(18,)]


def _truncated(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes()[: 3 * 1024 + 17])
    return dst


def _unknown_schema(dst: Path) -> Path:
    with closing(sqlite3.connect(dst)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('hello')")
        conn.commit()
    return dst


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda d, t: (d / "calls.db").write_text("just some text\n") and d / "calls.db",
                     "not an SQLite 3 database", id="text-file-named-db"),
        pytest.param(lambda d, t: (d / "EnMicroMsg.db").write_bytes(os.urandom(16)) and None or
                     ((d / "EnMicroMsg.db").write_bytes(bytes(range(256)) * 64) and d / "EnMicroMsg.db"),
                     "encrypted", id="encrypted-or-random-bytes"),
        pytest.param(lambda d, t: _truncated(t / "android" / "mmssms.db", d / "mmssms.db"),
                     "truncated", id="truncated-sqlite"),
        pytest.param(lambda d, t: _unknown_schema(d / "notes.db"), "unknown schema", id="unknown-schema"),
        pytest.param(lambda d, t: (d / "empty.db").write_bytes(b"") == 0 and d / "empty.db",
                     "not an SQLite 3 database", id="empty-file"),
        pytest.param(lambda d, t: (d / "case.json").write_text('{"format": "other"}') and d / "case.json",
                     "qbot JSON case", id="foreign-json"),
    ],
)
def test_refused_files_leave_store_unchanged(testdata: Path, store_path: Path, tmp_path: Path, make,
                                             expected: str) -> None:
    import_paths(store_path, "c1", [testdata / "android" / "contacts2.db"], package="phone")
    state = dump(store_path)
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = make(bad_dir, testdata)
    summary = import_paths(store_path, "c1", [bad], package="phone")
    assert [f.status for f in summary.files] == ["refused"]
    assert expected in summary.files[0].message
    assert "expected" in summary.files[0].message or "truncated" in summary.files[0].message
    assert not summary.ok
    assert dump(store_path) == state


def test_refusal_into_new_case_creates_nothing(tmp_path: Path, store_path: Path) -> None:
    bad = tmp_path / "x.db"
    bad.write_text("not a database")
    import_paths(store_path, "c1", [bad], package="phone")
    assert query(store_path, "SELECT count(*) FROM cases") == [(0,)]
    assert query(store_path, "SELECT count(*) FROM packages") == [(0,)]


def test_failure_mid_file_rolls_back_everything(tmp_path: Path, store_path: Path) -> None:
    # A calllog whose 3rd row has a date that is not a number: the first rows must not stay.
    path = tmp_path / "calllog.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE calls (_id INTEGER PRIMARY KEY, number TEXT, date INTEGER,"
                     " duration INTEGER, type INTEGER)")
        conn.executemany("INSERT INTO calls VALUES (?,?,?,?,?)", [
            (1, "13900000002", 1700000000000, 5, 1), (2, "13900000002", 1700000001000, 5, 1),
            (3, "13900000002", "yesterday", 5, 1)])
        conn.commit()
    summary = import_paths(store_path, "c1", [path], package="phone")
    assert summary.files[0].status == "refused"
    assert "android.calllog" in summary.files[0].message
    assert query(store_path, "SELECT count(*) FROM calls") == [(0,)]
    assert query(store_path, "SELECT count(*) FROM source_files") == [(0,)]


def test_walked_directory_skips_unrelated_files(testdata: Path, store_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "extraction"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not evidence")
    _unknown_schema(folder / "browser.sqlite")
    (folder / "mmssms.db").write_bytes((testdata / "android" / "mmssms.db").read_bytes())
    summary = import_paths(store_path, "c1", [folder], package="phone")
    assert summary.ok
    assert {f.path.name: f.status for f in summary.files} == {
        "browser.sqlite": "skipped", "mmssms.db": "imported", "photo.jpg": "skipped"}
