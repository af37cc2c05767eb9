"""What the runner, the engine and the log refuse, said without HTTP: each error carries its
message (what was wrong and what is accepted) and its details, never a status. The edge gives
each class its status and code (`qbot.middlewares.REFUSALS`), so the code raising them runs as
well without a server (`qbot report`)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConversationNotFound(DomainError):
    """One answer for an id that does not exist and for another examiner's, byte for byte, on
    every route: it must not tell which."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"no conversation {conversation_id} of yours; a conversation begins with confirm_type -1 "
                         "(a question)")


class ConversationBusy(DomainError):
    """A turn runs in the conversation."""


class ConversationDeleted(DomainError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id} was deleted; its id is not reused, start a new one")


class InvalidState(DomainError):
    """The conversation's state does not take this confirm_type."""

    def __init__(self, conversation_id: str, state: str, expected: list[int], confirm_type: int) -> None:
        super().__init__(f"conversation {conversation_id} is {state}; it accepts confirm_type {expected}, "
                         f"not {confirm_type}", {"state": state, "expected": expected})


class NoRunningTurn(DomainError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id} has no running turn to stop")


class TooManyTurns(DomainError):
    """Overloaded: as many turns run as the limits allow; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(f"{message}; retry in {retry_after} s")
        self.retry_after = retry_after


class ShuttingDown(DomainError):
    def __init__(self) -> None:
        super().__init__("the server is shutting down; retry in a moment")


class LogUnavailable(DomainError):
    """The conversation log cannot record a change now (full disk, locked)."""

    def __init__(self) -> None:
        super().__init__("the conversation log cannot be written now; retry in a moment")


class CaseNotFound(DomainError):
    """Unknown, or kept from this examiner: the same answer."""

    def __init__(self, case_id: str, known: list[str]) -> None:
        super().__init__(f"no case {case_id[:80]!r}; known cases: {known}", {"known_cases": known})


class ResultNotFound(DomainError):
    def __init__(self, conversation_id: str, event_id: int, result_events: list[int]) -> None:
        super().__init__(f"event {event_id} of conversation {conversation_id} is not a result; "
                         f"its result events: {result_events}", {"result_events": result_events})


class ResultChanged(DomainError):
    """The evidence no longer gives a logged result's figures (records were imported or removed
    since), or the result cannot be worked out again."""
