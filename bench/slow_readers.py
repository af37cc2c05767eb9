"""Slow readers: server memory held by clients that stop reading the replay of long conversations,
whether it comes back once they close, and whether ordinary flows keep their first-event time.

    python bench/slow_readers.py            # 200 readers on 4 conversations of 4 MB of log each
    python bench/slow_readers.py --smoke    # 20 readers on 2 conversations; exits 1 on failures (CI)
    python bench/slow_readers.py --readers 500 --mb 8 --json

It starts `python -m qbot serve` of the repository this file is in (first on PYTHONPATH) on a fresh
temp data dir and port, with its own config (`turns.send_timeout` 60 s: longer than the readers are
held) and a bench-only handler plugin (confirm_type 91, `bench_bulk`: `events` messages of `size`
characters, then done), as idle_streams.py does; makes `--conversations` conversations of about
`--mb` MB of log (POST the handler's step, read the stream to the end); reads each replay once and
runs bench/flows.py's flows (warm-up, baseline); takes the server's VmRSS; opens `--readers`
connections (round-robin) that send `GET …/events` with `Last-Event-ID: 0` (the whole replay), read
the response headers, check for 200 and never read again; samples VmRSS every 0.1 s until the
server settles (over 2 s: RSS within 1 MB, no event sent; at most `--settle` s); closes them and
takes VmRSS 5 s later; then opens them again and runs the flows while they are held (apart, so the
flows' own growth of the server's caches does not count as the readers'). Targets: at most 40 MB
added at 200 readers (scaled linearly), RSS 5 s after the close within 10% of before, flows' p99
first-event time while held at most 2x the baseline's + 20 ms. A `/metrics` line naming slow or held
streams is printed if any. All it started (server, sockets, temp dir) is stopped and removed on
exit, Ctrl-C or SIGTERM. Exits 1 on a failure (the server did not start or died, a conversation could
not be made, a reader got no 200, a flow failed) and, without --smoke, when a target is not met.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import aiohttp

from qbot.client.sse import SseReader  # qbot's own client reader: qbot is installed

if __package__:  # python -m bench.slow_readers
    from . import compare, flows, idle_streams
else:  # python bench/slow_readers.py: this directory is on sys.path
    import compare
    import flows
    import idle_streams

REPO = Path(__file__).resolve().parents[1]
BULK_TYPE = 91
TARGET_MB, TARGET_READERS = 40.0, 200  # added RSS while held, at 200 readers (scaled linearly)
AFTER_TOLERANCE = 0.10  # RSS 5 s after the close, relative to before
P99_FACTOR, P99_SLACK_MS = 2.0, 20.0  # ttfe p99 while held <= factor x baseline p99 + slack
SAMPLE_EVERY, OPEN_BATCH = 0.1, 50  # RSS sampling, s; connections opened at once (listen backlog 128)

BULK_PLUGIN = '''
"""Bench-only handler (bench/slow_readers.py): `events` messages of `size` characters, then done."""
import asyncio
from marshmallow import Schema, fields
from qbot.events import message
from qbot.handlers import STATE_COMPLETED


class Form(Schema):
    events = fields.Int(load_default=1000)
    size = fields.Int(load_default=4096)


class Bulk:
    confirm_type, name, form_schema, allowed_states = 91, "bench_bulk", Form, None

    async def run(self, ctx):
        size = ctx.form["size"]
        for i in range(ctx.form["events"]):
            yield message(f"{i:08d}" + "x" * (size - 8))
            if i % 100 == 99:
                await asyncio.sleep(0)  # let the log writer and other clients in
        ctx.set_state(STATE_COMPLETED, {})


handler = Bulk()
'''


def install_plugin(root: Path) -> Path:
    """The `qbot_bench_bulk` distribution in `root`, as idle_streams.install_plugin writes its own."""
    info = root / "qbot_bench_bulk-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (root / "qbot_bench_bulk.py").write_text(textwrap.dedent(BULK_PLUGIN), "utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: qbot_bench_bulk\nVersion: 1.0\n", "utf-8")
    (info / "entry_points.txt").write_text("[qbot.plugins]\nbench_bulk = qbot_bench_bulk:handler\n", "utf-8")
    return root


class Failure(Exception):
    """Something broke (not a missed target)."""


def rss_mb(pid: int) -> float:
    try:
        return round(idle_streams.rss_kb(pid) / 1024, 1)
    except (OSError, StopIteration):
        raise Failure(f"the server (pid {pid}) is gone") from None


def kernel_tcp_mb() -> float | None:
    """What the kernel holds in TCP buffers, all sockets (`TCP: … mem PAGES` of /proc/net/sockstat)."""
    try:
        words = next(ln for ln in Path("/proc/net/sockstat").read_text().splitlines() if ln.startswith("TCP:")).split()
        return round(int(words[words.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, StopIteration):
        return None


class Sampler:
    """The server's VmRSS every SAMPLE_EVERY seconds, as (monotonic time, MiB), in a task."""
    def __init__(self, pid: int) -> None:
        self.pid, self.samples = pid, []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), rss_mb(self.pid)))
            await asyncio.sleep(SAMPLE_EVERY)

    def peak(self, since: float) -> float:
        return max(mb for t, mb in self.samples if t >= since)

    async def settle(self, timeout: float, sent, window: float = 2.0, within: float = 1.0) -> tuple[bool, float]:
        """Wait until, over `window` s, RSS varied by at most `within` MiB and the server sent no
        event (`await sent()`: qbot_events_sent; replays may go on a page at a time); (settled, s)."""
        t0, counts = time.monotonic(), []
        while (now := time.monotonic()) < t0 + timeout:
            await asyncio.sleep(0.5)
            if self.task.done():
                self.task.result()  # raises the Failure that stopped it: the server is gone
            counts.append((now, (await sent()).get("qbot_events_sent_total")))
            recent = [mb for t, mb in self.samples if t >= now - window]
            sends = {c for t, c in counts if t >= now - window}
            if now - t0 >= window and max(recent) - min(recent) <= within and len(sends) == 1:
                return True, now - t0
        return False, time.monotonic() - t0


async def make_conversation(s: aiohttp.ClientSession, base: str, events: int, size: int) -> tuple[str, int, int]:
    """A new conversation whose log holds the bulk turn, its replay then read once completely (it
    must end with a completed done): (id, bytes, events of the replay)."""
    cid = str(uuid.uuid4())
    body = {"question": "bulk", "conversation_id": cid, "case_id": "", "confirm_type": BULK_TYPE,
            "package_nodes": [], "confirm_form_data": {"events": events, "size": size}}
    async with s.post(f"{base}{flows.PREFIX}/chat/conversation/{cid}", json=body,
                      headers={"Accept": "text/event-stream"}) as r:
        if r.status != 200:
            raise Failure(f"bulk turn: HTTP {r.status} {(await r.text())[:300]}")
        async for _ in r.content.iter_any():
            pass
    reader, got, nbytes = SseReader(), [], 0
    async with s.get(f"{base}{flows.PREFIX}/chat/conversation/{cid}/events",
                     headers={"Accept": "text/event-stream", "Last-Event-ID": "0"}) as r:
        if r.status != 200:
            raise Failure(f"replay of {cid}: HTTP {r.status} {(await r.text())[:300]}")
        async for chunk in r.content.iter_any():
            nbytes += len(chunk)
            got += reader.feed(chunk)
    if not got or got[-1].event != "done" or json.loads(got[-1].data).get("state") != "completed":
        raise Failure(f"replay of {cid} does not end with a completed done ({len(got)} events)")
    return cid, nbytes, len(got)


async def open_slow(port: int, path: str) -> asyncio.StreamWriter:
    """A GET of a whole replay that reads the response headers and then nothing more."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                     f"Last-Event-ID: 0\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        writer.transport.pause_reading()  # from here the socket's receive buffer fills and stays full
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if status.split()[1:2] != ["200"] or b"text/event-stream" not in head.lower():
            raise Failure(f"slow reader: {status} {head[:200]!r}")
    except BaseException:
        writer.transport.abort()
        raise
    return writer


async def scrape(s: aiohttp.ClientSession, base: str) -> dict[str, float]:
    """GET /metrics: the value of each sample, by its name (with labels)."""
    async with s.get(f"{base}/metrics") as r:
        lines = [ln.rpartition(" ") for ln in (await r.text()).splitlines() if ln and not ln.startswith("#")]
    return {name: float(value) for name, _, value in lines}


async def bench(a: argparse.Namespace, tmp: Path, started: list, out: dict) -> list[str]:
    """Run it all, filling `out`; returns the failures."""
    idle_streams.raise_nofile()  # readers + flows + the server's own files; the server inherits it
    size = a.event_bytes
    per_conv = -(-int(a.mb * 2**20) // (size + 45))  # 45: the frame's `id:`, `event:` and JSON around a delta
    # subscriber_buffer_bytes: the bulk POST's own stream must not be cut off (it does not apply to replays)
    (tmp / "config.yaml").write_text(textwrap.dedent(f"""\
        server:
          shutdown_timeout: 2
        turns:
          send_timeout: {a.send_timeout}
          subscriber_buffer_bytes: {int(a.mb * 2**20) * 2}
        """), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBOT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(install_plugin(tmp / "plugin")),
                                         *filter(None, [env.get("PYTHONPATH")])])
    port = compare.free_port()
    base = f"http://127.0.0.1:{port}"
    # cwd (first on the server's sys.path) is the temp dir, which holds no package: qbot is REPO's
    argv = [sys.executable, "-m", "qbot", "serve", "--config", str(tmp / "config.yaml"), "--data-dir", str(tmp / "data"),
            "--port", str(port)]
    server = idle_streams.QbotServer(argv, port, tmp, env)
    started.append(server)
    try:
        await server.wait_ready()
    except compare.StartError as e:
        raise Failure(str(e)) from None
    pid = server.proc.pid
    s = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
    started.append(s)
    if "bench_bulk" not in (health := await (await s.get(f"{base}/healthz")).text()):
        raise Failure(f"the bench_bulk plugin is not registered; /healthz says {health[:300]}\n{server.log_tail()}")

    print(f"qbot pid {pid} ({REPO}): making {a.conversations} conversations of {per_conv} events of {size} B",
          file=sys.stderr, flush=True)
    logs = [await make_conversation(s, base, per_conv, size) for _ in range(a.conversations)]
    out["log_mb"], out["log_events"] = round(min(b for _, b, _ in logs) / 2**20, 2), min(n for *_, n in logs)
    # a socket's send buffer grows up to tcp_wmem's max; one whose reader stops keeps tcp_rmem's default
    tcp = {name: Path(f"/proc/sys/net/ipv4/tcp_{name}").read_text().split() for name in ("wmem", "rmem")}
    out["tcp_wmem_max_kb"], out["tcp_rmem_default_kb"] = int(tcp["wmem"][2]) // 1024, int(tcp["rmem"][1]) // 1024
    await flows.run(base, a.flow_clients, 1.0)
    out["baseline"] = await flows.run(base, a.flow_clients, a.flow_seconds, pid=pid)
    await asyncio.sleep(1)
    before = out["rss_before_mb"] = rss_mb(pid)
    out["kernel_tcp_before_mb"] = kernel_tcp_mb()

    sampler, writers = Sampler(pid), []
    started += [sampler.task, writers]
    paths = [f"{flows.PREFIX}/chat/conversation/{cid}/events" for cid, _, _ in logs]

    async def hold() -> float:
        """Open the readers and wait until the server has settled; returns when they opened."""
        t_open = time.monotonic()
        for i in range(0, a.readers, OPEN_BATCH):
            got = await asyncio.gather(*(open_slow(port, paths[j % len(paths)])
                                         for j in range(i, min(i + OPEN_BATCH, a.readers))), return_exceptions=True)
            writers.extend(w for w in got if isinstance(w, asyncio.StreamWriter))
            bad = [e for e in got if not isinstance(e, asyncio.StreamWriter)]
            if bad:
                raise Failure(f"{len(bad)} slow reader(s) of {a.readers} failed to open: {bad[0]!r:.300}")
        out["open_seconds"] = round(time.monotonic() - t_open, 2)
        print(f"{len(writers)} slow readers open in {out['open_seconds']} s; waiting for the server to settle",
              file=sys.stderr, flush=True)
        out["settled"], waited = await sampler.settle(a.settle, lambda: scrape(s, base))
        out["settle_seconds"] = round(waited, 1)
        return t_open

    def close() -> float:
        for w in writers:
            w.close()
        writers.clear()
        return time.monotonic()

    # Memory: the readers alone, held and then gone (flows would grow the server's caches).
    t_open = await hold()
    held = out["rss_held_peak_mb"] = sampler.peak(t_open)
    out["kernel_tcp_held_mb"] = kernel_tcp_mb()
    metrics = await scrape(s, base)
    out["open_streams_held"] = metrics.get("qbot_open_streams")
    out["metric_lines_held"] = [f"{k} {v:g}" for k, v in metrics.items() if "slow" in k.lower() or "held" in k.lower()]
    t_close = close()
    await asyncio.sleep(5)
    after = out["rss_after_mb"] = rss_mb(pid)
    out["open_streams_after"] = (await scrape(s, base)).get("qbot_open_streams")
    out["rss_after_close_series_mb"] = [round(mb, 1) for t, mb in sampler.samples if t >= t_close][::10]

    # Flows while the readers are held again.
    await hold()
    t_flows = time.monotonic()
    out["during"] = await flows.run(base, a.flow_clients, a.flow_seconds, pid=pid)
    out["rss_during_flows_peak_mb"] = sampler.peak(t_flows)
    out["open_streams_end_of_hold"] = (await scrape(s, base)).get("qbot_open_streams")
    close()
    sampler.task.cancel()
    added, target_mb = held - before, TARGET_MB * a.readers / TARGET_READERS
    out["added_mb"], out["added_kb_per_reader"] = round(added, 1), round(added * 1024 / a.readers, 1)
    out["after_over_before"] = round(after / before, 3)
    base_p99, during_p99 = out["baseline"]["ttfe_p99_ms"], out["during"]["ttfe_p99_ms"]
    p99_bound = None if base_p99 is None else round(P99_FACTOR * base_p99 + P99_SLACK_MS, 1)
    out["targets"] = {
        "added_mb": {"bound": round(target_mb, 1), "met": added <= target_mb},
        "after_within": {"bound": AFTER_TOLERANCE, "met": after <= before * (1 + AFTER_TOLERANCE)},
        "ttfe_p99_ms": {"bound": p99_bound, "met": None not in (p99_bound, during_p99) and during_p99 <= p99_bound},
    }
    failures = [f"{phase} flows: {r['errors']} error(s) in {r['flows']} flows; {'; '.join(r['error_samples'])}"[:400]
                for phase, r in (("baseline", out["baseline"]), ("during", out["during"])) if r["errors"] or not r["flows"]]
    if server.proc.poll() is not None:
        failures.append(f"the server exited with status {server.proc.returncode}:\n{server.log_tail()}")
    return failures


def _f(value, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def report(a: argparse.Namespace, o: dict) -> None:
    t, b, d = o["targets"], o["baseline"], o["during"]
    verdict = {True: "met", False: "NOT met"}
    print(f"{a.readers} slow readers on {a.conversations} conversations, each log {o['log_mb']} MB "
          f"({o['log_events']} events of {a.event_bytes} B); loopback socket buffers here: send up to "
          f"{o['tcp_wmem_max_kb']} KB (tcp_wmem max), receive {o['tcp_rmem_default_kb']} KB (tcp_rmem default)")
    print(f"readers opened in {o['open_seconds']} s; server {'settled' if o['settled'] else 'did NOT settle'} after "
          f"{o['settle_seconds']} s (over 2 s: RSS within 1 MB, no event sent; at most {a.settle:g} s)")
    print(f"server streams open (qbot_open_streams): held {_f(o['open_streams_held'], '.0f')}, end of hold "
          f"{_f(o['open_streams_end_of_hold'], '.0f')}, 5 s after close {_f(o['open_streams_after'], '.0f')}")
    if (o["open_streams_held"] or 0) < a.readers:
        print(f"NOTE: {a.readers - (o['open_streams_held'] or 0)} readers' streams had ended: their whole replay "
              "fit in the kernel's socket buffers and the server held none of it (try a larger --mb)")
    for line in o["metric_lines_held"]:
        print(f"metric while held: {line}")
    print(f"kernel TCP buffers (all sockets, /proc/net/sockstat): before {_f(o['kernel_tcp_before_mb'])} MB, "
          f"held {_f(o['kernel_tcp_held_mb'])} MB\n")
    rows = [("server RSS (VmRSS)", "MiB", ""), ("before the readers", o["rss_before_mb"], ""),
            ("held (peak, readers only)", o["rss_held_peak_mb"], ""),
            ("held, peak during the flows", o["rss_during_flows_peak_mb"], ""),
            ("added while held", o["added_mb"], f"({o['added_kb_per_reader']:.1f} KB a reader)"),
            ("5 s after the readers closed", o["rss_after_mb"], f"(after/before {o['after_over_before']:.2f})"),
            ("after close, every 1 s", "", " ".join(f"{x:.1f}" for x in o["rss_after_close_series_mb"]))]
    for name, value, note in rows:
        print(f"{name:<30} " + (note if value == "" else f"{_f(value) if value != 'MiB' else value:>8}   {note}".rstrip()))
    print(f"\n{'ordinary flows':<16} {'flows':>6} {'flows/s':>8} {'ttfe p50':>9} {'ttfe p99':>9} {'errors':>7}")
    for name, r in (("baseline", b), ("readers held", d)):
        print(f"{name:<16} {r['flows']:>6} {r['flows_per_s']:>8.1f} {_f(r['ttfe_p50_ms']):>9} "
              f"{_f(r['ttfe_p99_ms']):>9} {r['errors']:>7}")
    print(f"({a.flow_clients} clients x {a.flow_seconds:g} s each; ttfe in ms)\n")
    scaled = "" if a.readers == TARGET_READERS else f", scaled from {TARGET_MB:g} MB at {TARGET_READERS}"
    print(f"target: added <= {t['added_mb']['bound']:g} MB at {a.readers} readers{scaled}: "
          f"{o['added_mb']:.1f} MB, {verdict[t['added_mb']['met']]}")
    print(f"target: RSS 5 s after close within {AFTER_TOLERANCE:.0%} of before: "
          f"{o['after_over_before']:.2f}x, {verdict[t['after_within']['met']]}")
    print(f"target: ttfe p99 while held <= {P99_FACTOR:g}x baseline p99 + {P99_SLACK_MS:g} ms = "
          f"{_f(t['ttfe_p99_ms']['bound'])} ms: {_f(d['ttfe_p99_ms'])} ms, {verdict[t['ttfe_p99_ms']['met']]}")


async def amain(a: argparse.Namespace, tmp: Path, started: list) -> int:
    out: dict = {"readers": a.readers, "conversations": a.conversations, "mb": a.mb}
    try:
        try:
            failures = await bench(a, tmp, started, out)
        except (Failure, OSError, aiohttp.ClientError, TimeoutError) as e:
            failures = [f"{type(e).__name__}: {e}" if not isinstance(e, Failure) else str(e)]
        out["failures"], complete = failures, "targets" in out
        if a.json:
            print(json.dumps(out, ensure_ascii=False))
        elif complete:
            report(a, out)
        for f in failures:
            print(f"error: {f}", file=sys.stderr)
        missed = complete and not all(t["met"] for t in out["targets"].values())
        if not a.json:
            print("result: " + ("FAILED" if failures else "targets NOT met" if missed else "ok"))
        return 1 if failures or (missed and not a.smoke) else 0
    finally:  # normally most are done; this covers failures, Ctrl-C and SIGTERM
        for thing in reversed(started):
            if isinstance(thing, list):
                for w in thing:
                    w.transport.abort()
            elif isinstance(thing, aiohttp.ClientSession):
                await thing.close()
            elif isinstance(thing, asyncio.Task):
                thing.cancel()
            else:
                thing.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description="Server memory held by clients that stop reading long replays.")
    ap.add_argument("--readers", type=int, help="slow readers (default 200; 20 with --smoke)")
    ap.add_argument("--conversations", type=int, help="long conversations, read round-robin (default 4; 2 with --smoke)")
    ap.add_argument("--mb", type=float, default=4.0, help="MB of log per conversation (default 4)")
    ap.add_argument("--event-bytes", type=int, default=4096, help="characters of each message of the log (default 4096)")
    ap.add_argument("--flow-clients", type=int, help="concurrent ordinary flows (default 10; 5 with --smoke)")
    ap.add_argument("--flow-seconds", type=float, help="seconds of flows, baseline and held (default 3; 2 with --smoke)")
    ap.add_argument("--settle", type=float, help="most seconds to wait for the server to settle (default 20; 8 with --smoke)")
    ap.add_argument("--send-timeout", type=float, default=60.0, help="the server's turns.send_timeout (default 60)")
    ap.add_argument("--smoke", action="store_true", help="small and fast (CI); exit 1 only on failures")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    a = ap.parse_args()
    for key, normal, smoke in (("readers", 200, 20), ("conversations", 4, 2), ("flow_clients", 10, 5),
                               ("flow_seconds", 3.0, 2.0), ("settle", 20.0, 8.0)):
        if getattr(a, key) is None:
            setattr(a, key, smoke if a.smoke else normal)
    if min(a.readers, a.conversations, a.flow_clients) < 1 or a.mb <= 0 or a.event_bytes < 8:
        ap.error("--readers, --conversations and --flow-clients must be >= 1, --mb > 0, --event-bytes >= 8")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # unwinds through the clean-up like Ctrl-C
    started: list = []
    with tempfile.TemporaryDirectory(prefix="qbot-slow-") as tmp:
        try:
            return asyncio.run(amain(a, Path(tmp), started))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            for thing in started:  # the server, if the loop was torn down before amain's clean-up
                if isinstance(thing, compare.Server):
                    thing.stop()


if __name__ == "__main__":
    sys.exit(main())
