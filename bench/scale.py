"""qbot on SQLite, on PostgreSQL with 1 and 2 workers, and the FastAPI peer's one worker, under the
same load in one run: flows/s and the server's CPU per flow (every process of it: the workers
and PostgreSQL's backends serving it are counted apart, as `db CPU`).

    python bench/scale.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--concurrency 50] [--seconds 10]

Each qbot on PostgreSQL gets a database of its own on that server, dropped afterwards. The load
is bench/flows.py's (the seed's three steps); servers are run one at a time, as compare.py does."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import flows
from compare import DEFAULT_PEERS, FASTAPI_MODULES, Server, free_port

TICK = os.sysconf("SC_CLK_TCK")


def _stats() -> Iterator[str]:
    """The `/proc/PID/stat` text of every live process."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    yield f.read()
            except OSError:
                continue  # it ended meanwhile


def _cpu(stat: str) -> int:
    """User + system clock ticks of one process's stat text (fields after the command name)."""
    fields = stat.rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def tree_cpu(session: int) -> float:
    """CPU seconds of the live processes of a session (the server and its workers)."""
    return sum(_cpu(stat) for stat in _stats() if int(stat.rpartition(")")[2].split()[3]) == session) / TICK


def postgres_cpu() -> float:
    """CPU seconds of PostgreSQL's processes (the backends serve every qbot connection)."""
    return sum(_cpu(stat) for stat in _stats() if stat.partition("(")[2].startswith("postgres")) / TICK


async def measure(label: str, argv: list[str], port: int, workdir: Path, a: argparse.Namespace) -> dict:
    folder = workdir / label
    folder.mkdir()
    server = Server("qbot" if "qbot" in argv else "fastapi", argv, port, folder)
    try:
        await server.wait_ready()
        base = f"http://127.0.0.1:{port}"
        await flows.run(base, a.concurrency, 1)
        cpu0, db0 = tree_cpu(server.proc.pid), postgres_cpu()
        result = await flows.run(base, a.concurrency, a.seconds)
        cpu, db = tree_cpu(server.proc.pid) - cpu0, postgres_cpu() - db0
        done = max(result["flows"], 1)
        result.update(label=label, cpu_ms=round(cpu / done * 1000, 2), db_ms=round(db / done * 1000, 2))
        return result
    finally:
        server.stop()


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--only", default="sqlite,pg1,pg2,fastapi", help="of sqlite,pg1,pg2,fastapi")
    a = ap.parse_args()
    only = set(a.only.split(","))
    py = sys.executable
    admin = await asyncpg.connect(a.url)
    made: list[str] = []
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="qbot-scale-") as tmp:
            workdir = Path(tmp)
            setups: list[tuple[str, list[str], dict]] = [("sqlite, 1 process", [], {})] if "sqlite" in only else []
            for workers in [w for w in (1, 2) if f"pg{w}" in only]:
                name = f"qbot_scale_{uuid.uuid4().hex[:8]}"
                await admin.execute(f'CREATE DATABASE "{name}"')
                made.append(name)
                url = urlunsplit(urlsplit(a.url)._replace(path=f"/{name}"))
                setups.append((f"postgresql, {workers} worker{'s' if workers > 1 else ''}",
                               ["--workers", str(workers)], {"QBOT_LOG_URL": url}))
            for label, extra, env in setups:
                port = free_port()
                data_dir = workdir / f"data-{port}"
                os.environ.update(env)
                try:
                    results.append(await measure(label.replace(" ", "").replace(",", "-"), [
                        py, "-m", "qbot", "serve", "--data-dir", str(data_dir), "--port", str(port), *extra],
                        port, workdir, a))
                finally:
                    for key in env:
                        os.environ.pop(key, None)
                results[-1]["label"] = label
            if "fastapi" in only and all(importlib.util.find_spec(m) for m in FASTAPI_MODULES):
                port = free_port()
                results.append(await measure("fastapi", [
                    py, "-m", "uvicorn", "--app-dir", str(DEFAULT_PEERS), "fastapi_ref:app", "--host", "127.0.0.1",
                    "--port", str(port), "--log-level", "warning"], port, workdir, a))
                results[-1]["label"] = "fastapi peer, 1 worker"
    finally:
        for name in made:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    print(f"{'server':<24} {'flows/s':>8} {'errors':>6} {'CPU ms/flow':>12} {'db CPU ms/flow':>15}")
    for r in results:
        print(f"{r['label']:<24} {r['flows_per_s']:>8} {r['errors']:>6} {r['cpu_ms']:>12} {r['db_ms']:>15}")
    return 1 if any(r["errors"] or not r["flows"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
