"""The whole handler interface: what a plugin provides and what it gets. A plugin author reads this
module and `qbot.events` and knows everything.

A handler is an object (usually a module-level instance named in an entry point of the group
`qbot.plugins`) with these attributes:

- `confirm_type: int`       the value of `confirm_type` in a POST that runs this handler; unique.
- `name: str`               short name, shown in `start.handler` and `qbot plugins`.
- `form_schema`             a marshmallow `Schema` (class or instance) for `confirm_form_data`, or
                            None to accept any object. Validated before the stream opens; errors
                            are refused with 400 and the field names.
- `allowed_states`          the conversation states in which it may run (a set of the `STATE_*`
                            names below), or None for "always, and it may create the conversation".
- `run(ctx) -> AsyncIterator[Emit]`
                            an async generator yielding `qbot.events` helpers (`status`, `message`,
                            `confirm`, `result`, `error`). The runner numbers, logs and sends them,
                            and adds `start` and `done` itself. Before it returns, the handler calls
                            `ctx.set_state(...)` to say where the conversation stands (default
                            `completed`). An exception ends the turn as `failed` with an `error`
                            event, and leaves the conversation's state and pending form as they were.
                            The generator is closed (its `finally` runs) when the turn is cancelled.

Handlers never touch HTTP or SQL: everything they need is on the `TurnContext`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from qbot.events import AWAITING_CHOICE, AWAITING_FILTER, AWAITING_START, COMPLETED, Emit

if TYPE_CHECKING:
    from qbot.config import Config
    from qbot.engine.base import Engine
    from qbot.evidence.store import Case, EvidenceStore

# Where a conversation stands between turns.
STATE_NEW = "new"
STATE_AWAITING_CHOICE = AWAITING_CHOICE
STATE_AWAITING_START = AWAITING_START
STATE_AWAITING_FILTER = AWAITING_FILTER
STATE_COMPLETED = COMPLETED
WORKFLOW_STATES = frozenset({STATE_NEW, STATE_AWAITING_CHOICE, STATE_AWAITING_START, STATE_AWAITING_FILTER,
                             STATE_COMPLETED})


@runtime_checkable
class Handler(Protocol):
    confirm_type: int
    name: str
    form_schema: Any
    allowed_states: frozenset[str] | None

    def run(self, ctx: TurnContext) -> AsyncIterator[Emit]:
        """Yield the turn's events."""


@dataclass
class TurnContext:
    """What a running turn knows. `pending` is the conversation's carried state (the question,
    the plan, the proposed form), as the previous turn left it; replace it with `set_state`."""

    conversation_id: str
    turn_id: str
    confirm_type: int
    question: str
    form: dict[str, Any]
    package_nodes: list[Any]
    case: Case | None
    state: str
    pending: dict[str, Any]
    engine: Engine
    store: EvidenceStore
    config: Config
    next_state: str = field(default=COMPLETED, init=False)
    next_pending: dict[str, Any] | None = field(default=None, init=False)

    def set_state(self, state: str, pending: dict[str, Any] | None = None) -> None:
        """Where the conversation stands when this turn ends, and what it carries to the next."""
        if state not in WORKFLOW_STATES - {STATE_NEW}:
            raise ValueError(f"unknown conversation state {state!r}; one of {sorted(WORKFLOW_STATES - {STATE_NEW})}")
        self.next_state = state
        self.next_pending = pending
