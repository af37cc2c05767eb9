"""`qbot ask`: the seed's flow from a terminal, against a running qbot over its public HTTP API
(design.md §2; the README's "The seed's three requests").

    qbot ask "请问机主最近与谁打电话比较频繁？" [--case ID] [--yes] [--edit] [--server URL] [--token TOKEN]

One new conversation (its id is shown on stderr), up to three steps, each a POST answered with an
event stream: the question (confirm_type -1); "开始任务" (0) once the examiner agrees; "继续任务"
(3) with the proposed filter form, reviewed and possibly edited. `message` text goes to stdout as
it arrives; `status` events are one self-updating line on stderr when stderr is a terminal, plain
lines otherwise; the `result` is printed as a table aligned for wide (CJK) characters, with its
summary and sources. Text from the server is evidence-derived, so control characters in it are
shown escaped, never sent to the terminal.

A stream that drops mid-turn is resumed with `GET …/events` and `Last-Event-ID`: each event is
shown once. Ctrl-C during a turn stops it (`POST …/stop`) and waits briefly for its `done`; a
second Ctrl-C quits at once.

The form file of `--edit` is YAML, one key per form field (`filter_tree`, `filter_keyword`,
`analysis_prompt`), text of several lines as a literal block (`key: |` then lines indented by two
spaces); `#` lines are comments. A file that does not parse is refused with the reason, and the
examiner may edit it again; an empty file cancels.

Exit codes: 0 done; 1 a turn failed, or the examiner did not go on; 2 bad usage or configuration;
5 the server refused a request (its message is printed); 6 the server could not be reached, did
not answer as qbot does, or its stream was lost for good; 130 interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import yaml
from yarl import URL

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 5, 6, 130

RESUME_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0)  # seconds before each try to resume a dropped stream
STOP_WAIT = 10.0  # seconds a stopped turn gets to send its done before qbot ask quits anyway
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0  # no byte for this long: the stream is dead (the server pings every 15 s)
MAX_CELL = 60  # display columns of a table cell before it is cut with "…"
FORM_NAME_KEY = "formName"  # the form's kind, sent back as it came, not edited


class AskError(Exception):
    """Ends `qbot ask` with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Interrupted(Exception):
    """Ctrl-C: the running turn was asked to stop."""


# -- text for a terminal ----------------------------------------------------------------------

# C0/C1 controls (but newline and tab in running text) and bidirectional overrides, which would
# let evidence text move the cursor, recolour the terminal or reorder what the examiner reads.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_CELL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str) -> str:
    """Running text (Markdown): newlines and tabs kept, other controls shown as `\\uXXXX`."""
    return _UNSAFE_TEXT.sub(_escape, text.replace("\r\n", "\n"))


def safe_cell(value: Any) -> str:
    """One table cell on one line."""
    text = "" if value is None else str(value)
    return _UNSAFE_CELL.sub(lambda m: " " if m.group() in "\t\n\r" else _escape(m), text)


def char_width(ch: str) -> int:
    """Terminal columns of one character: 2 for East Asian wide and fullwidth ones, 0 for
    combining marks and format characters, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, with "…" where it was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def render_table(columns: list[Any], rows: list[list[Any]]) -> list[str]:
    """Columns separated by two spaces, a dashed rule under the header (its dashes span each
    column exactly), numbers right-aligned."""
    header = [fit(safe_cell(c), MAX_CELL) for c in columns]
    body = [[fit(safe_cell(v), MAX_CELL) for v in row] + [""] * (len(columns) - len(row)) for row in rows]
    numeric = []
    for i in range(len(columns)):
        values = [row[i] for row in rows if i < len(row) and row[i] is not None]
        numeric.append(bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values))
    widths = [max([display_width(header[i])] + [display_width(r[i]) for r in body]) for i in range(len(columns))]
    lines = ["  ".join(_pad(h, widths[i], numeric[i]) for i, h in enumerate(header)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for cells in body:
        lines.append("  ".join(_pad(c, widths[i], numeric[i]) for i, c in enumerate(cells[:len(columns)])).rstrip())
    return lines


def render_result(result: dict[str, Any]) -> str:
    """A `result` event as text: summary, scope, table, sources with the rows each cites."""
    lines = [""]
    if result.get("summary"):
        lines.append(f"摘要：{safe_cell(result['summary'])}")
    if result.get("scope"):
        lines.append(f"数据节点：{'、'.join(safe_cell(s) for s in result['scope'])}")
    if isinstance(result.get("records"), int):
        lines.append(f"参与统计的记录：{result['records']} 条")
    columns, rows = result.get("columns") or [], result.get("rows") or []
    if columns:
        lines.append("")
        lines += render_table(columns, rows)
        lines.append(f"（{len(rows)} 行）")
    sources = result.get("sources") or []
    if sources:
        cited: dict[int, dict[str, int]] = {}
        for item in result.get("evidence") or []:
            for ref in (item.get("refs") or []) if isinstance(item, dict) else []:
                if not isinstance(ref, dict):
                    continue
                count = len(ref["rowids"]) if isinstance(ref.get("rowids"), list) else 1
                per_table = cited.setdefault(ref.get("source", 0), {})
                per_table[str(ref.get("table", "?"))] = per_table.get(str(ref.get("table", "?")), 0) + count
        lines += ["", "来源："]
        for i, source in enumerate(sources):
            source = source if isinstance(source, dict) else {"file": source}
            tables = "、".join(f"{safe_cell(t)} 表 {n} 行" for t, n in sorted(cited.get(i, {}).items()))
            lines.append(f"  [{i}] {safe_cell(source.get('file', '?'))}  sha256 {safe_cell(source.get('sha256', '?'))}"
                         + (f"  （引用 {tables}）" if tables else ""))
    return "\n".join(lines) + "\n"


class Display:
    """Where the turn shows up: text on `out`, status and notes on `err`. With `err` a terminal,
    the status is one line rewritten in place; otherwise each status is a plain line."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.live = err.isatty()
        self.shared = self.live and out.isatty()  # both on one screen: keep them from overwriting
        self._status_shown = False
        self._line_open = False  # stdout text that has not ended its line yet

    def _clear_status(self) -> None:
        if self._status_shown:
            self.err.write("\r\x1b[2K")
            self.err.flush()
            self._status_shown = False

    def _close_line(self) -> None:
        if self._line_open:
            self.out.write("\n")
            self.out.flush()
            self._line_open = False

    def text(self, delta: str) -> None:
        delta = safe_text(delta)
        if not delta:
            return
        self._clear_status()
        self.out.write(delta)
        self.out.flush()
        self._line_open = not delta.endswith("\n")

    def status(self, data: dict[str, Any]) -> None:
        line = f"[{safe_cell(data.get('stage', ''))}] {safe_cell(data.get('message', ''))}"
        if isinstance(data.get("progress"), (int, float)):
            line += f" {round(100 * data['progress'])}%"
        if not self.live:
            self.err.write(f"qbot ask: {line}\n")
            self.err.flush()
            return
        if self.shared:
            self._close_line()
        try:
            columns = os.get_terminal_size(self.err.fileno()).columns or 80  # 0: a terminal of unknown size
        except (OSError, ValueError):
            columns = 80
        self.err.write("\r\x1b[2K" + fit(line, max(columns - 1, 10)))
        self.err.flush()
        self._status_shown = True

    def note(self, message: str) -> None:
        self._clear_status()
        if self.shared:
            self._close_line()
        self.err.write(f"qbot ask: {message}\n")
        self.err.flush()

    def block(self, text: str) -> None:
        """Whole lines on stdout (the form, the result)."""
        self.end_turn()
        self.out.write(text)
        self.out.flush()

    def end_turn(self) -> None:
        self._clear_status()
        self._close_line()


# -- the event stream -------------------------------------------------------------------------

@dataclass
class ServerEvent:
    id: int | None
    event: str
    data: Any


class EventParser:
    """The text/event-stream format (WHATWG HTML, "server-sent events"): `field: value` lines,
    a blank line ends an event, a line starting with `:` is a comment (the server's pings)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._id: str | None = None
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[ServerEvent]:
        text = self._buffer + self._decoder.decode(chunk)
        held = ""
        if text.endswith("\r"):  # maybe the first half of a CRLF
            text, held = text[:-1], "\r"
        *lines, rest = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._buffer = rest + held
        events = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(self._dispatch())
                self._event, self._data = "", []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "id" and "\0" not in value:
                    self._id = value
                elif name == "event":
                    self._event = value
                elif name == "data":
                    self._data.append(value)
        return events

    def _dispatch(self) -> ServerEvent:
        raw = "\n".join(self._data)
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw
        number = int(self._id) if self._id and self._id.isdigit() else None
        return ServerEvent(number, self._event or "message", data)


@dataclass
class TurnOutcome:
    """What one turn showed: its `done` state, the `confirm` it ended on, its `result`."""

    turn_id: str | None = None
    state: str | None = None
    expect: list[int] = field(default_factory=list)
    confirm: dict[str, Any] | None = None
    clarify: dict[str, Any] | None = None  # the readings offered when the question has several
    result: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error.strerror or str(exc.os_error) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


async def _refusal(resp: aiohttp.ClientResponse, url: str) -> AskError:
    """A non-200 answer: qbot's JSON refusal ({"error": {code, message, details}}), or something
    that is not qbot speaking."""
    text = await resp.text(errors="replace")
    try:
        error = json.loads(text)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return AskError(f"{resp.method} {url} answered {resp.status} {resp.reason or ''}, not a qbot "
                        f"refusal: {safe_cell(text[:200])!r}", EXIT_UNREACHABLE)
    line = f"refused ({resp.status} {safe_cell(code)}): {safe_cell(message)}"
    details = error.get("details")
    if details not in (None, {}, []):
        line += f"\n  details: {safe_cell(json.dumps(details, ensure_ascii=False))}"
    if resp.status == 401:
        line += "\n  give an examiner's token with --token or $QBOT_TOKEN (see `qbot token`)"
    return AskError(line, EXIT_REFUSED)


class Conversation:
    """One conversation on one server; `step` runs one turn and returns what it showed. Ids run
    on across its turns, so `last_id` is where a resumed stream picks up."""

    def __init__(self, api: str, token: str | None, case_id: str, display: Display) -> None:
        self.api = api.rstrip("/")
        self.id = str(uuid.uuid4())
        self.case_id = case_id
        self.display = display
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.last_id = 0

    def url(self, suffix: str = "") -> str:
        return f"{self.api}/chat/conversation/{self.id}{suffix}"

    def step(self, confirm_type: int, question: str, form: dict[str, Any] | None = None) -> TurnOutcome:
        """Run one turn to its done (blocking; the prompts between turns are plain terminal I/O)."""
        if self.last_id:
            self.display.block("\n")  # a blank line between turns
        return asyncio.run(_Turn(self, confirm_type, question, form).run())


class _Turn:
    def __init__(self, conv: Conversation, confirm_type: int, question: str, form: dict[str, Any] | None) -> None:
        self.conv = conv
        self.display = conv.display
        self.body = {"question": question, "conversation_id": conv.id, "case_id": conv.case_id,
                     "confirm_type": confirm_type, "package_nodes": [], "confirm_form_data": form or {}}
        self.outcome = TurnOutcome()
        self.started = False
        self.interrupts = 0
        self.stopping: asyncio.Task[None] | None = None
        self.task: asyncio.Task[Any] | None = None
        self.give_up: asyncio.TimerHandle | None = None  # after a Ctrl-C: quit even without a done
        self.http: aiohttp.ClientSession  # the turn's, open while it runs

    async def run(self) -> TurnOutcome:
        loop = asyncio.get_running_loop()
        self.task = asyncio.current_task()
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)
        async with aiohttp.ClientSession(headers=self.conv.headers, timeout=timeout) as http:
            self.http = http
            loop.add_signal_handler(signal.SIGINT, self._on_interrupt)
            try:
                await self._post()
                failures = 0
                while self.outcome.state is None:
                    if self.interrupts and not self.started:
                        break  # no turn seen to stop
                    if failures == len(RESUME_PAUSES):
                        raise AskError(
                            f"the stream of conversation {self.conv.id} was lost after event {self.conv.last_id} "
                            f"and could not be resumed; GET {self.conv.url('/events')} with Last-Event-ID: "
                            f"{self.conv.last_id} has the rest", EXIT_UNREACHABLE)
                    await asyncio.sleep(RESUME_PAUSES[failures])
                    self.display.note(f"the stream dropped after event {self.conv.last_id}; resuming "
                                      f"(GET …/events, Last-Event-ID: {self.conv.last_id})")
                    before = self.conv.last_id
                    await self._resume()
                    failures = 0 if self.conv.last_id > before else failures + 1
                if self.stopping is not None:
                    await self.stopping  # its answer says how the turn ended
            except asyncio.CancelledError:
                if not self.interrupts:
                    raise
                self.task.uncancel()  # cancelled by a second Ctrl-C or the give-up timer
            finally:
                loop.remove_signal_handler(signal.SIGINT)
                if self.give_up is not None:
                    self.give_up.cancel()
                self.display.end_turn()
            if self.interrupts:
                raise Interrupted
        return self.outcome

    # -- Ctrl-C ----------------------------------------------------------------------------

    def _on_interrupt(self) -> None:
        self.interrupts += 1
        assert self.task is not None
        if self.interrupts > 1:
            self.task.cancel()
            return
        self.display.note("stopping the turn (Ctrl-C again to quit at once)")
        if self.started:
            self._stop()
        self.give_up = asyncio.get_running_loop().call_later(STOP_WAIT, self.task.cancel)

    def _stop(self) -> None:
        if self.stopping is None:
            self.stopping = asyncio.get_running_loop().create_task(self._post_stop())

    async def _post_stop(self) -> None:
        url = self.conv.url("/stop")
        try:
            async with self.http.post(url) as resp:
                if resp.status == 200:
                    body = await resp.json()
                    self.display.note(f"stopped turn {body.get('turn_id')} ({body.get('state')})")
                    return
                refusal = await _refusal(resp, url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.display.note(f"could not stop the turn: POST {url}: {_describe(exc)}")
            return
        self.display.note(f"stop {refusal}")

    # -- reading ---------------------------------------------------------------------------

    async def _post(self) -> None:
        await self._stream("POST", self.conv.url(), json=self.body)

    async def _resume(self) -> None:
        await self._stream("GET", self.conv.url("/events"), headers={"Last-Event-ID": str(self.conv.last_id)})

    async def _stream(self, method: str, url: str, **kw: Any) -> None:
        """One request's stream, read until its done or until it drops (the caller resumes).
        A failure before the answer begins is fatal: it names the URL."""
        answered = False
        headers = {"Accept": "text/event-stream", **kw.pop("headers", {})}
        try:
            async with self.http.request(method, url, headers=headers, **kw) as resp:
                if resp.status != 200:
                    raise await _refusal(resp, url)
                if resp.content_type != "text/event-stream":
                    raise AskError(f"{method} {url} answered {resp.content_type or 'no content type'}, not an event "
                                   "stream: is this a qbot server? (--server)", EXIT_UNREACHABLE)
                answered = True
                parser = EventParser()
                async for chunk in resp.content.iter_any():
                    for event in parser.feed(chunk):
                        self._show(event)
                        if self.outcome.state is not None:
                            return
        except (aiohttp.ClientError, TimeoutError) as exc:
            if not answered and not self.started:
                raise AskError(f"cannot reach the server: {method} {url}: {_describe(exc)}", EXIT_UNREACHABLE) from None

    def _show(self, event: ServerEvent) -> None:
        if event.id is not None:
            if event.id <= self.conv.last_id:
                return  # shown already, before the stream dropped
            self.conv.last_id = event.id
        data = event.data if isinstance(event.data, dict) else {}
        outcome = self.outcome
        if event.event == "start":
            self.started = True
            outcome.turn_id = data.get("turn_id")
            if self.interrupts:
                self._stop()
        elif event.event == "status":
            self.display.status(data)
        elif event.event == "message":
            self.display.text(str(data.get("delta", "")))
        elif event.event == "confirm":
            outcome.confirm = data
        elif event.event == "clarify":
            outcome.clarify = data
        elif event.event == "result":
            outcome.result = data
            self.display.block(render_result(data))
        elif event.event == "error":
            outcome.errors.append(data)
            self.display.note(f"error ({safe_cell(data.get('code'))}): {safe_cell(data.get('message'))}")
        elif event.event == "done":
            outcome.state = str(data.get("state") or "unknown")
            outcome.expect = list(data.get("expect") or [])
        # Other events (the contract may add some) are not for the terminal.


# -- the filter form ----------------------------------------------------------------------------

class _FormDumper(yaml.SafeDumper):
    """Text of several lines as literal blocks, so the file reads like the form."""


_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")  # line breaks to YAML: only escaped do they survive


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if _OTHER_BREAKS.search(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FormDumper.add_representer(str, _represent_str)


class FormError(ValueError):
    """The edited form cannot be sent; the message says why and what is accepted."""


def form_text(form: dict[str, Any], header: str = "") -> str:
    """The form's editable fields as YAML (the `formName` is kept aside)."""
    editable = {k: v for k, v in form.items() if k != FORM_NAME_KEY}
    body = yaml.dump(editable, Dumper=_FormDumper, allow_unicode=True, sort_keys=False, width=1_000_000,
                     default_flow_style=False)
    return header + body


def parse_form(text: str, proposed: dict[str, Any]) -> dict[str, Any] | None:
    """The edited form, or None for an empty file (cancel). The keys must be the proposed form's,
    each value text (or empty)."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormError(f"the form is not valid YAML{where}: {problem}; keep `key: value`, and for text of "
                        "several lines `key: |` followed by lines indented by two spaces") from None
    if loaded is None:
        return None
    editable = [k for k in proposed if k != FORM_NAME_KEY]
    if not isinstance(loaded, dict):
        raise FormError(f"the form must be a mapping of {', '.join(editable)}, not {type(loaded).__name__}")
    unknown = [str(k) for k in loaded if k not in editable]
    missing = [k for k in editable if k not in loaded]
    if unknown or missing:
        parts = ([f"unknown key(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing key(s) {', '.join(missing)}"] if missing else [])
        raise FormError(f"the form has {' and '.join(parts)}; its keys are {', '.join(editable)}")
    form = dict(proposed)
    for key in editable:
        value = loaded[key]
        if value is None:
            value = ""
        if not isinstance(value, str) and type(value) is not type(proposed[key]):
            raise FormError(f"{key} must be text, not {type(value).__name__} {value!r}; put it in quotes")
        form[key] = value
    if "filter_tree" in form and not form["filter_tree"].strip():
        raise FormError("filter_tree is empty; it must name the data to read, e.g. 基本信息类别下电话应用的通话记录")
    return form


def _form_header(conversation_id: str) -> str:
    return (f"# qbot ask: the filter form of conversation {conversation_id}, as YAML.\n"
            "# Edit the values, save and quit: the form is sent with 继续任务 (confirm_type 3).\n"
            "# Text of several lines follows `key: |`, indented by two spaces; '' is empty text.\n"
            "# filter_tree names the data to read (e.g. 基本信息类别下电话应用的通话记录; 微信 selects WeChat),\n"
            "# filter_keyword keeps only the records containing it, analysis_prompt steers the analysis.\n"
            "# Lines starting with # are ignored; an empty file cancels.\n")


def _editor() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def _run_editor(command: list[str], path: Path) -> int:
    """Run the editor on the terminal. Like git, qbot ask waits out a Ctrl-C meant for the editor
    (a Python handler, not SIG_IGN, so the editor itself gets the default)."""
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        return subprocess.run([*command, str(path)], check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)


def edit_form(form: dict[str, Any], conversation_id: str, display: Display,
              confirm: Callable[[str], bool]) -> dict[str, Any] | None:
    """Open the form in $VISUAL/$EDITOR until it parses (or the examiner gives up: None)."""
    text = form_text(form, _form_header(conversation_id))
    with tempfile.TemporaryDirectory(prefix="qbot-ask-") as folder:
        path = Path(folder) / "filter-form.yaml"
        while True:
            path.write_text(text, "utf-8")
            command = _editor()
            try:
                status = _run_editor(command, path)
            except OSError as exc:
                raise AskError(f"cannot run the editor {shlex.join(command)!r} ($VISUAL or $EDITOR): "
                               f"{exc.strerror or exc}", EXIT_USAGE) from None
            if status != 0:
                display.note(f"the editor {shlex.join(command)!r} exited with status {status}; the form was not sent")
                return None
            try:
                text = path.read_text("utf-8")
                return parse_form(text, form)
            except UnicodeDecodeError as exc:
                display.note(f"the form is not UTF-8 text (byte {exc.start}); save it as UTF-8")
            except FormError as exc:
                display.note(str(exc))
            if not confirm("重新编辑"):
                return None


# -- the flow ---------------------------------------------------------------------------------

def _prompt(display: Display, assume_yes: bool) -> Callable[[str], bool]:
    def confirm(question: str) -> bool:
        display.end_turn()
        while True:
            display.err.write(f"{question}? [Y/n] ")
            display.err.flush()
            answer = sys.stdin.readline()
            if not answer:
                display.err.write("\n")
                hint = "; pass --yes to go on without asking" if not assume_yes else ""
                display.note(f"no answer (end of standard input): taken as no{hint}")
                return False
            answer = answer.strip().lower()
            if answer in ("", "y", "yes", "是", "好", "确认"):
                return True
            if answer in ("n", "no", "否", "不"):
                return False
            display.err.write("please answer y or n\n")
    return confirm


def run_flow(api: str, token: str | None, question: str, case_id: str, assume_yes: bool, edit: bool,
             display: Display) -> int:
    conv = Conversation(api, token, case_id, display)
    confirm = _prompt(display, assume_yes)

    def agree(question: str) -> bool:
        return assume_yes or confirm(question)

    display.note(f"conversation {conv.id} at {api}")
    first = conv.step(-1, question)
    if first.state == "awaiting_choice":
        first = _choose(conv, first.clarify or {}, display, assume_yes)
    if first.state != "awaiting_start":
        return _ended(first, display, "the question")
    start = first.confirm or {}
    if start.get("confirm_type") != 0:
        display.note(f"the server asks for confirm_type {start.get('confirm_type')}, which qbot ask does not "
                     f"drive; go on in the front end (conversation {conv.id})")
        return EXIT_FAILED
    button = str(start.get("question") or "开始任务")
    if not agree(button):
        display.note(f"not started; conversation {conv.id} awaits 开始任务 (confirm_type 0)")
        return EXIT_FAILED

    second = conv.step(0, button)
    if second.state != "awaiting_filter":
        return _ended(second, display, button)
    proposal = second.confirm or {}
    form = proposal.get("form")
    if proposal.get("confirm_type") != 3 or not isinstance(form, dict):
        display.note(f"the server did not propose a filter form; go on in the front end (conversation {conv.id})")
        return EXIT_FAILED
    button = str(proposal.get("question") or "继续任务")
    display.block("\n数据筛选条件（filter form）：\n" + form_text(form))
    if edit:
        edited = edit_form(form, conv.id, display, confirm)
        if edited is None:
            display.note(f"the form was not sent; conversation {conv.id} awaits it (confirm_type 3)")
            return EXIT_FAILED
        if edited != form:
            display.block("\n修改后的数据筛选条件：\n" + form_text(edited))
        form = edited
    if not agree(button):
        display.note(f"not sent; conversation {conv.id} awaits the filter form (confirm_type 3)")
        return EXIT_FAILED

    third = conv.step(3, button, form)
    return _ended(third, display, button, done_state="completed")


def _choose(conv: Conversation, clarify: dict[str, Any], display: Display, assume_yes: bool) -> TurnOutcome:
    """The question has several readings: the examiner picks one by its number (confirm_type 1).
    With --yes there is no one to ask, and no reading is picked for them."""
    choices = [c for c in clarify.get("choices") or [] if isinstance(c, dict)]
    display.end_turn()
    if assume_yes or not choices:
        display.note(f"the question has several readings; ask one of them again, or pick one in the front end "
                     f"(conversation {conv.id} awaits a choice, confirm_type 1)")
        return TurnOutcome(state="awaiting_choice")
    while True:
        display.err.write(f"which reading (1-{len(choices)})? ")
        display.err.flush()
        answer = sys.stdin.readline()
        if not answer:
            display.note(f"no answer (end of standard input); conversation {conv.id} awaits a choice")
            return TurnOutcome(state="awaiting_choice")
        picked = next((c for i, c in enumerate(choices, start=1) if answer.strip() in (str(i), str(c.get("id")))), None)
        if picked is not None:
            return conv.step(1, safe_cell(picked.get("label", "")), {"choice": str(picked.get("id"))})
        display.err.write(f"please answer a number from 1 to {len(choices)}\n")


def _ended(outcome: TurnOutcome, display: Display, step: str, done_state: str = "completed") -> int:
    if outcome.state == done_state:
        return EXIT_DONE
    if outcome.state == "failed":
        display.note(f"{step} failed; the conversation keeps its state, so the step can be tried again")
    else:
        display.note(f"{step} ended {outcome.state}")
    return EXIT_FAILED


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


def cmd_ask(args: argparse.Namespace) -> int:
    from qbot.cli import load_settings

    for stream in (sys.stdout, sys.stderr):  # evidence text must never crash the output
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    display = Display(sys.stdout, sys.stderr)
    try:
        api = resolve_api(args.server, lambda: load_settings(args))
        token = args.token or os.environ.get("QBOT_TOKEN") or None
        return run_flow(api, token, args.question, args.case, args.yes, args.edit, display)
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
    ask.add_argument("--server", metavar="URL", default=None,
                     help="the server (default: $QBOT_SERVER, else http://127.0.0.1 on the configured port); a URL "
                          "with no path gets the configured prefix")
    ask.add_argument("--token", metavar="TOKEN", default=None,
                     help="an examiner's bearer token (default: $QBOT_TOKEN, which keeps it out of the process list)")
    ask.add_argument("--config", type=Path, default=None,
                     help="config file for the default port and prefix (default: $QBOT_CONFIG, else ./config.yaml)")
    ask.set_defaults(func=cmd_ask, data_dir=None)
