"""Soak: the seed's flow from 50 concurrent clients against a fresh qbot for 10 minutes, watching
the server's memory.

    python bench/soak.py                     # 50 flows at once for 10 minutes
    python bench/soak.py --minutes 1         # a quick check

Starts `python -m qbot serve` on a fresh temp data dir and a free port of 127.0.0.1 (as
bench/compare.py does), runs bench/flows.py's load (`flows.run`) for the whole duration, samples the
server's resident memory (VmRSS) every 10 s, and prints RSS at the start (the sample after a 30 s
warm-up), at the end, and the growth between them (target: at most 10%), with flows/s and errors.
Exits 1 if the server did not start, any flow failed, none completed, or RSS grew past the target.
Everything it started is stopped on exit, Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path

if __package__:  # python -m bench.soak
    from . import compare, flows
else:  # python bench/soak.py: this directory is on sys.path
    import compare
    import flows

GROWTH_TARGET = 10.0  # percent, start (after warm-up) to end


def rss_mb(pid: int) -> float | None:
    """The process's current resident set (VmRSS) in MiB, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


async def soak(a: argparse.Namespace, started: list[compare.Server]) -> int:
    duration = a.minutes * 60
    with tempfile.TemporaryDirectory(prefix="qbot-soak-") as tmp:
        port = compare.free_port()
        server = compare.Server("qbot", compare.command("qbot", port, Path(tmp), Path(tmp)), port, Path(tmp))
        started.append(server)
        try:
            await server.wait_ready()
        except compare.StartError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        pid = server.proc.pid
        print(f"soak: {a.concurrency} concurrent flows for {a.minutes:g} min against qbot pid {pid} "
              f"(RSS sampled every {a.every:g} s, start = after {a.warmup:g} s warm-up)", flush=True)
        samples: list[tuple[float, float]] = []  # (seconds since the load began, MiB)
        t0 = time.monotonic()
        load = asyncio.create_task(flows.run(f"http://127.0.0.1:{port}", a.concurrency, duration, pid=pid))
        next_sample = 0.0
        while not load.done():
            now = time.monotonic() - t0
            if now >= next_sample:
                mb = rss_mb(pid)
                if mb is not None:
                    samples.append((now, mb))
                if int(next_sample) % 60 == 0 and next_sample:
                    print(f"  {now:5.0f} s  RSS {'n/a' if mb is None else f'{mb:.1f}'} MiB", file=sys.stderr, flush=True)
                next_sample += a.every
            await asyncio.wait({load}, timeout=max(0.0, next_sample - (time.monotonic() - t0)))
        r = load.result()
        end = rss_mb(pid)
        if end is not None:
            samples.append((time.monotonic() - t0, end))
        server.stop()
    for sample in r["error_samples"]:
        print("error:", sample, file=sys.stderr)
    after_warmup = [s for s in samples if s[0] >= a.warmup]
    if not after_warmup or end is None:
        print("error: no RSS sample after the warm-up (run longer than --warmup)", file=sys.stderr)
        return 1
    start_t, start = after_warmup[0]
    growth = (end - start) / start * 100
    series = " ".join(f"{mb:.1f}" for _, mb in samples)
    print(f"RSS samples (MiB, every {a.every:g} s): {series}")
    print(flows.format_line(r))
    print(f"RSS at start ({start_t:.0f} s) {start:.1f} MiB, at end ({samples[-1][0]:.0f} s) {end:.1f} MiB: "
          f"growth {growth:+.1f}%  (target <= {GROWTH_TARGET:g}%: {'met' if growth <= GROWTH_TARGET else 'NOT met'})")
    print(f"flows/s {r['flows_per_s']}  errors {r['errors']}  (target 0: {'met' if not r['errors'] else 'NOT met'})")
    return 1 if r["errors"] or not r["flows"] or growth > GROWTH_TARGET else 0


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds through the clean-up like Ctrl-C


def main() -> int:
    ap = argparse.ArgumentParser(description="Soak qbot with concurrent flows and watch its RSS.")
    ap.add_argument("--minutes", type=float, default=10, help="duration of the load (default 10)")
    ap.add_argument("--concurrency", type=int, default=50, help="concurrent flows (default 50)")
    ap.add_argument("--warmup", type=float, default=30, help="seconds before the start RSS sample (default 30)")
    ap.add_argument("--every", type=float, default=10, help="seconds between RSS samples (default 10)")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    started: list[compare.Server] = []
    try:
        return asyncio.run(soak(a, started))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in started:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
