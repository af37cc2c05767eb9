"""The `qbot` command: serve, token, plugins, verify, import, demo, ask.

Exit codes: 0 done, 1 the work failed (e.g. a file was refused), 2 bad usage or configuration,
3 a plugin could not be registered, 4 the server could not listen."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import ipaddress
import signal
import socket
import sys
import tempfile
from pathlib import Path

from aiohttp import web

from qbot import __version__
from qbot.client.command import add_command as ask_command
from qbot.cmdline import config_arguments, load_settings
from qbot.config import ConfigError
from qbot.logapi import LogInUse
from qbot.evidence.cli import add_commands as evidence_commands
from qbot.guards import is_loopback
from qbot.logs import setup_logging
from qbot.report.cli import add_command as report_command
from qbot.migrate import MigrationError
from qbot.pglog import LogUnreachable
from qbot.registry import PluginError

EXIT_USAGE, EXIT_PLUGIN, EXIT_LISTEN = 2, 3, 4  # 1 (the work failed) comes from the commands
GC_THRESHOLDS = (20_000, 50, 100)  # measured: 6-9% less CPU per flow than the defaults (700, 10, 10)


_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _holds_loopback(network) -> bool:
    return any(network.version == lo.version and network.overlaps(lo) for lo in _LOOPBACK)


def _is_loopback_network(network) -> bool:
    return any(network.version == lo.version and network.subnet_of(lo) for lo in _LOOPBACK)


def _proxy_binding_problem(config) -> str | None:
    """With `proxy_header`, why the listening address and the trusted proxies cannot meet, or None.
    Only loopback proxies trusted: an address beyond loopback would let other machines reach
    nothing but refusals (and /healthz); a loopback address with no loopback proxy trusted: no
    request could ever be believed. Both are mistakes, said now rather than as 401s later."""
    if config.auth.method != "proxy_header":
        return None
    trusted = [ipaddress.ip_network(n) for n in config.auth.proxy_header.trusted_proxies]
    listed = ", ".join(config.auth.proxy_header.trusted_proxies)
    if is_loopback(config.server.host) and not any(_holds_loopback(n) for n in trusted):
        return (f"{config.server.host} takes connections from this machine only, but no loopback address is a "
                f"trusted proxy (auth.proxy_header.trusted_proxies: {listed}), so no request could be "
                "authenticated; add 127.0.0.1 if the proxy runs here, or listen on an address the proxy reaches "
                "(--host)")
    if not is_loopback(config.server.host) and all(_is_loopback_network(n) for n in trusted):
        return (f"{config.server.host} is reachable from other machines, but only proxies on this machine are "
                f"trusted (auth.proxy_header.trusted_proxies: {listed}): no request from another machine could "
                "be authenticated; listen on 127.0.0.1 (the default) behind the proxy, or add the proxy's own "
                "address to auth.proxy_header.trusted_proxies")
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    config = load_settings(args, **{"server.host": args.host, "server.port": args.port,
                                    "server.allow_unauthenticated": args.allow_unauthenticated or None})
    # Without authentication a server others can reach would show every conversation to anyone:
    # loopback only, unless an authenticator is configured or it is explicitly asked for.
    if not is_loopback(config.server.host) and not config.auth.enabled and not config.server.allow_unauthenticated:
        print(f"qbot: error: {config.server.host} is reachable from other machines and authentication is off "
              "(no auth.tokens); configure examiners' tokens (see `qbot token`) or a front proxy's header "
              "(auth.method: proxy_header), or listen on 127.0.0.1 (the default) behind an authenticating proxy, "
              "or pass --allow-unauthenticated (server.allow_unauthenticated) if the network is yours alone",
              file=sys.stderr)
        return EXIT_USAGE
    problem = _proxy_binding_problem(config)
    if problem:
        print(f"qbot: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # Checked before anything is built: a folder qbot cannot write, or a port in use, is one
    # line and an exit code, not a traceback or a demo case built for nothing.
    problem = _listen_problem(config.server.host, config.server.port)
    if problem:
        print(f"qbot: error: {problem}", file=sys.stderr)
        return EXIT_LISTEN
    problem = _data_dir_problem(config.data_dir)
    if problem:
        print(f"qbot: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.workers > 1 and not config.log.url:
        from qbot.workers import sqlite_refusal

        print(f"qbot: error: {sqlite_refusal(args.workers)}", file=sys.stderr)
        return EXIT_USAGE
    if config.log.url:
        from qbot.pglog.connect import probe
        from qbot.pglog.evidence import check

        asyncio.run(probe(config.log.url))  # LogUnreachable: one line, exit 2 (main)
        asyncio.run(_prepare(config))
        problem = asyncio.run(check(config.log.url, config.evidence_db))
        if problem:
            print(f"qbot: error: {problem}", file=sys.stderr)
            return EXIT_USAGE
    setup_logging(config.logging)
    from qbot.app import create_app

    if args.workers > 1:
        from qbot.workers import supervise

        return supervise(args.workers, lambda: asyncio.run(_serve(create_app(config), config, reuse_port=True)))
    app = create_app(config)
    return asyncio.run(_serve(app, config))


async def _prepare(config) -> None:
    """With the PostgreSQL log, before its copy is checked and the workers fork: the evidence
    store (the demo case built once, not by each worker)."""
    from qbot.app import open_store

    config.data_dir.mkdir(parents=True, exist_ok=True)
    await (await open_store(config)).close()


def _data_dir_problem(data_dir: Path) -> str | None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        return (f"the data directory {data_dir} cannot be used: {exc.strerror or exc}; give a folder qbot may "
                "create and write (--data-dir, data_dir in config.yaml, QBOT_DATA_DIR)")
    return None


def _listen_problem(host: str, port: int) -> str | None:
    """Whether `host:port` can be bound now (it may still be taken before the server binds it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, proto, _, address in infos:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
                probe.bind(address)
    except OSError as exc:
        return (f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another port (--port, "
                "server.port) or stop what holds it")
    return None


def _say_who_may_connect(app: web.Application, config) -> None:
    from qbot.auth import AUTHENTICATOR

    loaded = app.get(AUTHENTICATOR)
    if loaded is not None:
        builtin = loaded.distribution.split()[0] == "qbot"
        origin = "" if builtin else f" (authenticator '{loaded.name}' from {loaded.distribution})"
        print(f"qbot: authentication on: {loaded.authenticator.describe()}{origin}; each sees only its own "
              "conversations", flush=True)
        if config.auth.method == "proxy_header":
            for network in map(ipaddress.ip_network, config.auth.proxy_header.trusted_proxies):
                if network.num_addresses > 1 and not _is_loopback_network(network):
                    print(f"qbot: note: every host in {network} may name any examiner in "
                          f"{config.auth.proxy_header.header}; trust the proxy's own address where you can",
                          flush=True)
    elif is_loopback(config.server.host):
        print("qbot: no authentication: only programs on this machine can connect", flush=True)
    else:
        print("qbot: WARNING: no authentication, and other machines can connect", flush=True)


async def _serve(app: web.Application, config, reuse_port: bool = False) -> int:
    from qbot.appkeys import STORE
    from qbot.server import make_runner

    runner = make_runner(app, config)
    await runner.setup()
    site = web.TCPSite(runner, config.server.host, config.server.port, reuse_port=reuse_port or None)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        print(f"qbot: error: cannot listen on {config.server.host}:{config.server.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_LISTEN
    _tune_gc()
    cases = await app[STORE].list_cases()
    print(f"qbot {__version__} listening on http://{config.server.host}:{config.server.port}"
          f"{config.server.prefix} (data: {config.data_dir}; cases: "
          f"{', '.join(f'{c.id} {c.name}' for c in cases) or 'none'})", flush=True)
    print(f"qbot: web console at http://{config.server.host}:{config.server.port}/", flush=True)
    _say_who_may_connect(app, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("qbot: shutting down; running turns get their final events", flush=True)
    await runner.cleanup()
    return 0


def _tune_gc() -> None:
    """A server allocates and frees many small objects per event, nearly all freed by reference
    counting; the cyclic collector's default pace (every 700 net allocations) then costs several
    percent of the CPU and walks every long-lived object on each full pass. What start-up built
    is moved out of its reach, and it runs less often."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def cmd_token(args: argparse.Namespace) -> int:
    from qbot.auth import new_token

    token, digest = new_token()
    print(f"token (give it to {args.examiner}, keep it secret; qbot stores only its hash): {token}")
    print("add to config.yaml:")
    print(f"auth:\n  tokens:\n    - examiner: {args.examiner}\n      sha256: {digest}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from qbot import registry

    config = load_settings(args)
    handlers = registry.load(config.plugins.disabled)
    print(f"{'confirm_type':>12}  {'name':<12}  {'entry point':<12}  distribution")
    for confirm_type, registered in handlers.items():
        print(f"{confirm_type:>12}  {registered.handler.name:<12}  {registered.entry_point:<12}  "
              f"{registered.distribution}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from qbot.verify import NotVerifiable, verify

    config = load_settings(args)
    try:
        if config.log.url:
            from qbot.pglog.verify import verify as verify_pg

            return asyncio.run(verify_pg(config.log.url, heads=args.heads))
        return verify(config.log_db, heads=args.heads)
    except NotVerifiable as exc:
        print(f"qbot: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _port(text: str) -> int:
    """`--port` is checked as the flag it is (argparse names it), not blamed on config.yaml."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port; give an integer from 0 to 65535")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers; give an integer from 1 to 64")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qbot", description="Forensic analysis assistant back end.")
    parser.add_argument("--version", action="version", version=f"qbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP server (builds the demo case on a fresh data dir)")
    config_arguments(serve)
    serve.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=None, help="listen port, 0 to 65535 (default 18808)")
    serve.add_argument("--allow-unauthenticated", action="store_true", default=None,
                       help="listen on an address other machines can reach although authentication is off")
    serve.add_argument("--workers", type=_workers, default=1,
                       help="processes serving the port (SO_REUSEPORT); more than 1 needs the PostgreSQL log (log.url)")
    serve.set_defaults(func=cmd_serve)

    token = commands.add_parser("token", help="make a new random bearer token and the hash for auth.tokens")
    token.add_argument("examiner", nargs="?", default="examiner", help="the examiner's name to show in the snippet")
    token.set_defaults(func=cmd_token)

    plugins = commands.add_parser("plugins", help="list the registered handlers")
    config_arguments(plugins)
    plugins.set_defaults(func=cmd_plugins)

    verify = commands.add_parser("verify", help="check the hash chain of every conversation in the log")
    config_arguments(verify)
    verify.add_argument("--heads", action="store_true",
                        help="also print each intact conversation's last hash, to record elsewhere")
    verify.set_defaults(func=cmd_verify)

    evidence_commands(commands)
    ask_command(commands)
    report_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"qbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PluginError as exc:
        print(f"qbot: plugin error: {exc}", file=sys.stderr)
        return EXIT_PLUGIN
    except (MigrationError, LogInUse, LogUnreachable) as exc:  # the log cannot be served as it is
        print(f"qbot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
