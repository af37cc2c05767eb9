"""Fixtures of the evaluation: each case's evidence.db built once per session, a real qbot server
on a fresh copy of it, and the tables of every case run, printed again (with the overall figures)
at the end of the session, where they are seen even when the tests pass."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from qbot.app import create_app
from qbot.config import load_config
from tests.support import Api

from . import cases
from .harness import Outcome, table

REPORT: dict[str, list[Outcome]] = {}  # case -> outcomes, filled by test_eval


def _built(name: str, factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return cases.BUILDERS[name](factory.mktemp(f"case-{name}"))


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _built("demo", tmp_path_factory)


@pytest.fixture(scope="session")
def testdata_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _built("testdata", tmp_path_factory)


@pytest.fixture(scope="session")
def ios_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _built("ios", tmp_path_factory)


Serve = Callable[[Path], Awaitable[Api]]


@pytest.fixture
async def serve(tmp_path: Path, aiohttp_server: Any) -> AsyncIterator[Serve]:
    """Start qbot on a copy of an evidence.db (the server writes its log beside it)."""
    sessions: list[aiohttp.ClientSession] = []

    async def start(db: Path) -> Api:
        data = tmp_path / f"data{len(sessions)}"
        data.mkdir()
        for suffix in ("", "-wal"):
            if Path(f"{db}{suffix}").exists():
                shutil.copy(f"{db}{suffix}", data / f"evidence.db{suffix}")
        server = await aiohttp_server(create_app(load_config(env={}, overrides={"data_dir": str(data)})))
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        sessions.append(session)
        return Api(session, str(server.make_url("")).rstrip("/"))

    yield start
    for session in sessions:
        await session.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT:
        return
    terminalreporter.section("qbot question evaluation")
    for case, outcomes in REPORT.items():
        terminalreporter.write_line(table(case, outcomes))
    everything = [o for outcomes in REPORT.values() for o in outcomes]
    terminalreporter.write_line(table("overall (" + ", ".join(REPORT) + ")", everything, wrong_list=False))
