"""The one place records enter the store: importers hand rows to a RecordWriter, which resolves
nodes and counterparts, batches inserts, and on `finish` refreshes the per-node figures and the
call roll-ups. It runs inside the caller's transaction, so a refused file leaves nothing behind."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing

from .phones import Identity, account, identify

BUCKET_MS = 30 * 24 * 3600 * 1000  # width of a call_buckets bucket (fixed, time-zone free)
_BATCH = 5000

_CALL_SQL = (
    "INSERT INTO calls (node_id, counterpart_id, number, name, direction, status, media, start,"
    " duration, source_file_id, source_table, source_rowid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
_MESSAGE_SQL = (
    "INSERT INTO messages (node_id, counterpart_id, sender_id, address, direction, time, body, kind,"
    " status, is_group, chat, source_file_id, source_table, source_rowid)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_CONTACT_SQL = (
    "INSERT INTO contacts (node_id, counterpart_id, name, number, label, source_file_id,"
    " source_table, source_rowid) VALUES (?,?,?,?,?,?,?,?)"
)
_TABLE_OF_KIND = {"calls": ("calls", "start"), "messages": ("messages", "time"), "contacts": ("contacts", None)}


class RecordWriter:
    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        case_id: str,
        region: str,
        package_id: int,
        source_file_id: int,
        progress: Callable[[int, int], None] | None = None,
        expected: int = 0,
    ) -> None:
        self._conn = conn
        self._case_id = case_id
        self._region = region
        self._package_id = package_id
        self._source = source_file_id
        self._progress = progress
        self.expected = expected  # an importer may set it once it knows its row count
        self._done = 0
        self._nodes: dict[str, tuple[int, str]] = {}
        self._before: dict[int, int] = {}  # node id -> its record count before this file
        self._people: dict[tuple, int | None] = {}  # (raw, hint) -> counterpart, skips re-parsing
        self._pending: dict[str, list[tuple]] = {"calls": [], "messages": [], "contacts": []}
        self._ids: dict[str, int] = {}
        self._named: set[int] = set()
        self._names: dict[int, str] = {}
        with closing(
            conn.execute("SELECT id, key, display_name FROM counterparts WHERE case_id = ?", (case_id,))
        ) as cur:
            for cid, key, name in cur:
                self._ids[key] = cid
                if name:
                    self._named.add(cid)

    # -- nodes and identities -------------------------------------------------------------

    def node(self, path: str, kind: str) -> int:
        """The id of the node at `path` (e.g. '基本信息/电话/通话记录') in this package."""
        found = self._nodes.get(path)
        if found:
            return found[0]
        parts = path.split("/")
        category, app, data_type = parts[0], parts[1] if len(parts) > 1 else parts[0], parts[-1]
        self._conn.execute(
            "INSERT INTO nodes (package_id, path, category, app, data_type, kind) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (package_id, path) DO NOTHING",
            (self._package_id, path, category, app, data_type, kind),
        )
        with closing(
            self._conn.execute(
                "SELECT id, kind, record_count FROM nodes WHERE package_id = ? AND path = ?", (self._package_id, path)
            )
        ) as cur:
            node_id, existing, count = cur.fetchone()
        if existing != kind:
            raise ValueError(f"node {path} holds {existing}, not {kind}")
        self._nodes[path] = (node_id, kind)
        self._before[node_id] = count
        return node_id

    def _resolve(self, ident: Identity, name: str | None) -> int:
        cid = self._ids.get(ident.key)
        if cid is None:
            cur = self._conn.execute(
                "INSERT INTO counterparts (case_id, key, kind, number, display_name) VALUES (?,?,?,?,?)",
                (self._case_id, ident.key, ident.kind, ident.number, name or None),
            )
            cid = cur.lastrowid
            self._ids[ident.key] = cid
            if name:
                self._named.add(cid)
        elif name and cid not in self._named:
            self._names[cid] = name
            self._named.add(cid)
        return cid

    def person(self, raw: str | None, *, hint: str | None = None, name: str | None = None) -> int | None:
        """The counterpart of a phone number or e-mail as written; None when withheld."""
        key = (raw, hint)
        cid = self._people.get(key, -1)
        if cid is None or (cid != -1 and (not name or cid in self._named)):
            return cid
        ident = identify(raw, self._region, (hint or "").upper() or None)
        cid = None if ident is None else self._resolve(ident, name)
        self._people[key] = cid
        return cid

    def account(self, kind: str, value: str, *, name: str | None = None) -> int:
        """The counterpart of an app account ('wechat', 'chatroom', ...)."""
        return self._resolve(account(kind, value), name)

    def set_owner(self, *, numbers: list[str] = (), accounts: list[str] = ()) -> None:
        with closing(self._conn.execute("SELECT owner FROM packages WHERE id = ?", (self._package_id,))) as cur:
            owner = json.loads(cur.fetchone()[0] or "{}")
        for field, values in (("numbers", numbers), ("accounts", accounts)):
            merged = owner.get(field, [])
            merged += [v for v in values if v and v not in merged]
            if merged:
                owner[field] = merged
        self._conn.execute(
            "UPDATE packages SET owner = ? WHERE id = ?",
            (json.dumps(owner, ensure_ascii=False), self._package_id),
        )

    # -- records --------------------------------------------------------------------------

    def call(self, node_id: int, counterpart_id: int | None, number: str | None, name: str | None,
             direction: str | None, status: str, start: int, duration: int, table: str, rowid: int,
             media: str = "voice") -> None:
        self._add("calls", node_id, (node_id, counterpart_id, number, name or None, direction, status,
                                      media, start, duration, self._source, table, rowid))

    def message(self, node_id: int, counterpart_id: int | None, *, address: str | None,
                direction: str | None, time: int, body: str | None, kind: str, table: str, rowid: int,
                status: str | None = None, sender_id: int | None = None, is_group: bool = False,
                chat: str | None = None) -> None:
        self._add("messages", node_id, (node_id, counterpart_id, sender_id, address, direction, time,
                                         body, kind, status, int(is_group), chat, self._source, table, rowid))

    def contact(self, node_id: int, counterpart_id: int | None, *, name: str | None, number: str | None,
                label: str | None, table: str, rowid: int) -> None:
        self._add("contacts", node_id, (node_id, counterpart_id, name or None, number, label,
                                         self._source, table, rowid))

    def _add(self, kind: str, node_id: int, row: tuple) -> None:
        pending = self._pending[kind]
        pending.append(row)
        if len(pending) >= _BATCH:
            self._flush(kind)

    def _flush(self, kind: str) -> None:
        rows = self._pending[kind]
        if not rows:
            return
        sql = {"calls": _CALL_SQL, "messages": _MESSAGE_SQL, "contacts": _CONTACT_SQL}[kind]
        self._conn.executemany(sql, rows)
        self._done += len(rows)
        rows.clear()
        if self._progress:
            self._progress(self._done, max(self.expected, self._done))

    # -- completion -----------------------------------------------------------------------

    def finish(self) -> dict[str, int]:
        """Write what is pending, refresh node figures and roll-ups; returns records per node path."""
        for kind in self._pending:
            self._flush(kind)
        if self._names:
            self._conn.executemany(
                "UPDATE counterparts SET display_name = ? WHERE id = ? AND display_name IS NULL",
                [(name, cid) for cid, name in self._names.items()],
            )
        self._conn.execute(
            "INSERT INTO call_buckets (node_id, bucket, counterpart_id, calls, duration, incoming,"
            " outgoing, missed, first, last)"
            " SELECT node_id, CASE WHEN start >= 0 THEN start / ? ELSE -1 END, COALESCE(counterpart_id, 0),"
            " count(*), sum(duration), count(CASE WHEN direction = 'in' THEN 1 END),"
            " count(CASE WHEN direction = 'out' THEN 1 END), count(CASE WHEN status = 'missed' THEN 1 END),"
            " min(start), max(start)"
            " FROM calls WHERE source_file_id = ? GROUP BY 1, 2, 3"
            " ON CONFLICT (node_id, bucket, counterpart_id) DO UPDATE SET"
            " calls = calls + excluded.calls, duration = duration + excluded.duration,"
            " incoming = incoming + excluded.incoming, outgoing = outgoing + excluded.outgoing,"
            " missed = missed + excluded.missed, first = min(first, excluded.first),"
            " last = max(last, excluded.last)",
            (BUCKET_MS, self._source),
        )
        added = {}
        for path, (node_id, kind) in self._nodes.items():
            table, time_col = _TABLE_OF_KIND[kind]
            span = f"min({time_col}), max({time_col})" if time_col else "NULL, NULL"
            with closing(
                self._conn.execute(f"SELECT count(*), {span} FROM {table} WHERE node_id = ?", (node_id,))
            ) as cur:
                count, first, last = cur.fetchone()
            self._conn.execute(
                "UPDATE nodes SET record_count = ?, first_time = ?, last_time = ? WHERE id = ?",
                (count, first, last, node_id),
            )
            added[path] = count - self._before[node_id]
        if self._progress and self._done:
            self._progress(self._done, self._done)
        return added
