"""One conversation of the SQLite log as of one moment, read from another process while the
server writes (read-only, one transaction): what `qbot report` reads."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbot.verify import check, connect_read_only


@dataclass(frozen=True)
class Snapshot:
    conversation: dict[str, Any]  # its row, by column
    turns: list[dict[str, Any]]  # its turns' rows, in order
    events: list[tuple[int, str, str, str]]  # (id, turn_id, event, data JSON), in order
    head: str | None  # the chain's last hash, as `qbot verify --heads` prints it
    broken: str | None  # the first broken link, when the chain does not hold


def snapshot(path: Path, cid: str) -> Snapshot | None:
    conn = connect_read_only(path)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN")
        row = conn.execute("SELECT * FROM conversations WHERE id = ?", (cid,)).fetchone()
        if row is None:
            return None
        turns = [dict(r) for r in conn.execute(
            "SELECT * FROM turns WHERE conversation_id = ? ORDER BY first_event_id", (cid,))]
        conn.row_factory = None
        events = conn.execute("SELECT id, turn_id, event, data FROM events WHERE conversation_id = ? ORDER BY id",
                              (cid,)).fetchall()
        chain = check(conn, only=cid)
        conn.execute("COMMIT")
    finally:
        conn.close()
    broken = next((str(b) for b in chain.broken or ()), None)
    return Snapshot(dict(row), turns, events, (chain.heads or {}).get(cid), broken)
