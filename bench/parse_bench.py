"""Question parsing benchmark: every question of the evaluation (tests/engine/eval) read by the
builtin parser over its case's people, as the engine reads it before any query runs.

    python bench/parse_bench.py [--repeat 20]

Each question's time is the median of its reads; printed are the median, 99th percentile and
maximum over the questions (target: under 5 ms),
and the slowest questions. The cases are built through the real importers into a temp dir."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qbot.engine import parser  # noqa: E402
from qbot.engine.people import People  # noqa: E402
from qbot.engine.readings import CaseSources  # noqa: E402
from qbot.evidence.store import EvidenceStore  # noqa: E402
from tests.engine.eval import cases  # noqa: E402
from tests.engine.eval.test_eval import load_items  # noqa: E402


async def read_case(name: str, db: Path, case_id: str, repeat: int) -> list[tuple[float, str]]:
    store = await EvidenceStore.open(db, readers=1)
    try:
        case = await store.get_case(case_id)
        people = People(await store.directory(case.id), case.region)
        nodes = await store.nodes(case.id)
        sources = CaseSources(frozenset((n.kind, n.app) for n in nodes if n.count))
        newest = max((n.last for n in nodes if n.last), default=None)
        timings = []
        for item in load_items(name):
            parser.read(item.question, people, sources, 30, newest, ZoneInfo(case.timezone))  # warm the caches
            runs = []
            for _ in range(repeat):
                parser.normalize.cache_clear()  # each read normalises again, as a new question would
                started = time.perf_counter()
                parser.read(item.question, people, sources, 30, newest, ZoneInfo(case.timezone))
                runs.append(time.perf_counter() - started)
            # the median of its reads: one read caught by a garbage-collector pass is not the parser
            timings.append((statistics.median(runs), item.question))
        return timings
    finally:
        await store.close()


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--repeat", type=int, default=20, help="reads of each question (default 20)")
    repeat = args.parse_args().repeat
    timings: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="qbot-parse-bench-") as tmp:
        for name, build in cases.BUILDERS.items():
            folder = Path(tmp) / name
            folder.mkdir()
            db, case_id = build(folder)
            found = asyncio.run(read_case(name, db, case_id, repeat))
            print(f"{name}: {len(found)} questions, each read {repeat} times")
            timings += found
    ms = sorted(t * 1000 for t, _ in timings)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"read one question: median {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.2f} ms "
          f"over {len(ms)} questions")
    for seconds, question in sorted(timings, reverse=True)[:3]:
        print(f"  slowest: {seconds * 1000:.2f} ms  {question[:60]}")
    verdict = "met" if ms[-1] < 5 else "NOT met"
    print(f"target < 5 ms per question: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
