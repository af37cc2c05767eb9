"""Drive one item through a real server and classify the outcome (spec: "Answer shape",
"Comparison", "Classification"). A step that is not a 200 stream, an `error` event or a failed
turn makes the item wrong: an examiner would have got no answer either."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.support import Api, Sse

from .truth import (
    CATEGORIES,
    CLARIFY,
    Groups,
    Item,
    Lookup,
    People,
    Ranking,
    Readings,
    Record,
    Records,
    Sentinel,
    Total,
    Truth,
)

OUTCOMES = ("right", "wrong", "clarified", "declined")


@dataclass
class Reply:
    kind: str  # answered | clarified | declined | broken
    answer: dict | None = None
    why: str = ""


@dataclass
class Outcome:
    item: Item
    outcome: str  # one of OUTCOMES
    why: str = ""


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


async def _step(api: Api, cid: str, number: int, case_id: str, question: str, form: dict | None = None
                ) -> tuple[list[Sse] | None, str]:
    """(events, "") of a 200 stream that did not fail; else (None, why)."""
    try:
        status, body, _ = await api.step(cid, number, question, form, case_id=case_id)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:  # a 5xx may not be JSON
        return None, f"step {number}: {exc.__class__.__name__}: {_short(str(exc))}"
    if status != 200:
        return None, f"step {number}: HTTP {status} {_short(body)}"
    for event in body:
        if event.event == "error":
            return None, f"step {number}: error event {_short(event.data)}"
    done = next((e.data for e in body if e.event == "done"), None)
    if done is None or done.get("state") == "failed":
        return None, f"step {number}: turn {'failed' if done else 'had no done event'} {_short(done or '')}"
    return body, ""


def _confirm(events: list[Sse], confirm_type: int) -> dict | None:
    return next((e.data for e in events if e.event == "confirm" and e.data.get("confirm_type") == confirm_type), None)


async def ask(api: Api, case_id: str, question: str) -> Reply:
    """The examiner's three steps: the question, 开始任务, 继续任务 with the proposed form unchanged."""
    cid = uuid.uuid4().hex
    first, why = await _step(api, cid, -1, case_id, question)
    if first is None:
        return Reply("broken", why=why)
    asked = {e.event: e.data for e in first if e.event in ("clarify", "decline")}
    if "clarify" in asked:
        return Reply("clarified", why=asked["clarify"].get("reason", ""))
    if "decline" in asked:
        return Reply("declined", why=asked["decline"].get("reason", ""))
    if _confirm(first, 0) is None:
        state = next((e.data.get("state") for e in first if e.event == "done"), "?")
        return Reply("broken", why=f"step -1 ended {state!r} with no confirm 0, clarify or decline")
    second, why = await _step(api, cid, 0, case_id, "开始任务")
    if second is None:
        return Reply("broken", why=why)
    proposed = _confirm(second, 3)
    if proposed is None or not isinstance(proposed.get("form"), dict):
        return Reply("broken", why="step 0 proposed no form (no confirm 3)")
    third, why = await _step(api, cid, 3, case_id, "继续任务", proposed["form"])
    if third is None:
        return Reply("broken", why=why)
    result = next((e.data for e in third if e.event == "result"), None)
    if result is None:
        return Reply("broken", why="step 3 sent no result event")
    answer = result.get("answer")
    if not isinstance(answer, dict):
        return Reply("broken", why=f"result has no answer (keys {sorted(result)})")
    return Reply("answered", answer=answer)


# -- comparison ------------------------------------------------------------------------------

def _rows(answer: dict) -> list[dict]:
    rows = answer.get("rows")
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _got(answer: dict) -> str:
    rows = _rows(answer)
    return _short(f"{answer.get('shape')} value={answer.get('value')} rows={json.dumps(rows[:3], ensure_ascii=False)}")


def side_by_side(answer: dict) -> list[dict] | None:
    """The readings an answer gives side by side, each labelled and the first its own; None when
    it gives one reading (or readings that are not so shown)."""
    readings = answer.get("readings")
    if not isinstance(readings, list) or len(readings) < 2:
        return None
    if not all(isinstance(r, dict) and str(r.get("label") or "").strip() for r in readings):
        return None
    return readings if readings[0].get("value") == answer.get("value") else None


def mismatch(expect: Any, answer: dict) -> str:
    """"" when the answer shows what the truth says; else what differs. Readings side by side
    show it when one of them, labelled, is the truth's."""
    rows = _rows(answer)
    if isinstance(expect, Readings):
        shown, wanted = side_by_side(answer), [getattr(a, "value", a) for a in expect.answers]
        if shown is None:
            return f"the readings {wanted} asked about or answered side by side"
        return "" if sorted(map(str, (r.get("value") for r in shown))) == sorted(map(str, wanted)) \
            else f"readings {wanted}"
    if isinstance(expect, (Total, Records, People)):
        if (shown := side_by_side(answer)) is not None:
            values = [r.get("value") for r in shown]
            return "" if expect.value in values else f"value {expect.value} among the readings {values}"
        return "" if answer.get("value") == expect.value else f"value {expect.value}"
    if isinstance(expect, Ranking):
        truth = dict(expect.rows)
        if not expect.rows or not rows:
            return "" if not expect.rows and not rows else f"top {list(expect.rows[:3])}"
        n = min(3, len(expect.rows))
        if len(rows) < n:
            return f"at least {n} rows, top {list(expect.rows[:3])}"
        for i in range(n):
            value, person = rows[i].get("value"), rows[i].get("person")
            if value != expect.rows[i][1] or truth.get(person) != value:
                return f"row {i + 1} = {expect.rows[i][1]} (top {list(expect.rows[:3])})"
        return ""
    if isinstance(expect, Record):
        if expect.time is None:
            return "" if not rows else "no record"
        if rows and rows[0].get("time") == expect.time and rows[0].get("person") == expect.person:
            return ""
        return f"{expect.time} {expect.person}"
    if isinstance(expect, Groups):
        if not expect.rows:
            return "" if not rows else "no groups"
        counts = {str(k): v for k, v in expect.rows}
        top = expect.rows[0][1]
        if rows and rows[0].get("value") == top and counts.get(str(rows[0].get("key"))) == top:
            return ""
        return f"top group {list(expect.rows[:3])}"
    if isinstance(expect, Lookup):
        shown = set(rows[0].get("identifiers") or ()) if rows else set()
        return "" if expect.identifiers <= shown else f"{expect.person} {sorted(expect.identifiers)}"
    raise TypeError(f"not an expectation: {expect!r}")


def classify(expect: Any, reply: Reply) -> tuple[str, str]:
    if reply.kind == "broken":
        return "wrong", f"{reply.why}; expected {_short(repr(expect), 120)}"
    if isinstance(expect, Readings) and reply.kind == "clarified":
        return "right", ""
    if isinstance(expect, Sentinel):
        wanted = "clarified" if expect == CLARIFY else "declined"
        if reply.kind == wanted:
            return "right", ""
        if reply.kind == "answered":
            return "wrong", f"expected {expect!r}, got an answer {_got(reply.answer or {})}"
        return reply.kind, reply.why
    if reply.kind != "answered":
        return reply.kind, reply.why
    if isinstance(expect, (Total, Records, People)) and (shown := side_by_side(reply.answer or {})) is not None \
            and shown[0].get("value") != expect.value and expect.value in [r.get("value") for r in shown[1:]]:
        # Both readings shown and labelled, but the figure the answer leads with is the other one:
        # the examiner still has to pick, as after a question asked back.
        return "clarified", f"the truth {expect.value} is a reading beside the one the answer leads with"
    differs = mismatch(expect, reply.answer or {})
    return ("right", "") if not differs else ("wrong", f"expected {differs}; got {_got(reply.answer or {})}")


async def run_item(api: Api, case_id: str, item: Item, truth: Truth) -> Outcome:
    try:  # a broken item is reported as such, not allowed to hide the rest of the table
        expect = item.expect(truth) if callable(item.expect) else item.expect
    except Exception as exc:  # noqa: BLE001 - any error of an item's truth
        return Outcome(item, "wrong", f"item's truth failed: {exc.__class__.__name__}: {exc}")
    outcome, why = classify(expect, await ask(api, case_id, item.question))
    return Outcome(item, outcome, why)


async def run_all(api: Api, case_id: str, items: list[Item], truth: Truth, at_once: int = 8) -> list[Outcome]:
    gate = asyncio.Semaphore(at_once)

    async def one(item: Item) -> Outcome:
        async with gate:
            return await run_item(api, case_id, item, truth)

    return list(await asyncio.gather(*(one(item) for item in items)))


# -- the table ---------------------------------------------------------------------------------

def table(title: str, outcomes: list[Outcome], wrong_list: bool = True) -> str:
    tally = Counter(o.outcome for o in outcomes)
    lines = [f"== {title}: {len(outcomes)} items — " + " / ".join(f"{k} {tally[k]}" for k in OUTCOMES)]
    cats = sorted({o.item.category for o in outcomes},
                  key=lambda c: (CATEGORIES.index(c) if c in CATEGORIES else len(CATEGORIES), c))
    if cats:
        lines.append(f"   {'category':<10}{'items':>6}" + "".join(f"{k:>10}" for k in OUTCOMES))
        for cat in cats:
            mine = Counter(o.outcome for o in outcomes if o.item.category == cat)
            lines.append(f"   {cat:<10}{sum(mine.values()):>6}" + "".join(f"{mine[k]:>10}" for k in OUTCOMES))
    for kind in ("wrong", "clarified", "declined") if wrong_list else ():
        listed = [o for o in outcomes if o.outcome == kind]
        if listed:
            lines.append(f"   {kind}:")
            lines += [f"   - [{o.item.category}] {o.item.question} — {_short(o.why)}" for o in listed]
    return "\n".join(lines)
