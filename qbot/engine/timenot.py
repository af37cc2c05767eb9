"""Time filters a question leaves out: "除了晚上", "不算周末", "不是周末的时候", "工作日以外".

A filter of hours or weekdays with a negation mark right before it (除了 / 不算 / 不含 / 不是 …) or
right after it (以外 / 之外 / 除外) becomes its complement: 除了晚上 = hours (0, 18), 不算周末 =
Monday to Friday. What a complement cannot express is unknown, never read the other way round:
a negated window ("除了3月": not one period), a negated word that names a window and hours at once
("除了昨晚"), and a negated item that is the first of a list ("除了周末和晚上": which are left out?).
"""

from __future__ import annotations

import re
from dataclasses import replace

from qbot.engine.timewords import Hit

_BEFORE = re.compile(r"(?:除了|除去|除开|除掉|刨除|刨去|不算|不含|不包括|不包含|排除|去掉|不要|不看|不是)(?:在)?\s*$")
_AFTER_BEFORE = re.compile(r"\s*(?:的时候|时候|时段|期间)?\s*(?:以外|之外|除外)?")  # "除了周末以外"
# 不算 after the word only where it ends the clause ("周末不算，…"): in "上个月不算周末" it is 周末's.
_AFTER = re.compile(r"\s*(?:的时候|时候|时段|期间)?\s*(?:以外|之外|除外|不算(?=$|[,.。?!;\s]|的话))")
# A time word with its negation, as `negate` marks an unknown one ("除了3月", "周末和晚上以外")
MARKED = re.compile(r"^(?:除了|除去|除开|除掉|刨除|刨去|不算|不含|不包括|不包含|排除|去掉|不要|不看|不是)|(?:以外|之外|除外|不算)$")
_LIST_NEXT = re.compile(r"\s*(?:和|、|与|及|或|跟|以及|还有)(?!谁|哪|机主)")


def complement_hours(hours: tuple[int, int]) -> tuple[int, int]:
    """The hours of a day outside [from, to): (18, 24) → (0, 18), (22, 6) → (6, 22), (0, 6) → (6, 24)."""
    lo, hi = hours
    return hi % 24, lo or 24


def negate(text: str, hit: Hit) -> Hit | None:
    """The hit as its complement, its span widened over the negation marks; None when not negated.
    A negation the filters cannot express comes back as an unknown hit over the same span."""
    before = _BEFORE.search(text, 0, hit.start)
    if before is not None and before.end() == hit.start:
        start, end = before.start(), _AFTER_BEFORE.match(text, hit.end).end()
    elif after := _AFTER.match(text, hit.end):
        start, end = hit.start, after.end()
    else:
        return None
    if hit.unknown or hit.neutral:
        return None
    if hit.window is not None or (hit.hours is not None and hit.weekdays) or _LIST_NEXT.match(text, end):
        return Hit(start, end, unknown=True)
    if hit.hours is not None:
        return replace(hit, start=start, end=end, hours=complement_hours(hit.hours))
    if hit.weekdays:
        return replace(hit, start=start, end=end, weekdays=tuple(d for d in range(7) if d not in hit.weekdays))
    return None
