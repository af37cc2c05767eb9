"""Reading a text/event-stream incrementally, by the WHATWG rules (html.spec.whatwg.org,
"Server-sent events", "Interpreting an event stream"). qbot ask, the tests and the benchmarks all
read qbot's streams through this one reader.

The body is UTF-8 (one leading BOM dropped, bad bytes replaced); a line ends at CRLF, LF or CR,
even with the CRLF split across chunks; a line starting with `:` is a comment; `name: value`
loses one space after the colon, and a line with no colon is a name with an empty value; `data`
lines are joined with LF; a blank line dispatches the event, unless it has no data; `id` (unless
it holds NUL) stays the last event id for the events after it; `retry` and unknown fields are
ignored; an event the stream ends before its blank line is discarded."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SseEvent:
    event: str  # the type; "message" when the stream named none
    data: str
    last_id: str  # the last event id as of this event ("" before any `id` line), as a browser's lastEventId


class SseReader:
    """`feed(bytes)` returns the events those bytes complete. `on_comment` gets each comment's
    text (after the colon, stripped): the server's `: ping` heartbeats."""

    def __init__(self, on_comment: Callable[[str], None] | None = None) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._on_comment = on_comment
        self._tail = ""  # a line not ended yet
        self._after_cr = False  # the last text ended in CR: a LF opening the next one ends no new line
        self._last_id = ""
        self._type = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SseEvent]:
        text = self._decoder.decode(chunk)
        if not text:
            return []  # nothing yet, or half a character
        if self._after_cr and text[0] == "\n":
            text = text[1:]
        self._after_cr = text.endswith("\r")
        *lines, self._tail = _LINE_END.split(self._tail + text)
        events = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(SseEvent(self._type or "message", "\n".join(self._data), self._last_id))
                self._type, self._data = "", []
            elif line[0] == ":":
                if self._on_comment is not None:
                    self._on_comment(line[1:].strip())
            else:
                self._field(*line.partition(":"))
        return events

    def _field(self, name: str, colon: str, value: str) -> None:
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._type = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
