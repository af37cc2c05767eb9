"""`qbot report CONVERSATION_ID`: write the conversation's report, added to the main parser.

Exit codes: 0 written, 1 refused (the API's refusal: unknown or another examiner's conversation)
or Chromium could not print, 2 bad usage (an existing output without --force, a bad option)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from qbot.cmdline import config_arguments, load_settings
from qbot.ids import SAFE_ID, SAFE_ID_RULE

DEFAULT_PER_ROW = 50
MAX_PER_ROW = 1_000_000


def _records(text: str) -> int | None:
    """`all` (None) or a count of records listed per result row."""
    if text == "all":
        return None
    if not text.isdigit() or int(text) > MAX_PER_ROW:
        raise argparse.ArgumentTypeError(f"{text!r} is neither `all` nor a count from 0 to {MAX_PER_ROW}")
    return int(text)


def write_output(path: Path, data: bytes, force: bool) -> None:
    """Write `path` whole; without `force` an existing file is never touched (exclusive create)."""
    if not force:
        with open(path, "xb") as out:
            out.write(data)
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


async def build(config, cid: str, examiner: str, per_row: int | None) -> tuple[str, object]:
    from qbot.engine.builtin import BuiltinEngine
    from qbot.evidence.store import EvidenceStore
    from qbot.report.gather import gather
    from qbot.report.html import render

    store = await EvidenceStore.open(config.evidence_db)
    try:
        dossier = await gather(config, store, BuiltinEngine(config.engine, store), cid, examiner, per_row)
    finally:
        await store.close()
    return render(dossier), dossier


def cmd_report(args: argparse.Namespace) -> int:
    from qbot.domain_errors import DomainError
    from qbot.middlewares import refusal_of
    from qbot.report.pdf import PdfError, find_chromium, print_pdf

    config = load_settings(args)
    fmt = args.format or ("pdf" if args.output and args.output.suffix.lower() == ".pdf" else "html")
    output = args.output or Path(f"qbot-report-{args.conversation_id}.{fmt}")
    if not SAFE_ID.fullmatch(args.conversation_id):
        print(f"qbot report: error: conversation id {args.conversation_id[:80]!r} is not {SAFE_ID_RULE}",
              file=sys.stderr)
        return 2
    if config.auth.enabled and args.examiner is None:
        print("qbot report: error: authentication is on: name the examiner whose conversation it is (--examiner)",
              file=sys.stderr)
        return 2
    if output.exists() and not args.force:
        print(f"qbot report: error: {output} exists; give --force to overwrite it, or another -o", file=sys.stderr)
        return 2
    try:
        chromium = find_chromium(args.chromium) if fmt == "pdf" else ""
        html, dossier = asyncio.run(build(config, args.conversation_id, args.examiner or "", args.records))
        data = print_pdf(html, chromium) if fmt == "pdf" else html.encode("utf-8")
    except DomainError as exc:
        refused = refusal_of(exc)  # told as the route would refuse it
        if refused is None:
            raise
        print(f"qbot report: {refused.status} {refused.code}: {refused.message}", file=sys.stderr)
        return 1
    except PdfError as exc:
        print(f"qbot report: error: {exc}", file=sys.stderr)
        return 1
    try:
        write_output(output, data, args.force)
    except FileExistsError:
        print(f"qbot report: error: {output} exists; give --force to overwrite it", file=sys.stderr)
        return 2
    results = sum(len(t.cited) for t in dossier.turns)
    print(f"report of conversation {args.conversation_id} ({len(dossier.turns)} steps, {results} results, "
          f"chain head {dossier.head}) written to {output} ({len(data):,} bytes)")
    return 0


def add_command(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report", help="write a conversation's report (HTML or PDF)",
        description="One self-contained file: the case, its evidence files and sha256, every question, plan, "
                    "submitted form, result table and the records behind each row, who wrote each narrative, "
                    "and the conversation's chain head with the command that verifies it. Reads the data "
                    "folder directly; a running server is not disturbed.")
    report.add_argument("conversation_id", metavar="CONVERSATION_ID")
    config_arguments(report)
    report.add_argument("--format", choices=("html", "pdf"), default=None,
                        help="default: pdf when -o ends in .pdf, else html")
    report.add_argument("-o", "--output", type=Path, default=None,
                        help="the file to write (default: ./qbot-report-CONVERSATION_ID.FORMAT)")
    report.add_argument("--force", action="store_true", help="overwrite the output if it exists")
    report.add_argument("--records", type=_records, default=DEFAULT_PER_ROW, metavar="all|N",
                        help=f"records listed under each result row, with their count (default {DEFAULT_PER_ROW})")
    report.add_argument("--examiner", default=None,
                        help="with authentication on: whose conversation it is (another's is refused, as by the API)")
    report.add_argument("--chromium", default=None, help="Chromium to print PDF with (default: chromium on PATH)")
    report.set_defaults(func=cmd_report)
