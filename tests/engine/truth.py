"""Ground truth for the question set, computed straight from the evidence store's tables with plain
sqlite3 and Python (no engine or store code)."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
CALLS = ("基本信息/电话/通话记录", "社交通讯/微信/音视频通话")
MESSAGES = ("基本信息/短信", "社交通讯/微信/聊天记录")
DAY = 86_400_000


@dataclass
class Rec:
    tbl: str
    path: str
    cp: int | None
    ts: int
    dur: int
    dir: str | None
    st: str | None
    group: int
    body: str | None

    @property
    def hour(self) -> int:
        return datetime.fromtimestamp(self.ts / 1000, TZ).hour

    @property
    def day(self) -> str:
        return f"{datetime.fromtimestamp(self.ts / 1000, TZ):%Y-%m-%d}"


class Truth:
    def __init__(self, db: str) -> None:
        conn = sqlite3.connect(db)
        try:
            self.recs = [Rec("calls", *r, 0, None) for r in conn.execute(
                "SELECT n.path, c.counterpart_id, c.start, c.duration, c.direction, c.status FROM calls c"
                " JOIN nodes n ON n.id = c.node_id")]
            self.recs += [Rec("messages", *r) for r in conn.execute(
                "SELECT n.path, m.counterpart_id, m.time, 0, m.direction, m.status, m.is_group, m.body"
                " FROM messages m JOIN nodes n ON n.id = m.node_id")]
            self.names: dict[int, str] = {}
            self.numbers: dict[int, str] = {}
            for cid, key, number, display in conn.execute("SELECT id, key, number, display_name FROM counterparts"):
                first = conn.execute("SELECT name FROM contacts WHERE counterpart_id = ? AND name IS NOT NULL"
                                     " AND name != '' ORDER BY id LIMIT 1", (cid,)).fetchone()
                shown = number or key.partition(":")[2]
                self.names[cid] = first[0] if first else (display or shown or key)
                self.numbers[cid] = shown
        finally:
            conn.close()

    def newest(self, paths) -> int:
        return max(r.ts for r in self.recs if r.path in paths)

    def recent(self, paths, days: int) -> tuple[int, int]:
        hi = self.newest(paths) + 1
        return hi - days * DAY, hi

    @staticmethod
    def local_range(y1, m1, d1, y2, m2, d2) -> tuple[int, int]:
        lo = datetime(y1, m1, d1, tzinfo=TZ)
        hi = datetime(y2, m2, d2, tzinfo=TZ)
        return int(lo.timestamp() * 1000), int(hi.timestamp() * 1000)

    def select(self, paths, window=None, night=False, missed=False, persons=False, cps=None):
        lo, hi = window or (-(2**62), 2**62)
        out = []
        for r in self.recs:
            if r.path not in paths or not lo <= r.ts < hi:
                continue
            if night and not (r.hour >= 22 or r.hour < 6):
                continue
            if missed and not (r.tbl == "calls" and r.st in ("missed", "rejected")):
                continue
            if persons and (r.cp is None or r.group):
                continue
            if cps is not None and r.cp not in cps:
                continue
            out.append(r)
        return out

    def rank(self, recs, merge=False, by_duration=False):
        """[(name, number-or-names, count, duration)] ordered as the question asks; ties by
        duration, then by counterpart id (name for merged people)."""
        count, dur = Counter(), Counter()
        for r in recs:
            key = self.names[r.cp] if merge else r.cp
            count[key] += 1
            dur[key] += r.dur
        keys = sorted(count, key=(lambda k: (-dur[k], -count[k], k)) if by_duration else
                      (lambda k: (-count[k], -dur[k], k)))
        return [(k if merge else self.names[k], count[k], dur[k]) for k in keys]

    def person_members(self, name: str) -> set[int]:
        return {cid for cid, n in self.names.items() if n == name}

    def counter_by(self, recs, key):
        tally = defaultdict(int)
        for r in recs:
            tally[key(r)] += 1
        return sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc) + timedelta(0)
