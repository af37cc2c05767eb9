"""Format detection from what a database contains (sqlite_master), never from its file name."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass

from .source import ImportRefused


@dataclass(frozen=True)
class Schema:
    """Table name (lower case) -> its column names (lower case)."""

    tables: dict[str, frozenset[str]]

    def has(self, table: str, *columns: str) -> bool:
        found = self.tables.get(table.lower())
        return found is not None and all(c.lower() in found for c in columns)

    def columns(self, table: str) -> frozenset[str]:
        return self.tables.get(table.lower(), frozenset())


def read_schema(conn: sqlite3.Connection) -> Schema:
    try:
        with closing(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")) as cur:
            entries = cur.fetchall()
    except sqlite3.DatabaseError as exc:
        raise ImportRefused(f"unreadable SQLite schema: {exc}") from exc
    tables = {}
    for name, sql in entries:
        if (sql or "").upper().startswith("CREATE VIRTUAL TABLE"):
            # Full-text indexes (e.g. AddressBook's ab_cf_tokenizer) need the app's own modules;
            # they are never evidence we read, so they are listed without columns.
            tables[name.lower()] = frozenset()
            continue
        try:
            with closing(conn.execute("SELECT name FROM pragma_table_info(?)", (name,))) as cur:
                tables[name.lower()] = frozenset(row[0].lower() for row in cur)
        except sqlite3.DatabaseError as exc:
            raise ImportRefused(f"unreadable SQLite schema (table {name}): {exc}") from exc
    return Schema(tables)


def choose(schema: Schema, importers: list) -> object:
    """The one importer whose schema test passes, or a refusal listing what each expects."""
    for importer in importers:
        if importer.matches(schema):
            return importer
    found = ", ".join(sorted(schema.tables)[:12]) or "no tables"
    more = "…" if len(schema.tables) > 12 else ""
    expected = "; ".join(importer.expects for importer in importers)
    raise ImportRefused(f"unknown schema (tables: {found}{more}); expected one of: {expected}")
