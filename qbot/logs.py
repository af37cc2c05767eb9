"""The server's log lines: one JSON object a line (or plain text), carrying the conversation and
the turn a line belongs to, so a log collector can follow one examiner's step through the server.

The ids come from context variables set where a step is handled and where its turn runs (tasks
copy them when they are created), or from `extra={"conversation_id": …, "turn_id": …}` on a line
written outside that context (a commit callback)."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from qbot.config import LoggingConfig
from qbot.events import dumps

CONVERSATION_ID: ContextVar[str | None] = ContextVar("qbot_conversation_id", default=None)
TURN_ID: ContextVar[str | None] = ContextVar("qbot_turn_id", default=None)
_IDS = (("conversation_id", CONVERSATION_ID), ("turn_id", TURN_ID))


def ids(conversation_id: str, turn_id: str | None = None) -> dict[str, dict[str, str]]:
    """`extra=` for a line about a turn written outside its context."""
    return {"extra": {"conversation_id": conversation_id, "turn_id": turn_id}}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for name, var in _IDS:
            value = getattr(record, name, None) or var.get()
            if value:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return dumps(entry)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        where = " ".join(f"{name}={value}" for name, var in _IDS
                         if (value := getattr(record, name, None) or var.get()))
        return f"{text} [{where}]" if where else text


def setup_logging(config: LoggingConfig) -> None:
    """The root logger writes to stderr in the configured format, from the configured level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if config.format == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(config.level)
