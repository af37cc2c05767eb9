"""Fixtures: the demo case is built once per session through the real importers, and each test
gets its own copy of it, its own conversation log, and a real server on a port."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from qbot.app import create_app
from qbot.config import Config, load_config
from qbot.evidence.demo import build_demo
from qbot.server import QbotRunner, runner_kwargs
from tests.support import Api, install_echo_plugin

pytest_plugins = ["tests.pg"]  # pg_url: a fresh PostgreSQL database per test


@pytest.fixture(scope="session")
def demo_evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder / "evidence.db", folder / "sources")
    return folder / "evidence.db"


@pytest.fixture
def data_dir(tmp_path: Path, demo_evidence: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(demo_evidence, folder / "evidence.db")
    return folder


@pytest.fixture
def echo_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test-only handler (confirm_type 7), installed as a distribution on sys.path."""
    root = install_echo_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(root))
    return root


@dataclass
class Running:
    api: Api
    app: web.Application
    server: TestServer
    config: Config

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


Start = Callable[..., Awaitable[Running]]


@pytest.fixture
async def start_qbot(data_dir: Path) -> AsyncIterator[Start]:
    """Start qbot on a free port, with the HTTP server `qbot serve` uses; keyword arguments are
    dotted config overrides."""
    sessions: list[aiohttp.ClientSession] = []
    servers: list[TestServer] = []

    async def start(**overrides: Any) -> Running:
        settings = {"data_dir": str(data_dir), **{k.replace("__", "."): v for k, v in overrides.items()}}
        config = load_config(env={}, overrides=settings)
        app = create_app(config)
        server = QbotTestServer(app)
        await server.start_server(**runner_kwargs(config))
        servers.append(server)
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        sessions.append(session)
        return Running(Api(session, str(server.make_url("")).rstrip("/")), app, server, config)

    yield start
    for session in sessions:
        await session.close()
    for server in servers:
        await server.close()


class QbotTestServer(TestServer):
    async def _make_runner(self, **kwargs: Any) -> QbotRunner:
        # aiohttp's test server cancels a handler whose client left; `qbot serve` does not (the
        # handler sees the connection error): test what runs in production.
        kwargs.pop("handler_cancellation", None)
        return QbotRunner(self.app, **kwargs)


@pytest.fixture
async def qbot(start_qbot: Start) -> Running:
    return await start_qbot()
