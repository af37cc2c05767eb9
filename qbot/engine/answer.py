"""What the executor returns: the answer of one query, as domain values (no events, no HTTP).

`items` and `value` are the machine-readable answer (`result.answer`); `columns`, `rows` and
`refs` the table the examiner reads, each row citing the records it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qbot.engine.people import People
from qbot.engine.timeexpr import Window
from qbot.evidence.records import Ref, Selection
from qbot.evidence.store import Case, EvidenceStore, Node

SHAPES = ("total", "ranking", "record", "records", "groups", "people", "lookup")


@dataclass
class Scope:
    """The resolved reading of a query over one case: its nodes, window and people."""

    store: EvidenceStore
    case: Case
    nodes: list[Node]
    window: Window
    people: People
    selection: Selection
    top_n: int

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.case.timezone)

    def local(self, moment: int | datetime) -> str:
        at = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment / 1000, self.tz)
        return f"{at.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"

    def node(self, node_id: int) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)


@dataclass(frozen=True)
class Basis:
    """Which records one row rests on, all of them: the `groups` of `selection` by `by` whose
    key is one of `keys` (qbot.evidence.records.GROUPINGS), or, for address-book rows, the
    entries `contacts`."""

    selection: Selection | None
    by: str
    keys: tuple[Any, ...] = ()
    contacts: tuple[Ref, ...] = ()


@dataclass
class Answer:
    shape: str
    summary: str  # one sentence; "" when nothing matched
    columns: list[str]
    rows: list[list[Any]]
    refs: list[list[Ref]]  # per row: the records it rests on (the most recent ones)
    records: int  # records the figures rest on
    counted: str  # what `records` counts, e.g. "通话记录"
    value: Any = None  # the one figure of a total, a count of records or people, a record's time
    items: list[dict[str, Any]] = field(default_factory=list)  # the answer's rows, named
    record_counts: list[int] | None = None  # per row, how many records it rests on
    notes: list[str] = field(default_factory=list)  # extra Markdown paragraphs
    extra: dict[str, Any] = field(default_factory=dict)  # extra result fields
    basis: list[Basis] = field(default_factory=list)  # per row: every record it rests on (citations)
    # A question with two cheap readings is answered in both: [{label, value, records, summary,
    # query}], this answer's own reading first (see builtin.SIDE_BY_SIDE).
    readings: list[dict[str, Any]] = field(default_factory=list)

    def machine(self, measure: str) -> dict[str, Any]:
        """`result.answer`: the shape, the measure, the figure and the named rows."""
        machine = {"shape": self.shape, "measure": measure, "value": self.value, "rows": self.items}
        if self.readings:
            machine["readings"] = [{k: r[k] for k in ("label", "value", "records", "query")} for r in self.readings]
        return machine


def empty(shape: str, counted: str) -> Answer:
    return Answer(shape, "", [], [], [], 0, counted, value=0 if shape in ("total", "records", "people") else None)
