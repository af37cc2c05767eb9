"""How a turn ends, as one state machine:

    running --finish()--> writing --ended()--> recorded
                          writing --ending_failed(), an earlier event failed meanwhile--> writing (renumbered)
                          writing --ending_failed(), tries left--> waiting --pause--> writing
                          writing --ending_failed(), no tries left--> unrecordable

Whatever ended the turn (its handler's last event, a failure, a stop, a timeout, the server's
shutdown), `finish` runs once and nothing waits for the commit, so no stop can cut an ending
half-written. Only once the ending is committed do clients see it; an ending the log will not
take is sent without ids (`recorded: false`), so nothing with an id is missing from the log."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from qbot import logs
from qbot.events import CANCELLED, FAILED, Event, dumps
from qbot.logapi import LogError, TurnEnding, TurnLog

log = logging.getLogger(__name__)

FINAL_WRITE_PAUSES = (0.05, 0.25, 1.0)  # seconds before each new try to record a turn's ending
LOG_FAILED = ("log_unavailable", "the conversation log could not record this turn; its recorded events end here")
UNRECORDABLE = ("the conversation log cannot be written (is the disk full?): this turn's ending is not "
                "recorded, and its events after the last one with an id are lost; ask again once it can be")


def closing_events(turn_id: str, first_id: int, error: tuple[str, str] | None, state: str, expect: list[int],
                   recorded: bool = True) -> list[Event]:
    """A turn's last events, numbered from `first_id`: its error (code, message) if any, then its
    done in `state`. Unrecorded ones say so, and are sent without ids."""
    extra = {} if recorded else {"recorded": False}
    events = []
    if error is not None:
        code, message = error
        events.append(Event(first_id, "error", dumps({"code": code, "message": message, **extra}), turn_id,
                            recorded=recorded))
    events.append(Event(first_id + len(events), "done", dumps(
        {"turn_id": turn_id, "state": state, "expect": expect, **extra}), turn_id, recorded=recorded))
    return events


class Phase(enum.Enum):
    RUNNING = "running"
    WRITING = "writing"
    WAITING = "waiting"  # to try the ending again
    RECORDED = "recorded"
    UNRECORDABLE = "unrecordable"


@dataclass(frozen=True)
class Outcome:
    """What the turn ended as, and what the conversation carries on with if it succeeded."""

    outcome: str  # done.state
    error: tuple[str, str] | None  # code, message
    state: str  # the conversation's state before the turn
    pending_json: str | None = None  # the new carried state of a turn that succeeded

    @property
    def succeeded(self) -> bool:
        return self.outcome not in (FAILED, CANCELLED)


class TurnEnd:
    """One turn's ending. `expect` gives the confirm_types a state accepts; `on_over(outcome,
    unrecorded)` runs once the turn is over: recorded (unrecorded None) or not (its last events)."""

    def __init__(self, conversation_id: str, turn_id: str, turn_log: TurnLog, expect: Callable[[str], list[int]],
                 on_over: Callable[[str, list[Event] | None], None]) -> None:
        self._cid = conversation_id
        self._turn_id = turn_id
        self._log: TurnLog | None = turn_log
        self._expect = expect
        self._on_over: Callable[[str, list[Event] | None], None] | None = on_over
        self.phase = Phase.RUNNING
        self._outcome: Outcome | None = None
        self._next_id = 0  # the ending's first id, unless an earlier event failed
        self._written: TurnEnding | None = None
        self._written_after_failure = False
        self._tries = 0

    @property
    def finishing(self) -> bool:
        return self.phase is not Phase.RUNNING

    def finish(self, outcome: Outcome, next_id: int) -> None:
        """The turn is over as `outcome`, its ending numbered from `next_id`. Runs once."""
        if self.phase is not Phase.RUNNING:
            return
        self._outcome, self._next_id = outcome, next_id
        self._write()

    def _write(self) -> None:
        self.phase = Phase.WRITING
        self._written_after_failure = self._log.failure is not None
        self._written = self._ending()
        self._log.end(self._written)

    def _ending(self) -> TurnEnding:
        """The same ids on every try: a try that failed left none of them in the log."""
        outcome, next_id = self._outcome, self._next_id
        assert outcome is not None
        if self._log.failure is not None:
            # Events after the one the log refused were dropped: number the ending after the
            # last recorded event, so ids stay gapless.
            outcome, next_id = Outcome(FAILED, LOG_FAILED, outcome.state), self._log.committed_id + 1
        state = outcome.outcome if outcome.succeeded else outcome.state
        events = closing_events(self._turn_id, next_id, outcome.error, outcome.outcome, self._expect(state))
        if not outcome.succeeded:
            return TurnEnding(outcome.outcome, events)
        return TurnEnding(outcome.outcome, events, state=state, pending_json=outcome.pending_json)

    # -- told by the log (qbot.logapi.TurnListener, through the turn) ----------------------------

    def ended(self) -> None:
        assert self._written is not None
        self.phase = Phase.RECORDED
        self._over(self._written.outcome, None)

    def ending_failed(self, error: LogError) -> None:
        if self._log.failure is not None and not self._written_after_failure:
            self._write()  # an earlier event failed meanwhile: renumber after it, at once
            return
        log.warning("recording the end of turn %s failed: %s", self._turn_id, error,
                    **logs.ids(self._cid, self._turn_id))
        if self._tries < len(FINAL_WRITE_PAUSES):
            self.phase = Phase.WAITING
            asyncio.get_running_loop().call_later(FINAL_WRITE_PAUSES[self._tries], self._write)
            self._tries += 1
            return
        self._unrecordable()

    def _unrecordable(self) -> None:
        """The log keeps failing. The turn's streams still end with an error and a done, sent
        without ids; the turn, still `running` in the log, is closed there by the conversation's
        next step or the next start."""
        assert self._outcome is not None
        log.error("could not record the end of turn %s; its streams end unrecorded", self._turn_id,
                  **logs.ids(self._cid, self._turn_id))
        self.phase = Phase.UNRECORDABLE
        ending = closing_events(self._turn_id, self._log.committed_id + 1, ("log_unavailable", UNRECORDABLE), FAILED,
                                self._expect(self._outcome.state), recorded=False)
        self._over(FAILED, ending)

    def _over(self, outcome: str, unrecorded: list[Event] | None) -> None:
        on_over, self._on_over = self._on_over, None
        self._log = None  # both refer back to the turn: let it be freed without the cycle collector
        if on_over is not None:
            on_over(outcome, unrecorded)
