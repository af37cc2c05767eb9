"""Import benchmark: a generated 1,000,000-row Android calllog.db (the real AOSP schema), imported
through `qbot.evidence.importing.import_paths`, then the top-20 call ranking over it.

    python bench/import_bench.py [--rows N] [--dir DIR]

Targets (issue 3): import < 15 s, peak RSS < 500 MB, top-20 < 100 ms. The file is generated in a
child process so the peak RSS reported is the importer's own.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from qbot.evidence import formats
from qbot.evidence.importing import import_paths
from qbot.evidence.store import EvidenceStore

PEOPLE = 3000
YEARS = 3


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    numbers = [f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" for _ in range(PEOPLE)]
    spellings = [(n, f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"0086{n}") for n in numbers]
    weights = [1 / (k + 1) ** 0.9 for k in range(PEOPLE)]
    picks = rng.choices(range(PEOPLE), weights, k=rows)
    start = 1_600_000_000_000
    step = YEARS * 365 * 86400 * 1000 // rows
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(formats.ANDROID_METADATA)
        conn.execute(formats.CALLLOG_CALLS)
        conn.executemany(
            "INSERT INTO calls (number, date, duration, type, name, countryiso) VALUES (?,?,?,?,?,?)",
            ((spellings[p][i % 3], start + i * step + rng.randrange(step), rng.randrange(0, 900),
              rng.choice((1, 1, 2, 2, 3, 5)), f"联系人{p}" if i % 4 else None, "CN")
             for i, p in enumerate(picks)),
        )
        conn.commit()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


async def rank(db: Path) -> list[tuple[str, float]]:
    store = await EvidenceStore.open(db)
    try:
        nodes = [n.id for n in await store.nodes("bench") if n.kind == "calls"]
        newest = await store.newest_time(nodes)
        timings = []
        for label, since in (("all time", None), ("last 30 days", newest - timedelta(days=30)),
                             ("last 365 days", newest - timedelta(days=365))):
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                total, rows = await store.call_ranking(nodes, since, None, limit=20)
                best = min(best, time.perf_counter() - t)
            timings.append((f"top-20 {label} ({total:,} calls, #1 {rows[0].calls:,})", best))
        return timings
    finally:
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--generate-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.generate_only, args.rows)
        return 0
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        source, db = Path(tmp) / "calllog.db", Path(tmp) / "evidence.db"
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--generate-only", str(source)],
                       check=True)
        print(f"generated {args.rows:,} calls ({source.stat().st_size / 2**20:.0f} MiB) "
              f"in {time.perf_counter() - t:.1f} s")
        rss_before = peak_rss_mb()
        t = time.perf_counter()
        summary = import_paths(db, "bench", [source], package="phone")
        seconds = time.perf_counter() - t
        assert summary.ok, str(summary)
        print(f"import: {seconds:.2f} s ({args.rows / seconds:,.0f} rows/s), peak RSS {peak_rss_mb():.0f} MB "
              f"(before import {rss_before:.0f} MB), store {db.stat().st_size / 2**20:.0f} MiB")
        for label, best in asyncio.run(rank(db)):
            print(f"{label}: {best * 1000:.1f} ms (best of 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
