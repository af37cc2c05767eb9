"""The engine's main test: every examiner question of every case, through a real server, against
the ground truth. One test per case prints its table (right / wrong / clarified / declined, per
category) and every wrong item with why; it passes only when nothing is wrong."""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import pytest

from . import cases
from .conftest import REPORT
from .harness import run_all, table
from .truth import CLARIFY, DECLINE, Item, Truth

HERE = Path(__file__).parent


def load_items(case: str) -> list[Item]:
    """Items of `questions_<case>.py` and `questions_<case>_<more>.py`, imported by name, so a
    question file added later (or by someone else) is picked up without editing this one."""
    items: list[Item] = []
    for path in sorted(HERE.glob(f"questions_{case}.py")) + sorted(HERE.glob(f"questions_{case}_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        found = list(getattr(module, "ITEMS"))
        for item in found:
            assert isinstance(item, Item) and item.question.strip(), (path.name, item)
            assert callable(item.expect) or item.expect in (CLARIFY, DECLINE), (path.name, item)
        items += found
    return items


def test_every_question_file_names_a_case() -> None:
    # questions_<case>[_more].py for a case no builder makes would never run: a typo, say so.
    for path in HERE.glob("questions_*.py"):
        assert path.stem.split("_")[1] in cases.BUILDERS, f"{path.name} names no case of {list(cases.BUILDERS)}"


@pytest.mark.parametrize("case", list(cases.BUILDERS))
async def test_eval(case: str, request: pytest.FixtureRequest, serve) -> None:
    db, case_id = request.getfixturevalue(f"{case}_case")
    items = load_items(case)
    truth = Truth(str(db), case_id)
    api = await serve(db)
    started = time.perf_counter()
    outcomes = await run_all(api, case_id, items, truth)
    REPORT[case] = outcomes
    note = "" if items else f", no questions_{case}.py yet"
    report = table(f"{case} ({time.perf_counter() - started:.1f} s{note})", outcomes)
    print(report)
    wrong = sum(o.outcome == "wrong" for o in outcomes)
    assert wrong == 0, report
