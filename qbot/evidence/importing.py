"""Import evidence files into the store: each file is detected from its content, read from a
private copy, and written in one transaction — all of it, or (refused) nothing at all."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qbot.ids import SAFE_ID_RULE, is_safe_id

from ..migrate import apply_migrations
from . import detect
from .importers import SQLITE_IMPORTERS, jsoncase
from .source import EvidenceFile, ImportRefused, evidence_copy, is_sqlite, open_copy
from .writer import RecordWriter

__all__ = ["FileResult", "ImportRefused", "ImportSummary", "connect_writer", "delete_case", "import_paths"]

_COMPANIONS = ("-wal", "-shm", "-journal")
# In a walked directory, files that claim to be databases are reported even when unreadable;
# other files that are not a known format are skipped silently (an extraction holds many).
_CLAIMED = (".db", ".sqlite", ".sqlite3", ".sqlitedb", ".storedata", ".json")
# Errors raised while reading a source file's content: the file is refused, nothing is kept.
_CONTENT_ERRORS = (sqlite3.DatabaseError, ValueError, TypeError, KeyError, UnicodeError)


@dataclass
class FileResult:
    path: Path
    status: str  # imported | duplicate | refused | skipped
    message: str = ""
    format: str = ""
    sha256: str = ""
    records: dict[str, int] = field(default_factory=dict)  # node path -> records added


@dataclass
class ImportSummary:
    case_id: str
    package: str
    files: list[FileResult] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)  # node path -> records added by this import
    totals: dict[str, int] = field(default_factory=dict)  # node path -> records in the node now
    seconds: float = 0.0

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def refused(self) -> list[FileResult]:
        return self.by_status("refused")

    @property
    def ok(self) -> bool:
        return not self.refused

    def __str__(self) -> str:
        counts = ", ".join(
            f"{len(self.by_status(s))} {s}" for s in ("imported", "duplicate", "refused", "skipped")
            if self.by_status(s)
        ) or "no files"
        lines = [f"case {self.case_id}, package {self.package}: {counts} ({self.seconds:.1f} s)"]
        for f in self.files:
            if f.status == "skipped":
                continue
            detail = {
                "imported": f"{f.format}, {sum(f.records.values())} records",
                "duplicate": "already imported (same sha256), nothing added",
                "refused": f.message,
            }[f.status]
            lines.append(f"  {f.status:<9} {f.path}: {detail}")
        if self.totals:
            lines.append("nodes:")
            width = max(len(p) for p in self.totals)
            for path in sorted(self.totals):
                lines.append(f"  {path:<{width}}  +{self.added.get(path, 0)}  ({self.totals[path]} in all)")
        return "\n".join(lines)


def connect_writer(db_path: Path) -> sqlite3.Connection:
    """A connection for writing the evidence store (autocommit; callers BEGIN explicitly)."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -131072")  # 128 MiB: index upkeep of large imports
    return conn


def _walk(paths: list[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, explicitly named) for each path; directories walked in a stable order."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if not name.endswith(_COMPANIONS):
                        yield Path(root) / name, False
        else:
            yield path, True


def _looks_like_json(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _ensure_case(conn: sqlite3.Connection, case_id: str, name: str | None, timezone: str,
                 region: str) -> str:
    """Create the case if new (default when no case is); returns the case's own region."""
    with closing(conn.execute("SELECT region FROM cases WHERE id = ?", (case_id,))) as cur:
        row = cur.fetchone()
    if row:
        if name:
            conn.execute("UPDATE cases SET name = ? WHERE id = ?", (name, case_id))
        return row[0]
    with closing(conn.execute("SELECT count(*) FROM cases WHERE is_default = 1")) as cur:
        has_default = cur.fetchone()[0] > 0
    conn.execute(
        "INSERT INTO cases (id, name, timezone, region, is_default, created) VALUES (?,?,?,?,?,?)",
        (case_id, name or case_id, timezone, region, 0 if has_default else 1, int(time.time() * 1000)),
    )
    return region


def _ensure_package(conn: sqlite3.Connection, case_id: str, package: str) -> int:
    conn.execute(
        "INSERT INTO packages (case_id, name, created) VALUES (?,?,?) ON CONFLICT (case_id, name) DO NOTHING",
        (case_id, package, int(time.time() * 1000)),
    )
    with closing(conn.execute("SELECT id FROM packages WHERE case_id = ? AND name = ?", (case_id, package))) as cur:
        return cur.fetchone()[0]


def _is_duplicate(conn: sqlite3.Connection, case_id: str, ev: EvidenceFile) -> bool:
    with closing(conn.execute(
        "SELECT 1 FROM source_files WHERE case_id = ? AND sha256 = ? AND wal_sha256 = ?",
        (case_id, ev.sha256, ev.wal_sha256),
    )) as cur:
        return cur.fetchone() is not None


def _import_one(conn: sqlite3.Connection, ev: EvidenceFile, result: FileResult, *, case_id: str,
                case_name: str | None, package: str, timezone: str, region: str,
                progress: Callable[[int, int], None] | None) -> None:
    source_db = None
    try:
        if is_sqlite(ev.copy) or not _looks_like_json(ev.copy):
            source_db = open_copy(ev)  # refuses non-SQLite, truncated and corrupt files
            schema = detect.read_schema(source_db)
            importer = detect.choose(schema, SQLITE_IMPORTERS)
            reader = lambda out: importer.read(source_db, schema, out)
        else:
            importer = jsoncase.JSON_CASE
            document = jsoncase.load(ev.copy)
            reader = lambda out: importer.read(document, out)
        result.format = importer.format
        conn.execute("BEGIN IMMEDIATE")
        try:
            case_region = _ensure_case(conn, case_id, case_name, timezone, region)
            package_id = _ensure_package(conn, case_id, package)
            cur = conn.execute(
                "INSERT INTO source_files (case_id, package_id, sha256, wal_sha256, file_name, path,"
                " size, wal_size, format, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (case_id, package_id, ev.sha256, ev.wal_sha256, ev.original.name, str(ev.original),
                 ev.size, ev.wal_size, importer.format, int(time.time() * 1000)),
            )
            out = RecordWriter(conn, case_id=case_id, region=case_region, package_id=package_id,
                               source_file_id=cur.lastrowid, progress=progress)
            reader(out)
            result.records = out.finish()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        result.status = "imported"
    except ImportRefused as exc:
        result.status, result.message = "refused", str(exc)
    except _CONTENT_ERRORS as exc:
        what = result.format or "a known format"
        result.status, result.message = "refused", f"could not be read as {what}: {exc}"
    finally:
        if source_db is not None:
            source_db.close()


def import_paths(
    db_path: Path,
    case_id: str,
    paths: list[Path],
    *,
    package: str,
    case_name: str | None = None,
    timezone: str = "Asia/Shanghai",
    region: str = "CN",
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import files (directories are walked) into `package` of case `case_id`, creating both if
    new. `progress(done, total)` reports records written of the file being imported."""
    if not is_safe_id(case_id):
        raise ValueError(f"case id {case_id!r} is not {SAFE_ID_RULE}")
    if not package.strip():
        raise ValueError("package name must not be empty")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    started = time.perf_counter()
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    apply_migrations(db_path, "evidence")
    summary = ImportSummary(case_id, package)
    conn = connect_writer(db_path)
    try:
        for path, named in _walk([Path(p) for p in paths]):
            result = FileResult(path, "refused")
            summary.files.append(result)
            if not path.is_file():
                result.message = "no such file"
                continue
            if not named and not path.name.lower().endswith(_CLAIMED) and not is_sqlite(path):
                result.status = "skipped"
                continue
            with evidence_copy(path) as ev:
                result.sha256 = ev.sha256
                if _is_duplicate(conn, case_id, ev):
                    result.status = "duplicate"
                    continue
                _import_one(conn, ev, result, case_id=case_id, case_name=case_name, package=package,
                            timezone=timezone, region=region.upper(), progress=progress)
            if not named and result.status == "refused" and result.message.startswith("unknown schema"):
                result.status = "skipped"  # some other app's database found while walking
            for node_path, n in result.records.items():
                summary.added[node_path] = summary.added.get(node_path, 0) + n
        with closing(conn.execute(
            "SELECT n.path, sum(n.record_count) FROM nodes n JOIN packages p ON p.id = n.package_id"
            " WHERE p.case_id = ? AND p.name = ? GROUP BY n.path",
            (case_id, package),
        )) as cur:
            summary.totals = dict(cur.fetchall())
    finally:
        conn.close()
    summary.seconds = time.perf_counter() - started
    return summary


def delete_case(db_path: Path, case_id: str) -> bool:
    """Remove a case and everything imported into it, in one transaction; False if absent."""
    apply_migrations(db_path, "evidence")
    conn = connect_writer(Path(db_path))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            nodes = "SELECT n.id FROM nodes n JOIN packages p ON p.id = n.package_id WHERE p.case_id = ?"
            for table in ("calls", "messages", "contacts", "call_buckets"):
                conn.execute(f"DELETE FROM {table} WHERE node_id IN ({nodes})", (case_id,))
            conn.execute(f"DELETE FROM nodes WHERE id IN ({nodes})", (case_id,))
            for table in ("source_files", "counterparts", "packages"):
                conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))
            found = conn.execute("DELETE FROM cases WHERE id = ?", (case_id,)).rowcount > 0
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return found
