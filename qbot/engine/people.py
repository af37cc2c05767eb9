"""People of a case: which counterparts (numbers, e-mail handles, WeChat accounts) are one person,
and which people a question names.

A counterpart's name is its first address-book entry's name, else the name a source gave it
(WeChat remark or nickname, a cached caller name), else its number or account. Counterparts with
the same name are one person, across channels (a phone number and the WeChat account the phone
labels "张伟") and within one (an iMessage contact's e-mail handle and number). Two WeChat accounts
under one name are not merged: one remark on two accounts is as likely two people as one, so each
stays a person of its own and a question naming them is asked back."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from qbot.engine.normalize import normalize
from qbot.evidence.phones import identify
from qbot.evidence.records import Ref
from qbot.evidence.store import DirectoryRow

# A phone number in any spelling: digits with spaces, dashes, dots or brackets, optionally +.
NUMBER = re.compile(r"(?<![\d])\+?\d[\d\s\-().]{3,18}\d(?![\d])")
# The last digits of a number ("尾号0482"): asked back, even when one person fits.
SUFFIX = re.compile(r"尾号(?:是|为)?\s*(\d{3,6})")
# An account as written: an e-mail address or a WeChat id.
ACCOUNT = re.compile(r"[a-z0-9][a-z0-9_.+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+|wxid_[a-z0-9_]+")
# Ways of naming someone by part of a name: 老王, 小刘, 阿静, 张总, 王经理, 姓江的那位.
NICKNAME = re.compile(r"(?:老|小|阿)(?P<a>[\u4e00-\u9fff])|(?P<b>[\u4e00-\u9fff])(?:总|经理|老师|姐|哥|叔|阿姨|师傅|老板)|"
                      r"姓(?P<c>[\u4e00-\u9fff])(?:的)?(?:那位|那个人|那个|人)?")
# Ordinary words of the nickname's shape: 小时 is an hour, not someone surnamed 时; taken for one,
# the decline would say the case has no such person, which is false. Unread, they are declined as
# not understood.
NOT_NICKNAMES = frozenset({"小时", "小区", "小孩", "小说", "小学", "小组", "老家", "老婆", "老公", "老人", "老师",
                           "阿姨"})
OWNER_WORDS = ("机主",)


@dataclass
class Entry:
    """One address-book entry (the phone's contacts or an app's)."""

    name: str | None
    written: str | None
    label: str | None
    node: int
    ref: Ref


@dataclass
class Counterpart:
    id: int
    key: str
    kind: str  # phone | wechat | chatroom | email | other
    number: str | None
    display_name: str | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def name(self) -> str:
        for entry in self.entries:
            if entry.name:
                return entry.name
        return self.display_name or self.identifier

    @property
    def identifier(self) -> str:
        """The number (E.164) or account, as the answer shows it."""
        return self.number or self.key.partition(":")[2] or self.key

    @property
    def names(self) -> set[str]:
        return {n for n in (self.display_name, *(e.name for e in self.entries)) if n}


@dataclass(frozen=True)
class Mention:
    """A person the question names: the text as written, where, and the people it fits (none:
    the case holds no such number or name)."""

    text: str
    span: tuple[int, int]
    people: tuple[str, ...]
    guessed: bool = False  # fits by part of a name only: asked back, even when one person fits


class People:
    """Every counterpart of a case grouped into people, each under a label unique in the case."""

    def __init__(self, rows: Iterable[DirectoryRow], region: str = "CN") -> None:
        self.region = region
        self.counterparts: dict[int, Counterpart] = {}
        for row in rows:
            cp = self.counterparts.setdefault(
                row.counterpart, Counterpart(row.counterpart, row.key, row.kind, row.number, row.display_name))
            if row.contact is not None:
                cp.entries.append(Entry(row.name, row.written, row.label, row.node,
                                        Ref(row.file, row.sha256, row.source_table, row.source_rowid)))
        self._person_of: dict[int, str] = {}
        self.members: dict[str, list[int]] = {}
        by_name: dict[str, list[Counterpart]] = {}
        for cp in self.counterparts.values():
            by_name.setdefault(cp.name, []).append(cp)
        for name, cps in by_name.items():
            accounts = sum(cp.kind == "wechat" for cp in cps)
            for cp in cps:
                alone = (cp.kind == "wechat" and accounts > 1) or (cp.kind == "chatroom" and len(cps) > 1)
                label = f"{name}（{cp.identifier}）" if alone else name
                self._person_of[cp.id] = label
                self.members.setdefault(label, []).append(cp.id)
        # A name (any a source gave, and each person's label), normalised as questions are -> the
        # people it fits.
        self.by_name: dict[str, list[str]] = {}
        for cp in self.counterparts.values():
            for name in cp.names | {cp.name, self._person_of[cp.id]}:
                fits = self.by_name.setdefault(normalize(name), [])
                if self._person_of[cp.id] not in fits:
                    fits.append(self._person_of[cp.id])

    def person(self, counterpart_id: int) -> str:
        return self._person_of.get(counterpart_id, "未知号码")

    def identifiers(self, person: str) -> list[str]:
        return list(dict.fromkeys(self.counterparts[cp].identifier for cp in self.members.get(person, [])))

    def is_group(self, person: str) -> bool:
        return any(self.counterparts[cp].kind == "chatroom" for cp in self.members.get(person, []))

    @functools.cached_property
    def _names_longest_first(self) -> list[str]:
        return sorted((n for n in self.by_name if len(n) >= 2 and n not in OWNER_WORDS), key=len, reverse=True)

    def _by_number(self, written: str) -> tuple[str, ...] | None:
        """The people a number fits; None when the text is not a number at all."""
        ident = identify(written, self.region)
        if ident is None:
            return None
        digits = re.sub(r"\D", "", written)
        fits = [cp for cp in self.counterparts.values()
                if cp.key == ident.key or (len(digits) >= 7 and cp.number and cp.number.endswith(digits))]
        return tuple(dict.fromkeys(self._person_of[cp.id] for cp in fits))

    @functools.cached_property
    def _index(self) -> dict[str, dict[str, list[str]]]:
        """Names by their first two characters, all but their first, first, and last character."""
        index: dict[str, dict[str, list[str]]] = {"head": {}, "tail": {}, "first": {}, "last": {}}
        for name in self.by_name:
            for part, key in (("head", name[:2]), ("tail", name[1:]), ("first", name[:1]), ("last", name[-1:])):
                index[part].setdefault(key, []).append(name)
        return index

    def guess(self, run: str) -> tuple[str, ...] | None:
        """The people a partial name may mean ("老王": a 王; "王总": names starting 王总, else a
        王; "秀英": 张秀英), or None when the run is no such form."""
        index = self._index
        if len(run) >= 2:  # "王总" → "王总(建材)"; "秀英" → "张秀英": a name begun or ended by the run
            names = [n for n in index["head"].get(run[:2], []) if n.startswith(run)] + index["tail"].get(run, [])
            if names:
                return tuple(dict.fromkeys(p for n in names for p in self.by_name[n]))
        match = NICKNAME.fullmatch(run)
        if match is None or run in NOT_NICKNAMES:
            return None
        if run.startswith("阿"):
            names = index["last"].get(match.group("a"), [])
        else:
            names = index["first"].get(match.group("a") or match.group("b") or match.group("c"), [])
        return tuple(dict.fromkeys(p for n in names for p in self.by_name[n] if not self.is_group(p)))

    def find(self, text: str, numbers: bool = True, names: bool = True) -> list[Mention]:
        """The people a (normalised) text names: numbers in any spelling, then known names,
        longest first and never overlapping. The owner ("机主") is never a match."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for match in SUFFIX.finditer(text) if numbers else ():
            fits = [cp for cp in self.counterparts.values() if cp.kind != "chatroom" and cp.number
                    and cp.number.endswith(match.group(1))]
            found.append(Mention(match.group(0), match.span(),
                                 tuple(dict.fromkeys(self._person_of[cp.id] for cp in fits)), guessed=bool(fits)))
            taken.append(match.span())
        # Accounts before numbers: the digits inside "wxid_0a2188287e" are no phone number.
        for match in ACCOUNT.finditer(text) if numbers else ():
            fits = [cp for cp in self.counterparts.values() if cp.identifier.lower() == match.group(0)]
            found.append(Mention(match.group(0), match.span(), tuple(dict.fromkeys(self._person_of[cp.id] for cp in fits))))
            taken.append(match.span())
        for match in NUMBER.finditer(text) if numbers else ():
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            people = self._by_number(match.group(0))
            if people is not None and len(re.sub(r"\D", "", match.group(0))) >= 5:
                found.append(Mention(match.group(0).strip(), match.span(), people))
                taken.append(match.span())
        for name in self._names_longest_first if names else ():
            if name not in text:
                continue
            for match in re.finditer(re.escape(name), text):
                span = match.span()
                if any(a < span[1] and span[0] < b for a, b in taken):
                    continue
                found.append(Mention(name, span, tuple(self.by_name[name])))
                taken.append(span)
        return sorted(found, key=lambda m: m.span)
