"""`qbot serve --workers N`: N processes serving one port (SO_REUSEPORT: the kernel spreads the
connections), for one machine's cores. They share nothing but the PostgreSQL log, which is what
lets any of them follow, resume or stop a turn another one runs; the SQLite log is one process's.

The parent forks the workers, passes SIGTERM and SIGINT on to them, and starts a new worker in
place of one that dies after it was up; one that dies at start-up ends them all (a problem a
new one would meet again)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable

STARTUP_SECONDS = 10.0  # a worker that dies sooner is taken to have failed to start
RESPAWN_PAUSE = 1.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def sqlite_refusal(workers: int) -> str:
    return (f"--workers {workers} needs the PostgreSQL log: the SQLite log (log.url empty) is one process's, "
            "and a second would number events twice; set log.url: postgresql://user@host:port/db "
            "(QBOT_LOG_URL), or serve with --workers 1")


def supervise(count: int, serve_one: Callable[[], int]) -> int:
    """Run `serve_one` in `count` forked processes until a signal stops them; the exit status."""
    children: dict[int, float] = {}  # pid -> when it started
    stopping = False

    def spawn() -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: the parent's handlers are not its own
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _end_with(parent)
            code = 1
            try:
                code = serve_one()
            except Exception as exc:  # noqa: BLE001 - its last words, one line, as `qbot serve` says them
                print(f"qbot: error: worker {os.getpid()}: {exc}", file=sys.stderr)
                code = 2
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _signal(pid, signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(count):
        spawn()
    print(f"qbot: {count} workers serving, pids {', '.join(map(str, children))}", flush=True)
    status = 0
    while children:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None:
            continue
        code = os.waitstatus_to_exitcode(raw)
        if stopping:
            status = status or max(code, 0)
            continue
        if time.monotonic() - started < STARTUP_SECONDS:
            print(f"qbot: error: worker {pid} failed at start-up (exit {code}); stopping the others",
                  file=sys.stderr, flush=True)
            stop(signal.SIGTERM, None)
            status = code if code > 0 else 1
            continue
        print(f"qbot: worker {pid} ended (exit {code}); starting another", file=sys.stderr, flush=True)
        time.sleep(RESPAWN_PAUSE)
        spawn()
    return status


def _end_with(parent: int) -> None:
    """A worker whose parent dies (kill -9 of the supervisor) gets SIGTERM instead of serving on
    unsupervised, holding the port (Linux's PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
