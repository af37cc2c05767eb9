"""The application factory: one place builds the app, for `qbot serve` and for the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp_cors
from aiohttp import web

from qbot import registry as plugin_registry
from qbot.appkeys import CONFIG, ENGINE, HEARTBEAT, LOG, METRICS, REGISTRY, RUNNER, STEP_SCHEMA, STORE
from qbot.auth import AUTHENTICATOR, auth_middleware, load_authenticator
from qbot.buffers import ClientBuffers
from qbot.citations import setup_citations
from qbot.config import Config
from qbot.console import setup_console
from qbot.logbackend import open_log
from qbot.engine import create_engine
from qbot.evidence.store import EvidenceStore
from qbot.guards import Guard, guard_middleware
from qbot.heartbeat import Heartbeat
from qbot.memory import Trimmer
from qbot.metrics import Metrics
from qbot.middlewares import error_middleware
from qbot.registry import Registered
from qbot.report.route import setup_report
from qbot.routes import setup_routes
from qbot.schemas import step_schema
from qbot.server import name_server
from qbot.turns import TurnRunner

log = logging.getLogger(__name__)


def create_app(config: Config, registry: dict[int, Registered] | None = None) -> web.Application:
    """Build the app. Handlers come from the `qbot.plugins` entry points unless given; the
    authenticator `auth.method` names from `qbot.authenticators`, when authentication is on."""
    authenticator = load_authenticator(config.auth) if config.auth.enabled else None
    # Inside error_middleware, so every refusal is the usual JSON; the guard before any work.
    middlewares = [error_middleware, guard_middleware(Guard(config.server.host, config.server.allowed_hosts,
                                                            config.server.cors_origins))]
    if authenticator is not None:
        middlewares.append(auth_middleware(authenticator, config.server.prefix))
    app = web.Application(middlewares=middlewares, client_max_size=config.limits.max_body_bytes)
    if authenticator is not None:
        app[AUTHENTICATOR] = authenticator
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app[HEARTBEAT] = Heartbeat(config.server.ping_interval)
    app[REGISTRY] = registry if registry is not None else plugin_registry.load(config.plugins.disabled)
    app[STEP_SCHEMA] = step_schema(config.limits)
    app.cleanup_ctx.append(_resources)
    app.on_shutdown.append(_drain)

    prefix = config.server.prefix
    routes = setup_routes(app, prefix) + setup_citations(app, prefix) + setup_report(app, prefix)
    cors = aiohttp_cors.setup(app, defaults={
        origin: aiohttp_cors.ResourceOptions(allow_credentials=True, allow_headers="*",
                                             expose_headers=("Content-Type",), max_age=600)
        for origin in config.server.cors_origins
    })
    for route in routes:
        cors.add(route)
    setup_console(app, config.server.prefix)  # same origin as the API: no CORS
    app.on_response_prepare.append(_vary_on_origin)  # after aiohttp-cors's own handler
    app.on_response_prepare.append(name_server)
    return app


async def _vary_on_origin(request: web.Request, response: web.StreamResponse) -> None:
    """An answer that echoes the Origin differs per origin: caches must key on it."""
    if "Access-Control-Allow-Origin" in response.headers:
        response.headers.add("Vary", "Origin")


async def _resources(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = await open_store(config)
    try:
        conv_log = await open_log(config)
        try:
            app[STORE] = store
            app[LOG] = conv_log
            app[ENGINE] = create_engine(config, store)
            trimmer = Trimmer()
            buffers = ClientBuffers(config.limits.slow_clients_bytes, on_slow_client_left=trimmer.soon)
            runner = app[RUNNER] = TurnRunner(config, conv_log, app[REGISTRY], app[ENGINE], store, app[METRICS],
                                              buffers)
            app[METRICS].read_from(runner, conv_log, store)
            closed = await runner.recover()
            if closed:
                log.warning("closed %d turn(s) interrupted by the previous shutdown", closed)
            # A shared log (PostgreSQL): another instance may die at any time, not only before this start.
            sweeper = (asyncio.create_task(runner.recover_forever(config.log.lease_seconds / 2))
                       if runner.remote is not None else None)
            yield
            if sweeper is not None:
                sweeper.cancel()
            await runner.drain(0)
            if runner.remote is not None:
                await runner.remote.close()
            trimmer.cancel()
            app[HEARTBEAT].stop()
        finally:
            await conv_log.close()
    finally:
        await store.close()


async def open_store(config: Config) -> EvidenceStore:
    """The evidence store; on an empty one, the demo case is built first when `demo` is on."""
    store = await EvidenceStore.open(config.evidence_db)
    if config.demo and not await store.list_cases():
        await store.close()
        from qbot.evidence.demo import build_demo

        log.info("building the demo case in %s", config.evidence_db)
        await asyncio.to_thread(build_demo, config.evidence_db, config.data_dir / "demo-sources")
        store = await EvidenceStore.open(config.evidence_db)
    return store


async def _drain(app: web.Application) -> None:
    """SIGTERM: running turns get `shutdown_timeout` seconds to finish, then are cancelled; either
    way their streams receive the final events before the process exits."""
    await app[RUNNER].drain(app[CONFIG].server.shutdown_timeout)
