"""A question becomes a `Query`, slot by slot, and every meaning-bearing character is accounted
for: claimed by a keyword, a person, a time expression or a word of the lexicon, or reported as
not understood. What is not understood is never dropped: the engine asks or declines instead.

Steps: normalise; quoted and introduced keywords; people by name; call-length bounds
(`thresholds.scan`); time (`timeexpr.scan`); people
by number; the lexicon; then what is left over. A left-over run right before a message word is
the topic searched for ("银行通知短信" → text contains 银行); any other is not understood."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qbot.engine import atleast, pronouns, readings, thresholds, timeexpr
from qbot.engine import lexicon as lx
from qbot.engine.normalize import normalize
from qbot.engine.people import Mention, People

MAX_QUESTION = 500  # characters read; a longer question is declined, not half read
NEAREST_AFTER = 2  # unknown words a nearest question may leave out; past that it is another question
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9]")


@dataclass
class Token:
    tag: str
    value: Any
    span: tuple[int, int]
    groups: tuple[str | None, ...] = ()


@dataclass
class Slots:
    """What the question says, before it is made into a query."""

    text: str
    tokens: list[Token] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    # Keywords read from where a word stands ("快递短信"), with no marker saying it is a topic:
    # (the word, its span), asked back before they restrict anything.
    topics: list[tuple[str, tuple[int, int]]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    time: timeexpr.TimeSlots | None = None
    bounds: list[thresholds.Bound] = field(default_factory=list)  # call-length bounds ("超过10分钟")
    at_least: int | None = None  # records a person needs to count ("至少打过5次电话的人")
    unknown: list[str] = field(default_factory=list)
    # Of the unknown words, keyword searches no filter can say ("不包含“好的”", "A或B")
    unsearchable: list[str] = field(default_factory=list)

    def word(self, token: Token) -> str:
        return self.text[token.span[0]:token.span[1]]

    def has(self, *tags: str) -> bool:
        return any(t.tag in tags for t in self.tokens)

    def of(self, *tags: str) -> list[Token]:
        return [t for t in self.tokens if t.tag in tags]


class _Claims:
    """Which characters of the text are accounted for."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.taken = [False] * len(text)
        self._chars = list(text)  # the text, claimed characters as \x00
        self._masked: str | None = text

    def free(self, span: tuple[int, int], matched: str = "") -> bool:
        """No character of the span is claimed, but those a pattern matched as hidden (\\x00: a
        pattern may step over a claimed name or time, as "给\\x00+打" does)."""
        return not any(taken and not (matched and matched[i - span[0]] == "\x00")
                       for i, taken in enumerate(self.taken[span[0]:span[1]], start=span[0]))

    def claim(self, span: tuple[int, int]) -> None:
        a, b = span
        self.taken[a:b] = [True] * (b - a)
        self._chars[a:b] = ["\x00"] * (b - a)
        self._masked = None

    def masked(self) -> str:
        """The text with claimed characters hidden, so later patterns cannot reuse them."""
        if self._masked is None:
            self._masked = "".join(self._chars)
        return self._masked


def _lexicon_names() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{w.pattern.pattern})" for w in lx.WORDS if w.tag != "fill" or "[" not in w.pattern.pattern))


_LEXICON_WORD = _lexicon_names()


def slots(question: str, people: People, recent_days: int, newest: datetime | None = None,
          tz: ZoneInfo | None = None, previous: tuple[str, ...] = ()) -> Slots:
    """Every slot the question fills, and the runs of text nothing claimed. `previous`: the people
    the conversation's previous question was about, whom 他 / 这个人 may point at (`pronouns`)."""
    text = normalize(question)
    found = Slots(text)
    claims = _Claims(text)
    taken: list[tuple[int, int]] = []
    for pattern in (lx.QUOTED, lx.KEYWORD_AFTER):
        for match in pattern.finditer(claims.masked()):
            word = match.group(1).strip()
            # A quoted word is the keyword whatever it is; one after 提到 only when no known word.
            known = pattern is lx.KEYWORD_AFTER and _LEXICON_WORD.fullmatch(word)
            if word and claims.free(match.span()) and not known:
                # "不包含“好的”", "身份证或者取件码": no keyword filter says "without" or "either";
                # searching for the words as written would answer another question.
                negated = _NEGATED.search(text[:match.start()])
                if negated or (pattern is lx.KEYWORD_AFTER and _LISTED.search(word)):
                    said = text[negated.start() if negated else match.start():match.start()] + (
                        word if pattern is lx.QUOTED else text[match.start():match.end()])
                    found.unknown.append(said)
                    found.unsearchable.append(said)
                else:
                    found.keywords.append(word)
                    taken.append(match.span())
                claims.claim(match.span())
    taken.sort()
    for (_, end), (start, _) in zip(taken, taken[1:]):
        if _EITHER.fullmatch(text[end:start].strip()):  # "“身份证”或“取件码”": either word, not both
            found.unknown.append(text[end:start].strip())
            found.unsearchable.append(text[taken[0][0]:taken[-1][1]])
    for mention in people.find(claims.masked(), numbers=False):
        if not _LEXICON_WORD.fullmatch(mention.text):  # a nickname such as "最近" is a word, not a person
            found.mentions.append(mention)
            claims.claim(mention.span)
    for pattern in lx.EARLY:  # "最近一次" is the last record, not the window "最近"
        for match in pattern.finditer(claims.masked()):
            found.tokens.append(Token("measure", "last" if pattern is lx.EARLY[0] else "first", match.span()))
            claims.claim(match.span())
    for bound in thresholds.scan(claims.masked()):
        if not claims.free(bound.span):
            continue
        if bound.seconds:
            found.bounds.append(bound)
        else:  # "通话10分钟的", "5分钟左右": a length that bounds nothing
            found.unknown.append(text[bound.span[0]:bound.span[1]])
        claims.claim(bound.span)
    for count in atleast.scan(claims.masked()):
        if not all(claims.free(span) for span in count.spans):
            continue
        if count.least is None or found.at_least is not None:  # "不到5次", or a second bound
            found.unknown.append("".join(text[a:b] for a, b in count.spans))
        else:
            found.at_least = count.least
        for span in count.spans:
            claims.claim(span)
    found.time = timeexpr.scan(claims.masked(), recent_days, newest=newest, tz=tz)
    for span in found.time.spans:
        claims.claim(span)
    for mention in people.find(claims.masked(), names=False):
        found.mentions.append(mention)
        claims.claim(mention.span)
    for span, refers, mention in pronouns.resolve(claims.masked(), found.mentions, previous):
        if mention is not None and mention.people[0] in people.members:
            found.mentions.append(mention)
        elif refers != "named":  # "他" with no one to point at: never read as everyone
            found.unknown.append(text[span[0]:span[1]])
        claims.claim(span)
    for word in lx.WORDS:
        for match in word.pattern.finditer(claims.masked()):
            steps_over = "\\x00" in word.pattern.pattern  # only a pattern written to step over claims
            if claims.free(match.span(), match.group(0) if steps_over else ""):
                found.tokens.append(Token(word.tag, word.value, match.span(), match.groups()))
                claims.claim(match.span())
    found.tokens.sort(key=lambda t: t.span)
    _leftovers(found, claims, people)
    return found


def _leftovers(found: Slots, claims: _Claims, people: People) -> None:
    """Runs nothing claimed: a topic before a message word is a keyword, the rest not understood."""
    text = claims.text
    i = 0
    while i < len(text):
        if claims.taken[i] or not _MEANINGFUL.match(text[i]):
            i += 1
            continue
        j = i
        while j < len(text) and not claims.taken[j] and _MEANINGFUL.match(text[j]):
            j += 1
        run = text[i:j]
        guessed = people.guess(run) if len(run) <= 6 else None  # a part of a name is short
        if guessed is not None:  # "老王", "张总": asked back, never taken as certain
            found.mentions.append(Mention(run, (i, j), guessed, guessed=True))
        elif _PERSON_PLACE.search(text[max(0, i - 3):i]) or _PERSON_PLACE_AFTER.match(text, j) or (
                _looks_like_name(run) and _NAME_THEN_RECORDS.match(text, j)):
            found.mentions.append(Mention(run, (i, j), ()))  # "诸葛亮和机主…": a person the case lacks
        elif (gap := _gap_to_message_word(found, j)) is not None and len(run) >= 2:
            found.keywords.append(run)
            if not _TOPIC_MARK.search(gap):  # "银行通知短信" says it is a topic; "本案短信" does not
                found.topics.append((run, (i, j)))
        else:
            found.unknown.append(run)
        i = j


# A keyword's negation right before it ("没有提到", "不包含"), but not the question's 有没有.
_NEGATED = re.compile(r"(?:不|(?<!有)没有|(?<!有)没|未|无)(?:包含|含有|含|提到|提及|说过|说到|涉及|带有|带)?(?:了|过)?\s*$")
_EITHER = re.compile(r"或者|或是|或|还是")
_LISTED = re.compile(r"或者|或是|或|还是|、|和|及|与")  # inside one unquoted keyword: a list, not a word

# Where a run of unknown text stands as a person would: "机主和X", "X给机主", "X和机主".
_PERSON_PLACE = re.compile(r"机主(?:和|跟|与|同|给|向|对)$")
_PERSON_PLACE_AFTER = re.compile(r"(?:和|跟|与|同|给|向|对)机主")
# "赵建国的聊天记录": a name-shaped run before 的 and a record word is a person, not a topic.
_NAME_THEN_RECORDS = re.compile(r"的(?:聊天|通话|短信|消息|微信|电话|记录|号码|来电|往来)")
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
                "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧诸")


def _looks_like_name(run: str) -> bool:
    return 2 <= len(run) <= 4 and run[0] in _SURNAMES and all("\u4e00" <= ch <= "\u9fff" for ch in run)


_TOPIC_GAP = re.compile(r"(?:的)?(?:通知|提醒|类|相关)?(?:的)?$")
_TOPIC_MARK = re.compile(r"通知|提醒|类|相关")


def _gap_to_message_word(found: Slots, end: int) -> str | None:
    """The text between `end` and the message word right after it ("的通知" in "银行的通知短信"),
    or None when no message word follows with at most "的", "通知" between."""
    for token in found.tokens:
        if token.span[1] <= end or token.tag == "fill":
            continue
        kinds = token.value[0] if token.tag == "source" else ()
        gap = found.text[end:token.span[0]]
        return gap if kinds == (lx.MESSAGES,) and _TOPIC_GAP.fullmatch(gap) else None
    return None


def read(question: str, people: People, case_sources: readings.CaseSources, recent_days: int,
         newest: datetime | None = None, tz: ZoneInfo | None = None, previous: tuple[str, ...] = ()
         ) -> readings.Reading:
    """The reading of a question: one query, choices to ask about, or why it cannot be answered."""
    if len(question) > MAX_QUESTION:
        return readings.decline(question, f"问题太长（{len(question)} 个字符，最多 {MAX_QUESTION} 个）；请只问一个问题。")
    found = slots(question, people, recent_days, newest, tz, previous)
    if not _MEANINGFUL.search(found.text):
        return readings.decline(found.text, "问题是空的：请用一句话说明要查什么，例如“机主最近和谁打电话最多？”。")
    reading = readings.build(found, people, case_sources)
    reading.pointers = [m.text for m in found.mentions if pronouns.POINTERS.fullmatch(m.text)]
    if 0 < len(reading.unknown) <= NEAREST_AFTER:
        # The nearest question qbot can answer: this one without the words it did not understand.
        # Only offered, never answered: those words may have changed the meaning.
        rest = found.text
        for word in reading.unknown:
            rest = rest.replace(word, "", 1)
        if _MEANINGFUL.search(rest):
            nearer = readings.build(slots(rest, people, recent_days, newest, tz, previous), people, case_sources)
            if nearer.outcome == "answer":
                reading.nearest = rest.strip(" ,。?!")
    return reading
