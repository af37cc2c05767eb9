"""qbot's JSON case format: the documented example imports, and invalid files are refused whole."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qbot.evidence.importing import import_paths

from .conftest import dump, query

DOC = Path(__file__).resolve().parents[2] / "docs" / "case-format.md"


def test_documented_example_imports(tmp_path: Path, store_path: Path) -> None:
    example = re.search(r"## Example\s+```json\n(.*?)```", DOC.read_text("utf-8"), re.S).group(1)
    path = tmp_path / "export.json"
    path.write_text(example, encoding="utf-8")
    summary = import_paths(store_path, "c1", [path], package="phone")
    assert summary.ok, str(summary)
    assert summary.added == {"基本信息/通讯录": 1, "基本信息/电话/通话记录": 3, "社交通讯/微信/聊天记录": 2}
    assert query(store_path, "SELECT count(DISTINCT counterpart_id), count(*) FROM calls") == [(1, 3)]
    assert query(store_path, "SELECT min(start) FROM calls") == [(1717248605000,)]  # 21:30:05 +08:00


@pytest.mark.parametrize(("record", "message"), [
    ({"number": "1", "start": "2024-06-01T21:30:05"}, "no UTC offset"),
    ({"number": "1", "start": "yesterday"}, "not an ISO 8601 time"),
    ({"number": "1", "start": 1, "direction": "sideways"}, "direction must be"),
    ({"number": "1", "start": 1, "duration": -5}, "duration must be"),
    ({"number": "1"}, "missing time"),
])
def test_invalid_record_refuses_the_file(tmp_path: Path, store_path: Path, record: dict, message: str) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"format": "qbot-case", "version": 1, "nodes": [
        {"path": "基本信息/电话/通话记录", "kind": "calls", "records": [{"number": "1", "start": 0}]}]}))
    import_paths(store_path, "c1", [good], package="p")
    state = dump(store_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "qbot-case", "version": 1, "nodes": [
        {"path": "基本信息/电话/通话记录", "kind": "calls", "records": [{"number": "2", "start": 5}, record]}]}))
    summary = import_paths(store_path, "c1", [bad], package="p")
    assert summary.files[0].status == "refused"
    assert "/nodes/0/records/1" in summary.files[0].message and message in summary.files[0].message
    assert dump(store_path) == state
