"""`qbot ask`: the seed's flow from a terminal, against a running qbot over its public HTTP API
(design.md §2; the README's "The seed's three requests").

    qbot ask "请问机主最近与谁打电话比较频繁？" [--case ID] [--yes] [--edit] [--citations all|N]
             [--server URL] [--token TOKEN]

One new conversation (its id is shown on stderr), up to three steps, each a POST answered with an
event stream: the question (confirm_type -1); "开始任务" (0) once the examiner agrees; "继续任务"
(3) with the proposed filter form, reviewed and possibly edited. `message` text goes to stdout as
it arrives; `status` events are one self-updating line on stderr when stderr is a terminal, plain
lines otherwise; the `result` is printed as a table aligned for wide (CJK) characters, with its
summary and sources. With `--citations`, the records behind each row follow it (`GET …/citations`,
page after page): all of them, or the first N of each row, under a heading with the row's count;
one line a record: its time in the case's time zone, person, counterpart, what it was (direction,
status, duration; a message's text) and its source (file, first 12 digits of its sha256, table,
row id). Text from the server is evidence-derived, so control characters in it are shown
escaped, never sent to the terminal.

A stream that drops mid-turn is resumed with `GET …/events` and `Last-Event-ID`: each event is
shown once. Ctrl-C during a turn stops it (`POST …/stop`) and waits briefly for its `done`; a
second Ctrl-C quits at once.

The form file of `--edit` is YAML, one key per form field (`filter_tree`, `filter_keyword`,
`analysis_prompt`), text of several lines as a literal block (`key: |` then lines indented by two
spaces); `#` lines are comments. A file that does not parse is refused with the reason, and the
examiner may edit it again; an empty file cancels.

Exit codes: 0 done; 1 a turn failed, or the examiner did not go on; 2 bad usage or configuration;
5 the server refused a request (its message is printed), also the citations of a result it
cannot list again (409 result_changed); 6 the server could not be reached, did not answer as
qbot does, or its stream was lost for good; 130 interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

from yarl import URL

from qbot.client.display import Display
from qbot.client.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, AskError, Interrupted
from qbot.client.flow import run_flow
from qbot.cmdline import config_arguments, load_settings


def resolve_api(server: str | None, load_config: Callable[[], Any]) -> str:
    """The API's base URL: --server or $QBOT_SERVER (a URL with no path gets the configured
    prefix), else the configured port on this machine with the configured prefix."""
    raw = server or os.environ.get("QBOT_SERVER") or ""
    config = None
    if not raw:
        config = load_config()
        host = config.server.host
        host = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else (
            f"[{host}]" if ":" in host else host)
        raw = f"http://{host}:{config.server.port}"
    try:
        url = URL(raw)
        ok = url.scheme in ("http", "https") and bool(url.host)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise AskError(f"--server {raw!r} is not an http(s) URL; give one like http://127.0.0.1:18808 "
                       "(the configured prefix is added) or http://host:port/qbot/api/v1/generalsec-ai", EXIT_USAGE)
    path = url.path.rstrip("/")
    if not path:
        path = (config or load_config()).server.prefix.rstrip("/")
    return str(url.with_path(path).with_query(None).with_fragment(None)).rstrip("/")


def per_row(text: str) -> int | None:
    """`all` (None) or how many records to list under each row, from 1."""
    if text == "all":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is neither `all` nor a count from 1")
    return int(text)


def cmd_ask(args: argparse.Namespace) -> int:
    for stream in (sys.stdout, sys.stderr):  # evidence text must never crash the output
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    display = Display(sys.stdout, sys.stderr)
    try:
        api = resolve_api(args.server, lambda: load_settings(args))
        token = args.token or os.environ.get("QBOT_TOKEN") or None
        return run_flow(api, token, args.question, args.case, args.yes, args.edit, display, args.citations)
    except AskError as exc:
        display.note(str(exc))
        return exc.code
    except (Interrupted, KeyboardInterrupt):
        display.end_turn()
        display.note("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): quit quietly, as a pipe's writer does.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


def add_command(commands: Any) -> None:
    ask = commands.add_parser(
        "ask", help="ask a question of a running qbot from the terminal (plan, filter form, analysis)",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ask.add_argument("question", help="the question, e.g. 请问机主最近与谁打电话比较频繁？")
    ask.add_argument("--case", default="", metavar="ID", help="the case to ask about (default: the server's default case)")
    ask.add_argument("--yes", "-y", action="store_true", help="start the task and send the form without asking")
    ask.add_argument("--edit", action="store_true", help="edit the proposed filter form in $VISUAL or $EDITOR first")
    ask.add_argument("--citations", type=per_row, default=0, metavar="all|N",
                     help="after the result, list the records behind each row: all of them, or the first N")
    ask.add_argument("--server", metavar="URL", default=None,
                     help="the server (default: $QBOT_SERVER, else http://127.0.0.1 on the configured port); a URL "
                          "with no path gets the configured prefix")
    ask.add_argument("--token", metavar="TOKEN", default=None,
                     help="an examiner's bearer token (default: $QBOT_TOKEN, which keeps it out of the process list)")
    config_arguments(ask, data_dir=False, config_help="config file for the default port and prefix (default: "
                     "$QBOT_CONFIG, else ./config.yaml)")
    ask.set_defaults(func=cmd_ask)
