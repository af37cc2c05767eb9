"""The statements that record each intent of qbot.logapi in the SQLite log's tables
(migrations/log). A write runs its statements in the order given here."""

from __future__ import annotations

from typing import Any

from qbot.events import FAILED
from qbot.logapi import Interrupted, TurnEnding, TurnStart

Statement = tuple[str, tuple[Any, ...]]


def close_interrupted(conversation_id: str, closes: Interrupted, now: str) -> list[Statement]:
    return [
        ("UPDATE turns SET state = ?, last_event_id = ?, ended_at = ? WHERE id = ?",
         (FAILED, closes.events[-1].id, now, closes.turn_id)),
        ("UPDATE conversations SET last_outcome = ?, updated_at = ? WHERE id = ?", (FAILED, now, conversation_id)),
    ]


def start_turn(start: TurnStart, new_conversation: bool, state: str, now: str) -> list[Statement]:
    """The conversation (created, or its case and time moved on), the interrupted turn it closes,
    then the turn itself: parents before children."""
    cid = start.conversation_id
    statements: list[Statement] = []
    if new_conversation:
        statements.append((
            "INSERT INTO conversations (id, owner, case_id, state, title, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (cid, start.owner, start.case_id, state, start.title, now, now)))
    else:
        statements.append(("UPDATE conversations SET case_id = ?, updated_at = ? WHERE id = ?",
                           (start.case_id, now, cid)))
    if start.closes is not None:
        statements += close_interrupted(cid, start.closes, now)
    statements.append((
        "INSERT INTO turns (id, conversation_id, confirm_type, handler, question, request, state, "
        "first_event_id, started_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)",
        (start.turn_id, cid, start.confirm_type, start.handler, start.question, start.request_json,
         start.events[0].id, now)))
    return statements


def end_turn(conversation_id: str, turn_id: str, ending: TurnEnding, now: str) -> list[Statement]:
    statements: list[Statement] = [("UPDATE turns SET state = ?, last_event_id = ?, ended_at = ? WHERE id = ?",
                                    (ending.outcome, ending.events[-1].id, now, turn_id))]
    sets, params = ["last_outcome = ?", "updated_at = ?"], [ending.outcome, now]
    if ending.state is not None:
        sets.append("state = ?")
        params.append(ending.state)
    if ending.pending_json is not None:
        sets.append("pending = ?")
        params.append(ending.pending_json)
    statements.append((f"UPDATE conversations SET {', '.join(sets)} WHERE id = ?", (*params, conversation_id)))
    return statements


def rename(conversation_id: str, title: str) -> list[Statement]:
    return [("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))]


def delete(conversation_id: str, now: str) -> list[Statement]:
    return [("UPDATE conversations SET deleted_at = ?, updated_at = ? WHERE id = ?", (now, now, conversation_id))]
