"""One conversation on one server over qbot's public HTTP API (design.md §2): each step a POST
answered with an event stream, read to its `done` and shown as it arrives; a dropped stream
resumed with `Last-Event-ID`, Ctrl-C answered with `POST …/stop` (see `qbot ask --help`)."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from qbot.client.display import Display, render_result, safe_cell
from qbot.client.errors import EXIT_UNREACHABLE, AskError, Interrupted, describe, refusal
from qbot.client.sse import SseEvent, SseReader

RESUME_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0)  # seconds before each try to resume a dropped stream
STOP_WAIT = 10.0  # seconds a stopped turn gets to send its done before qbot ask quits anyway
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0  # no byte for this long: the stream is dead (the server pings every 15 s)


@dataclass(frozen=True)
class ServerEvent:
    """An event as qbot sends it: a numeric id (None without one), JSON data (kept as text if
    it is not JSON)."""

    id: int | None
    event: str
    data: Any

    @classmethod
    def of(cls, sse: SseEvent) -> ServerEvent:
        try:
            data = json.loads(sse.data)
        except ValueError:
            data = sse.data
        number = int(sse.last_id) if sse.last_id.isascii() and sse.last_id.isdigit() else None
        return cls(number, sse.event, data)


@dataclass
class TurnOutcome:
    """What one turn showed: its `done` state, the `confirm` it ended on, its `result`."""

    turn_id: str | None = None
    state: str | None = None
    expect: list[int] = field(default_factory=list)
    confirm: dict[str, Any] | None = None
    clarify: dict[str, Any] | None = None  # the readings offered when the question has several
    result: dict[str, Any] | None = None
    result_event: int | None = None  # its event id, which the citations route asks for
    errors: list[dict[str, Any]] = field(default_factory=list)


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
                refused = await refusal(resp, url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.display.note(f"could not stop the turn: POST {url}: {describe(exc)}")
            return
        self.display.note(f"stop {refused}")

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
                    raise await refusal(resp, url)
                if resp.content_type != "text/event-stream":
                    raise AskError(f"{method} {url} answered {resp.content_type or 'no content type'}, not an event "
                                   "stream: is this a qbot server? (--server)", EXIT_UNREACHABLE)
                answered = True
                reader = SseReader()
                async for chunk in resp.content.iter_any():
                    for event in reader.feed(chunk):
                        self._show(ServerEvent.of(event))
                        if self.outcome.state is not None:
                            return
        except (aiohttp.ClientError, TimeoutError) as exc:
            if not answered and not self.started:
                raise AskError(f"cannot reach the server: {method} {url}: {describe(exc)}", EXIT_UNREACHABLE) from None

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
            outcome.result, outcome.result_event = data, event.id
            self.display.block(render_result(data))
        elif event.event == "error":
            outcome.errors.append(data)
            self.display.note(f"error ({safe_cell(data.get('code'))}): {safe_cell(data.get('message'))}")
        elif event.event == "done":
            outcome.state = str(data.get("state") or "unknown")
            outcome.expect = list(data.get("expect") or [])
        # Other events (the contract may add some) are not for the terminal.
