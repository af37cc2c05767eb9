"""The evaluation's three cases, each an evidence.db holding that case alone, built through qbot's
real importers: `demo` (the seeded demo generator), `testdata` (the public databases of
../shared/testdata) and `ios` (ioscase's generator). The pytest fixtures are in conftest.py."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from qbot.evidence.demo import DEMO_CASE_ID, build_demo
from qbot.evidence.importing import import_paths

from . import ioscase
from .truth import ALL_CALLS, PHONE, Truth

TESTDATA = Path(__file__).resolve().parents[4] / "shared" / "testdata"
if not TESTDATA.is_dir():  # the repo may be checked out elsewhere than /work/<worktree>
    TESTDATA = Path("/work/shared/testdata")
TESTDATA_CASE = "testdata"
# US test phones (Josh Hickman's image is from North Carolina): local dates differ from UTC and
# from Shanghai, so a day-level question tests the case's time zone.
TESTDATA_TIMEZONE = "America/New_York"


def copy_testdata(folder: Path) -> Path:
    """A private, writable copy of the shared files (with -wal/-shm): the originals are never opened,
    since SQLite checkpoints a WAL into its main file when the last connection closes."""
    copy = folder / "testdata"
    shutil.copytree(TESTDATA, copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def build_demo_case(folder: Path) -> tuple[Path, str]:
    db = folder / "evidence.db"
    build_demo(db, folder / "sources")
    return db, DEMO_CASE_ID


def build_testdata_case(folder: Path) -> tuple[Path, str]:
    db, copy = folder / "evidence.db", copy_testdata(folder)
    files = [copy / "android" / "contacts2.db", copy / "android" / "mmssms.db", copy / "ios" / "sms.db",
             copy / "ios" / "addressbook-wal" / "AddressBook.sqlitedb"]
    summary = import_paths(db, TESTDATA_CASE, files, package="公开测试手机", case_name="公开测试数据",
                           timezone=TESTDATA_TIMEZONE, region="US")
    if not summary.ok or len(summary.by_status("imported")) != len(files):
        raise RuntimeError(f"testdata import failed:\n{summary}")
    return db, TESTDATA_CASE


def build_ios_case(folder: Path) -> tuple[Path, str]:
    db = folder / "evidence.db"
    ioscase.build(db, folder / "sources", copy_testdata(folder))
    check_ios_facts(Truth(str(db)))
    return db, ioscase.CASE_ID


BUILDERS: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "demo": build_demo_case, "testdata": build_testdata_case, "ios": build_ios_case}


def check_ios_facts(t: Truth) -> None:
    """The traps the ios questions rely on, as ioscase's docstring states them: if the generator
    drifts, the build fails here rather than the questions silently testing nothing."""
    def top(recs, by="count") -> str:
        return t.ranking(recs, by).rows[0][0]

    calls = t.select(ALL_CALLS)
    assert top(calls) == "孙丽", t.ranking(calls).rows[:3]
    recent = t.select(ALL_CALLS, window=t.recent(ALL_CALLS, 30))
    assert top(recent) == "周强" and top(calls) != "周强", t.ranking(recent).rows[:3]
    assert top(t.select(ALL_CALLS, hours=(0, 6))) == "吴昊"
    assert top(calls, "duration") == "郑雪" and top(t.select(PHONE), "duration") != "郑雪"
    burst = t.select(ALL_CALLS, window=t.days("2024-09-27", "2024-09-27"), people=("马超",), statuses=("missed",))
    assert len(burst) >= 15, len(burst)
    assert {"wuhao.sh@icloud.com", "+8615921876543", "wxid_wuhao77"} <= t.identifiers("吴昊")
    assert {"+8618817654321", "+862162345678", "hejun@corp-sh.com"} <= t.identifiers("何军")
    assert {"王芳", "王芳芳", "王总(建材)", "王总(物流)", "林峰"} <= t.persons()
    assert not t.holds(ioscase.ABSENT_NUMBER)
    assert 2000 <= len(t.recs) <= 5000, len(t.recs)
