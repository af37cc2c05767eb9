"""The call ranking over the evidence store's 30-day call buckets: calls per counterpart in a
window, fast over long periods (whole buckets are read instead of rows). Mixed into
`EvidenceStore`; `qbot import` keeps the buckets, `bench/import_bench.py` measures this path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache

from .records import EVIDENCE_PER_ROW, MAX_MS as _MAX_MS, MIN_MS as _MIN_MS, Ref as EvidenceRef, from_ms, to_ms
from .records import like as _like
from .records import marks as _marks
from .writer import BUCKET_MS

RANKING_CACHE = 256  # rankings kept per store version
_PHONE_CHARS = re.compile(r"^[\d\s+()\-.]+$")


@dataclass(frozen=True)
class CallRank:
    counterpart_id: int
    name: str | None
    number: str | None
    calls: int
    total_duration: int
    incoming: int
    outgoing: int
    missed: int
    first: datetime
    last: datetime
    evidence: tuple[EvidenceRef, ...]  # the most recent calls in scope, at most EVIDENCE_PER_ROW


class CallRankings:
    _all: Any
    _catalog: Any
    _data_version: Any
    _rankings: LRUCache[tuple, tuple[int, list[CallRank]]]

    async def call_ranking(
        self,
        node_ids: list[int],
        start: datetime | None,
        end: datetime | None,
        keyword: str = "",
        limit: int = 10,
    ) -> tuple[int, list[CallRank]]:
        """(call records in scope, counterparts ranked by calls, then total duration, then id).

        Scope: calls in `node_ids` with start <= time < end (either bound optional) and, when
        `keyword` is given, whose counterpart's number, contact name or display name contains it
        (digits compared for number-like keywords). Calls with no counterpart (withheld numbers)
        count in the total but are not ranked.
        """
        ids = [int(i) for i in node_ids]
        lo = _MIN_MS if start is None else to_ms(start)
        hi = _MAX_MS if end is None else to_ms(end)
        if not ids or lo >= hi:
            return 0, []
        # The evidence does not change while the store's version stays the same, so the same
        # question over the same scope has the same answer: keep a few recent ones.
        await self._catalog()
        key = (self._data_version, tuple(ids), lo, hi, keyword.strip(), limit)
        if (cached := self._rankings.get(key)) is not None:
            return cached
        answer = self._rankings[key] = await self._rank_calls(ids, lo, hi, keyword, limit)
        return answer

    async def _rank_calls(self, ids: list[int], lo: int, hi: int, keyword: str, limit: int
                          ) -> tuple[int, list[CallRank]]:
        wanted = await self._keyword_counterparts(ids, keyword.strip()) if keyword.strip() else None
        groups = await self._call_groups(ids, lo, hi)
        if wanted is not None:
            groups = [g for g in groups if g[0] in wanted]
        total = sum(g[1] for g in groups)
        ranked = sorted((g for g in groups if g[0] != 0), key=lambda g: (-g[1], -g[2], g[0]))[: max(limit, 0)]
        if not ranked:
            return total, []
        labels = await self._labels(ids, [g[0] for g in ranked])
        result = []
        evidence = await self._call_evidence(ids, [g[0] for g in ranked], lo, hi)
        for cp, calls, duration, incoming, outgoing, missed, first, last in ranked:
            name, number = labels.get(cp, (None, None))
            result.append(CallRank(cp, name, number, calls, duration, incoming, outgoing, missed,
                                   from_ms(first), from_ms(last), tuple(evidence.get(cp, ()))))
        return total, result

    async def _call_evidence(self, ids: list[int], counterparts: list[int], lo: int, hi: int
                             ) -> dict[int, list[EvidenceRef]]:
        """The most recent calls in scope of each counterpart, at most EVIDENCE_PER_ROW each, in
        one statement: a LIMITed walk of the (counterpart_id, start) index per counterpart, so
        the cost does not grow with how many calls a counterpart has."""
        marks = _marks(ids)
        per_counterpart = (
            "SELECT * FROM (SELECT counterpart_id, source_file_id, source_table, source_rowid FROM calls"
            f" WHERE counterpart_id = ? AND start >= ? AND start < ? AND node_id IN ({marks})"
            " ORDER BY start DESC, id DESC LIMIT ?)"
        )
        params: list = []
        for cp in counterparts:
            params += [cp, lo, hi, *ids, EVIDENCE_PER_ROW]
        rows = await self._all(
            "SELECT e.counterpart_id, f.file_name, f.sha256, e.source_table, e.source_rowid FROM ("
            + " UNION ALL ".join([per_counterpart] * len(counterparts))
            + ") AS e JOIN source_files f ON f.id = e.source_file_id",
            params,
        )
        found: dict[int, list[EvidenceRef]] = {}
        for cp, *ref in rows:
            found.setdefault(cp, []).append(EvidenceRef(*ref))
        return found

    async def _call_groups(self, ids: list[int], lo: int, hi: int) -> list[tuple]:
        # Whole 30-day buckets inside [lo, hi) come from call_buckets; the partial buckets at the
        # edges (and any time before 1970) from the calls themselves.
        full_lo = 0 if lo < 0 else -(-lo // BUCKET_MS)
        full_hi = _MAX_MS // BUCKET_MS if hi == _MAX_MS else max(hi, 0) // BUCKET_MS
        marks = _marks(ids)
        raw = (
            "SELECT COALESCE(counterpart_id, 0) AS cp, 1 AS n, duration AS d,"
            " CASE WHEN direction = 'in' THEN 1 ELSE 0 END AS i,"
            " CASE WHEN direction = 'out' THEN 1 ELSE 0 END AS o,"
            " CASE WHEN status = 'missed' THEN 1 ELSE 0 END AS m, start AS f, start AS l"
            f" FROM calls WHERE node_id IN ({marks}) AND start >= ? AND start < ?"
        )
        if full_lo >= full_hi:
            parts, params = [raw], [*ids, lo, hi]
        else:
            bucketed = (
                "SELECT counterpart_id AS cp, calls AS n, duration AS d, incoming AS i, outgoing AS o,"
                " missed AS m, first AS f, last AS l"
                f" FROM call_buckets WHERE node_id IN ({marks}) AND bucket >= ? AND bucket < ?"
            )
            parts = [bucketed, raw, raw]
            params = [*ids, full_lo, full_hi, *ids, lo, full_lo * BUCKET_MS,
                      *ids, min(full_hi * BUCKET_MS, _MAX_MS), hi]
        sql = (
            "SELECT cp, sum(n), sum(d), sum(i), sum(o), sum(m), min(f), max(l) FROM ("
            + " UNION ALL ".join(parts)
            + ") GROUP BY cp"
        )
        return await self._all(sql, params)

    async def _keyword_counterparts(self, ids: list[int], keyword: str) -> set[int]:
        marks = _marks(ids)
        like = _like(keyword)
        digits = re.sub(r"\D", "", keyword) if _PHONE_CHARS.match(keyword) else ""
        digits_like = _like(digits) if len(digits) >= 3 else None
        rows = await self._all(
            "SELECT id FROM counterparts WHERE case_id IN (SELECT p.case_id FROM nodes n"
            f" JOIN packages p ON p.id = n.package_id WHERE n.id IN ({marks}))"
            " AND (display_name LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\'"
            "      OR (? IS NOT NULL AND number LIKE ? ESCAPE '\\'))"
            " UNION SELECT c.counterpart_id FROM contacts c JOIN nodes n ON n.id = c.node_id"
            f" WHERE n.package_id IN (SELECT package_id FROM nodes WHERE id IN ({marks}))"
            " AND c.counterpart_id IS NOT NULL AND (c.name LIKE ? ESCAPE '\\' OR c.number LIKE ? ESCAPE '\\')",
            [*ids, like, like, digits_like, digits_like, *ids, like, like],
        )
        return {row[0] for row in rows}

    async def _labels(self, ids: list[int], counterparts: list[int]) -> dict[int, tuple[str | None, str | None]]:
        """Name and number per counterpart: the name from the contacts of the packages in scope
        (the first entry wins), else the counterpart's display name (first name any source gave
        it). One query: this runs on every ranking."""
        cmarks, marks = _marks(counterparts), _marks(ids)
        rows = await self._all(
            "SELECT cp.id, cp.key, cp.kind, cp.number, cp.display_name,"
            " (SELECT c.name FROM contacts c JOIN nodes n ON n.id = c.node_id"
            "  WHERE c.counterpart_id = cp.id AND c.name IS NOT NULL AND c.name != ''"
            f"  AND n.package_id IN (SELECT package_id FROM nodes WHERE id IN ({marks})) ORDER BY c.id LIMIT 1)"
            f" FROM counterparts cp WHERE cp.id IN ({cmarks})",
            [*ids, *counterparts],
        )
        labels = {}
        for cid, key, kind, number, display, contact_name in rows:
            shown = number if kind == "phone" else (number or key.partition(":")[2] or None)
            labels[cid] = (contact_name or display, shown)
        return labels
