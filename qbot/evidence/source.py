"""Reading evidence without writing it.

SQLite checkpoints a WAL into the main file when the last connection closes, and even a read-only
open rewrites the `-shm` index, so evidence is never opened in place: the file and its `-wal` and
`-shm` companions are copied to a private temporary directory, hashed on the way, and only the
copy is opened. The hashes are of the bytes that were imported.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 1 << 20


class ImportRefused(Exception):
    """A file is not what an importer can read; the message says what was expected."""


@dataclass(frozen=True)
class EvidenceFile:
    original: Path
    copy: Path  # the private copy of the main file; its -wal/-shm sit next to it
    sha256: str
    size: int
    wal_sha256: str  # '' when the file has no -wal companion
    wal_size: int


def _copy_hashing(src: Path, dst: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@contextmanager
def evidence_copy(path: Path) -> Iterator[EvidenceFile]:
    """A hashed private copy of `path` (with its -wal and -shm), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="qbot-evidence-") as tmp:
        copy = Path(tmp) / path.name
        sha256, size = _copy_hashing(path, copy)
        wal_sha256, wal_size = "", 0
        wal = path.with_name(path.name + "-wal")
        if wal.is_file():
            wal_sha256, wal_size = _copy_hashing(wal, copy.with_name(copy.name + "-wal"))
        shm = path.with_name(path.name + "-shm")
        if shm.is_file():
            shutil.copyfile(shm, copy.with_name(copy.name + "-shm"))
        yield EvidenceFile(path, copy, sha256, size, wal_sha256, wal_size)


def is_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(16) == SQLITE_MAGIC


def check_sqlite_header(path: Path) -> None:
    """Refuse files that are not SQLite 3, or that are shorter than their header says."""
    with open(path, "rb") as f:
        header = f.read(100)
    size = path.stat().st_size
    if header[:16] != SQLITE_MAGIC:
        raise ImportRefused(
            "not an SQLite 3 database (expected a file starting with 'SQLite format 3'); "
            "it may be encrypted (decrypt EnMicroMsg.db first), compressed, or another file type"
        )
    if len(header) < 100:
        raise ImportRefused(f"truncated SQLite file: {size} bytes, shorter than its 100-byte header")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise ImportRefused(f"corrupt SQLite header: page size {page_size} is not a power of two")
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    # The in-header page count is only trustworthy when written by the same change (SQLite doc §1.3.7).
    if valid_for == change_counter and page_count and size < page_count * page_size:
        raise ImportRefused(
            f"truncated SQLite file: its header counts {page_count} pages of {page_size} bytes "
            f"({page_count * page_size} bytes) but the file has {size} bytes"
        )
    if size % page_size:
        raise ImportRefused(
            f"truncated SQLite file: {size} bytes is not a whole number of {page_size}-byte pages"
        )


def _binary(a: str, b: str) -> int:
    return (a > b) - (a < b)


def add_android_collations(conn: sqlite3.Connection) -> None:
    """Android declares columns with its own collations (contacts2.db: PHONEBOOK, LOCALIZED);
    without them SQLite cannot check or use those indexes. Binary order stands in: reading by
    rowid never depends on it."""
    for name in ("PHONEBOOK", "LOCALIZED", "UNICODE"):
        conn.create_collation(name, _binary)


def open_copy(evidence: EvidenceFile) -> sqlite3.Connection:
    """Open the private copy for reading, after checking it is a whole, sound SQLite file."""
    check_sqlite_header(evidence.copy)
    # Read-write on the copy (never the original) so SQLite can rebuild the WAL index; query_only
    # keeps the importer itself from writing.
    conn = sqlite3.connect(evidence.copy, isolation_level=None)
    try:
        add_android_collations(conn)
        conn.execute("PRAGMA query_only = ON")
        with closing(conn.execute("PRAGMA quick_check")) as cur:
            problems = [row[0] for row in cur.fetchmany(3)]
        if problems != ["ok"]:
            raise ImportRefused("corrupt SQLite database: " + "; ".join(map(str, problems)))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ImportRefused(f"unreadable SQLite database: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn
