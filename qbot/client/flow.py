"""The seed's flow, step by step, with the examiner's answers: the question (confirm_type -1),
a reading picked when it has several (1), "开始任务" (0) once the examiner agrees, "继续任务" (3)
with the proposed filter form, reviewed and possibly edited."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from qbot.client.citations import show_citations
from qbot.client.display import Display, safe_cell
from qbot.client.errors import EXIT_DONE, EXIT_FAILED
from qbot.client.form import edit_form, form_text
from qbot.client.session import Conversation, TurnOutcome


def _prompt(display: Display, assume_yes: bool) -> Callable[[str], bool]:
    def confirm(question: str) -> bool:
        display.end_turn()
        while True:
            display.err.write(f"{question}? [Y/n] ")
            display.err.flush()
            answer = sys.stdin.readline()
            if not answer:
                display.err.write("\n")
                hint = "; pass --yes to go on without asking" if not assume_yes else ""
                display.note(f"no answer (end of standard input): taken as no{hint}")
                return False
            answer = answer.strip().lower()
            if answer in ("", "y", "yes", "是", "好", "确认"):
                return True
            if answer in ("n", "no", "否", "不"):
                return False
            display.err.write("please answer y or n\n")
    return confirm


def run_flow(api: str, token: str | None, question: str, case_id: str, assume_yes: bool, edit: bool,
             display: Display, citations: int | None) -> int:
    """`citations`: the records listed under each result row; 0 none, None all of them."""
    conv = Conversation(api, token, case_id, display)
    confirm = _prompt(display, assume_yes)

    def agree(question: str) -> bool:
        return assume_yes or confirm(question)

    display.note(f"conversation {conv.id} at {api}")
    first = conv.step(-1, question)
    if first.state == "awaiting_choice":
        first = _choose(conv, first.clarify or {}, display, assume_yes)
    if first.state != "awaiting_start":
        return _ended(first, display, "the question")
    start = first.confirm or {}
    if start.get("confirm_type") != 0:
        display.note(f"the server asks for confirm_type {start.get('confirm_type')}, which qbot ask does not "
                     f"drive; go on in the front end (conversation {conv.id})")
        return EXIT_FAILED
    button = str(start.get("question") or "开始任务")
    if not agree(button):
        display.note(f"not started; conversation {conv.id} awaits 开始任务 (confirm_type 0)")
        return EXIT_FAILED

    second = conv.step(0, button)
    if second.state != "awaiting_filter":
        return _ended(second, display, button)
    proposal = second.confirm or {}
    form = proposal.get("form")
    if proposal.get("confirm_type") != 3 or not isinstance(form, dict):
        display.note(f"the server did not propose a filter form; go on in the front end (conversation {conv.id})")
        return EXIT_FAILED
    button = str(proposal.get("question") or "继续任务")
    display.block("\n数据筛选条件（filter form）：\n" + form_text(form))
    if edit:
        edited = edit_form(form, conv.id, display, confirm)
        if edited is None:
            display.note(f"the form was not sent; conversation {conv.id} awaits it (confirm_type 3)")
            return EXIT_FAILED
        if edited != form:
            display.block("\n修改后的数据筛选条件：\n" + form_text(edited))
        form = edited
    if not agree(button):
        display.note(f"not sent; conversation {conv.id} awaits the filter form (confirm_type 3)")
        return EXIT_FAILED

    third = conv.step(3, button, form)
    rows = len((third.result or {}).get("rows") or [])
    if third.state == "completed" and citations != 0 and rows and third.result_event is not None:
        show_citations(conv, third.result_event, rows, citations)
    return _ended(third, display, button, done_state="completed")


def _choose(conv: Conversation, clarify: dict[str, Any], display: Display, assume_yes: bool) -> TurnOutcome:
    """The question has several readings: the examiner picks one by its number (confirm_type 1).
    With --yes there is no one to ask, and no reading is picked for them."""
    choices = [c for c in clarify.get("choices") or [] if isinstance(c, dict)]
    display.end_turn()
    if assume_yes or not choices:
        display.note(f"the question has several readings; ask one of them again, or pick one in the front end "
                     f"(conversation {conv.id} awaits a choice, confirm_type 1)")
        return TurnOutcome(state="awaiting_choice")
    while True:
        display.err.write(f"which reading (1-{len(choices)})? ")
        display.err.flush()
        answer = sys.stdin.readline()
        if not answer:
            display.note(f"no answer (end of standard input); conversation {conv.id} awaits a choice")
            return TurnOutcome(state="awaiting_choice")
        picked = next((c for i, c in enumerate(choices, start=1) if answer.strip() in (str(i), str(c.get("id")))), None)
        if picked is not None:
            return conv.step(1, safe_cell(picked.get("label", "")), {"choice": str(picked.get("id"))})
        display.err.write(f"please answer a number from 1 to {len(choices)}\n")


def _ended(outcome: TurnOutcome, display: Display, step: str, done_state: str = "completed") -> int:
    if outcome.state == done_state:
        return EXIT_DONE
    if outcome.state == "failed":
        display.note(f"{step} failed; the conversation keeps its state, so the step can be tried again")
    else:
        display.note(f"{step} ended {outcome.state}")
    return EXIT_FAILED
