"""Fixtures for the evidence tests: the real files of ../shared/testdata are only ever read to be
copied into tmp_path, and their hashes are checked before and after each test that uses them."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata"
if not TESTDATA.is_dir():  # the repo may be checked out elsewhere than /work/main
    TESTDATA = Path("/work/shared/testdata")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def dump(db: Path) -> list[str]:
    """Everything in a database, as SQL text: to prove a store is unchanged."""
    with closing(sqlite3.connect(db)) as conn:
        return list(conn.iterdump())


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def original_hashes() -> dict[str, str]:
    assert TESTDATA.is_dir(), f"test data not found at {TESTDATA}"
    return tree_hashes(TESTDATA)


@pytest.fixture
def testdata(tmp_path: Path, original_hashes: dict[str, str]):
    """A writable copy of ../shared/testdata; afterwards the originals must be byte-identical."""
    copy = tmp_path / "testdata"
    shutil.copytree(TESTDATA, copy)
    for p in copy.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    yield copy
    assert tree_hashes(TESTDATA) == original_hashes, "the shared evidence files were modified"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "evidence.db"
