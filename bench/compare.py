"""Measure qbot against its two peers under the same load, in one go, and print the comparison.

    python bench/compare.py                  # qbot, FastAPI peer, bare aiohttp peer: 50 clients, 10 s each
    python bench/compare.py --smoke          # CI: qbot only, 5 clients for 2 s; fails on any error
    python bench/compare.py --only qbot,bare --concurrency 20 --seconds 5

Each server is started on a free port of 127.0.0.1, waited for, warmed up, measured with
bench/flows.py and stopped before the next one starts, so an idle server never competes for the
CPU with the one being measured. The peers are run (never copied) from the shared bench directory.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

if __package__:  # python -m bench.compare
    from . import flows
else:  # python bench/compare.py: this directory is on sys.path
    import flows

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PEERS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "peers"
REQUIREMENTS = REPO / "bench" / "requirements.txt"
SERVERS = ("qbot", "fastapi", "bare")
FASTAPI_MODULES = ("fastapi", "uvicorn", "sse_starlette")
TARGETS = {"fastapi": 2.0, "bare": 0.7}  # qbot flows/s over the peer's, at 50 clients
# qbot's CPU time per flow over the peer's (issue 13): steadier than flows/s on a shared machine
CPU_TARGETS = {"fastapi": 0.5, "bare": 1.6}
# qbot builds a demo case on a fresh data dir before it listens; the peers start at once.
READY_TIMEOUT = {"qbot": 120.0, "fastapi": 30.0, "bare": 30.0}


class StartError(Exception):
    pass


class Server:
    """One server process, in its own session so that stopping it reaches all it spawned and a
    Ctrl-C in the terminal reaches only us (we then stop it ourselves)."""

    def __init__(self, name: str, argv: list[str], port: int, workdir: Path) -> None:
        self.name, self.port = name, port
        self.log_path = workdir / f"{name}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return "\n".join("    " + line for line in text[-lines:]) or "    (no output)"

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # the group is this process's own (see above)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    async def wait_ready(self) -> None:
        """qbot: GET /healthz answers 200; the peers: the port accepts a connection."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT[self.name]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while loop.time() < deadline:
                if self.proc.poll() is not None:
                    raise StartError(f"{self.name} exited with status {self.proc.returncode}:\n"
                                     f"{self.log_tail()}")
                try:
                    if self.name == "qbot":
                        async with session.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                            if r.status == 200:
                                return
                    else:
                        _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                        writer.close()
                        await writer.wait_closed()
                        return
                except (OSError, aiohttp.ClientError):  # TimeoutError is an OSError
                    pass  # not listening yet
                await asyncio.sleep(0.2)
        raise StartError(f"{self.name} not ready after {READY_TIMEOUT[self.name]:.0f} s:\n"
                         f"{self.log_tail()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(name: str, port: int, peers: Path, workdir: Path) -> list[str]:
    py = sys.executable  # the same interpreter (and venv) as this script
    if name == "qbot":
        data_dir = tempfile.mkdtemp(prefix="qbot-data-", dir=workdir)  # fresh: nothing cached
        return [py, "-m", "qbot", "serve", "--data-dir", data_dir, "--port", str(port)]
    if name == "fastapi":
        return [py, "-m", "uvicorn", "--app-dir", str(peers), "fastapi_ref:app",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return [py, str(peers / "aiohttp_bare.py"), str(port)]


def choose_servers(a: argparse.Namespace) -> list[str]:
    """The servers to measure, dropping unavailable peers unless they were asked for by name."""
    if a.only:
        names = [n.strip() for n in a.only.split(",") if n.strip()]
        unknown = sorted(set(names) - set(SERVERS))
        if unknown:
            sys.exit(f"--only: unknown server(s) {', '.join(unknown)}; choose from {','.join(SERVERS)}")
    else:
        names = ["qbot"] if a.smoke else list(SERVERS)
    explicit = bool(a.only)
    chosen = []
    for name in names:
        problem = None
        if name != "qbot" and not (a.peers_dir / "aiohttp_bare.py").is_file():
            problem = f"peers not found in {a.peers_dir} (use --peers-dir)"
        elif name == "fastapi":
            missing = [m for m in FASTAPI_MODULES if importlib.util.find_spec(m) is None]
            if missing:
                problem = (f"{', '.join(missing)} not installed; run:\n"
                           f"    {sys.executable} -m pip install -r {REQUIREMENTS}")
        if problem is None:
            chosen.append(name)
        elif explicit:
            print(f"cannot run {name}: {problem}", file=sys.stderr)
            sys.exit(2)
        else:
            print(f"skipping {name}: {problem}", file=sys.stderr)
    return chosen


async def measure(name: str, a: argparse.Namespace, workdir: Path, started: list[Server]) -> dict:
    port = free_port()
    server = Server(name, command(name, port, a.peers_dir, workdir), port, workdir)
    started.append(server)
    try:
        await server.wait_ready()
        base = f"http://127.0.0.1:{port}"
        if a.warmup > 0:  # first requests pay for imports, caches and connection set-up
            await flows.run(base, a.concurrency, a.warmup)
        return await flows.run(base, a.concurrency, a.seconds, pid=server.proc.pid)
    finally:
        server.stop()


def _fmt(value, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def report(results: dict[str, dict | None]) -> None:
    head = f"{'server':<8} {'flows/s':>9} {'events/s':>9} {'ttfe p50':>9} {'ttfe p99':>9} " \
           f"{'peak RSS':>9} {'CPU/flow':>9} {'errors':>7}"
    print(head)
    print(f"{'':<8} {'':>9} {'':>9} {'ms':>9} {'ms':>9} {'MiB':>9} {'ms':>9} {'':>7}")
    for name, r in results.items():
        if r is None:
            print(f"{name:<8} {'did not start':>9}")
            continue
        print(f"{name:<8} {r['flows_per_s']:>9.1f} {r['events_per_s']:>9,} "
              f"{_fmt(r['ttfe_p50_ms'], '>9.1f'):>9} {_fmt(r['ttfe_p99_ms'], '>9.1f'):>9} "
              f"{_fmt(r['peak_rss_mb'], '>9.1f'):>9} {_fmt(r['cpu_ms_per_flow'], '>9.2f'):>9} {r['errors']:>7}")
    q = results.get("qbot")
    for peer, target in TARGETS.items():
        p = results.get(peer)
        if q and p and p["flows_per_s"] > 0:
            ratio = q["flows_per_s"] / p["flows_per_s"]
            verdict = "met" if ratio >= target else "NOT met"
            print(f"qbot/{peer} flows/s = {ratio:.2f}  (target >= {target}: {verdict})")
    for peer, target in CPU_TARGETS.items():
        p = results.get(peer)
        if q and p and q["cpu_ms_per_flow"] and p["cpu_ms_per_flow"]:
            ratio = q["cpu_ms_per_flow"] / p["cpu_ms_per_flow"]
            verdict = "met" if ratio <= target else "NOT met"
            print(f"qbot/{peer} CPU/flow = {ratio:.2f}  (target <= {target}: {verdict})")
    if q:
        print(f"qbot errors = {q['errors']}  (target 0: {'met' if q['errors'] == 0 else 'NOT met'})")


async def amain(a: argparse.Namespace, names: list[str], started: list[Server]) -> int:
    print(f"concurrency={a.concurrency} seconds={a.seconds} warmup={a.warmup} "
          f"cpus={os.cpu_count()} servers={','.join(names)}", flush=True)
    results: dict[str, dict | None] = {}
    with tempfile.TemporaryDirectory(prefix="qbot-bench-") as tmp:
        for name in names:
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            try:
                results[name] = await measure(name, a, Path(tmp), started)
            except StartError as e:
                print(f"error: {e}", file=sys.stderr)
                results[name] = None
                continue
            for sample in results[name]["error_samples"]:
                print(f"  {name} error: {sample}", file=sys.stderr)
    report(results)
    if a.smoke:  # every server run must have completed flows and had no error
        bad = [n for n, r in results.items() if r is None or r["errors"] or not r["flows"]]
        return 1 if bad else 0
    return 1 if None in results.values() else 0


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # so that SIGTERM, like Ctrl-C, unwinds through the clean-up below


def main() -> int:
    ap = argparse.ArgumentParser(description="Measure qbot against the FastAPI and bare aiohttp peers.")
    ap.add_argument("--concurrency", type=int, help="concurrent clients (default 50; 5 with --smoke)")
    ap.add_argument("--seconds", type=float, help="measured seconds per server (default 10; 2 with --smoke)")
    ap.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first (default 1)")
    ap.add_argument("--only", help=f"comma-separated subset of {','.join(SERVERS)}")
    ap.add_argument("--smoke", action="store_true",
                    help="quick CI check: qbot only unless --only; exit 1 on any error or no flows")
    ap.add_argument("--peers-dir", type=Path, default=DEFAULT_PEERS,
                    help=f"where fastapi_ref.py and aiohttp_bare.py are (default {DEFAULT_PEERS})")
    a = ap.parse_args()
    a.concurrency = a.concurrency or (5 if a.smoke else 50)
    a.seconds = a.seconds or (2.0 if a.smoke else 10.0)
    a.peers_dir = a.peers_dir.resolve()
    names = choose_servers(a)
    if not names:
        print("nothing to measure", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    started: list[Server] = []
    try:
        return asyncio.run(amain(a, names, started))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in started:  # normally already stopped; this covers interrupts and crashes
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
