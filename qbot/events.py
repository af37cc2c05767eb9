"""Events of the v1 contract, and their Server-Sent-Events framing.

An event's JSON is encoded once: the same text goes into the log and, framed, to every client."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

# Event names of design.md §2. `start` and `done` belong to the turn runner; handlers yield the rest.
RUNNER_EVENTS = frozenset({"start", "done"})
# `clarify` (the question has several readings: pick one) and `decline` (it cannot be answered
# exactly, and why) are additions to design.md §2.
HANDLER_EVENTS = frozenset({"status", "message", "confirm", "clarify", "decline", "result", "error"})

# Conversation states a turn can end in (`done.state`).
AWAITING_CHOICE = "awaiting_choice"  # a question asked back: which reading did the examiner mean
AWAITING_START = "awaiting_start"
AWAITING_FILTER = "awaiting_filter"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"


def dumps(data: Any) -> str:
    """One line of JSON, control characters escaped inside strings (orjson: every event and row
    is encoded once, and the stdlib encoder took nearly a tenth of the server's time). What orjson
    refuses goes to the stdlib encoder with \\u escapes: text UTF-8 cannot carry (a lone
    surrogate) still round-trips, and an unencodable value raises TypeError as before."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":"))


@dataclass(slots=True)
class Event:
    """One event as the log keeps it and a client receives it."""

    id: int
    event: str
    data: str  # JSON text
    turn_id: str = ""
    # False for an ending the log could not record: it is sent without its `id:` line, so a
    # client's Last-Event-ID stays on the last event the log holds.
    recorded: bool = True
    _frame: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def frame(self) -> bytes:
        """The event as SSE wire text (`id:`, `event:`, `data:` lines, blank line)."""
        if self._frame is None:
            data = self.data
            if "\n" not in data and "\r" not in data:  # JSON from dumps(): one data line
                head = f"id: {self.id}\nevent: " if self.recorded else "event: "
                self._frame = f"{head}{self.event}\ndata: {data}\n\n".encode()
                return self._frame
            lines = [f"id: {self.id}"] if self.recorded else []
            lines.append(f"event: {self.event}")
            # JSON from dumps() is one line; split anyway so any stored text frames correctly.
            lines += [f"data: {part}" for part in self.data.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            self._frame = ("\n".join(lines) + "\n\n").encode("utf-8")
        return self._frame


@dataclass(frozen=True, slots=True)
class Emit:
    """What a handler yields: an event name and its data, before the runner numbers it. An emit
    that is sent again (an engine's remembered answer) is encoded only the first time."""

    event: str
    data: dict[str, Any]
    _json: str | None = field(default=None, repr=False, compare=False)

    def json(self) -> str:
        """`data` as one line of JSON (`dumps`)."""
        if self._json is None:
            object.__setattr__(self, "_json", dumps(self.data))
        return self._json  # type: ignore[return-value]


def status(stage: str, message: str, progress: float | None = None) -> Emit:
    data: dict[str, Any] = {"stage": stage, "message": message}
    if progress is not None:
        data["progress"] = round(min(max(progress, 0.0), 1.0), 4)
    return Emit("status", data)


def message(delta: str) -> Emit:
    return Emit("message", {"delta": delta})


def confirm(confirm_type: int, question: str, form: dict[str, Any] | None = None, **extra: Any) -> Emit:
    return Emit("confirm", {"confirm_type": confirm_type, "question": question, "form": form, **extra})


def result(summary: str, columns: list[str], rows: list[list[Any]], evidence: list[Any], **extra: Any) -> Emit:
    return Emit("result", {"summary": summary, "columns": columns, "rows": rows, "evidence": evidence, **extra})


def clarify(reason: str, choices: list[dict[str, Any]], **extra: Any) -> Emit:
    """The question has several readings: `choices` are `{id, label, question}`; the examiner
    picks one with confirm_type 1 (`{"choice": id}`) or asks one of the `question`s anew."""
    return Emit("clarify", {"reason": reason, "choices": choices, **extra})


def decline(reason: str, **extra: Any) -> Emit:
    """The question cannot be answered exactly; `reason` says why and what would work."""
    return Emit("decline", {"reason": reason, **extra})


def error(code: str, message: str) -> Emit:
    return Emit("error", {"code": code, "message": message})
