"""Handing freed memory back to the system. glibc's allocator keeps the pages of freed blocks in
its arenas (one per thread that allocated: the event loop, the log's writer and readers), so a
burst of buffers for slow clients would stay in the process's RSS after they left. `malloc_trim`
returns those pages; elsewhere (musl, macOS) there is nothing to call and nothing is done."""

from __future__ import annotations

import asyncio
import ctypes
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

TRIM_DELAY = 1.0  # seconds: one trim after a burst ends, not one per client that leaves


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # the symbols already loaded: libc's among them
    except (OSError, AttributeError):
        return None


class Trimmer:
    """`soon()` schedules one trim TRIM_DELAY seconds later, in a worker thread (it walks every
    arena, taking a few milliseconds on a large heap), unless one is already scheduled."""

    def __init__(self) -> None:
        self._trim = _malloc_trim()
        self._pending: asyncio.TimerHandle | None = None

    def soon(self) -> None:
        if self._trim is None or self._pending is not None:
            return
        loop = asyncio.get_running_loop()
        self._pending = loop.call_later(TRIM_DELAY, self._start, loop)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._pending = None
        loop.run_in_executor(None, self._run)

    def _run(self) -> None:
        assert self._trim is not None
        self._trim(0)
        log.debug("memory handed back to the system after slow clients left")

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
