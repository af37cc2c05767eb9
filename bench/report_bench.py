"""Report benchmark: `qbot report` of a 500-turn conversation over the demo case.

    python bench/report_bench.py [--turns 500] [--records 50] [--pdf]

A real server (in this process, on a free port) records the conversation: tasks of three turns
(question, start, filter with the proposed form), each a different question (rankings over
windows of 1 to N days, hour-of-day profiles, totals, listings), so no two results are the
same query and none is worked out once for several. Then, with the server closed, the report
is built as `qbot report` builds it (read the log, recompute every result, list the first
`--records` records of every row, render HTML), timed; `--pdf` also prints it with Chromium.

Target (issue 12): the HTML report of a 500-turn conversation in under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from flows import _Stats, _turn  # bench/flows.py: one step, its stream read to `done`
from qbot.app import create_app
from qbot.config import load_config
from qbot.evidence.demo import build_demo
from qbot.report.cli import build
from qbot.report.pdf import find_chromium, print_pdf

QUESTIONS = ("最近{n}天机主与谁打电话最多", "最近{n}天一天里什么时候通话最多", "最近{n}天一共有多少条通话记录",
             "最近{n}天有没有提到快递的消息")


async def record(data_dir: Path, turns: int) -> str:
    config = load_config(env={}, overrides={"data_dir": str(data_dir), "server.port": 0})
    runner = web.AppRunner(create_app(config))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    cid, stats = str(uuid.uuid4()), _Stats()
    try:
        async with aiohttp.ClientSession() as session:
            for task in range(-(-turns // 3)):
                question = QUESTIONS[task % len(QUESTIONS)].format(n=1 + task // len(QUESTIONS))
                await _turn(session, base, cid, -1, question, {}, stats)
                events = await _turn(session, base, cid, 0, "开始任务", {}, stats)
                form = next(json.loads(d)["form"] for _, name, d in events if name == "confirm")
                await _turn(session, base, cid, 3, "继续任务", form, stats)
    finally:
        await runner.cleanup()
    return cid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--records", type=int, default=50, help="records listed per result row")
    parser.add_argument("--pdf", action="store_true", help="also print the report to PDF with Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qbot-report-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        build_demo(data_dir / "evidence.db", data_dir / "demo-sources")
        started = time.perf_counter()
        cid = asyncio.run(record(data_dir, args.turns))
        recorded = time.perf_counter() - started
        config = load_config(env={}, overrides={"data_dir": str(data_dir)})
        started = time.perf_counter()
        html, dossier = asyncio.run(build(config, cid, "", args.records))
        (Path(tmp) / "report.html").write_text(html, "utf-8")
        seconds = time.perf_counter() - started
        results = sum(len(t.cited) for t in dossier.turns)
        rows = sum(len(rows) for t in dossier.turns for rows in t.cited.values())
        listed = sum(len(r.listed) for t in dossier.turns for rows in t.cited.values() for r in rows)
        charts = sum(len(c) for t in dossier.turns for c in t.charts.values())
        print(f"conversation: {len(dossier.turns)} turns, {dossier.events} events, {results} results, "
              f"{rows} result rows, {listed} records listed, {charts} charts (recorded in {recorded:.1f} s)")
        print(f"html report: {seconds:.2f} s, {len(html.encode()):,} bytes (target < 5 s: "
              f"{'met' if seconds < 5 else 'NOT met'})")
        if args.pdf:
            started = time.perf_counter()
            pdf = print_pdf(html, find_chromium(None))
            print(f"pdf report: {time.perf_counter() - started:.2f} s more, {len(pdf):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
