"""Lines the examiner adds to the proposed analysis prompt, read by the question parser: "只看最近7天",
"只统计呼入", "只看张伟", "按通话时长排序" change the query as the same words would in a question.

A line is applied only when every word of it is understood and it names something to change;
otherwise it is reported, never half applied. A prompt replaced wholesale (the seed's own, say)
is not read this way: its sentences describe an analysis, they are not edits of this one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qbot.engine import direction, readings, thresholds
from qbot.engine.query import Query, QueryError

if TYPE_CHECKING:
    from qbot.engine.parser import Slots

KEPT_SHARE = 0.5  # of the proposed prompt's lines: fewer kept means the prompt was replaced


@dataclass
class PromptEdits:
    query: Query
    applied: list[str] = field(default_factory=list)  # lines that changed the query
    unread: list[str] = field(default_factory=list)  # lines that did not, said in the answer


def added_lines(prompt: str, proposed: str) -> tuple[list[str], bool]:
    """(the lines added to the proposed prompt, whether it is an edit of it rather than another)."""
    base = [line.strip() for line in proposed.splitlines() if line.strip()]
    lines = [line.strip() for line in prompt.splitlines() if line.strip()]
    kept = sum(1 for line in base if line in lines)
    return [line for line in lines if line not in base], bool(base) and kept >= KEPT_SHARE * len(base)


def _changes(found: Slots, query: Query) -> dict | None:
    """What a line changes in the query, or None when it has a word qbot did not understand."""
    if found.unknown or (found.time and found.time.unknown) or found.topics:
        return None
    if any(m.guessed or len(m.people) != 1 for m in found.mentions):
        return None
    changes: dict = {}
    time = found.time
    if time and time.window.get("kind") != "all":
        changes["window"] = time.window
    if time and time.hours:
        changes["hours"] = time.hours
    if time and time.weekdays:
        changes["weekdays"] = time.weekdays
    way = direction.direction_of(found)
    if way:
        changes["direction"] = way
    statuses = tuple(dict.fromkeys(s for t in found.of("status") for s in t.value))
    if statuses:
        changes["statuses"] = statuses
    if found.mentions:
        changes["people"] = tuple(m.people[0] for m in found.mentions)
    if found.keywords:
        changes["keywords"] = tuple(found.keywords)
    if found.at_least is not None:  # "只看超过5次的联系人"
        changes["at_least"] = found.at_least
    if found.bounds:  # "只看超过10分钟的通话"
        seconds = thresholds.combined(found.bounds)
        if isinstance(seconds, str):
            return None
        changes["seconds"] = seconds
    if any(t.value == "duration" and not thresholds.bounds_word(found.text, t.span, found.bounds)
           for t in found.of("measure")) and query.measure == "count":
        changes["measure"] = "duration"
    return changes


def read(query: Query, lines: list[str], reader: Callable[[str], Slots]) -> PromptEdits:
    edits = PromptEdits(query)
    for line in lines:
        changes = _changes(reader(line), edits.query)
        if not changes:
            edits.unread.append(line)
            continue
        try:
            edits.query = edits.query.with_(**changes)
        except QueryError:
            edits.unread.append(line)
            continue
        edits.applied.append(line)
    return edits
