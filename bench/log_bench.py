"""The SQLite conversation log alone, without HTTP: C seed flows at once, N in all, each writing
what the server writes for a flow (three turns: start, the handler's burst of events, ending),
with the payload sizes of a real run. Prints CPU ms per flow on the main thread and on the log's
writer thread, commits and bytes written per flow: the floor of what the log costs a flow.

    python bench/log_bench.py [--concurrency 50] [--flows 3000] [--repeat R] [--pages] [--smoke]

--pages runs without checkpoints, so that every page the writer wrote stays in the WAL, and
prints the pages written a flow by b-tree (table or index): where the commits' bytes go."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qbot.events import Event, dumps
from qbot.logapi import ConversationRow, LogError, TurnEnding, TurnStart
from qbot.sqlitelog.log import SqliteLog

FILLER = "通话记录与联系人ab"  # a mix of three-byte and one-byte characters, as the real text has


def text(size: int) -> str:
    """About `size` bytes of UTF-8."""
    chars = []
    while size > 0:
        c = FILLER[len(chars) % len(FILLER)]
        chars.append(c)
        size -= len(c.encode())
    return "".join(chars)


# One seed flow as a real server wrote it (bytes of UTF-8, from a run of bench/flows.py):
# (handler, confirm_type, question, request bytes, burst of (event, data bytes), outcome, pending bytes)
SEED_FLOW = [
    ("question", -1, "请问机主最近与谁打电话比较频繁？", 193, [("status", 56), ("message", 668), ("confirm", 987)],
     "awaiting_start", 1600),
    ("start", 0, "开始任务", 156, [("status", 70), ("message", 211), ("confirm", 2432)], "awaiting_filter", 3597),
    ("filter", 3, "继续任务", 2534, [("status", 84), ("message", 505), ("message", 1612), ("message", 97),
                                 ("message", 98), ("status", 53), ("result", 4900)], "completed", 3597),
]
PENDING = {size: dumps({"plan": text(size - 12)}) for size in {t[6] for t in SEED_FLOW}}
PAYLOADS = {size: text(size) for t in SEED_FLOW for size in [t[3], *(b for _, b in t[4])]}


class Listener:
    """Hears what the log committed; `ended` resolves once the turn's ending is committed."""

    def __init__(self) -> None:
        self.ended: asyncio.Future[ConversationRow] = asyncio.get_running_loop().create_future()

    def committed(self, events: list[Event]) -> None:
        pass

    def end_committed(self, row: ConversationRow) -> None:
        self.ended.set_result(row)

    def end_failed(self, error: LogError) -> None:
        self.ended.set_exception(error)

    def stop_requested(self) -> None:
        pass


async def flow(log: SqliteLog) -> None:
    cid, last = str(uuid.uuid4()), 0
    for handler, confirm_type, question, request, burst, outcome, pending in SEED_FLOW:
        turn_id = str(uuid.uuid4())
        start = Event(last + 1, "start", dumps({"conversation_id": cid, "turn_id": turn_id,
                                                 "confirm_type": confirm_type, "handler": handler}), turn_id)
        listener = Listener()
        turn = await log.start_turn(TurnStart(
            conversation_id=cid, turn_id=turn_id, owner="", case_id="demo", confirm_type=confirm_type,
            handler=handler, question=question, request_json=dumps({"q": PAYLOADS[request]}), events=[start],
            title=question), listener)
        await asyncio.sleep(0)  # the handler runs in a task of its own
        for n, (name, size) in enumerate(burst, start=last + 2):
            turn.append(Event(n, name, dumps({"delta": PAYLOADS[size]}), turn_id))
            await turn.room()
        last += len(burst) + 2
        done = Event(last, "done", dumps({"turn_id": turn_id, "state": outcome, "expect": [-1]}), turn_id)
        turn.end(TurnEnding(outcome=outcome, events=[done], state=outcome, pending_json=PENDING[pending]))
        await listener.ended


def written_bytes() -> int:
    """Bytes this process has passed to write() (WAL frames and checkpoints)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def pages_by_tree(path: Path) -> Counter[str]:
    """The pages in the WAL (a header, then frames of a 24-byte header and a page, the frame's
    page number first), counted by the b-tree that holds each page now."""
    wal = Path(f"{path}-wal").read_bytes()
    size = int.from_bytes(wal[8:12], "big")
    with closing(sqlite3.connect(path)) as conn:
        owner = dict(conn.execute("SELECT pageno, name FROM dbstat"))
    return Counter(owner.get(int.from_bytes(wal[at:at + 4], "big"), "?")
                   for at in range(32, len(wal) - size - 23, size + 24))


async def run(path: Path, concurrency: int, flows: int, pages: bool = False) -> dict[str, float]:
    log = await SqliteLog.open(path)
    writer_cpu = lambda: log._writer._call(time.thread_time)  # noqa: E731 - read on the writer's thread
    if pages:
        await log._writer._call(lambda: log._writer._conn.execute("PRAGMA wal_autocheckpoint=0"))
    try:
        left = flows

        async def client() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await flow(log)

        await asyncio.gather(*(flow(log) for _ in range(concurrency)))  # warm-up: caches, first pages
        began = (time.thread_time(), await writer_cpu(), time.process_time(), log.commits, written_bytes(),
                 time.perf_counter())
        await asyncio.gather(*(client() for _ in range(concurrency)))
        ended = (time.thread_time(), await writer_cpu(), time.process_time(), log.commits, written_bytes(),
                 time.perf_counter())
        if pages:  # the warm-up's flows too: the WAL holds every page the writer wrote
            print("pages a flow:", ", ".join(f"{tree} {n / (flows + concurrency):.2f}"
                                             for tree, n in pages_by_tree(path).most_common()))
    finally:
        await log.close()
    main, writer, process, commits, written, wall = (b - a for a, b in zip(began, ended, strict=True))
    return {"main": main * 1e3 / flows, "writer": writer * 1e3 / flows, "process": process * 1e3 / flows,
            "commits": commits / flows, "kb": written / 1024 / flows, "flows/s": flows / wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--flows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=1, help="runs, each on a fresh log")
    parser.add_argument("--pages", action="store_true", help="pages written a flow by b-tree (no checkpoints)")
    parser.add_argument("--smoke", action="store_true", help="5 flows at once, 50 in all")
    args = parser.parse_args()
    if args.smoke:
        args.concurrency, args.flows = 5, 50
    print(f"{args.concurrency} flows at once, {args.flows} measured; per flow:")
    print("main ms  writer ms  process ms  commits  KB written  flows/s")
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            r = asyncio.run(run(Path(tmp) / "qbot.db", args.concurrency, args.flows, args.pages))
        print(f"{r['main']:7.3f}  {r['writer']:9.3f}  {r['process']:10.3f}  {r['commits']:7.2f}  "
              f"{r['kb']:10.1f}  {r['flows/s']:7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
