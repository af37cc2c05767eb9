"""The time the logs write beside each row (and hash into events): UTC, ISO 8601, milliseconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_last: tuple[int, str] = (-1, "")


def utcnow() -> str:
    """Now, as `2026-12-07T22:47:42.123+00:00`. Under load many rows are written within one
    millisecond: its text is made once (datetime's formatting costs ~1 µs a call)."""
    global _last
    ms = time.time_ns() // 1_000_000
    if ms != _last[0]:
        moment = datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)
        _last = (ms, moment.isoformat(timespec="milliseconds"))
    return _last[1]
