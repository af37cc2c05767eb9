"""`qbot verify`: check the hash chain of every conversation in the log (qbot.chain).

The log is opened read-only (a `mode=ro` URI, no copy), so a running server is not disturbed and
the check changes nothing. Each conversation's events are read in id order; the first broken
link of a conversation is reported and the rest of that conversation is skipped:

- `missing hash`: an event without a hash (the log has been written by something else than qbot);
- `gap in ids`: ids run 1, 2, 3, … in every conversation; a missing one means a removed event;
- `hash mismatch`: the stored hash is not the one its content and its predecessor give (an
  event changed, reordered, inserted, or a hash forged);
- `truncated`: the turns table records a later event than the conversation's last one (its last
  events were removed).

Exit status 0 when every chain holds, 1 otherwise, 2 when there is no log to check."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from qbot.chain import GENESIS, event_hash

CHAIN_VERSION = 2  # the log's schema version that brought the chain


@dataclass(frozen=True)
class Broken:
    conversation_id: str
    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"conversation {self.conversation_id!r}: event {self.event_id}: {self.problem}"


@dataclass
class Report:
    conversations: int = 0
    events: int = 0
    broken: list[Broken] | None = None
    heads: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.broken


class NotVerifiable(Exception):
    """The log cannot be checked at all (missing, or older than the chain)."""


def connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise NotVerifiable(f"no conversation log at {path}")
    conn = _open_read_only(path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < CHAIN_VERSION:
        conn.close()
        raise NotVerifiable(f"{path} is at schema version {version}, before the event chain; "
                            "start qbot once on it to upgrade (old events are sealed then)")
    return conn


def _open_read_only(path: Path) -> sqlite3.Connection:
    """`mode=ro` reads a live log beside its server. On a read-only copy (a backup on a read-only
    mount) SQLite cannot create the WAL index it needs; nothing writes such a copy, so it is read
    as immutable, unless a WAL file holds events that immutable reading would skip."""
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
        conn.execute("PRAGMA user_version")
        return conn
    except sqlite3.OperationalError as exc:
        if os.access(path.parent, os.W_OK):
            raise NotVerifiable(f"cannot read {path}: {exc}") from None
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise NotVerifiable(f"{path} is on a read-only file system and its {wal.name} holds events that cannot be "
                            "read there; copy the log and its -wal to a writable folder and verify the copy")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)


def _short(digest: str | None) -> str:
    return "none" if digest is None else digest[:16] + "…"


class Checker:
    """The check, fed one event row at a time in (conversation, id) order, then the turns' last
    recorded ids: the same for every log (SQLite here, PostgreSQL in qbot.pglog.verify)."""

    def __init__(self) -> None:
        self.report = Report(broken=[], heads={})
        self._conversation: str | None = None
        self._previous, self._expected_id, self._failed = GENESIS, 1, False

    def feed(self, cid: str, event_id: int, turn_id: str, event: str, data: str, created_at: str,
             stored: str | None) -> None:
        report = self.report
        report.events += 1
        if cid != self._conversation:
            self._conversation, self._previous, self._expected_id, self._failed = cid, GENESIS, 1, False
            report.conversations += 1
        if self._failed:
            return
        problem = None
        if event_id != self._expected_id:
            problem = f"gap in ids: expected {self._expected_id}, found {event_id}"
        elif stored is None:
            problem = "missing hash"
        else:
            computed = event_hash(self._previous, cid, event_id, turn_id, event, data, created_at)
            if computed != stored:
                problem = f"hash mismatch: stored {_short(stored)}, computed {_short(computed)}"
        if problem is not None:
            report.broken.append(Broken(cid, event_id, problem))
            report.heads.pop(cid, None)
            self._failed = True
            return
        self._previous, self._expected_id = stored, event_id + 1
        report.heads[cid] = stored

    def finish(self, turn_lasts: Iterable[tuple[str, int, int | None]]) -> Report:
        """`turn_lasts`: each conversation's latest event id its turns record, and its last event's id."""
        report = self.report
        broken = {b.conversation_id for b in report.broken}
        for cid, last_event, recorded in turn_lasts:
            if cid not in broken and (recorded or 0) < last_event:
                report.broken.append(Broken(cid, (recorded or 0) + 1,
                                            f"truncated: the turns record event {last_event}, the last event is "
                                            f"{recorded or 'none'}"))
                report.heads.pop(cid, None)
        report.broken.sort(key=lambda b: b.conversation_id)
        return report


def check(conn: sqlite3.Connection, only: str | None = None) -> Report:
    """Check every conversation's chain (or only the conversation `only`'s); one Broken per
    broken conversation."""
    checker = Checker()
    for row in _events(conn, only):
        checker.feed(*row)
    return checker.finish(conn.execute(
        "SELECT t.conversation_id, max(coalesce(t.last_event_id, t.first_event_id)),"
        " (SELECT max(id) FROM events e WHERE e.conversation_id = t.conversation_id)"
        " FROM turns t WHERE ? IS NULL OR t.conversation_id = ? GROUP BY t.conversation_id"
        " ORDER BY t.conversation_id", (only, only)))


def _events(conn: sqlite3.Connection, only: str | None = None) -> Iterator[tuple]:
    # The primary key's order: by conversation, then id. Read in pages, so a large log is not
    # held in memory at once and no statement stays open long.
    last: tuple[str, int] = (only or "", 0)
    within = "conversation_id = ? AND id > ?" if only is not None else "(conversation_id, id) > (?, ?)"
    while True:
        page = conn.execute(
            "SELECT conversation_id, id, turn_id, event, data, created_at, hash FROM events "
            f"WHERE {within} ORDER BY conversation_id, id LIMIT 5000", last).fetchall()
        if not page:
            return
        yield from page
        last = (page[-1][0], page[-1][1])


def verify(path: Path, out: TextIO = sys.stdout, heads: bool = False) -> int:
    """Print one line per broken conversation and a summary; the exit status."""
    conn = connect_read_only(path)
    try:
        # One read transaction: the whole check sees one state of the log, even while qbot writes.
        conn.execute("BEGIN")
        report = check(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return print_report(report, out, heads)


def print_report(report: Report, out: TextIO, heads: bool) -> int:
    """One line per broken conversation, the heads if asked, a summary; the exit status."""
    for broken in report.broken or ():
        print(broken, file=out)
    if heads:
        for cid, head in sorted((report.heads or {}).items()):
            print(f"head {cid!r} {head}", file=out)
    if report.ok:
        print(f"verified {report.conversations} conversations, {report.events} events: every chain holds",
              file=out)
        return 0
    print(f"verified {report.conversations} conversations, {report.events} events: "
          f"{len(report.broken or ())} broken", file=out)
    return 1
