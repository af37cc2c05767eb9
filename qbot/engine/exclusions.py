"""What 不含 / 除了 / 不算 leave out of a question: the items right after the mark (people, apps,
sources), and the sources that remain once they are taken out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qbot.engine.query import Source

if TYPE_CHECKING:
    from qbot.engine.parser import Slots, Token

_EXCLUDABLE = ("source", "source_in", "source_out", "app")
# Not the comma: "除了李娜，张伟打来几次", "去掉10086和95588，短信还有多少" — it ends what is left out.
_JOINERS = re.compile(r"[、和与及或]|以及")
_TRAILING = ("以外", "之外")
_CLAUSE_END = re.compile(r"\s*(?:在内)?\s*(?:[,。?!;]|$)")


def spans(found: Slots) -> list[tuple[int, int]]:
    """What 不含/除了/不算 leave out: the items right after the mark, joined by 、/和/与, up to
    以外/之外, punctuation or the first word of another kind ("除了张伟和谁联系最多": 张伟 only)."""
    left_out = []
    # (span, whether it is a bare kind word: "不算FaceTime,通话一共多少次" leaves out FaceTime only)
    items = sorted([(t.span, t.tag != "app" and not t.value[1]) for t in found.tokens if t.tag in _EXCLUDABLE]
                   + [(m.span, False) for m in found.mentions])
    for mark in found.of("exclude"):
        at = mark.span[1]
        for span, bare in items:
            if span[0] < at:
                continue
            between = found.text[at:span[0]]
            if between and not _JOINERS.fullmatch(between.strip()) or bare and between.strip() == ",":
                break
            left_out.append(span)
            at = span[1]
    # "李娜以外的人打来的电话", "微信之外": the items right before a trailing 以外 / 之外 (no
    # 除了 needed); read as filler they would have named the very person left out.
    # "张伟不算，谁打来最多", "李娜不算在内": a mark that ends its clause leaves out what is before it.
    for mark in found.of("fill", "exclude"):
        ends = mark.tag == "exclude" and _CLAUSE_END.match(found.text, mark.span[1])
        if found.word(mark) not in _TRAILING and not ends:
            continue
        at = mark.span[0]
        for span, _ in reversed(items):
            if span[1] > at:
                continue
            between = found.text[span[1]:at]
            if between and not _JOINERS.fullmatch(between.strip()):
                break
            left_out.append(span)
            at = span[0]
    return list(dict.fromkeys(left_out))


def tokens(found: Slots) -> list[Token]:
    left_out = spans(found)
    return [t for t in found.tokens if t.tag in _EXCLUDABLE and t.span in left_out]


def people(found: Slots) -> list[str]:
    left_out = spans(found)
    return [p for m in found.mentions if m.span in left_out for p in m.people]


def without(chosen: list[Source], excluded: list[Token], pairs: frozenset[tuple[str, str]]) -> list[Source]:
    """The sources with the excluded apps taken out; "every app" becomes the case's other apps."""
    gone = {(kind, t.value if t.tag == "app" else t.value[1].rstrip("!")) for t in excluded
            for kind in ((("calls", "messages") if t.tag == "app" else t.value[0]))}
    kept = []
    for source in chosen:
        if source.app:
            kept += [] if (source.kind, source.app) in gone else [source]
        else:
            kept += [Source(source.kind, app) for kind, app in sorted(pairs)
                     if kind == source.kind and (kind, app) not in gone]
    return kept
