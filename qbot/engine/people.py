"""People of a case: who each counterpart is, and who a question names.

A person is a name: the address-book name of a counterpart (the first entry naming it), else the
name a source gave it (WeChat remark or nickname, a cached caller name), else its number or
account. Counterparts with the same name are the same person, so a phone number and a WeChat
account the examiner's phone labels "张伟" merge across channels."""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass, field

from qbot.evidence.phones import identify
from qbot.evidence.store import EvidenceRef

# A phone number in any spelling: digits with spaces, dashes, dots or brackets, optionally +.
_NUMBER = re.compile(r"(?<![\d])\+?\d[\d\s\-().]{3,18}\d(?![\d])")


@dataclass
class Entry:
    """One address-book entry (contacts of the phone or of an app)."""

    contact_id: int
    name: str | None
    number: str | None
    label: str | None
    node_id: int
    ref: EvidenceRef


@dataclass
class Counterpart:
    id: int
    key: str
    kind: str
    number: str | None
    display_name: str | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def name(self) -> str:
        for entry in self.entries:
            if entry.name:
                return entry.name
        return self.display_name or self.shown_number or self.key

    @property
    def shown_number(self) -> str:
        if self.kind == "phone":
            return self.number or self.key.partition(":")[2]
        return self.number or self.key.partition(":")[2]

    @property
    def names(self) -> set[str]:
        return {n for n in (self.display_name, *(e.name for e in self.entries)) if n}


class Directory:
    """Every counterpart of a case, by id and by person name."""

    def __init__(self, rows: list[tuple]) -> None:
        self.by_id: dict[int, Counterpart] = {}
        for cid, key, kind, number, display, contact_id, name, written, label, node_id, file, sha, table, rowid in rows:
            cp = self.by_id.setdefault(cid, Counterpart(cid, key, kind, number, display))
            if contact_id is not None:
                cp.entries.append(Entry(contact_id, name, written, label, node_id, EvidenceRef(file, sha, table, rowid)))
        self.by_person: dict[str, list[int]] = {}
        for cp in self.by_id.values():
            self.by_person.setdefault(cp.name, []).append(cp.id)

    def person(self, counterpart_id: int) -> str:
        cp = self.by_id.get(counterpart_id)
        return cp.name if cp else "未知号码"

    def number(self, counterpart_id: int) -> str:
        cp = self.by_id.get(counterpart_id)
        return cp.shown_number if cp else ""

    def members(self, person: str) -> list[int]:
        return list(self.by_person.get(person, []))

    @functools.cached_property
    def _names_longest_first(self) -> list[str]:
        return sorted({n for cp in self.by_id.values() for n in cp.names if len(n) >= 2 and n != "机主"},
                      key=len, reverse=True)

    def find(self, question: str, region: str) -> tuple[str, str] | None:
        """(person, how the question wrote it) for the person a question names: a number in any
        spelling, else the longest known name in the text. The owner ("机主") is never a match."""
        for match in _NUMBER.finditer(question):
            ident = identify(match.group(0), region)
            if ident is None:
                continue
            digits = re.sub(r"\D", "", match.group(0))
            for cp in self.by_id.values():
                if cp.key == ident.key or (len(digits) >= 5 and cp.number and cp.number.endswith(digits)):
                    return cp.name, match.group(0).strip()
        for name in self._names_longest_first:
            if name in question:
                owners = [cp for cp in self.by_id.values() if name in cp.names]
                return owners[0].name, name
        return None
