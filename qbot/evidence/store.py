"""Async read API over the evidence store, for the server (aiosqlite, one read-only connection).

Times come back as aware UTC datetimes; the store keeps integer milliseconds since the Unix epoch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import aiosqlite
from cachetools import LRUCache

from ..migrate import apply_migrations
from .cited import CitedRecords
from .rankings import RANKING_CACHE, CallRank, CallRankings
from .records import Ref as EvidenceRef
from .records import RecordQueries, from_ms, to_ms

__all__ = ["Case", "CallRank", "DirectoryRow", "EvidenceRef", "EvidenceStore", "Node", "from_ms", "to_ms"]

READERS = 3  # read connections (threads) of the server's store
CATALOG_TTL = 1.0  # seconds between checks that the store changed under us


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    timezone: str
    region: str


@dataclass(frozen=True)
class Node:
    id: int
    package_id: int
    package_name: str
    path: str
    category: str
    app: str
    data_type: str
    kind: str
    count: int
    first: datetime | None  # aware UTC
    last: datetime | None



class DirectoryRow(NamedTuple):
    """A counterpart of a case with one address-book entry naming it (entry fields None if none)."""

    counterpart: int
    key: str
    kind: str
    number: str | None
    display_name: str | None
    contact: int | None
    name: str | None
    written: str | None  # the number or account as the entry wrote it
    label: str | None
    node: int | None
    file: str | None
    sha256: str | None
    source_table: str | None
    source_rowid: int | None


class EvidenceStore(RecordQueries, CallRankings, CitedRecords):
    """Reads for the server. Cases and the node tree are kept in memory (every turn needs them)
    and reloaded when another process has committed to the store (`PRAGMA data_version`),
    looked at most once per CATALOG_TTL seconds. Queries are spread over a few read-only
    connections, each with its own thread, so one slow ranking does not hold up the others."""

    def __init__(self, conns: list[aiosqlite.Connection], path: Path) -> None:
        self._conns = conns
        self._next = 0
        self.path = path
        self._cases: list[Case] = []
        self._nodes: dict[str, list[Node]] = {}
        self._data_version: int | None = None
        self._checked = float("-inf")
        self._catalog_lock = asyncio.Lock()
        self._rankings: LRUCache[tuple, tuple[int, list[CallRank]]] = LRUCache(RANKING_CACHE)

    @classmethod
    async def open(cls, path: Path, readers: int = READERS) -> "EvidenceStore":
        path = Path(path)
        await asyncio.to_thread(apply_migrations, path, "evidence")
        conns: list[aiosqlite.Connection] = []
        try:
            for _ in range(readers):
                conn = await aiosqlite.connect(path)
                conns.append(conn)
                await conn.execute_fetchall("PRAGMA query_only = ON")
        except BaseException:
            for conn in conns:
                await conn.close()
            raise
        return cls(conns, path)

    async def close(self) -> None:
        for conn in self._conns:
            await conn.close()

    @property
    def data_version(self) -> int | None:
        """The store's version as last checked: it changes when another process commits to it,
        so anything derived from the evidence can be kept while it stays the same."""
        return self._data_version

    def _conn(self) -> aiosqlite.Connection:
        self._next = (self._next + 1) % len(self._conns)
        return self._conns[self._next]

    async def _all(self, sql: str, params: tuple | list = (), conn: aiosqlite.Connection | None = None
                   ) -> list[tuple]:
        # One step on the connection's thread: a statement left open between separate execute
        # and fetch awaits would keep concurrent readers on an old snapshot, and each await is
        # a thread hop the server pays for on every request.
        return list(await (conn or self._conn()).execute_fetchall(sql, params))

    # -- cases and nodes ------------------------------------------------------------------

    async def _catalog(self) -> tuple[list[Case], dict[str, list[Node]]]:
        now = time.monotonic()
        if now - self._checked < CATALOG_TTL:
            return self._cases, self._nodes
        async with self._catalog_lock:
            if time.monotonic() - self._checked < CATALOG_TTL:
                return self._cases, self._nodes
            conn = self._conns[0]
            version = (await self._all("PRAGMA data_version", conn=conn))[0][0]
            if version != self._data_version:
                cases = [Case(*row) for row in await self._all(
                    "SELECT id, name, timezone, region FROM cases ORDER BY is_default DESC, created, id", conn=conn)]
                nodes: dict[str, list[Node]] = {case.id: [] for case in cases}
                for row in await self._all(
                    "SELECT p.case_id, n.id, n.package_id, p.name, n.path, n.category, n.app, n.data_type, n.kind,"
                    " n.record_count, n.first_time, n.last_time"
                    " FROM nodes n JOIN packages p ON p.id = n.package_id ORDER BY p.id, n.path", conn=conn):
                    nodes.setdefault(row[0], []).append(Node(*row[1:10], from_ms(row[10]), from_ms(row[11])))
                self._cases, self._nodes, self._data_version = cases, nodes, version
            self._checked = time.monotonic()
        return self._cases, self._nodes

    def catalog(self) -> dict[str, list[Node]]:
        """Each case's nodes as last read (no check that the store changed since)."""
        return {case_id: list(nodes) for case_id, nodes in self._nodes.items()}

    async def list_cases(self) -> list[Case]:
        """Every case, the default one first."""
        return list((await self._catalog())[0])

    async def get_case(self, case_id: str) -> Case | None:
        """The case with this id; "" means the default case (the oldest one if none is marked)."""
        cases = (await self._catalog())[0]
        if not case_id:
            return cases[0] if cases else None
        return next((case for case in cases if case.id == case_id), None)

    async def nodes(self, case_id: str) -> list[Node]:
        """The node tree of a case ("" = default) with record counts and time spans."""
        case = await self.get_case(case_id)
        return list((await self._catalog())[1].get(case.id, [])) if case else []

    async def directory(self, case_id: str) -> list[DirectoryRow]:
        """Every counterpart of a case with each address-book entry naming it."""
        return [DirectoryRow(*row) for row in await self._all(
            "SELECT cp.id, cp.key, cp.kind, cp.number, cp.display_name, c.id, c.name, c.number, c.label, c.node_id,"
            " f.file_name, f.sha256, c.source_table, c.source_rowid FROM counterparts cp"
            " LEFT JOIN contacts c ON c.counterpart_id = cp.id LEFT JOIN source_files f ON f.id = c.source_file_id"
            " WHERE cp.case_id = ? ORDER BY cp.id, c.id", [case_id])]

    async def source_files(self, case_id: str) -> list[dict[str, Any]]:
        """The evidence files imported into a case, as imported: name, sha256 (and its -wal's), size,
        format, package, where from and when (UTC ms)."""
        names = ("file_name", "sha256", "wal_sha256", "size", "wal_size", "format", "package", "path", "imported_at")
        rows = await self._all(
            "SELECT f.file_name, f.sha256, f.wal_sha256, f.size, f.wal_size, f.format, p.name, f.path, f.imported_at"
            " FROM source_files f JOIN packages p ON p.id = f.package_id WHERE f.case_id = ? ORDER BY f.id", [case_id])
        return [dict(zip(names, row)) for row in rows]

    async def newest_time(self, node_ids: list[int]) -> datetime | None:
        """The newest record time in these nodes: "recent" is relative to it, not to the clock."""
        wanted = {int(i) for i in node_ids}
        times = [n.last for nodes in (await self._catalog())[1].values() for n in nodes
                 if n.id in wanted and n.last is not None]
        return max(times, default=None)
