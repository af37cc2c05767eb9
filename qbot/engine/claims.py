"""The check of a model's narrative: every claim its text makes is looked up in the answer.

Claims are numbers (Arabic, and Chinese numerals before a measure word or after 第: `cn2an`
when installed, else a small converter), names (any person of the case, found by `People.find`),
dates and times (YYYY-MM-DD, YYYY年M月D日, M月D日, YYYY-MM, HH:MM, N点), and identifiers (phone
numbers in any spelling, wxid_…, group ids, e-mail addresses). What supports them is what the
model was given: the answer's rows and column values, its summary and notes, the window and its
dates, the query's description, the record counts and the rank numbers 1..N, and the question.

Message bodies are evidence, not findings: a claim resting only on a body (an injected "张三是通话
最多的人") is not supported, unless the text quotes the body verbatim (in quotation marks)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from qbot.engine.answer import Answer, Scope
from qbot.engine.normalize import normalize
from qbot.engine.people import NUMBER, People
from qbot.engine.query import Query, describe
from qbot.evidence.phones import identify

try:  # optional: the converter below covers what narratives write
    import cn2an as _cn2an
except ImportError:  # pragma: no cover - depends on the environment
    _cn2an = None

BODY_COLUMNS = ("内容",)
KIND_WORDS = {"number": "数字", "name": "人名", "date": "日期或时间", "identifier": "号码或账号"}

_QUOTE = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"|「([^」]{2,})」|‘([^’]{2,})’")
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_ACCOUNT = re.compile(r"wxid_[a-z0-9_-]+|\d{5,}@chatroom")
_DATETIME = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?(?!\d)")
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:-|/|年)\s*(\d{1,2})(?:\s*月份?)?(?![\d/.-])")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-4])\s*:\s*([0-5]\d)(?::[0-5]\d)?(?!\d)")
_HOUR = re.compile(r"(上午|中午|下午|晚上|傍晚|夜里|凌晨|早上)?\s*(?<!\d)(\d{1,2})\s*(?:点|时)(?!间|候|段)")
_ARABIC = re.compile(r"(?<![0-9a-z_.])\d+(?:,\d{3})*(?:\.\d+)?(?![0-9a-z_])")
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_CN_NUMBER = re.compile(rf"(第)?([{_CN_DIGITS}]+)(?=\s*(?:次|条|个|位|人|名|天|日|周|星期|月|年|秒|分钟|小时|通|笔|封|行|项|组|倍|成|%))"
                        rf"|第([{_CN_DIGITS}]+)")
_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = ("万", "亿")


@dataclass(frozen=True)
class Claim:
    text: str
    kind: str  # number | name | date | identifier
    value: Any

    def json(self) -> dict[str, str]:
        return {"text": self.text, "kind": self.kind}


def cn_to_int(text: str) -> int | None:
    """A Chinese numeral ("二十五", "一百零三", "两万", "二零二四") as an int; None if it is not one."""
    if _cn2an is not None:
        try:
            return int(_cn2an.cn2an(text, "smart"))
        except (ValueError, TypeError, KeyError):
            pass
    if not text or any(ch not in _CN_VALUE and ch not in _CN_UNIT and ch not in _CN_BIG for ch in text):
        return None
    if all(ch in _CN_VALUE for ch in text):  # digit by digit
        return int("".join(str(_CN_VALUE[ch]) for ch in text))
    yi, wan, section, digit = 0, 0, 0, None
    for ch in text:
        if ch in _CN_VALUE:
            digit = _CN_VALUE[ch]
        elif ch in _CN_UNIT:
            section += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        elif ch == "万":
            wan += (section + (digit or 0)) * 10**4
            section, digit = 0, None
        else:  # 亿
            yi = (yi + wan + section + (digit or 0)) * 10**8
            wan, section, digit = 0, 0, None
    return yi + wan + section + (digit or 0)


class _Text:
    """A normalised text whose spans are taken one extractor after another."""

    def __init__(self, text: str) -> None:
        self.text = normalize(text)
        self.taken = [False] * len(self.text)

    def masked(self) -> str:
        """The text with taken characters hidden, so later patterns cannot reuse them."""
        return "".join("\x00" if taken else ch for ch, taken in zip(self.text, self.taken, strict=True))

    def finditer(self, pattern: re.Pattern[str]) -> Iterable[re.Match[str]]:
        for match in pattern.finditer(self.masked()):
            if match.group(0).strip():
                self.take(match.span())
                yield match

    def take(self, span: tuple[int, int], taken: bool = True) -> None:
        self.taken[span[0]:span[1]] = [taken] * (span[1] - span[0])


def extract(text: str, people: People | None, region: str = "CN", quotes: Iterable[str] = ()) -> list[Claim]:
    """The claims of a text. A quotation found verbatim in `quotes` (the evidence's bodies) is a
    faithful quote and makes no claim."""
    found = _Text(text)
    claims: list[Claim] = []
    corpus = [normalize(q) for q in quotes]
    for match in found.finditer(_QUOTE):
        quoted = next(g for g in match.groups() if g)
        if not any(quoted in q for q in corpus):  # not a verbatim quote: its claims are read
            found.take(match.span(), False)
    for pattern in (_EMAIL, _ACCOUNT):
        claims += [Claim(m.group(0), "identifier", m.group(0)) for m in found.finditer(pattern)]
    for m in found.finditer(_DATETIME):
        claims.append(Claim(m.group(0), "date", (int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    for m in found.finditer(_YEAR_MONTH):
        claims.append(Claim(m.group(0), "date", (int(m.group(1)), int(m.group(2)), None)))
    for m in found.finditer(_MONTH_DAY):
        claims.append(Claim(m.group(0), "date", (None, int(m.group(1)), int(m.group(2)))))
    for m in found.finditer(_CLOCK):
        claims.append(Claim(m.group(0), "date", ("time", int(m.group(1)) % 24, int(m.group(2)))))
    for m in found.finditer(_HOUR):
        hour = int(m.group(2))
        later = hour + 12 if m.group(1) in ("下午", "晚上", "傍晚") and hour < 12 else hour
        claims.append(Claim(m.group(0).strip(), "date", ("hour", {hour % 24, later % 24})))
    for m in found.finditer(NUMBER):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 7:
            claims.append(Claim(m.group(0).strip(), "identifier", _identity(m.group(0), region)))
        else:  # too short for a number: a figure
            found.take(m.span(), False)
    for mention in people.find(found.masked(), numbers=False) if people is not None else ():
        claims.append(Claim(mention.text, "name", set(mention.people) | {mention.text}))
        found.take(mention.span)
    for m in found.finditer(_ARABIC):
        claims.append(Claim(m.group(0), "number", float(m.group(0).replace(",", ""))))
    for m in found.finditer(_CN_NUMBER):
        value = cn_to_int(m.group(2) or m.group(3))
        if value is not None:
            claims.append(Claim(m.group(0), "number", float(value)))
    return claims


def _identity(text: str, region: str) -> str:
    ident = identify(text, region)
    digits = re.sub(r"\D", "", text)
    return ident.key if ident is not None and ident.number else digits


@dataclass
class Support:
    """What the answer supports: every number, name, date, time and identifier the model was given."""

    numbers: set[float] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    dates: set[tuple[int, int, int]] = field(default_factory=set)
    months: set[tuple[int, int]] = field(default_factory=set)
    times: set[tuple[int, int]] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)
    quotes: list[str] = field(default_factory=list)

    def add_text(self, text: str, people: People | None, region: str) -> None:
        for claim in extract(text, people, region):
            self.add(claim)

    def add(self, claim: Claim) -> None:
        value = claim.value
        if claim.kind == "number":
            self.numbers.add(value)
        elif claim.kind == "name":
            self.names |= value
        elif claim.kind == "identifier":
            self.identifiers.add(value)
            self.identifiers.add(claim.text)
        elif value[0] == "time":
            self.times.add(value[1:])
        elif value[0] == "hour":
            self.times |= {(h, 0) for h in value[1]}
        elif value[0] is not None and value[2] is not None:
            self.dates.add(value)
            self.months.add(value[:2])
        elif value[0] is not None:
            self.months.add(value[:2])

    def supports(self, claim: Claim) -> bool:
        value = claim.value
        if claim.kind == "number":
            return value in self.numbers
        if claim.kind == "name":
            return bool(value & self.names)
        if claim.kind == "identifier":
            return value in self.identifiers or claim.text in self.identifiers
        if value[0] == "time":
            return value[1:] in self.times
        if value[0] == "hour":
            return any(h in value[1] for h, _ in self.times)
        year, month, day = value
        if day is None:
            return (year, month) in self.months
        if year is None:
            return any((m, d) == (month, day) for _, m, d in self.dates)
        return value in self.dates


def support(answer: Answer, scope: Scope, query: Query, question: str) -> Support:
    """Everything the narrative may rest on: what the model was shown of this answer."""
    people, region = scope.people, scope.case.region
    known = Support()
    body = {i for i, column in enumerate(answer.columns) if column in BODY_COLUMNS}
    known.add_text(question, None, region)  # its numbers and dates; a person it names is in the query
    texts = [answer.summary, scope.window.text, describe(query, scope.window.text), *answer.notes,
             *answer.columns, *query.people, *query.keywords, scope.case.timezone]
    w = scope.window
    if w.start and w.end:
        texts += [scope.local(w.start), scope.local(w.end - timedelta(milliseconds=1))]
    for row in answer.rows:
        for i, cell in enumerate(row):
            if i in body:
                known.quotes.append(str(cell))
            elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
                known.numbers.add(float(cell))
            else:
                texts.append(str(cell))
    for item in answer.items:
        texts += [str(v) for k, v in item.items() if k in ("person", "key", "label")]
    for text in texts:
        known.add_text(text, people, region)
    known.names |= set(query.people)
    counts = [answer.records, len(answer.rows), *(answer.record_counts or [])]
    if isinstance(answer.value, (int, float)) and not isinstance(answer.value, bool):
        counts.append(answer.value)
    known.numbers |= {float(n) for n in counts} | {float(rank) for rank in range(1, len(answer.rows) + 1)}
    return known


def unmatched(text: str, answer: Answer, scope: Scope, query: Query, question: str) -> list[dict[str, str]]:
    """The claims of the model's text the answer does not support, each once, in order."""
    known = support(answer, scope, query, question)
    missing: dict[tuple[str, str], Claim] = {}
    for claim in extract(text, scope.people, scope.case.region, known.quotes):
        if not known.supports(claim):
            missing.setdefault((claim.text, claim.kind), claim)
    return [claim.json() for claim in missing.values()]


def warning(missing: list[dict[str, str]]) -> str:
    """The message that says plainly which of the model's claims have no ground."""
    listed = "、".join(f"“{c['text']}”（{KIND_WORDS[c['kind']]}）" for c in missing)
    return f"\n\n**注意**：以下内容在查询结果中找不到依据，请以结果表为准：{listed}。\n"
