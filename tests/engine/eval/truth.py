"""Ground truth for the evaluation (spec: /work/spec/eval-spec.md), computed with plain sqlite3 and
Python straight from the evidence store's tables. It imports nothing from `qbot`, so an engine bug
cannot agree with itself."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Union
from zoneinfo import ZoneInfo

DAY = 86_400_000
ALL_CALLS = (("calls", ""),)
ALL_MESSAGES = (("messages", ""),)
ALL = ALL_CALLS + ALL_MESSAGES
PHONE = (("calls", "电话"),)
WECHAT_CALLS = (("calls", "微信"),)
FACETIME = (("calls", "FaceTime"),)
SMS = (("messages", "短信"),)
WECHAT_MSGS = (("messages", "微信"),)
IMESSAGE = (("messages", "iMessage"),)
CATEGORIES = ("total", "direction", "channels", "ranking", "merge", "time", "measure", "keyword", "lookup",
              "absent", "clarify", "decline", "robust")


# -- expectations: what result.answer must show ---------------------------------------------

@dataclass(frozen=True)
class Total:
    value: int


@dataclass(frozen=True)
class Ranking:
    rows: tuple[tuple[str, int], ...]  # (person, value), best first


@dataclass(frozen=True)
class Record:
    time: str | None  # local "YYYY-MM-DD HH:MM:SS"; None when nothing matches
    person: str | None


@dataclass(frozen=True)
class Records:
    value: int


@dataclass(frozen=True)
class Groups:
    rows: tuple[tuple[Any, int], ...]  # (key, count), largest first, key ascending on ties


@dataclass(frozen=True)
class People:
    value: int


@dataclass(frozen=True)
class Lookup:
    person: str
    identifiers: frozenset[str]


@dataclass(frozen=True)
class Sentinel:
    name: str

    def __repr__(self) -> str:
        return self.name.upper()


@dataclass(frozen=True)
class Readings:
    """Two or more readings with different answers: qbot asks, or, where each reading is one
    figure, answers every one side by side, labelled (`result.answer.readings`)."""

    answers: tuple[Any, ...]


CLARIFY = Sentinel("clarify")  # two readings with different answers: qbot must ask
DECLINE = Sentinel("decline")  # no analysis for it, or it names what the case lacks: qbot must say so

Expect = Union[Total, Ranking, Record, Records, Groups, People, Lookup, Sentinel, Readings]


@dataclass(frozen=True)
class Item:
    question: str
    expect: Callable[[Truth], Expect] | Expect
    category: str


# -- records --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rec:
    kind: str  # calls | messages
    path: str
    app: str
    cp: int | None
    person: str | None  # None: no counterpart; a group chat's own name when group
    ts: int  # UTC ms
    local: datetime
    dur: int
    dir: str | None
    st: str | None
    group: bool
    body: str | None
    media: str | None = None  # calls: "voice" | "video"

    @property
    def time_text(self) -> str:
        return f"{self.local:%Y-%m-%d %H:%M:%S}"

    def key(self, by: str) -> Any:
        return {"hour": lambda: f"{self.local.hour:02d}", "day": lambda: f"{self.local:%Y-%m-%d}",
                "month": lambda: f"{self.local:%Y-%m}", "weekday": self.local.weekday,
                "app": lambda: self.app}[by]()


def _matches(rec: Rec, sources: Iterable[tuple[str, str]]) -> bool:
    return any(rec.kind == kind and (not app or rec.app == app) for kind, app in sources)


def _in_hours(hour: int, hours: tuple[int, int]) -> bool:
    lo, hi = hours
    return lo <= hour < hi if lo < hi else (hour >= lo or hour < hi)


class Truth:
    def __init__(self, db_path: str, case_id: str | None = None) -> None:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            cases = conn.execute("SELECT id, timezone FROM cases ORDER BY is_default DESC, created, id").fetchall()
            self.case_id, tz = next((c for c in cases if c[0] == case_id), cases[0]) if case_id else cases[0]
            self.tz = ZoneInfo(tz)
            self._people(conn)
            rows = conn.execute(
                "SELECT 'calls', n.path, n.app, c.counterpart_id, c.start, c.duration, c.direction, c.status,"
                " 0, NULL, c.media FROM calls c JOIN nodes n ON n.id = c.node_id JOIN packages p ON p.id = n.package_id"
                " WHERE p.case_id = ? UNION ALL"
                " SELECT 'messages', n.path, n.app, m.counterpart_id, m.time, 0, m.direction, m.status,"
                " m.is_group, m.body, NULL FROM messages m JOIN nodes n ON n.id = m.node_id"
                " JOIN packages p ON p.id = n.package_id WHERE p.case_id = ?", (self.case_id, self.case_id)).fetchall()
        self.recs = [Rec(kind, path, app, cp, self.names.get(cp), ts, self.to_local(ts), dur or 0, direction,
                         status, bool(group) or self.kinds.get(cp) == "chatroom", body, media)
                     for kind, path, app, cp, ts, dur, direction, status, group, body, media in rows]
        self.recs.sort(key=lambda r: (r.ts, r.kind, r.path))

    def _people(self, conn: sqlite3.Connection) -> None:
        """Each counterpart's person name: first address-book entry, else display name, else its
        number, else the key after ':' (the rule qbot follows, written out independently)."""
        first: dict[int, str] = {}
        for cid, name in conn.execute(
                "SELECT c.counterpart_id, c.name FROM contacts c JOIN nodes n ON n.id = c.node_id"
                " JOIN packages p ON p.id = n.package_id WHERE p.case_id = ? AND c.counterpart_id IS NOT NULL"
                " AND c.name IS NOT NULL AND c.name != '' ORDER BY c.id", (self.case_id,)):
            first.setdefault(cid, name)
        self.names: dict[int, str] = {}
        self.kinds: dict[int, str] = {}
        self.idents: dict[int, str] = {}
        for cid, key, kind, number, display in conn.execute(
                "SELECT id, key, kind, number, display_name FROM counterparts WHERE case_id = ?", (self.case_id,)):
            shown = number or key.partition(":")[2]
            self.names[cid] = first.get(cid) or display or shown or key
            self.kinds[cid] = kind
            self.idents[cid] = shown

    # -- time --------------------------------------------------------------------------------

    def to_local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, self.tz)

    def _ms(self, day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp() * 1000)

    def newest(self, sources) -> int:
        return max(r.ts for r in self.recs if _matches(r, sources))

    def newest_date(self, sources) -> date:
        return self.to_local(self.newest(sources)).date()

    def newest_year(self, sources) -> int:
        return self.newest_date(sources).year

    def recent(self, sources, days: int) -> tuple[int, int]:
        hi = self.newest(sources) + 1
        return hi - days * DAY, hi

    def this_month(self, sources) -> tuple[int, int]:
        d = self.newest_date(sources)
        return self.month(d.year, d.month)

    def last_month(self, sources) -> tuple[int, int]:
        d = self.newest_date(sources).replace(day=1) - timedelta(days=1)
        return self.month(d.year, d.month)

    def year(self, y: int) -> tuple[int, int]:
        return self._ms(date(y, 1, 1)), self._ms(date(y + 1, 1, 1))

    def month(self, y: int, m: int) -> tuple[int, int]:
        return self._ms(date(y, m, 1)), self._ms(date(y + m // 12, m % 12 + 1, 1))

    def days(self, date_from: date | str, date_to_inclusive: date | str) -> tuple[int, int]:
        lo, hi = (date.fromisoformat(d) if isinstance(d, str) else d for d in (date_from, date_to_inclusive))
        return self._ms(lo), self._ms(hi + timedelta(days=1))

    # -- selection ---------------------------------------------------------------------------

    def last_week(self, sources) -> tuple[int, int]:
        """上周: the Monday–Sunday week before the newest record's week (of these sources)."""
        d = self.newest_date(sources)
        monday = d - timedelta(days=d.weekday())
        return self.days(monday - timedelta(days=7), monday - timedelta(days=1))

    def yesterday(self, sources) -> tuple[int, int]:
        d = self.newest_date(sources) - timedelta(days=1)
        return self.days(d, d)

    def select(self, sources, *, window=None, direction=None, statuses=(), hours=None, weekdays=(),
               people=(), keywords=(), persons_only=False, media=None) -> list[Rec]:
        unknown = set(people) - self.persons()
        if unknown:  # a misspelt name would silently select nothing
            raise KeyError(f"no person {sorted(unknown)} in case {self.case_id}")
        lo, hi = window or (-(2**62), 2**62)
        out = []
        for r in self.recs:
            if not _matches(r, sources) or not lo <= r.ts < hi:
                continue
            if direction and r.dir != direction:
                continue
            if statuses and (r.kind != "calls" or r.st not in statuses):
                continue
            if hours and not _in_hours(r.local.hour, hours):
                continue
            if weekdays and r.local.weekday() not in weekdays:
                continue
            # A person is never a group chat: a member's words in a group are the group's.
            if people and (r.group or r.person not in people):
                continue
            if keywords and (r.kind != "messages" or not all(k in (r.body or "") for k in keywords)):
                continue
            if persons_only and (r.group or r.person is None):
                continue
            if media and r.media != media:  # a call's medium; messages have none
                continue
            out.append(r)
        return out

    # -- expectations ------------------------------------------------------------------------

    def total(self, recs: list[Rec]) -> Total:
        return Total(len(recs))

    def duration(self, recs: list[Rec]) -> Total:
        return Total(sum(r.dur for r in recs if r.kind == "calls"))

    def average(self, recs: list[Rec]) -> Total:
        """Seconds per call over the selected calls, rounded to 0.1 (docs/questions.md)."""
        return Total(round(sum(r.dur for r in recs) / len(recs), 1))

    def ranking(self, recs: list[Rec], by: str = "count", order: str = "desc") -> Ranking:
        count: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        for r in recs:
            if r.group or r.person is None:
                continue
            count[r.person] += 1
            seconds[r.person] += r.dur
        value = count if by == "count" else seconds
        sign = -1 if order == "desc" else 1
        ranked = sorted(count, key=lambda p: (sign * value[p], -seconds[p], p))
        return Ranking(tuple((p, value[p]) for p in ranked))

    def first(self, recs: list[Rec]) -> Record:
        return Record(recs[0].time_text, recs[0].person) if recs else Record(None, None)

    def last(self, recs: list[Rec]) -> Record:
        newest = max(recs, key=lambda r: r.ts, default=None)
        return Record(newest.time_text, newest.person) if newest else Record(None, None)

    def listing(self, recs: list[Rec]) -> Records:
        return Records(len(recs))

    def people(self, recs: list[Rec]) -> People:
        return People(len({r.person for r in recs if not r.group and r.person is not None}))

    def groups(self, recs: list[Rec], by: str = "hour") -> Groups:
        tally = Counter(r.key(by) for r in recs)
        return Groups(tuple(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))))

    def lookup(self, person: str) -> Lookup:
        found = self.identifiers(person)
        if not found:
            raise KeyError(f"no person {person!r} in case {self.case_id}")
        return Lookup(person, frozenset(found))

    # -- persons -----------------------------------------------------------------------------

    def persons(self) -> set[str]:
        return {name for cid, name in self.names.items() if self.kinds[cid] != "chatroom"}

    def identifiers(self, person: str) -> set[str]:
        return {self.idents[cid] for cid, name in self.names.items()
                if name == person and self.kinds[cid] != "chatroom"}

    def holds(self, identifier: str) -> bool:
        """Whether any counterpart has this number/handle (digits compared for numbers)."""
        digits = "".join(ch for ch in identifier if ch.isdigit())
        return any(i == identifier or (digits and "".join(ch for ch in i if ch.isdigit()).endswith(digits[-11:]))
                   for i in self.idents.values())


# -- item helpers: sentinels whose premise is checked against the case ----------------------

def without(recs: list[Rec], *people: str) -> list[Rec]:
    """The records but those of `people` (除了X, X以外)."""
    return [r for r in recs if r.person not in people]


def absent_number(number: str) -> Callable[[Truth], Sentinel]:
    """DECLINE, after checking that no counterpart of the case has this number."""
    def expect(t: Truth) -> Sentinel:
        assert not t.holds(number), f"{number} is in case {t.case_id}: not an absent-number item"
        return DECLINE
    return expect


def absent_person(name: str) -> Callable[[Truth], Sentinel]:
    """DECLINE, after checking that no person's name contains `name`."""
    def expect(t: Truth) -> Sentinel:
        assert not any(name in p for p in t.persons()), f"{name} is in case {t.case_id}"
        return DECLINE
    return expect


def ambiguous(*readings: Callable[[Truth], Expect]) -> Callable[[Truth], Readings]:
    """The readings' answers, after checking that they really differ: qbot must ask, or answer
    each one side by side."""
    def expect(t: Truth) -> Readings:
        answers = [reading(t) for reading in readings]
        assert len(set(answers)) == len(answers), f"readings agree: {answers}"
        return Readings(tuple(answers))
    return expect
