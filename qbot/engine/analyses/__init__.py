"""Analyses of the builtin engine, one module per family. Each takes a `Context` (the chosen
nodes, window, keyword and measures) and returns an `Answer`: exact figures from store queries,
with the records behind each row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qbot.engine.people import Directory
from qbot.engine.timeexpr import Window
from qbot.evidence.store import Case, EvidenceRef, EvidenceStore, Node, RecordScope


@dataclass
class Context:
    store: EvidenceStore
    case: Case
    nodes: list[Node]
    window: Window
    keyword: str
    measures: set[str]  # measures the analysis prompt names: duration, night, missed, …
    params: dict[str, Any]  # the plan's: app, person, person_text
    directory: Directory
    scope: RecordScope  # the chosen nodes, window and keyword, ready to query
    top_n: int

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.case.timezone)

    def local(self, ms: int | datetime) -> str:
        moment = ms if isinstance(ms, datetime) else datetime.fromtimestamp(ms / 1000, self.tz)
        return f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"


@dataclass
class Answer:
    summary: str  # the one-sentence answer ("" when nothing matched)
    columns: list[str]
    rows: list[list[Any]]
    refs: list[list[EvidenceRef]]  # per row: the records it rests on
    records: int  # records in scope that the figures count
    counted: str  # what `records` counts, e.g. "通话记录"
    notes: list[str] = field(default_factory=list)  # extra Markdown paragraphs (a timeline, …)
    extra: dict[str, Any] = field(default_factory=dict)  # extra result fields
    record_counts: list[int] | None = None  # per row, when a row counts records (cited as "records")


Analysis = Callable[[Context], Awaitable[Answer]]
