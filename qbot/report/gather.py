"""What a report holds, read without a server: the conversation from the log (read-only, one
read transaction, with its chain checked), its case and evidence files from the evidence store,
and every result's rows with the records behind them, worked out again (qbot.engine.recompute).

Refusals are the API's (qbot.domain_errors): an unknown, deleted or other examiner's conversation
is ConversationNotFound, a case the examiner may not see CaseNotFound."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from qbot.auth import visible_case
from qbot.citations import record_json
from qbot.engine.answer import Answer, Scope
from qbot.domain_errors import ConversationNotFound, ResultChanged
from qbot.engine.recompute import recompute
from qbot.events import dumps
from qbot.evidence.cited import Cited
from qbot.evidence.records import Selection
from qbot.evidence.store import Case, EvidenceStore
from qbot.report.charts import Chart, charts_of
from qbot.sqlitelog.snapshot import snapshot

@dataclass
class CitedRow:
    row: int  # from 1
    records: int  # how many the row rests on
    listed: list[dict[str, Any]]  # the first of them (all, or --records N), as the citations route gives them


@dataclass
class Turn:
    id: str
    confirm_type: int
    handler: str
    question: str
    request: dict[str, Any]  # the POST body: the form as submitted is its confirm_form_data
    state: str
    started_at: str
    ended_at: str | None
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # (id, event, data)
    cited: dict[int, list[CitedRow]] = field(default_factory=dict)  # result event id -> its rows
    charts: dict[int, list[Chart]] = field(default_factory=dict)  # result event id -> its pictures
    problems: dict[int, str] = field(default_factory=dict)  # result event id -> why it has no records

    def data(self, event: str) -> list[dict[str, Any]]:
        return [data for _, name, data in self.events if name == event]


@dataclass
class Dossier:
    conversation: dict[str, Any]
    case: Case
    files: list[dict[str, Any]]
    turns: list[Turn]
    events: int
    head: str | None  # the chain's last hash, as `qbot verify --heads` prints it
    chain_problem: str | None  # the first broken link, when the chain does not hold
    per_row: int | None  # records listed per row; None: all
    generated: datetime


def read_log(path: Any, cid: str, owner: str) -> tuple[dict[str, Any], list[Turn], int, str | None, str | None]:
    """(conversation, turns with their events, events, head, chain problem), as of one moment."""
    snap = snapshot(path, cid)
    if snap is None or snap.conversation["deleted_at"] is not None or snap.conversation["owner"] != owner:
        raise ConversationNotFound(cid)
    turns = {r["id"]: Turn(r["id"], r["confirm_type"], r["handler"], r["question"], orjson.loads(r["request"]),
                           r["state"], r["started_at"], r["ended_at"]) for r in snap.turns}
    for event_id, turn_id, name, data in snap.events:
        if turn_id in turns:
            turns[turn_id].events.append((event_id, name, orjson.loads(data)))
    return snap.conversation, list(turns.values()), len(snap.events), snap.head, snap.broken


async def cite_rows(engine: Any, case: Case, turn: Turn, per_row: int | None,
                    known: dict[str, tuple[list[CitedRow], list[Chart]]]) -> None:
    """Fill `turn.cited` and `turn.charts` for each of its results; `known` keeps them by the
    result's query, so a conversation that asks the same again is worked out once."""
    for event_id, name, result in turn.events:
        if name != "result" or not result.get("rows"):
            continue
        key = dumps([result.get(k) for k in ("query", "node_ids", "scope", "keyword", "measures", "rows")])
        if key not in known:
            try:
                scope, answer = await recompute(engine, case, result, turn.request.get("package_nodes") or [])
            except ResultChanged as exc:
                turn.problems[event_id] = str(exc)
                continue
            known[key] = (await listed_rows(scope, answer, per_row), await charts_of(scope, answer, result))
        turn.cited[event_id], turn.charts[event_id] = known[key]


async def listed_rows(scope: Scope, answer: Answer, per_row: int | None) -> list[CitedRow]:
    """Each row's count and its first `per_row` records (None: all): one statement for all the
    rows that share a selection (every row of a result but an address-book lookup's)."""
    counts = answer.record_counts or [len(refs) for refs in answer.refs]
    pages: list[list[Cited]] = [[] for _ in answer.basis]
    shared: dict[tuple[Selection, str], list[int]] = {}
    for i, basis in enumerate(answer.basis):
        if basis.selection is None:
            wanted = len(basis.contacts) if per_row is None else per_row
            pages[i] = (await scope.store.cited_contacts(scope.case.id, basis.contacts, 0, wanted))[1]
        else:
            shared.setdefault((basis.selection, basis.by), []).append(i)
    for (selection, by), rows in shared.items():
        found = await scope.store.cited_rows(selection, by, [answer.basis[i].keys for i in rows], per_row)
        for i, page in zip(rows, found):
            pages[i] = page
    return [CitedRow(i + 1, counts[i], [record_json(scope, r) for r in page]) for i, page in enumerate(pages)]


async def gather(config: Any, store: EvidenceStore, engine: Any, cid: str, owner: str, per_row: int | None
                 ) -> Dossier:
    conversation, turns, count, head, problem = await asyncio.to_thread(read_log, config.log_db, cid, owner)
    case = await visible_case(store, config.auth, owner, conversation["case_id"])
    known: dict[str, tuple[list[CitedRow], list[Chart]]] = {}
    # Concurrently: the store's reader connections each query on their own thread.
    await asyncio.gather(*(cite_rows(engine, case, turn, per_row, known) for turn in turns))
    return Dossier(conversation, case, await store.source_files(case.id), turns, count, head, problem, per_row,
                   datetime.now(UTC))
