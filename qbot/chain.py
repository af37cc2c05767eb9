"""Tamper evidence for the conversation log: every event row carries a hash chained to the
previous event of its conversation.

    hash(event) = sha256(DOMAIN || field(previous hash) || field(conversation_id) || field(id)
                         || field(turn_id) || field(event) || field(data) || field(created_at))

where field(x) is the UTF-8 bytes of x (the id in decimal) preceded by their length as 8 bytes
big-endian, so no two different rows encode alike, and the previous hash is the hex text of the
previous event's hash, or GENESIS for a conversation's first event. The hash is stored as 64
lowercase hex digits in `events.hash`.

The log's writer computes the hashes at commit time (qbot.sqlitelog.writer); `qbot verify` recomputes
every chain (qbot.verify). Events written before the chain existed (a log at schema version 1)
are sealed when the log is upgraded: migration 0002 calls `seal_legacy_events`, which chains
them, in id order, as they were found at that moment.

What the chain shows: an event changed, removed from the middle of a conversation, reordered or
inserted without recomputing every later hash of its conversation. What it cannot show alone:
someone with write access to the file who recomputes the hashes after their edit (or removes a
conversation's last events; `qbot verify` checks those against the turns table). Recording the
heads (`qbot verify --heads`) somewhere else closes that gap up to the moment they were recorded."""

from __future__ import annotations

import hashlib
import sqlite3

DOMAIN = b"qbot event chain v1\n"
GENESIS = "0" * 64


def _field(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw).to_bytes(8, "big") + raw


def event_hash(previous: str, conversation_id: str, event_id: int, turn_id: str, event: str, data: str,
               created_at: str) -> str:
    """The hash of one event row, chained to `previous` (GENESIS for the first event)."""
    return hashlib.sha256(b"".join((
        DOMAIN, _field(previous), _field(conversation_id), _field(str(event_id)), _field(turn_id),
        _field(event), _field(data), _field(created_at)))).hexdigest()


def seal_legacy_events(conn: sqlite3.Connection) -> None:
    """Migration step (log 0002): chain the events that predate the chain, per conversation in
    id order. Runs inside the migration's transaction; the update trigger lets a hash be set
    once on a row that has none, and changes nothing else."""
    conversations = [row[0] for row in conn.execute(
        "SELECT DISTINCT conversation_id FROM events WHERE hash IS NULL")]
    for cid in conversations:
        previous = GENESIS
        updates = []
        for event_id, turn_id, event, data, created_at, stored in conn.execute(
                "SELECT id, turn_id, event, data, created_at, hash FROM events WHERE conversation_id = ? "
                "ORDER BY id", (cid,)).fetchall():
            if stored is None:
                stored = event_hash(previous, cid, event_id, turn_id, event, data, created_at)
                updates.append((stored, cid, event_id))
            previous = stored
        conn.executemany("UPDATE events SET hash = ? WHERE conversation_id = ? AND id = ?", updates)
