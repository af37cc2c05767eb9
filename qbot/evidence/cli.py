"""`qbot import` and `qbot demo`: the evidence store's commands, added to the main parser."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from qbot.cmdline import config_arguments, load_settings

PROGRESS_FROM = 20000  # records in a file before a progress line is worth showing


def evidence_db(args: argparse.Namespace) -> Path:
    # The same data folder `qbot serve` would use: --data-dir, else the config (file, QBOT_*).
    return load_settings(args).evidence_db


class _Progress:
    """One self-overwriting line on stderr, at most ~5 updates a second."""

    def __init__(self) -> None:
        self._shown = 0.0
        self._open = False

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        now = time.monotonic()
        if done < total and now - self._shown < 0.2:
            return
        self._shown = now
        print(f"\r  {done:>10,} / {total:,} records ({100 * done // max(total, 1)}%)", end="",
              file=sys.stderr, flush=True)
        self._open = done < total
        if not self._open:
            print(file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from .importing import import_paths

    try:
        summary = import_paths(
            evidence_db(args), args.case, [Path(p) for p in args.paths], package=args.package,
            case_name=args.case_name, timezone=args.timezone, region=args.region, progress=_Progress(),
        )
    except ValueError as exc:
        print(f"qbot import: error: {exc}", file=sys.stderr)
        return 2
    print(summary)
    url = load_settings(args).log.url
    if url and summary.ok:
        from qbot.pglog.evidence import record

        digest = asyncio.run(record(url, evidence_db(args)))
        print(f"qbot import: {evidence_db(args)} (sha256 {digest}) is now the evidence store of the PostgreSQL "
              "log's instances: copy it to the data_dir of every instance on other machines, then restart them; "
              "an instance with another copy refuses to start")
    if not summary.ok:
        print(f"qbot import: {len(summary.refused)} file(s) refused; nothing of them was imported",
              file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DEMO_CASE_ID, build_demo

    db = evidence_db(args)
    started = time.perf_counter()
    build_demo(db, db.parent / "demo-sources", seed=args.seed)
    print(f"demo case '{DEMO_CASE_ID}' rebuilt in {db} ({time.perf_counter() - started:.1f} s)")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser(
        "import", help="import evidence files into a case",
        description="Import phone extraction databases (Android calllog/contacts2/mmssms, iOS CallHistory/"
                    "sms/AddressBook, WeChat EnMicroMsg.db decrypted, qbot JSON). Formats are detected "
                    "from content; evidence files are only read from private copies. Exit code 1 when a "
                    "file was refused.",
    )
    config_arguments(imp)
    imp.add_argument("--case", required=True, help="case id (created if new)")
    imp.add_argument("--case-name", default=None, help="case name (default: the id)")
    imp.add_argument("--package", required=True, help="extraction name, e.g. the phone's label")
    imp.add_argument("--timezone", default="Asia/Shanghai", help="case time zone, for a new case")
    imp.add_argument("--region", default="CN", help="default phone-number region, for a new case")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (folders are walked)")
    imp.set_defaults(func=cmd_import)

    demo = subparsers.add_parser("demo", help="rebuild the demo case")
    config_arguments(demo)
    demo.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    demo.set_defaults(func=cmd_demo)
