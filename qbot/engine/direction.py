"""Which way the records of a question go: to the owner ("in"), from the owner ("out"), or both
(""). The owner's place in the sentence outweighs a verb's own direction, and a person right
before the verb is its subject ("李娜发了多少条短信" came to the owner)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qbot.engine.parser import Slots, Token


# "和谁发消息": messaging with someone, both ways (against "给谁发消息", the owner sending)
_TOGETHER = re.compile(r"(?:和|跟|与|同)[^给,。?!]{0,10}$")
# Adverbs that may stand between a person and the verb ("张伟一共打了", "陈静也发给")
_ADVERBS = r"(?:一共|总共|共|都|也|曾经|曾|还)"


def direction(found: Slots) -> str | None:
    """"in", "out", "" (both), or None when the question names both ways at once. The owner's
    place in the sentence ("发了多少条微信给机主") outweighs a verb's own direction (发了)."""
    roles = {t.value for t in found.of("dir")} | ({"out"} if found.has("callee_missed") else set())
    if sender_verb(found):
        roles.add("in")
    for word in found.of("initiative"):  # who takes the initiative: the owner if named before it
        before, after = "机主" in found.text[:word.span[0]], "机主" in found.text[word.span[1]:]
        if before != after:
            roles.add("out" if before else "in")
    if len(roles) == 1:
        return roles.pop()
    ins = found.has("source_in", "in_word") or "in" in roles
    outs = found.has("source_out", "out_word") or "out" in roles
    if found.has("both_ways") or found.has("dir_owner_calls") and not (ins or outs):
        return ""
    relative = relative_sender(found)
    for verb in found.of("send_verb"):
        # "给谁发消息" is the owner sending; "和谁发消息" is messaging with someone, both ways.
        together = _TOGETHER.search(found.text[:verb.span[0]])
        if not ins and not together and verb is not relative:
            outs = True
    if ins and outs:
        return None
    return "in" if ins else "out" if outs else ""


# "李娜发了多少条短信", "张伟打的电话", "李娜昨天发的": a person right before the verb is its
# subject, so the records came to the owner; "给李娜发了", "和李娜发了" make the person an object.
_SUBJECT_VERB = re.compile(r"\s*(?:一共|总共|共|都|也|曾经|曾|还|一般|通常|平时|经常|常常|总是|几点|什么时候|上次|上一次|最后一次|最近一次|第一次)*"
                           r"(?:发|打|拨)(?:了|过的|过|的|来|电话|短信|微信|消息)")
# ... and 在 / 从 make it a place ("机主在家人群发了几条": the owner wrote in the group)
_OBJECT_MARK = re.compile(r"(?:给|和|跟|与|同|对|向|及|、|把|被|在|从|于)\s*$")


def sender_verb(found: Slots) -> str:
    """The verb a named person is the subject of ("李娜最近一周打了几次": 打了), or "": it says
    the records came to the owner, and 打 / 发 say which kind."""
    for mention in found.mentions:
        at = mention.span[1]
        for a, b in sorted(found.time.spans if found.time else ()):
            at = b if a == at else at  # "李娜昨天发的": step over the time between
        verb = _SUBJECT_VERB.match(found.text, at)
        if mention.people and verb and not _OBJECT_MARK.search(found.text[:mention.span[0]]):
            return verb.group(0).strip()
    return ""


_BETWEEN = re.compile(r"\s*" + _ADVERBS + r"?(?:发|打|拨|回)(?:了|过)?(?:电话|短信|消息|微信)?给\s*$")


def between_others(found: Slots) -> bool:
    """"陈静发给李娜的短信", "张伟打电话给李娜": a record between two other people, which the
    owner's phone does not hold."""
    named = sorted((m for m in found.mentions if m.people), key=lambda m: m.span)
    return any(_BETWEEN.match(found.text[a.span[1]:b.span[0]]) or (  # "张伟给李娜打了几次电话"
        found.text[a.span[1]:b.span[0]].strip() in ("给", "向") and _TO_VERB.match(found.text, b.span[1]))
        for a, b in zip(named, named[1:]))


_TO_VERB = re.compile(r"\s*" + _ADVERBS + r"?(?:打|发|拨|回)")


_RELATIVE = re.compile(r"[^,。?!]{0,12}?的(?:人|联系人)")


def relative_sender(found: Slots) -> Token | None:
    """The 发 of "发短信超过100条的人" when neither 机主 nor a direction word says who sent:
    the people may be the senders or the ones the owner wrote to; the reading asks."""
    if "机主" in found.text or found.has("dir", "in_word", "out_word", "source_in", "source_out", "both_ways"):
        return None
    for verb in found.of("send_verb"):
        together = _TOGETHER.search(found.text[:verb.span[0]])
        if not together and _RELATIVE.match(found.text, verb.span[1]):
            return verb
    return None


def direction_of(found: Slots) -> str:
    """The direction the words give: "in", "out", or "" for both (or both named at once)."""
    return direction(found) or ""
