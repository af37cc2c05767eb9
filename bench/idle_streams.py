"""Idle streams: how much server memory an open, heartbeating event stream costs qbot, and how late
its heartbeats come when 10,000 are open at once.

    python bench/idle_streams.py                   # 10,000 streams
    python bench/idle_streams.py --streams 3000
    python bench/idle_streams.py --smoke           # 200 streams; exits 1 on any failure (CI)

One command: it starts `python -m qbot serve` on a fresh temp data dir and a free port of
127.0.0.1, with a config file (`server.ping_interval` 2 s, `turns.send_timeout` 10 s, a long
`turns.max_turn_seconds`) and a bench-only handler plugin (confirm_type 90, `bench_hold`: one
message, then it sleeps) installed as a distribution on the server's PYTHONPATH, the way
tests/support.py installs its test plugin. A stream only stays open while a turn runs, so it starts
one holding turn per `--per-turn` streams (100 by default), then client processes (several when
one would hold more than `--per-worker` streams) open the streams as `GET …/events` followers of
those turns, each reading its first event (the turn's `start`) and then holding the connection.

It prints the server's RSS (VmRSS) before the streams (turns started, a few warm-up streams opened
and closed) and after all are open, and their difference per stream (target: under 20 KB; a bare
aiohttp-sse stream measured 14 KB on this machine, FastAPI + sse-starlette 48 KB); then, over a
sample of streams spread across the opening order and for `--intervals` ping intervals, the
heartbeat delay: how long after it was due each `: ping` arrived, due being the previous ping's
arrival plus the interval (and, as drift, the stream's open time plus k intervals).

The client raises its open-files limit (RLIMIT_NOFILE) to the hard limit and says so; the server,
started by it, inherits the raised limit. If N streams cannot fit under that limit, it opens as
many as fit and says so. Everything it started (server, client processes, temp dir) is stopped
and removed on exit, Ctrl-C or SIGTERM. Exits 1 if the server did not start, a stream could not
be opened or died, or a sampled stream missed its heartbeats.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import aiohttp

from qbot.client.sse import SseReader  # qbot's own client reader: qbot is installed

if __package__:  # python -m bench.idle_streams
    from . import compare
else:  # python bench/idle_streams.py: this directory is on sys.path
    import compare

PREFIX = "/qbot/api/v1/generalsec-ai"
HOLD_TYPE = 90
TARGET_KB = 20.0
FD_MARGIN = 200  # descriptors a process needs besides its streams (files, SQLite, pipes)
OPEN_BATCH = 50  # connections a client process opens at once (the server's listen backlog is 128)

HOLD_PLUGIN = '''
"""Bench-only handler (bench/idle_streams.py): one message, then it holds the turn open."""
import asyncio
from marshmallow import Schema, fields
from qbot.events import message
from qbot.handlers import STATE_COMPLETED


class Form(Schema):
    seconds = fields.Float(load_default=3600.0)


class Hold:
    confirm_type = 90
    name = "bench_hold"
    form_schema = Form
    allowed_states = None

    async def run(self, ctx):
        yield message("holding")
        await asyncio.sleep(ctx.form["seconds"])
        ctx.set_state(STATE_COMPLETED, {})


handler = Hold()
'''


def install_plugin(root: Path) -> Path:
    """Write the `qbot_bench_hold` distribution into `root` (put it on PYTHONPATH): a module and a
    `*.dist-info` with its `qbot.plugins` entry point, as tests/support.py install_plugin does."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "qbot_bench_hold.py").write_text(textwrap.dedent(HOLD_PLUGIN), "utf-8")
    info = root / "qbot_bench_hold-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: qbot_bench_hold\nVersion: 1.0\n", "utf-8")
    (info / "entry_points.txt").write_text("[qbot.plugins]\nbench_hold = qbot_bench_hold:handler\n", "utf-8")
    return root


def raise_nofile() -> tuple[int, int, int]:
    """Raise the soft open-files limit as far as the hard limit allows: (before, after, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if want > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):
            pass
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# -- client process -----------------------------------------------------------------------------

async def open_stream(session: aiohttp.ClientSession, url: str,
                      arrivals: list[float] | None = None) -> tuple[aiohttp.ClientResponse, float, SseReader]:
    """GET an event stream and read up to the end of its first event; returns the response, the
    time its headers arrived (the server starts the stream's ping timer as it sends them) and the
    stream's reader, which appends each `: ping`'s arrival time to `arrivals` if given."""
    resp = await session.get(url, headers={"Accept": "text/event-stream"})
    opened = time.monotonic()
    if resp.status != 200 or resp.content_type != "text/event-stream":
        body = (await resp.text())[:200]
        resp.close()
        raise RuntimeError(f"HTTP {resp.status} {resp.content_type}: {body}")

    def on_comment(text: str) -> None:
        if text == "ping" and arrivals is not None:
            arrivals.append(time.monotonic())

    reader = SseReader(on_comment)
    while True:
        chunk = await asyncio.wait_for(resp.content.readany(), 30)
        if not chunk:
            raise RuntimeError("stream ended before its first event")
        if reader.feed(chunk):
            return resp, opened, reader


async def watch_pings(resp: aiohttp.ClientResponse, reader: SseReader) -> None:
    """Read the stream on to its end, so its reader sees each `: ping`."""
    try:
        async for chunk in resp.content.iter_any():
            reader.feed(chunk)
    except (aiohttp.ClientError, asyncio.CancelledError, ConnectionError):
        pass


async def worker_main(spec: dict) -> None:
    """Open `count` streams, report, then on `sample S` measure heartbeats for S seconds and
    report, then on `close` (or EOF) close everything. Talks JSON lines over stdin/stdout."""
    raise_nofile()
    base, cids, count, first = spec["base"], spec["cids"], spec["count"], spec["first"]
    sampled = set(spec["sampled"])  # global stream indices whose pings are recorded
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    held: list[aiohttp.ClientResponse] = []
    watched: list[tuple[float, list[float]]] = []  # (open time, ping arrivals)
    watchers: list[asyncio.Task] = []
    errors: list[str] = []
    failed = 0
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        async def one(i: int) -> None:
            nonlocal failed
            url = f"{base}{PREFIX}/chat/conversation/{cids[i % len(cids)]}/events"
            arrivals: list[float] | None = [] if i in sampled else None
            try:
                resp, opened, stream = await asyncio.wait_for(open_stream(session, url, arrivals), 60)
            except Exception as e:  # noqa: BLE001 - every failure is counted
                failed += 1
                if len(errors) < 3:
                    errors.append(f"stream {i}: {e!r}"[:300])
                return
            held.append(resp)
            if arrivals is not None:
                watched.append((opened, arrivals))
                watchers.append(asyncio.create_task(watch_pings(resp, stream)))

        t0 = time.monotonic()
        for start in range(first, first + count, OPEN_BATCH):
            await asyncio.gather(*(one(i) for i in range(start, min(start + OPEN_BATCH, first + count))))
        say({"opened": len(held), "failed": failed, "errors": errors, "seconds": time.monotonic() - t0})

        while line := (await reader.readline()).decode().strip():
            if line.startswith("sample"):
                window, interval = (float(x) for x in line.split()[1:3])
                w0 = time.monotonic()
                lag = 0.0  # this process's own event-loop lag, to judge the client's noise
                while (now := time.monotonic()) < w0 + window:
                    await asyncio.sleep(0.05)
                    lag = max(lag, time.monotonic() - now - 0.05)
                await asyncio.sleep(min(1.0, interval / 2))  # pings due just before the end may be in flight
                w1 = w0 + window
                late, drift, missing = [], [], 0
                for opened, arrivals in watched:
                    in_window = [(k, t) for k, t in enumerate(arrivals, 1) if w0 <= t < w1]
                    k_lo = max(1, math.ceil((w0 - opened) / interval))
                    k_hi = math.ceil((w1 - opened) / interval) - 1
                    expected = max(0, k_hi - k_lo + 1)  # pings due inside the window
                    missing += max(0, expected - len(in_window) - 1)  # one may straddle the edge
                    for k, t in in_window:
                        prev = arrivals[k - 2] if k >= 2 else opened
                        late.append(t - prev - interval)
                        drift.append(t - (opened + k * interval))
                alive = sum(1 for r in held if not r.content.at_eof() and not r.closed
                            and r.connection is not None)
                say({"late": late, "drift": drift, "missing": missing, "alive": alive,
                     "client_lag": lag})
            elif line == "close":
                break
        for task in watchers:
            task.cancel()
        for resp in held:
            resp.close()


# -- the bench ----------------------------------------------------------------------------------

class Worker:
    def __init__(self, spec: dict) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(spec)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     start_new_session=True)

    async def read(self) -> dict:
        line = await asyncio.to_thread(self.proc.stdout.readline)
        if not line:
            raise RuntimeError(f"client process exited with status {self.proc.wait()}")
        return json.loads(line)

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            self.send("close")
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class QbotServer(compare.Server):
    """compare.Server (readiness by /healthz, stop by process group), started with an
    environment of its own: the plugin on PYTHONPATH, no QBOT_* settings of ours."""

    def __init__(self, argv: list[str], port: int, workdir: Path, env: dict[str, str]) -> None:
        self.name, self.port = "qbot", port
        self.log_path = workdir / "qbot.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)


async def start_holds(base: str, n: int) -> list[str]:
    """Start `n` holding turns, each on a new conversation; returns their ids once each turn has
    sent its message (so it is asleep in the handler)."""
    cids = [str(uuid.uuid4()) for _ in range(n)]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        async def one(cid: str) -> None:
            body = {"question": "hold", "conversation_id": cid, "case_id": "", "confirm_type": HOLD_TYPE,
                    "package_nodes": [], "confirm_form_data": {"seconds": 3600}}
            async with s.post(f"{base}{PREFIX}/chat/conversation/{cid}", json=body,
                              headers={"Accept": "text/event-stream"}) as r:
                if r.status != 200:
                    raise RuntimeError(f"holding turn: HTTP {r.status} {(await r.text())[:300]}")
                async for line in r.content:
                    if line.startswith(b"event: message"):
                        return  # closing this POST leaves the turn running (on_disconnect: continue)
                raise RuntimeError("holding turn ended before its message")

        for i in range(0, n, 50):
            await asyncio.gather(*(one(c) for c in cids[i:i + 50]))
    return cids


async def stop_holds(base: str, cids: list[str]) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        for i in range(0, len(cids), 50):
            async def one(cid: str) -> None:
                async with s.post(f"{base}{PREFIX}/chat/conversation/{cid}/stop") as r:
                    await r.read()
            await asyncio.gather(*(one(c) for c in cids[i:i + 50]), return_exceptions=True)


async def warm_up(base: str, cid: str, n: int) -> None:
    """Open and close a few streams: the first ones pay for lazy imports and caches."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        held = await asyncio.gather(*(open_stream(s, f"{base}{PREFIX}/chat/conversation/{cid}/events")
                                      for _ in range(n)))
        for resp, _, _ in held:
            resp.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


async def bench(a: argparse.Namespace, tmp: Path, started: list) -> int:
    ok = True
    soft, raised, hard = raise_nofile()
    print(f"open-files limit (RLIMIT_NOFILE): soft {soft} -> {raised} (hard {hard}); "
          f"the server inherits {raised}", flush=True)
    n = a.streams
    if raised - FD_MARGIN < n:
        n = max(1, raised - FD_MARGIN)
        print(f"NOTE: {a.streams} streams cannot be reached: the server may open {raised} files, so at "
              f"most {n} streams (raise the hard limit: ulimit -Hn, or limits.conf)", flush=True)
    per_worker = min(a.per_worker, raised - FD_MARGIN)
    workers = max(1, math.ceil(n / per_worker))

    plugin_dir = install_plugin(tmp / "plugin")
    (tmp / "config.yaml").write_text(textwrap.dedent(f"""\
        server:
          ping_interval: {a.ping_interval}
          shutdown_timeout: 2
        turns:
          send_timeout: 10
          max_turn_seconds: 7200
        """), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBOT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(plugin_dir), *filter(None, [env.get("PYTHONPATH")])])
    port = compare.free_port()
    base = f"http://127.0.0.1:{port}"
    server = QbotServer([sys.executable, "-m", "qbot", "serve", "--config", str(tmp / "config.yaml"),
                         "--data-dir", str(tmp / "data"), "--port", str(port)], port, tmp, env)
    started.append(server)
    try:
        await server.wait_ready()
    except compare.StartError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    async with aiohttp.ClientSession() as s, s.get(f"{base}/healthz") as r:
        health = await r.text()
    if "bench_hold" not in health:
        print(f"error: the bench_hold plugin is not registered; /healthz says {health[:300]}\n"
              f"{server.log_tail()}", file=sys.stderr)
        return 1
    pid = server.proc.pid
    turns = max(1, math.ceil(n / a.per_turn))
    cids = await start_holds(base, turns)
    await warm_up(base, cids[0], min(20, n))
    await asyncio.sleep(1)
    before = rss_kb(pid)
    print(f"qbot pid {pid}: {turns} holding turns, ping_interval {a.ping_interval:g} s; "
          f"opening {n} streams from {workers} client process(es)", flush=True)

    step = max(1, n // min(a.sample, n))
    sampled = list(range(0, n, step))[:a.sample]  # spread across the opening order
    shares = [n // workers + (1 if w < n % workers else 0) for w in range(workers)]
    t0 = time.monotonic()
    first = 0
    for share in shares:
        started.append(Worker({"base": base, "cids": cids, "count": share, "first": first,
                               "sampled": [i for i in sampled if first <= i < first + share]}))
        first += share
    clients = [w for w in started if isinstance(w, Worker)]
    reports = await asyncio.gather(*(w.read() for w in clients))
    open_seconds = time.monotonic() - t0
    opened = sum(r["opened"] for r in reports)
    failed = sum(r["failed"] for r in reports)
    for r in reports:
        for e in r["errors"]:
            print(f"error: {e}", file=sys.stderr)
    await asyncio.sleep(2)
    after = rss_kb(pid)
    per_stream = (after - before) / opened if opened else float("nan")
    print(f"{opened} streams open ({failed} failed) in {open_seconds:.1f} s")
    print(f"server RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB: {per_stream:.1f} KB a stream "
          f"(target < {TARGET_KB:g} KB: {'met' if per_stream < TARGET_KB else 'NOT met'}; "
          f"peers here: aiohttp-sse 14 KB, sse-starlette 48 KB)", flush=True)
    ok &= opened == n and failed == 0

    window = a.intervals * a.ping_interval
    for w in clients:
        w.send(f"sample {window} {a.ping_interval}")
    samples = await asyncio.gather(*(w.read() for w in clients))
    late = [x for r in samples for x in r["late"]]
    drift = [x for r in samples for x in r["drift"]]
    missing = sum(r["missing"] for r in samples)
    alive = sum(r["alive"] for r in samples)
    lag = max(r["client_lag"] for r in samples)
    end_rss = rss_kb(pid)
    if late:
        print(f"heartbeat delay over {len(sampled)} sampled streams, {a.intervals} intervals "
              f"({len(late)} pings): p50 {ms(percentile(late, 50))} ms, p99 {ms(percentile(late, 99))} ms, "
              f"max {ms(max(late))} ms after due (previous ping + {a.ping_interval:g} s)")
        print(f"drift since stream open (open + k x interval): p50 {ms(percentile(drift, 50))} ms, "
              f"p99 {ms(percentile(drift, 99))} ms, max {ms(max(drift))} ms")
    else:
        print("heartbeat delay: no ping arrived on any sampled stream")
        ok = False
    print(f"missed pings: {missing}; streams still open after the window: {alive} of {opened}; "
          f"client event-loop lag max {ms(lag)} ms; server RSS at the end {end_rss / 1024:.1f} MiB")
    ok &= missing == 0 and alive == opened
    for w in clients:
        w.stop()
    await stop_holds(base, cids)
    server.stop()
    print("result: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds through the clean-up like Ctrl-C


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:  # a client process, started by the bench itself
        asyncio.run(worker_main(json.loads(sys.argv[2])))
        return 0
    ap = argparse.ArgumentParser(description="Memory per idle SSE stream and heartbeat delay of qbot.")
    ap.add_argument("--streams", type=int, help="concurrent idle streams (default 10000; 200 with --smoke)")
    ap.add_argument("--smoke", action="store_true", help="quick check with 200 streams; exit 1 on failure")
    ap.add_argument("--ping-interval", type=float, default=2.0, help="server.ping_interval, seconds (default 2)")
    ap.add_argument("--intervals", type=int, default=3, help="ping intervals the heartbeats are sampled (default 3)")
    ap.add_argument("--sample", type=int, default=500, help="streams whose heartbeats are timed (default 500)")
    ap.add_argument("--per-turn", type=int, default=100, help="streams following each holding turn (default 100)")
    ap.add_argument("--per-worker", type=int, default=5000, help="most streams per client process (default 5000)")
    a = ap.parse_args()
    a.streams = a.streams or (200 if a.smoke else 10_000)
    signal.signal(signal.SIGTERM, _interrupt)
    started: list = []
    with tempfile.TemporaryDirectory(prefix="qbot-idle-") as tmp:
        try:
            return asyncio.run(bench(a, Path(tmp), started))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            for proc in reversed(started):  # normally already stopped; this covers interrupts and crashes
                proc.stop()


if __name__ == "__main__":
    sys.exit(main())
