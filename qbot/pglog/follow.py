"""Following a turn that another instance runs: its events are read from the log (`events after
N`) each time the doorbell rings for the conversation, up to the turn's `done`. While it follows,
the turn's row says someone watches, so its owner rings after each commit; a ring that is lost
(the LISTEN connection dropped) only delays the next read until the next `poll`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from qbot.events import Event

if TYPE_CHECKING:
    from qbot.pglog.log import PgLog

POLL_SECONDS = 2.0
PAGE_EVENTS = 500
PAGE_BYTES = 1024 * 1024


async def follow(log: PgLog, conversation_id: str, after: int, poll: float = POLL_SECONDS) -> AsyncIterator[list[Event]]:
    """Pages of the conversation's events after id `after`, as they are committed, ending with the
    first `done`; ends at once when no turn runs and no event is left to read."""
    rung = asyncio.Event()

    def heard(cid: str, _last: int) -> None:
        if cid == conversation_id:
            rung.set()

    unlisten = log.doorbell.listen(heard)
    try:
        async with log.watching(conversation_id):
            while True:
                rung.clear()  # before the read: a ring during it means read again
                page = await log.events_after(conversation_id, after, PAGE_EVENTS, PAGE_BYTES)
                done = next((n for n, e in enumerate(page) if e.event == "done"), None)
                if done is not None:
                    yield page[:done + 1]
                    return
                if page:
                    yield page
                    after = page[-1].id
                    continue
                row = await log.conversation(conversation_id)
                if row is None or row.running_turn is None:
                    if not await log.events_after(conversation_id, after, 1, 1):
                        return
                    continue  # it ended between the two reads: read its last events
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(rung.wait(), poll)
    finally:
        unlisten()
