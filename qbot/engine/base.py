"""The engine interface the handlers use: plan a question, propose the filter form, analyse.

An engine never invents a figure: every count, duration and date it reports comes from a query of
the evidence store, and the `result` cites the records behind each row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from qbot.engine.steps import Step

if TYPE_CHECKING:
    from qbot.evidence.store import Case


@dataclass
class Plan:
    """What the engine understood; JSON-serialisable, carried between turns in the log."""

    question: str
    # A preset's name ("call_frequency") or "query"; "clarify" when the question has several
    # readings (`choices`), "unsupported" when it cannot be answered (`reason`).
    intent: str
    kind: str = ""  # record kinds the query reads: calls, messages, contacts
    node_paths: list[str] = field(default_factory=list)  # proposed nodes, "category/app/data type"
    window: dict[str, Any] = field(default_factory=lambda: {"kind": "all"})  # {"kind": "recent", "days": 30}
    keyword: str = ""
    steps: list[str] = field(default_factory=list)  # the plan, as the examiner reads it
    params: dict[str, Any] = field(default_factory=dict)  # who planned it, a model's notes, …
    query: dict[str, Any] | None = None  # the Query as JSON (qbot.engine.query)
    choices: list[dict[str, Any]] = field(default_factory=list)  # [{id, label, question, query}]
    # Readings answered side by side ([{label, question, query}], `query`'s first): a question whose
    # readings are each one cheap figure gets both, labelled, instead of a clarification.
    readings: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""  # why it asks or declines
    unknown: list[str] = field(default_factory=list)  # words of the question not understood

    def to_json(self) -> dict[str, Any]:
        """A deep copy of the fields (dataclasses.asdict does the same, several times slower)."""
        return _json_copy(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _json_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_copy(v) for v in value]
    return value


class Engine(Protocol):
    async def plan(self, question: str, case: Case, package_nodes: list[Any], previous: tuple[str, ...] = ()) -> Plan:
        """Understand the question against the case's node tree: a plan with its query, or the
        readings to ask about (`intent: clarify`), or why it cannot be answered (`unsupported`).
        `previous`: the people the conversation's previous question was about (他 may mean one).
        The handlers turn the plan into events (`qbot_plugins.explain`)."""

    async def choose(self, plan: Plan, choice: str, case: Case, package_nodes: list[Any]) -> Plan:
        """The plan of the reading the examiner picked from a clarification (`plan.choices`)."""

    async def propose_form(self, plan: Plan, case: Case, package_nodes: list[Any]) -> dict[str, Any]:
        """The filter form (`formName`, `filter_tree`, `filter_keyword`, `analysis_prompt`)."""

    def analyse(self, plan: Plan, form: dict[str, Any], case: Case, package_nodes: list[Any]) -> AsyncIterator[Step]:
        """Retrieve what the (possibly edited) form selects; yield the analysis as steps
        (`qbot.engine.steps`: progress, narrative text, the finding), which the filter handler
        turns into events."""
