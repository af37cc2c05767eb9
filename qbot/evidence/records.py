"""Calls and messages as one relation, for the engine's executor: a `Selection` (which records)
becomes one parameterised statement per aggregate or listing, with named rows.

Local hours, days and weekdays are computed in SQL from the case zone's UTC-offset segments, so
they stay exact across daylight-saving changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

MIN_MS, MAX_MS = -(2**62), 2**62
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EVIDENCE_PER_ROW = 20  # record references returned with each result row
_PHONE_CHARS = re.compile(r"^[\d\s+()\-.]+$")
_DAY_MS, _HOUR_MS = 86_400_000, 3_600_000
NIGHT = "((lt / 3600000) % 24 >= 22 OR (lt / 3600000) % 24 < 6)"

GROUPINGS = {  # what `groups` can group by: key expressions over the `ev` rows
    "counterpart": ("cp",),
    "counterpart_node": ("cp", "node_id"),
    "hour": (f"(lt / {_HOUR_MS}) % 24",),
    "day": (f"lt / {_DAY_MS}",),  # local days since 1970-01-01
    "weekday": (f"(lt / {_DAY_MS} + 3) % 7",),  # 1970-01-01 was a Thursday: 0 is Monday
    "node": ("node_id",),
    "none": ("'all'",),
    "record": ("tbl || ':' || rid",),  # one record: "calls:8134" (the store's id), for listings
}


@dataclass(frozen=True)
class Selection:
    """Which calls and messages a query reads. Empty filters select everything."""

    call_nodes: tuple[int, ...] = ()
    message_nodes: tuple[int, ...] = ()
    lo: int = MIN_MS  # UTC ms, inclusive
    hi: int = MAX_MS  # exclusive
    direction: str = ""  # "in" | "out"
    statuses: tuple[str, ...] = ()  # call statuses; messages are left out when set
    counterparts: tuple[int, ...] | None = None  # only these counterparts
    except_counterparts: tuple[int, ...] = ()  # and never these
    body_keywords: tuple[str, ...] = ()  # message text contains every one; calls are left out
    match: str = ""  # the form's keyword: message text contains it, or the counterpart's name/number does
    hours: tuple[int, int] | None = None  # local [from, to), wrapping past midnight
    weekdays: tuple[int, ...] = ()
    seconds: tuple[int, int | None] | None = None  # call duration [least, most]; messages are left out when set
    media: str = ""  # calls of this media only ("video"); messages are left out when set
    persons_only: bool = False  # leave out group chats and records with no counterpart
    offsets: tuple[tuple[int, int], ...] = ((MIN_MS, 0),)  # [(from_ms, offset_ms)], the first from -inf


class Group(NamedTuple):
    key: Any
    node: int | None  # with grouping "counterpart_node"
    records: int
    calls: int
    messages: int
    duration: int
    incoming: int
    outgoing: int
    missed: int
    rejected: int
    night: int
    first: int  # UTC ms
    last: int


class Row(NamedTuple):
    table: str  # calls | messages
    node: int
    counterpart: int  # 0: none
    ms: int
    duration: int
    direction: str | None
    status: str | None
    body: str | None
    address: str | None
    is_group: int
    file: str
    sha256: str
    source_table: str
    source_rowid: int
    total: int  # records in the selection
    rid: int  # the record's id in the store's table


class Ref(NamedTuple):
    file: str
    sha256: str
    table: str
    rowid: int


def from_ms(ms: int | None) -> datetime | None:
    """Store times are integer milliseconds since the Unix epoch (UTC)."""
    return None if ms is None else EPOCH + timedelta(milliseconds=ms)


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC or the case's zone)")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def marks(values: list | tuple) -> str:
    return ",".join("?" * len(values))


def like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching_counterparts(nodes: list[int], word: str) -> tuple[str, list]:
    """Counterparts a keyword names: display name, key, number (digits of a number-like word), or
    an address-book entry's name or number, within the case of these nodes."""
    digits = re.sub(r"\D", "", word) if _PHONE_CHARS.match(word) else ""
    digits_like = like(digits) if len(digits) >= 3 else None
    sql = ("kw(id) AS (SELECT id FROM counterparts WHERE case_id IN (SELECT p.case_id FROM nodes n"
           f" JOIN packages p ON p.id = n.package_id WHERE n.id IN ({marks(nodes)}))"
           " AND (display_name LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\'"
           "      OR (? IS NOT NULL AND number LIKE ? ESCAPE '\\'))"
           " UNION SELECT c.counterpart_id FROM contacts c JOIN nodes n ON n.id = c.node_id"
           f" WHERE n.package_id IN (SELECT package_id FROM nodes WHERE id IN ({marks(nodes)}))"
           " AND c.counterpart_id IS NOT NULL AND (c.name LIKE ? ESCAPE '\\' OR c.number LIKE ? ESCAPE '\\'))")
    return sql, [*nodes, like(word), like(word), digits_like, digits_like, *nodes, like(word), like(word)]


def _part(sel: Selection, table: str) -> tuple[str, list]:
    """One arm of the union: the selected rows of `calls` or `messages`, in the common shape."""
    calls = table == "calls"
    nodes = sel.call_nodes if calls else sel.message_nodes
    time = "start" if calls else "time"
    cols = ("'calls' AS tbl, id AS rid, node_id, COALESCE(counterpart_id, 0) AS cp, start AS ts, duration AS dur,"
            " direction AS dir, status AS st, 1 AS is_call, NULL AS body, 0 AS is_group, number AS addr"
            if calls else
            "'messages' AS tbl, id AS rid, node_id, COALESCE(counterpart_id, 0) AS cp, time AS ts, 0 AS dur,"
            " direction AS dir, status AS st, 0 AS is_call, body, is_group, address AS addr")
    where = [f"node_id IN ({marks(nodes)})", f"{time} >= ?", f"{time} < ?"]
    params: list = [*nodes, sel.lo, sel.hi]
    if sel.direction:
        where.append("direction = ?")
        params.append(sel.direction)
    if calls and sel.statuses:
        where.append(f"status IN ({marks(sel.statuses)})")
        params += list(sel.statuses)
    if calls and sel.media:
        where.append("media = ?")
        params.append(sel.media)
    if calls and sel.seconds is not None:
        where.append("duration >= ?" + ("" if sel.seconds[1] is None else " AND duration <= ?"))
        params += [v for v in sel.seconds if v is not None]
    if sel.counterparts is not None:
        where.append(f"counterpart_id IN ({marks(sel.counterparts)})" if sel.counterparts else "0")
        params += list(sel.counterparts)
    if sel.except_counterparts:  # records with no counterpart are nobody's, so they stay
        where.append(f"(counterpart_id IS NULL OR counterpart_id NOT IN ({marks(sel.except_counterparts)}))")
        params += list(sel.except_counterparts)
    if sel.persons_only:
        where.append("counterpart_id IS NOT NULL" + ("" if calls else " AND is_group = 0"))
    if sel.match.strip():
        where.append("counterpart_id IN (SELECT id FROM kw)" if calls else
                     "(body LIKE ? ESCAPE '\\' OR counterpart_id IN (SELECT id FROM kw))")
        params += [] if calls else [like(sel.match.strip())]
    for word in () if calls else sel.body_keywords:
        where.append("body LIKE ? ESCAPE '\\'")
        params.append(like(word))
    return (f"SELECT {cols}, source_file_id AS fid, source_table AS stbl, source_rowid AS srow FROM {table}"
            " WHERE " + " AND ".join(where)), params


def selection_sql(sel: Selection) -> tuple[str, list]:
    """`WITH … ev AS (…)`: the selected records, one row each, with their local time `lt`."""
    ctes, params = [], []
    if sel.match.strip():
        sql, more = _matching_counterparts([*sel.call_nodes, *sel.message_nodes], sel.match.strip())
        ctes.append(sql)
        params += more
    parts = []
    if sel.call_nodes and not sel.body_keywords:
        sql, more = _part(sel, "calls")
        parts.append(sql)
        params += more
    if sel.message_nodes and not sel.statuses and sel.seconds is None and not sel.media:
        sql, more = _part(sel, "messages")
        parts.append(sql)
        params += more
    if not parts:  # nothing selected: an empty relation of the same shape
        parts.append("SELECT 'calls' AS tbl, 0 AS rid, 0 AS node_id, 0 AS cp, 0 AS ts, 0 AS dur, NULL AS dir,"
                     " NULL AS st, 0 AS is_call, NULL AS body, 0 AS is_group, NULL AS addr, 0 AS fid,"
                     " '' AS stbl, 0 AS srow WHERE 0")
    offsets = sel.offsets
    offset = ("CASE" + " WHEN ts < ? THEN ?" * (len(offsets) - 1) + " ELSE ? END") if len(offsets) > 1 else "?"
    for (_, before), (start, _) in zip(offsets, offsets[1:]):
        params += [start, before]
    params.append(offsets[-1][1])
    ctes.append("base AS (" + " UNION ALL ".join(parts) + ")")
    local = [f"ev_all AS (SELECT *, ts + {offset} AS lt FROM base)"]
    where = []
    if sel.hours is not None:
        lo, hi = sel.hours
        hour = f"(lt / {_HOUR_MS}) % 24"
        where.append(f"({hour} >= ? AND {hour} < ?)" if lo < hi else f"({hour} >= ? OR {hour} < ?)")
        params += [lo, hi]
    if sel.weekdays:
        where.append(f"{GROUPINGS['weekday'][0]} IN ({marks(sel.weekdays)})")
        params += list(sel.weekdays)
    local.append("ev AS (SELECT * FROM ev_all" + (" WHERE " + " AND ".join(where) if where else "") + ")")
    return "WITH " + ", ".join(ctes + local) + " ", params


class RecordQueries:
    """Aggregates and listings over a Selection; mixed into EvidenceStore. One statement each."""

    _all: Any

    async def groups(self, sel: Selection, by: str) -> list[Group]:
        """Per group (see GROUPINGS): counts, call seconds, directions, call states, night records
        (22:00–06:00 local) and the first and last time."""
        sql, params = selection_sql(sel)
        keys = GROUPINGS[by]
        node = keys[1] if len(keys) > 1 else "NULL"
        rows = await self._all(
            sql + f"SELECT {keys[0]} AS k, {node} AS nd, count(*), sum(is_call), sum(1 - is_call), sum(dur),"
            " sum(dir = 'in'), sum(dir = 'out'), sum(is_call AND st = 'missed'), sum(is_call AND st = 'rejected'),"
            f" sum({NIGHT}), min(ts), max(ts) FROM ev GROUP BY {', '.join(keys)}", params)
        return [Group(*row) for row in rows]

    async def counts(self, sel: Selection, among: str, by: str, keys: list) -> list[tuple[Any, Any, int]]:
        """(key of `among`, key of `by`, records) of the `among` groups `keys`, e.g. calls per
        counterpart and local day, in one statement (the report's charts)."""
        if not keys:
            return []
        sql, params = selection_sql(sel)
        a, b = GROUPINGS[among][0], GROUPINGS[by][0]
        return await self._all(sql + f"SELECT {a}, {b}, count(*) FROM ev WHERE {a} IN ({marks(keys)}) GROUP BY 1, 2",
                               [*params, *keys])

    async def refs(self, sel: Selection, by: str, keys: list, per: int = EVIDENCE_PER_ROW) -> dict[Any, list[Ref]]:
        """The most recent records of each of these groups, at most `per` each."""
        if not keys:
            return {}
        sql, params = selection_sql(sel)
        key = GROUPINGS[by][0]
        rows = await self._all(
            sql + "SELECT e.k, f.file_name, f.sha256, e.stbl, e.srow FROM ("
            f" SELECT {key} AS k, fid, stbl, srow, row_number() OVER (PARTITION BY {key} ORDER BY ts DESC, rid DESC)"
            f" AS n FROM ev WHERE {key} IN ({marks(keys)})"
            ") AS e JOIN source_files f ON f.id = e.fid WHERE e.n <= ? ORDER BY e.k, e.n",
            [*params, *keys, per])
        found: dict[Any, list[Ref]] = {}
        for k, *ref in rows:
            found.setdefault(k, []).append(Ref(*ref))
        return found

    async def rows(self, sel: Selection, limit: int, newest_first: bool = True) -> list[Row]:
        """The records one by one, newest (or oldest) first, with how many the selection holds."""
        sql, params = selection_sql(sel)
        order = "DESC" if newest_first else "ASC"
        rows = await self._all(
            sql + "SELECT e.tbl, e.node_id, e.cp, e.ts, e.dur, e.dir, e.st, e.body, e.addr, e.is_group,"
            " f.file_name, f.sha256, e.stbl, e.srow, e.total, e.rid FROM (SELECT *, count(*) OVER () AS total FROM ev"
            f" ORDER BY ts {order}, rid {order} LIMIT ?) AS e"
            f" JOIN source_files f ON f.id = e.fid ORDER BY e.ts {order}, e.rid {order}",
            [*params, limit])
        return [Row(*row) for row in rows]
