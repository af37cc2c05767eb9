"""The turn runner: each accepted step runs as its own task, independent of the connection that
asked for it. Every event gets the conversation's next id, goes to the log, and once committed is
offered to the turn's live subscribers (the POST's stream, resumed streams)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import weakref
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from qbot import logs
from qbot.auth import visible_case
from qbot.buffers import ClientBuffers, Subscriber
from qbot.config import Config
from qbot.convlog import ConversationLog, ConversationRow, LogError, Write, utcnow
from qbot.domain_errors import (ConversationBusy, ConversationDeleted, ConversationNotFound, InvalidState,
                                LogUnavailable, ShuttingDown, TooManyTurns)
from qbot.engine import scope
from qbot.events import CANCELLED, FAILED, HANDLER_EVENTS, Emit, Event, dumps
from qbot.handlers import STATE_NEW, TurnContext
from qbot.metrics import Metrics
from qbot.registry import Registered, expected_next
from qbot.rows import ConversationRows

log = logging.getLogger(__name__)

FINAL_WRITE_PAUSES = (0.05, 0.25, 1.0)  # seconds before each new try to record a turn's ending
RETRY_AFTER_SECONDS = 2  # told to clients refused for load


class Turn:
    def __init__(self, turn_id: str, conversation_id: str, confirm_type: int, handler_name: str,
                 question: str, next_id: int):
        self.id = turn_id
        self.conversation_id = conversation_id
        self.confirm_type = confirm_type
        self.handler_name = handler_name
        self.question = question
        self.next_id = next_id
        self.subscribers: set[Subscriber] = set()
        self.task: asyncio.Task[None] | None = None
        self.log_error: LogError | None = None
        self.owner = ""  # the examiner whose step started it
        self.committed_id = next_id - 1  # the last of its ids the log holds
        self.outbox: Write | None = None  # its events the log has queued but not yet taken
        self.row: ConversationRow | None = None  # its conversation's row once its start is committed
        self.finishing = False
        self.outcome: str | None = None
        self.ended = asyncio.Event()
        self.started = asyncio.get_running_loop().time()

    def event(self, name: str, data: dict[str, Any] | str) -> Event:
        """The turn's next event (data as a dict, or already encoded): ids run on across the
        turns of a conversation."""
        event = Event(self.next_id, name, data if isinstance(data, str) else dumps(data), self.id)
        self.next_id += 1
        return event

    def publish(self, events: list[Event]) -> None:
        """Called once the log has committed `events`."""
        if not events:
            return
        self.committed_id = events[-1].id
        for subscriber in self.subscribers:
            subscriber.offer(events)

    def subscribe(self, buffers: ClientBuffers, limit: int) -> Subscriber:
        subscriber = Subscriber(buffers, limit)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)


@dataclass(frozen=True)
class Step:
    """A validated POST: which handler, with what."""

    conversation_id: str
    registered: Registered
    question: str
    case_id: str
    package_nodes: list[Any]
    form: dict[str, Any]
    request: dict[str, Any]
    owner: str = ""


class TurnRunner:
    def __init__(self, config: Config, log_: ConversationLog, registry: dict[int, Registered], engine: Any, store: Any,
                 metrics: Metrics | None = None, buffers: ClientBuffers | None = None):
        self.config = config
        self.log = log_
        self.registry = registry
        self.engine = engine
        self.store = store
        self.running: dict[str, Turn] = {}
        self.rows = ConversationRows(log_)
        self.metrics = metrics or Metrics()
        self.buffers = buffers or ClientBuffers(config.limits.slow_clients_bytes)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.accepting = True

    def lock(self, conversation_id: str) -> asyncio.Lock:
        """The lock under which a conversation's turns begin (one at a time)."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        return lock

    def expect(self, state: str) -> list[int]:
        return expected_next(self.registry, state)

    # -- starting ----------------------------------------------------------------------------

    def subscribe(self, turn: Turn) -> Subscriber:
        """A new inbox of `turn`'s committed events for one stream."""
        return turn.subscribe(self.buffers, self.config.turns.subscriber_buffer_bytes)

    async def begin(self, step: Step) -> tuple[Turn, Subscriber, Event]:
        """Check the step against the conversation, record the turn and its `start` event, start
        the turn's task. Returns the turn, a subscriber for the caller's stream and the start event."""
        if not self.accepting:
            raise ShuttingDown()
        cid = step.conversation_id
        mine_running = cid in self.running and self.running[cid].owner == step.owner  # never tells of others'
        if len(self.running) >= self.config.limits.max_running_turns and not mine_running:
            raise TooManyTurns(f"turns running: {len(self.running)}, the most this server takes at once",
                               RETRY_AFTER_SECONDS)
        if step.owner:  # per examiner when examiners are known (authentication on); otherwise the cap above
            mine = sum(1 for t in self.running.values() if t.owner == step.owner and t.conversation_id != cid)
            if mine >= self.config.limits.max_turns_per_examiner:
                raise TooManyTurns(f"your turns running: {mine}, the most one examiner may run at once",
                                   RETRY_AFTER_SECONDS)
        async with self.lock(cid):
            conv = await self.rows.get(cid)
            if conv is not None and conv.owner != step.owner:
                # Another examiner's: as if it did not exist (not busy, not deleted, no state),
                # and never interrupted by a step of someone else's.
                raise ConversationNotFound(cid)
            if cid in self.running:
                if self.config.turns.busy_policy == "reject":
                    raise ConversationBusy(f"conversation {cid} has a turn running; wait for its done event, "
                                           "stop it (POST …/stop) or resume it (GET …/events)")
                await self.cancel(cid)
                conv = await self.rows.get(cid)  # the cancelled turn's ending moved it on
            handler = step.registered.handler
            if conv is not None and conv.deleted:
                raise ConversationDeleted(cid)
            if conv is None and handler.allowed_states is not None:
                raise ConversationNotFound(cid)
            state = conv.state if conv else STATE_NEW
            if handler.allowed_states is not None and state not in handler.allowed_states:
                raise InvalidState(cid, state, self.expect(state), handler.confirm_type)

            case_id = step.case_id or (conv.case_id if conv else "")
            case = await visible_case(self.store, self.config.auth, step.owner, case_id)
            if step.package_nodes:  # refuse names of no node now, before a stream opens (UnknownNodes)
                scope.restrict(await self.store.nodes(case.id), step.package_nodes)

            now = utcnow()
            statements: list[tuple[str, tuple[Any, ...]]] = []
            events: list[Event] = []
            next_id = conv.last_event_id + 1 if conv else 1
            if conv is not None and conv.running_turn:
                # A turn the log shows running, though none runs here: its end could not be
                # recorded earlier. Close it first, so the log tells how it ended.
                stale = Turn(conv.running_turn, cid, 0, "", "", next_id)
                events += self._interrupted(stale, state, now, statements)
                next_id = stale.next_id
            turn = Turn(str(uuid.uuid4()), cid, handler.confirm_type, handler.name, step.question, next_id)
            turn.owner = step.owner
            start = turn.event("start", {
                "conversation_id": cid, "turn_id": turn.id, "confirm_type": handler.confirm_type,
                "handler": handler.name})
            events.append(start)
            if conv is None:
                statements.append((
                    "INSERT INTO conversations (id, owner, case_id, state, title, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (cid, step.owner, case.id, STATE_NEW, step.question[:200], now, now)))
            else:
                statements.append(("UPDATE conversations SET case_id = ?, updated_at = ? WHERE id = ?",
                                   (case.id, now, cid)))
            statements.append((
                "INSERT INTO turns (id, conversation_id, confirm_type, handler, question, request, state, "
                "first_event_id, started_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                (turn.id, cid, handler.confirm_type, handler.name, step.question, dumps(step.request), start.id, now)))
            # The row once this write is committed; the turn's ending starts from it.
            turn.row = ConversationRow(
                id=cid, owner=step.owner, case_id=case.id, state=state,
                pending_json=conv.pending_json if conv else "{}",
                last_outcome=(FAILED if conv.running_turn else conv.last_outcome) if conv else None,
                title=conv.title if conv else step.question[:200], created_at=conv.created_at if conv else now,
                updated_at=now, deleted=False, last_event_id=start.id, running_turn=turn.id)

            def started() -> None:
                self.rows.committed(turn.row)
                turn.publish([start])

            # Registered before the write, so a resume that arrives meanwhile follows this turn.
            subscriber = self.subscribe(turn)
            self.running[cid] = turn
            try:
                await self.log.write(Write(cid, events, statements, on_commit=started))
            except LogError as exc:
                del self.running[cid]
                turn.ended.set()
                log.error("could not record the start of a turn of %s: %s", cid, exc, **logs.ids(cid, turn.id))
                raise LogUnavailable() from exc
            ctx = TurnContext(
                conversation_id=cid, turn_id=turn.id, confirm_type=handler.confirm_type, question=step.question,
                form=step.form, package_nodes=step.package_nodes, case=case, state=state,
                pending=turn.row.pending,  # a copy: the remembered row must not change
                engine=self.engine, store=self.store, config=self.config)
            turn.task = asyncio.create_task(self._drive(turn, step.registered, ctx), name=f"turn-{turn.id}")
            # A task cancelled before its first step never runs its body: end the turn anyway.
            turn.task.add_done_callback(lambda _: self._ensure_finished(turn, ctx))
            return turn, subscriber, start

    def _ensure_finished(self, turn: Turn, ctx: TurnContext) -> None:
        self._finish(turn, ctx, CANCELLED, None)

    def _interrupted(self, turn: Turn, state: str, now: str, statements: list) -> list[Event]:
        """Closing events and statements for a turn that stopped without a recorded end."""
        error = turn.event("error", {
            "code": "turn_interrupted",
            "message": "this turn stopped before its end could be recorded (the server stopped or the log "
                       "failed); ask again to continue"})
        done = turn.event("done", {"turn_id": turn.id, "state": FAILED, "expect": self.expect(state)})
        statements += [
            ("UPDATE turns SET state = ?, last_event_id = ?, ended_at = ? WHERE id = ?", (FAILED, done.id, now, turn.id)),
            ("UPDATE conversations SET last_outcome = ?, updated_at = ? WHERE id = ?", (FAILED, now, turn.conversation_id)),
        ]
        return [error, done]

    # -- running -----------------------------------------------------------------------------

    def _on_log_error(self, turn: Turn, exc: BaseException) -> None:
        turn.log_error = exc if isinstance(exc, LogError) else LogError(str(exc))

    async def _emit(self, turn: Turn, emit: Emit) -> None:
        if turn.log_error is not None:
            raise turn.log_error
        self.log.append(self._outbox(turn), turn.event(emit.event, emit.json()))
        await self.log.room()

    def _outbox(self, turn: Turn) -> Write:
        """The turn's write still waiting in the log's queue, or a new one: the events a handler
        yields in one burst are committed, and sent, together."""
        write = turn.outbox
        if write is None or write.taken:
            write = turn.outbox = Write(turn.conversation_id, [], [],
                                        on_error=lambda exc: self._on_log_error(turn, exc),
                                        skip=lambda: turn.log_error is not None)
            write.on_commit = partial(turn.publish, write.events)
            self.log.submit(write)
        return write

    async def _drive(self, turn: Turn, registered: Registered, ctx: TurnContext) -> None:
        logs.TURN_ID.set(turn.id)  # this task's own context: its log lines name the turn
        error: tuple[str, str] | None = None
        deadline = asyncio.timeout(self.config.turns.max_turn_seconds)
        try:
            async with deadline:
                async with contextlib.aclosing(registered.handler.run(ctx)) as events:
                    async for emit in events:
                        if not isinstance(emit, Emit) or emit.event not in HANDLER_EVENTS:
                            raise TypeError(f"handler {turn.handler_name} yielded {emit!r}; "
                                            f"yield qbot.events helpers ({', '.join(sorted(HANDLER_EVENTS))})")
                        await self._emit(turn, emit)
            outcome = ctx.next_state
        except asyncio.CancelledError:
            if (task := asyncio.current_task()) is not None:
                task.uncancel()
            outcome = CANCELLED
        except TimeoutError as exc:
            if not deadline.expired():
                outcome, error = FAILED, self._handler_error(turn, exc)
            else:
                outcome, error = FAILED, ("turn_timeout",
                                          f"the turn took longer than {self.config.turns.max_turn_seconds:g} s")
        except LogError:
            outcome = FAILED
        except Exception as exc:  # noqa: BLE001 - a plugin's failure ends its turn, not the server
            outcome, error = FAILED, self._handler_error(turn, exc)
        self._finish(turn, ctx, outcome, error)

    @staticmethod
    def _handler_error(turn: Turn, exc: BaseException) -> tuple[str, str]:
        log.error("turn %s of conversation %s failed", turn.id, turn.conversation_id, exc_info=exc)
        return "handler_failed", (f"{turn.handler_name} failed ({type(exc).__name__}); the server log has "
                                  f"the details under turn {turn.id}")

    def _finish(self, turn: Turn, ctx: TurnContext, outcome: str, error: tuple[str, str] | None) -> None:
        """Queue the closing events and the conversation's new state, one transaction; only once
        it is committed do clients see them, and the turn has ended. Runs once per turn, whatever
        ended it; nothing waits for the commit here, so no stop or shutdown can interrupt it."""
        if turn.finishing:
            return
        turn.finishing = True
        self._write_ending(turn, ctx, outcome, error, 0)

    def _write_ending(self, turn: Turn, ctx: TurnContext, outcome: str, error: tuple[str, str] | None,
                      failures: int) -> None:
        knew_log_failed = turn.log_error is not None
        write = self._closing(turn, ctx, outcome, error)
        # Dropped if an earlier event of the turn fails meanwhile: the ending is then
        # renumbered after the last recorded event.
        write.skip = lambda: turn.log_error is not None and not knew_log_failed

        def failed(exc: BaseException) -> None:
            if turn.log_error is not None and not knew_log_failed:
                self._write_ending(turn, ctx, outcome, error, failures)
                return
            log.warning("recording the end of turn %s failed: %s", turn.id, exc,
                        **logs.ids(turn.conversation_id, turn.id))
            if failures < len(FINAL_WRITE_PAUSES):
                asyncio.get_running_loop().call_later(
                    FINAL_WRITE_PAUSES[failures], self._write_ending, turn, ctx, outcome, error, failures + 1)
            else:
                self._unrecordable(turn)

        write.on_error = failed
        self.log.submit(write)

    def _unrecordable(self, turn: Turn) -> None:
        """The log keeps failing. The turn's streams still end with an error and a done, marked
        `recorded: false` and sent without ids (nothing with an id is missing from the log);
        the turn, still `running` in the log, is closed there by the conversation's next step or
        the next start."""
        log.error("could not record the end of turn %s; its streams end unrecorded", turn.id,
                  **logs.ids(turn.conversation_id, turn.id))
        self.rows.forget(turn.conversation_id)
        self.metrics.turn_ended(turn.handler_name, FAILED, asyncio.get_running_loop().time() - turn.started)
        turn.outcome = FAILED
        message = ("the conversation log cannot be written (is the disk full?): this turn's ending is not "
                   "recorded, and its events after the last one with an id are lost; ask again once it can be")
        ending = [Event(turn.committed_id + 1, "error", dumps(
                      {"code": "log_unavailable", "message": message, "recorded": False}), turn.id, recorded=False),
                  Event(turn.committed_id + 2, "done", dumps(
                      {"turn_id": turn.id, "state": FAILED, "expect": self.expect(turn.row.state), "recorded": False}),
                      turn.id, recorded=False)]
        self._ended(turn)  # first: the streams see the turn ended when the ending arrives
        for subscriber in turn.subscribers:
            subscriber.offer(ending)
            subscriber.close()

    def _closing(self, turn: Turn, ctx: TurnContext, outcome: str, error: tuple[str, str] | None) -> Write:
        """The write that ends a turn: error (if any) and done, the turn's and the conversation's
        new state; its commit publishes the events and ends the turn."""
        if turn.log_error is not None:
            # Events after the one the log refused were dropped: number the ending after the
            # last recorded event, so ids stay gapless.
            turn.next_id = turn.committed_id + 1
            outcome, error = FAILED, ("log_unavailable", "the conversation log could not record this turn; "
                                                         "its recorded events end here")
        succeeded = outcome not in (FAILED, CANCELLED)
        state = outcome if succeeded else ctx.state
        final = []
        if error is not None:
            final.append(turn.event("error", {"code": error[0], "message": error[1]}))
        final.append(turn.event("done", {"turn_id": turn.id, "state": outcome, "expect": self.expect(state)}))
        now = utcnow()
        statements = [("UPDATE turns SET state = ?, last_event_id = ?, ended_at = ? WHERE id = ?",
                       (outcome, final[-1].id, now, turn.id))]
        pending = turn.row.pending_json  # kept when the turn fails
        if succeeded:
            pending = dumps(ctx.next_pending if ctx.next_pending is not None else ctx.pending)
            statements.append(("UPDATE conversations SET state = ?, last_outcome = ?, pending = ?, updated_at = ? "
                               "WHERE id = ?", (state, outcome, pending, now, turn.conversation_id)))
        else:
            statements.append(("UPDATE conversations SET last_outcome = ?, updated_at = ? WHERE id = ?",
                               (outcome, now, turn.conversation_id)))

        row = replace(turn.row, state=state, pending_json=pending, last_outcome=outcome, updated_at=now,
                      last_event_id=final[-1].id, running_turn=None)

        def publish() -> None:
            self.rows.committed(row)
            self.metrics.turn_ended(turn.handler_name, outcome, asyncio.get_running_loop().time() - turn.started)
            turn.outcome = outcome
            turn.publish(final)
            self._ended(turn)

        return Write(turn.conversation_id, final, statements, on_commit=publish)

    def _ended(self, turn: Turn) -> None:
        if self.running.get(turn.conversation_id) is turn:
            del self.running[turn.conversation_id]
        # The turn's write and task refer back to it through their callbacks: drop them, so
        # the turn and its events are freed as soon as nothing uses them, not at the next
        # pass of the cyclic garbage collector.
        turn.outbox = None
        turn.task = None
        turn.ended.set()

    # -- renaming ----------------------------------------------------------------------------

    async def rename(self, conv: ConversationRow, title: str) -> None:
        """Give a conversation a new title; call under its lock. A running turn goes on: its
        ending, whenever it is written, carries the new title, so the row kept in memory never
        goes back to the old one."""
        turn = self.running.get(conv.id)
        if turn is not None and turn.row is not None:
            turn.row = replace(turn.row, title=title)  # before the write: an ending queued after it reads this
        try:
            await self.log.rename(conv.id, title)
        except LogError as exc:
            if turn is not None and turn.row is not None:
                turn.row = replace(turn.row, title=conv.title)
            raise LogUnavailable() from exc
        # The newest row (a turn may have ended meanwhile), or the one read under the lock.
        self.rows.committed(replace(self.rows.peek(conv.id) or conv, title=title))

    # -- stopping ----------------------------------------------------------------------------

    async def cancel(self, conversation_id: str) -> Turn | None:
        """Cancel the running turn, if any, and wait until its ending is recorded."""
        turn = self.running.get(conversation_id)
        if turn is None or turn.task is None:
            return None
        turn.task.cancel()
        await turn.ended.wait()
        return turn

    async def drain(self, timeout: float) -> None:
        """On shutdown: refuse new turns, give running ones `timeout` seconds, cancel the rest."""
        self.accepting = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.running and loop.time() < deadline:
            waits = [asyncio.ensure_future(t.ended.wait()) for t in self.running.values()]
            _, pending = await asyncio.wait(waits, timeout=deadline - loop.time())
            for wait in pending:
                wait.cancel()
        while self.running:  # a turn begun meanwhile is caught by the next round
            await asyncio.gather(*(self.cancel(cid) for cid in list(self.running)))

    async def recover(self) -> int:
        """Close, as failed, turns that the log shows running: the process died under them."""
        closed = 0
        for cid, turn_id in await self.log.running_turns():
            conv = await self.log.conversation(cid)  # a turn's conversation always exists (foreign key)
            assert conv is not None
            statements: list[tuple[str, tuple[Any, ...]]] = []
            turn = Turn(turn_id, cid, 0, "", "", conv.last_event_id + 1)
            events = self._interrupted(turn, conv.state, utcnow(), statements)
            await self.log.write(Write(cid, events, statements))
            log.warning("closed turn %s of conversation %s, left running by a previous process", turn_id, cid,
                        **logs.ids(cid, turn_id))
            closed += 1
        return closed
