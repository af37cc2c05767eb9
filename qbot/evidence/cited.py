"""The records behind a result row, all of them, a page at a time: each with where it came from
(file, sha256, table, row id) and its columns as the importer stored them. Mixed into
`EvidenceStore`; the engine says which records a row rests on (`qbot.engine.answer.Basis`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from .records import GROUPINGS, Ref, Selection, marks, selection_sql

# The columns of each record table as imported (ids and provenance are given apart).
COLUMNS = {
    "calls": ("number", "name", "direction", "status", "media", "start", "duration"),
    "messages": ("address", "direction", "time", "body", "kind", "status", "is_group", "chat"),
    "contacts": ("name", "number", "label"),
}
_TIME = {"calls": "r.start", "messages": "r.time", "contacts": "NULL"}


class Cited(NamedTuple):
    table: str  # calls | messages | contacts
    id: int  # the record's id in the store
    node: str  # its node's path
    package: str
    ms: int | None  # UTC ms; None for an address-book entry
    counterpart: int  # 0: none
    counterpart_key: str | None
    file: str
    sha256: str
    path: str  # where the file was imported from
    format: str
    source_table: str
    source_rowid: int
    columns: dict[str, Any]


class CitedRecords:
    _all: Any

    async def cited(self, sel: Selection, by: str, keys: Sequence[Any], offset: int, limit: int
                    ) -> tuple[int, list[Cited]]:
        """(how many records the groups `keys` of `sel` by `by` hold, the page of them from
        `offset`, newest first)."""
        if not keys:
            return 0, []
        sql, params = selection_sql(sel)
        where = f" FROM ev WHERE {GROUPINGS[by][0]} IN ({marks(keys)})"
        (total,), = await self._all(sql + "SELECT count(*)" + where, [*params, *keys])
        page = await self._all(sql + "SELECT tbl, rid" + where + " ORDER BY ts DESC, rid DESC LIMIT ? OFFSET ?",
                               [*params, *keys, limit, offset])
        return total, await self._records(page)

    async def cited_rows(self, sel: Selection, by: str, rows: Sequence[Sequence[Any]], per: int | None
                         ) -> list[list[Cited]]:
        """For each row (the group keys it sums), its newest `per` records (None: all), in one
        statement for all the rows of a result: the report lists many rows at once."""
        keys = [k for row in rows for k in row]
        if not keys or per == 0:
            return [[] for _ in rows]
        sql, params = selection_sql(sel)
        key = GROUPINGS[by][0]
        found = await self._all(
            sql + f"SELECT k, tbl, rid, ts FROM (SELECT {key} AS k, tbl, rid, ts, row_number() OVER"
            f" (PARTITION BY {key} ORDER BY ts DESC, rid DESC) AS n FROM ev WHERE {key} IN ({marks(keys)}))"
            + ("" if per is None else " WHERE n <= ?"), [*params, *keys, *([] if per is None else [per])])
        by_key: dict[Any, list[tuple]] = {}
        for k, *record in found:
            by_key.setdefault(k, []).append(record)
        picked = [sorted((r for k in row for r in by_key.get(k, ())), key=lambda r: (-r[2], -r[1]))[:per]
                  for row in rows]
        full = {(c.table, c.id): c for c in await self._records([(t, rid) for row in picked for t, rid, _ in row])}
        return [[full[(t, rid)] for t, rid, _ in row] for row in picked]

    async def cited_contacts(self, case_id: str, refs: Sequence[Ref], offset: int, limit: int
                             ) -> tuple[int, list[Cited]]:
        """Address-book entries by their source (file sha256, table, row id) in one case."""
        wanted = list(refs)[offset:offset + limit]
        found = []
        for ref in wanted:
            found += await self._all(
                "SELECT 'contacts', c.id FROM contacts c JOIN source_files f ON f.id = c.source_file_id"
                " WHERE f.case_id = ? AND f.sha256 = ? AND c.source_table = ? AND c.source_rowid = ?",
                [case_id, ref.sha256, ref.table, ref.rowid])
        return len(refs), await self._records(found)

    async def _records(self, page: Sequence[Sequence[Any]]) -> list[Cited]:
        """The full records of (table, id) pairs, in the order given: one statement per table."""
        by_key: dict[tuple[str, int], Cited] = {}
        for table, columns in COLUMNS.items():
            ids = [rid for tbl, rid in page if tbl == table]
            if not ids:
                continue
            rows = await self._all(
                f"SELECT r.id, n.path, p.name, {_TIME[table]}, COALESCE(r.counterpart_id, 0), cp.key, f.file_name,"
                f" f.sha256, f.path, f.format, r.source_table, r.source_rowid, "
                + ", ".join(f"r.{c}" for c in columns)
                + f" FROM {table} r JOIN nodes n ON n.id = r.node_id JOIN packages p ON p.id = n.package_id"
                " JOIN source_files f ON f.id = r.source_file_id LEFT JOIN counterparts cp ON cp.id = r.counterpart_id"
                f" WHERE r.id IN ({marks(ids)})", ids)
            for rid, *head in rows:
                fixed, values = head[:11], head[11:]
                by_key[(table, rid)] = Cited(table, rid, *fixed, dict(zip(columns, values)))
        return [by_key[(tbl, rid)] for tbl, rid in page if (tbl, rid) in by_key]
