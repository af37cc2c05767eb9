"""The turn runner: each accepted step runs as its own task, independent of the connection that
asked for it. Every event gets the conversation's next id, goes to the log (qbot.logapi), and
once committed is offered to the streams that follow the turn (qbot.fanout). The routes ask the
runner for everything about conversations; it alone talks to the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import weakref
from collections.abc import AsyncIterator
from typing import Any

from qbot import logs
from qbot.auth import visible_case
from qbot.buffers import ClientBuffers, Subscriber
from qbot.config import Config
from qbot.domain_errors import (ConversationBusy, ConversationDeleted, ConversationNotFound, InvalidState,
                                LogUnavailable, NoRunningTurn, ShuttingDown, TooManyTurns)
from qbot.engine import scope
from qbot.events import CANCELLED, FAILED, HANDLER_EVENTS, Emit, Event, dumps
from qbot.fanout import Fanout
from qbot.handlers import STATE_NEW, TurnContext
from qbot.logapi import ConversationLog, ConversationRow, Interrupted, LogError, TurnRow, TurnStart
from qbot.metrics import Metrics
from qbot.registry import Registered, expected_next
from qbot.remote import RemoteTurns
from qbot.turn import Step, Turn
from qbot.turn_ending import Outcome, TurnEnd, closing_events

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2  # told to clients refused for load
TITLE_CHARS = 200  # a new conversation's title: the start of its first question
INTERRUPTED = ("turn_interrupted", "this turn stopped before its end could be recorded (the server stopped or the "
                                   "log failed); ask again to continue")


class TurnRunner:
    def __init__(self, config: Config, log_: ConversationLog, registry: dict[int, Registered], engine: Any, store: Any,
                 metrics: Metrics | None = None, buffers: ClientBuffers | None = None):
        self.config = config
        self.log = log_
        self.registry = registry
        self.engine = engine
        self.store = store
        self.running: dict[str, Turn] = {}
        self.metrics = metrics or Metrics()
        self.buffers = buffers or ClientBuffers(config.limits.slow_clients_bytes)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.accepting = True
        # Turns running on other instances (a shared PostgreSQL log): followed and stopped from here.
        self.remote = (RemoteTurns(log_, self.buffers, config.turns.subscriber_buffer_bytes)
                       if RemoteTurns.supported(log_) else None)

    def expect(self, state: str) -> list[int]:
        return expected_next(self.registry, state)

    @contextlib.asynccontextmanager
    async def _exclusive(self, conversation_id: str) -> AsyncIterator[None]:
        """One at a time per conversation: a turn's start, a rename, a delete."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        async with lock:
            yield

    # -- beginning a turn ----------------------------------------------------------------------

    async def begin(self, step: Step) -> tuple[Turn, Subscriber, Event]:
        """Check the step against the conversation, record the turn and its `start` event, start
        the turn's task. Returns the turn, a subscriber for the caller's stream and the start event."""
        self._admit(step)
        async with self._exclusive(step.conversation_id):
            conv = await self._claimable(step)
            state = conv.state if conv else STATE_NEW
            case = await visible_case(self.store, self.config.auth, step.owner,
                                      step.case_id or (conv.case_id if conv else ""))
            if step.package_nodes:  # refuse names of no node now, before a stream opens (UnknownNodes)
                scope.restrict(await self.store.nodes(case.id), step.package_nodes)
            turn_id = str(uuid.uuid4())
            ctx = TurnContext(
                conversation_id=step.conversation_id, turn_id=turn_id,
                confirm_type=step.registered.handler.confirm_type, question=step.question, form=step.form, package_nodes=step.package_nodes, case=case, state=state,
                pending=conv.pending if conv else {}, engine=self.engine, store=self.store, config=self.config)
            # Nothing may fail between recording the start and launching the task that ends it.
            turn, start, subscriber = await self._record_start(step, turn_id, conv, case.id, state)
            self._launch(turn, step.registered, ctx)
            return turn, subscriber, start

    def _admit(self, step: Step) -> None:
        """Refuse while shutting down, or when the server's or the examiner's turns are at their cap."""
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

    async def _claimable(self, step: Step) -> ConversationRow | None:
        """The conversation's row if this step may start a turn in it (None: a new one); a turn
        running here is refused or cancelled, as `turns.busy_policy` says."""
        cid = step.conversation_id
        conv = await self.log.conversation(cid)
        if conv is not None and conv.owner != step.owner:
            # Another examiner's: as if it did not exist (not busy, not deleted, no state),
            # and never interrupted by a step of someone else's.
            raise ConversationNotFound(cid)
        if cid in self.running or (conv is not None and conv.running_elsewhere):
            if self.config.turns.busy_policy == "reject" or cid not in self.running:
                raise ConversationBusy(f"conversation {cid} has a turn running; wait for its done event, "
                                       "stop it (POST …/stop) or resume it (GET …/events)")
            await self.cancel(cid)
            conv = await self.log.conversation(cid)  # the cancelled turn's ending moved it on
        handler = step.registered.handler
        if conv is not None and conv.deleted:
            raise ConversationDeleted(cid)
        if conv is None and handler.allowed_states is not None:
            raise ConversationNotFound(cid)
        state = conv.state if conv else STATE_NEW
        if handler.allowed_states is not None and state not in handler.allowed_states:
            raise InvalidState(cid, state, self.expect(state), handler.confirm_type)
        return conv

    async def _record_start(self, step: Step, turn_id: str, conv: ConversationRow | None, case_id: str,
                            state: str) -> tuple[Turn, Event, Subscriber]:
        """Record the turn as running, with its `start` (after closing a turn left running, whose
        end could not be recorded earlier). Its stream subscribes first, so that a resume arriving
        meanwhile follows this turn too."""
        cid, handler = step.conversation_id, step.registered.handler
        next_id = conv.last_event_id + 1 if conv else 1
        closes = None
        if conv is not None and conv.running_turn:
            closes = self._interrupted(conv.running_turn, next_id, state)
            next_id += len(closes.events)
        turn = Turn(turn_id, cid, handler.name, step.owner, next_id,
                    Fanout(self.buffers, self.config.turns.subscriber_buffer_bytes, next_id - 1))
        start = turn.event("start", {"conversation_id": cid, "turn_id": turn.id, "confirm_type": handler.confirm_type,
                                     "handler": handler.name})
        subscriber = turn.fanout.subscribe()
        self.running[cid] = turn
        try:
            turn.log = await self.log.start_turn(TurnStart(
                conversation_id=cid, turn_id=turn.id, owner=step.owner, case_id=case_id,
                confirm_type=handler.confirm_type, handler=handler.name, question=step.question,
                request_json=dumps(step.request), events=[start], title=step.question[:TITLE_CHARS],
                closes=closes), turn)
        except BaseException as exc:
            del self.running[cid]
            turn.fanout.end()
            if isinstance(exc, LogError):
                log.error("could not record the start of a turn of %s: %s", cid, exc, **logs.ids(cid, turn.id))
                raise LogUnavailable() from exc
            raise
        turn.end = TurnEnd(cid, turn.id, turn.log, self.expect, lambda outcome, unrecorded: self._over(
            turn, outcome, unrecorded))
        return turn, start, subscriber

    def _interrupted(self, turn_id: str, next_id: int, state: str) -> Interrupted:
        """The events that close a turn that stopped without a recorded end."""
        return Interrupted(turn_id, closing_events(turn_id, next_id, INTERRUPTED, FAILED, self.expect(state)))

    def _launch(self, turn: Turn, registered: Registered, ctx: TurnContext) -> None:
        turn.task = asyncio.create_task(self._drive(turn, registered, ctx), name=f"turn-{turn.id}")
        # A task cancelled before its first step never runs its body: end the turn anyway.
        turn.task.add_done_callback(lambda _: self._finish(turn, ctx, CANCELLED, None))
        if turn.stop_asked:  # a stop came while the start was being recorded (here, or from another instance)
            turn.task.cancel()

    # -- running -------------------------------------------------------------------------------

    async def _drive(self, turn: Turn, registered: Registered, ctx: TurnContext) -> None:
        logs.TURN_ID.set(turn.id)  # this task's own context: its log lines name the turn
        assert turn.log is not None
        error: tuple[str, str] | None = None
        deadline = asyncio.timeout(self.config.turns.max_turn_seconds)
        try:
            async with deadline:
                async with contextlib.aclosing(registered.handler.run(ctx)) as events:
                    async for emit in events:
                        if not isinstance(emit, Emit) or emit.event not in HANDLER_EVENTS:
                            raise TypeError(f"handler {turn.handler_name} yielded {emit!r}; "
                                            f"yield qbot.events helpers ({', '.join(sorted(HANDLER_EVENTS))})")
                        turn.log.append(turn.event(emit.event, emit.json()))
                        await turn.log.room()
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
        assert turn.end is not None
        pending = dumps(ctx.next_pending if ctx.next_pending is not None else ctx.pending)
        turn.end.finish(Outcome(outcome, error, ctx.state, pending), turn.next_id)

    def _over(self, turn: Turn, outcome: str, unrecorded: list[Event] | None) -> None:
        """The turn is over: recorded, or (`unrecorded`) with an ending the log would not take."""
        self.metrics.turn_ended(turn.handler_name, outcome, asyncio.get_running_loop().time() - turn.started)
        turn.outcome = outcome
        if self.running.get(turn.conversation_id) is turn:
            del self.running[turn.conversation_id]
        # The task refers back to the turn through its callback: drop it, so the turn and its
        # events are freed as soon as nothing uses them, not at the next pass of the collector.
        turn.task = turn.log = None
        if unrecorded is None:
            turn.fanout.end()
        else:
            turn.fanout.end_unrecorded(unrecorded)

    # -- what the routes ask -------------------------------------------------------------------

    async def visible(self, conversation_id: str, owner: str) -> ConversationRow:
        """The conversation, if it exists, is not deleted and is `owner`'s; else not found."""
        conv = await self.log.conversation(conversation_id)
        if conv is None or conv.deleted or conv.owner != owner:
            raise ConversationNotFound(conversation_id)
        return conv

    @property
    def running_count(self) -> int:
        return len(self.running)

    def is_running(self, conversation_id: str) -> bool:
        return conversation_id in self.running

    async def follow(self, conversation_id: str) -> tuple[Fanout | None, Subscriber | None]:
        """The running turn's fan-out and a new inbox on it (none when no turn runs), here or,
        through the log, on another instance."""
        turn = self.running.get(conversation_id)
        if turn is not None:
            return turn.fanout, turn.fanout.subscribe()
        if self.remote is not None:
            conv = await self.log.conversation(conversation_id)
            if conv is not None and conv.running_elsewhere:
                fanout = self.remote.fanout(conv)
                return fanout, fanout.subscribe()
        return None, None

    async def events_after(self, conversation_id: str, after: int, limit: int, max_bytes: int) -> list[Event]:
        return await self.log.events_after(conversation_id, after, limit, max_bytes)

    async def event(self, conversation_id: str, event_id: int) -> Event | None:
        return await self.log.event(conversation_id, event_id)

    async def event_ids(self, conversation_id: str, name: str, limit: int = 50) -> list[int]:
        return await self.log.event_ids(conversation_id, name, limit)

    async def turns(self, conversation_id: str) -> list[TurnRow]:
        return await self.log.turns(conversation_id)

    async def conversations(self, limit: int, before: str | None, owner: str,
                            case_id: str | None) -> list[ConversationRow]:
        return await self.log.conversations(limit, before, owner=owner, case_id=case_id)

    async def resume_point(self, conversation_id: str, owner: str, confirm_type: int, question: str,
                           after: int) -> int | None:
        """A fetch-event-source retry sends the same step again, with Last-Event-ID: the id to
        follow that turn from, or None if the step is not the conversation's last turn."""
        conv = await self.log.conversation(conversation_id)
        if conv is None or conv.deleted or conv.owner != owner:
            return None
        turns = await self.log.turns(conversation_id)
        if not turns or turns[-1].confirm_type != confirm_type or turns[-1].question != question:
            return None
        return max(after, turns[-1].first_event_id - 1)  # that turn's events only

    async def rename(self, conversation_id: str, owner: str, title: str) -> None:
        """A new title. Allowed while a turn runs: a title changes nothing the turn reads."""
        async with self._exclusive(conversation_id):
            await self.visible(conversation_id, owner)
            try:
                await self.log.rename(conversation_id, title)
            except LogError as exc:
                raise LogUnavailable() from exc

    async def delete(self, conversation_id: str, owner: str) -> None:
        await self.visible(conversation_id, owner)
        async with self._exclusive(conversation_id):  # no turn may begin while it is being deleted
            conv = await self.log.conversation(conversation_id)
            if conversation_id in self.running or (conv is not None and conv.running_elsewhere):
                raise ConversationBusy(f"conversation {conversation_id} has a turn running; stop it first")
            try:
                await self.log.delete(conversation_id)
            except LogError as exc:
                raise LogUnavailable() from exc

    async def stop(self, conversation_id: str, owner: str) -> tuple[str, str | None]:
        """Stop the running turn, here or on another instance: its id and how it ended."""
        running = self.running.get(conversation_id)
        conv = None
        if running is None or running.owner != owner:
            # The examiner's own turn running here needs no look in the log (its start may not
            # even be there yet, in a conversation that step creates).
            conv = await self.visible(conversation_id, owner)
        turn = await self.cancel(conversation_id)
        if turn is not None:
            return turn.id, turn.outcome
        if self.remote is not None and conv is not None and conv.running_elsewhere:
            stopped = await self.remote.stop(conv)
            if stopped is not None:
                return stopped
        raise NoRunningTurn(conversation_id)

    # -- stopping ------------------------------------------------------------------------------

    async def cancel(self, conversation_id: str) -> Turn | None:
        """Cancel the running turn, if any, and wait until its ending is recorded; None if there
        is none, or its start could not be recorded (it never ran)."""
        turn = self.running.get(conversation_id)
        if turn is None:
            return None
        if turn.task is None:  # its start is still being recorded: cancelled as soon as it is launched
            turn.stop_asked = True
        else:
            turn.task.cancel()
        await turn.ended.wait()
        return turn if turn.outcome is not None else None

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
        """Close, as failed, turns that the log shows running: the process died under them (on a
        shared log: an instance whose lease lapsed; one that renewed it meanwhile is left be)."""
        closed = 0
        for cid, turn_id in await self.log.interrupted_turns():
            conv = await self.log.conversation(cid)  # a turn's conversation always exists (foreign key)
            assert conv is not None
            try:
                await self.log.close_interrupted(cid, self._interrupted(turn_id, conv.last_event_id + 1, conv.state))
            except ConversationBusy:
                continue
            log.warning("closed turn %s of conversation %s, left running by a previous process", turn_id, cid,
                        **logs.ids(cid, turn_id))
            closed += 1
        return closed

    async def recover_forever(self, every: float) -> None:
        """On a shared log: close the turns of instances that died, once their leases lapse."""
        while True:
            await asyncio.sleep(every)
            try:
                closed = await self.recover()
            except Exception as exc:  # noqa: BLE001 - the database may be away; next round
                log.warning("could not look for interrupted turns: %s", exc)
                continue
            if closed:
                log.warning("closed %d turn(s) of an instance whose lease lapsed", closed)
