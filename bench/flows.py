"""Load generator for the qbot v1 contract (design.md §2).

C concurrent clients each repeat the seed's three-step flow on a fresh conversation for D seconds:
question (confirm_type -1) -> start (0) -> filter (3, sending back the form the start turn proposed),
reading every SSE stream to its end. A flow counts as an error unless every POST answers 200 with
text/event-stream, every stream ends with `done`, and the last one is `done` with state `completed`.

    python bench/flows.py http://127.0.0.1:18808 [--concurrency 50] [--seconds 10] [--pid PID] [--json]

prints flows/s, events/s, time to first event (from sending a POST to its first event, p50/p99) and,
with --pid, the server's peak RSS (VmHWM). Exits 1 if any flow failed or none completed.
From Python: `await run(base, concurrency, seconds, pid=None)` returns the same figures as a dict.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

from qbot.client.sse import SseEvent, SseReader  # qbot's own client reader: qbot is installed

PREFIX = "/qbot/api/v1/generalsec-ai"
SEED_QUESTION = "请问机主最近与谁打电话比较频繁？"
# What the browser front end sends; the Origin makes the server do its CORS work as in production.
HEADERS = {"Accept": "text/event-stream", "Origin": "http://localhost:9000"}
# Bounds one POST (connect to end of stream), so a stalled server cannot hang a run.
TURN_TIMEOUT = aiohttp.ClientTimeout(total=30)


class FlowError(Exception):
    """The server broke the contract in a way a client would notice."""


@dataclass
class _Stats:
    flows: int = 0
    errors: int = 0
    events: int = 0  # all events received, including those of flows that failed later
    ttfe: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # the first few errors, to show what broke


async def _turn(session: aiohttp.ClientSession, base: str, cid: str, confirm_type: int,
                question: str, form: dict, stats: _Stats) -> list[SseEvent]:
    """POST one step of the flow and read its stream to the end."""
    body = {"question": question, "conversation_id": cid, "case_id": "",
            "confirm_type": confirm_type, "package_nodes": [], "confirm_form_data": form}
    t0 = time.perf_counter()
    async with session.post(f"{base}{PREFIX}/chat/conversation/{cid}", json=body,
                            headers=HEADERS) as resp:
        if resp.status != 200:
            raise FlowError(f"confirm_type {confirm_type}: HTTP {resp.status} {(await resp.text())[:200]}")
        if resp.content_type != "text/event-stream":
            raise FlowError(f"confirm_type {confirm_type}: Content-Type {resp.content_type}")
        reader, events = SseReader(), []
        async for chunk in resp.content.iter_any():
            new = reader.feed(chunk)
            if new and not events:
                stats.ttfe.append(time.perf_counter() - t0)
            events += new
    stats.events += len(events)
    if not events or events[-1].event != "done":
        raise FlowError(f"confirm_type {confirm_type}: stream ended without `done` "
                        f"({len(events)} events)")
    return events


async def _flow(session: aiohttp.ClientSession, base: str, stats: _Stats) -> None:
    cid = str(uuid.uuid4())
    await _turn(session, base, cid, -1, SEED_QUESTION, {}, stats)
    events = await _turn(session, base, cid, 0, "开始任务", {}, stats)
    confirm = next((json.loads(e.data) for e in events if e.event == "confirm"), None)
    if not confirm or not isinstance(confirm.get("form"), dict):
        raise FlowError(f"start turn: no `confirm` event with a form ({confirm!r:.200})")
    events = await _turn(session, base, cid, 3, "继续任务", confirm["form"], stats)
    state = json.loads(events[-1].data).get("state")
    if state != "completed":
        raise FlowError(f"filter turn: `done` with state {state!r}, not 'completed'")


def peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident set (VmHWM) in MiB, or None if unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # reported in kB
    except OSError:
        pass
    return None


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system, all threads) the process has used so far, or None if unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()  # after the command name, which may hold spaces
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


async def run(base: str, concurrency: int, seconds: float, pid: int | None = None) -> dict:
    """Run the load and return its figures. Flows still running at the deadline are finished and
    counted, and the rates divide by the time until the last of them ended."""
    base = base.rstrip("/")
    stats = _Stats()
    deadline = time.perf_counter() + seconds
    # No connection limit: each client keeps its own keep-alive connection, as browsers would.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=TURN_TIMEOUT) as session:
        async def client() -> None:
            while time.perf_counter() < deadline:
                try:
                    await _flow(session, base, stats)
                    stats.flows += 1
                except Exception as e:  # noqa: BLE001 - every failure is a counted error
                    stats.errors += 1
                    if len(stats.samples) < 3:
                        stats.samples.append(repr(e)[:300])

        t0, cpu0 = time.perf_counter(), cpu_seconds(pid)
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = max(time.perf_counter() - t0, 1e-9)  # --seconds 0 runs nothing
        cpu1 = cpu_seconds(pid)
    rss = peak_rss_mb(pid)
    cpu = None if cpu0 is None or cpu1 is None or not stats.flows else (cpu1 - cpu0) / stats.flows
    return {
        "flows": stats.flows,
        "errors": stats.errors,
        "seconds": round(elapsed, 2),
        "flows_per_s": round(stats.flows / elapsed, 1),
        "events_per_s": round(stats.events / elapsed),
        "ttfe_p50_ms": _ms(_percentile(stats.ttfe, 50)),
        "ttfe_p99_ms": _ms(_percentile(stats.ttfe, 99)),
        "peak_rss_mb": None if rss is None else round(rss, 1),
        "cpu_ms_per_flow": None if cpu is None else round(cpu * 1000, 2),
        "error_samples": stats.samples,
    }


def format_line(r: dict) -> str:
    keys = ("flows", "errors", "seconds", "flows_per_s", "events_per_s",
            "ttfe_p50_ms", "ttfe_p99_ms", "peak_rss_mb", "cpu_ms_per_flow")
    return " ".join(f"{k}={'n/a' if r[k] is None else r[k]}" for k in keys)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", metavar="BASE", help="server root, e.g. http://127.0.0.1:18808")
    ap.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--seconds", type=float, default=10, help="how long to start new flows (default 10)")
    ap.add_argument("--pid", type=int, help="server process whose peak RSS and CPU time to report")
    ap.add_argument("--json", action="store_true", help="print a JSON object instead of one line")
    a = ap.parse_args()
    r = asyncio.run(run(a.base, a.concurrency, a.seconds, a.pid))
    for sample in r["error_samples"]:
        print("error:", sample, file=sys.stderr)
    print(json.dumps(r, ensure_ascii=False) if a.json else format_line(r))
    return 1 if r["errors"] or not r["flows"] else 0


if __name__ == "__main__":
    sys.exit(main())
