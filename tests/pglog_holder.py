"""A process that holds a turn in a PostgreSQL log, for the tests of leases: started as
`python -m tests.pglog_holder URL CONVERSATION LEASE_SECONDS`, it starts a turn and prints
`started TURN_ID`; then each line `append` on its standard input appends the next event and
prints `appended ID` or `failed REASON`. The tests kill it (-9) or stop it (SIGSTOP)."""

from __future__ import annotations

import asyncio
import sys

from qbot.pglog.log import PgLog
from tests.pglog_support import Heard, message, turn_start


async def main(url: str, cid: str, lease: float) -> None:
    log = await PgLog.open(url, lease_seconds=lease)
    start = turn_start(cid)
    turn = await log.start_turn(start, Heard())
    print("started", start.turn_id, flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "append":
        try:
            turn.append(message(start.turn_id, turn.committed_id + 1))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            print("failed", exc, flush=True)
            continue
        await log._writer.flush()
        print(f"failed {turn.failure}" if turn.failure else f"appended {turn.committed_id}", flush=True)
    await log.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
