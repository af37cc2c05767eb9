"""`qbot import` and `qbot demo` through their argparse entry points."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from qbot.evidence.cli import add_commands

from .conftest import query


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="qbot")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_import_summary_and_exit_codes(testdata: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    assert run(["import", "--data-dir", str(data), "--case", "c1", "--case-name", "案件一", "--package", "p1",
                str(testdata / "android")]) == 0
    out = capsys.readouterr().out
    assert "基本信息/短信" in out and "+9" in out and "2 imported" in out
    assert query(data / "evidence.db", "SELECT id, name FROM cases") == [("c1", "案件一")]
    bad = tmp_path / "notes.db"
    bad.write_text("hello")
    assert run(["import", "--data-dir", str(data), "--case", "c1", "--package", "p1", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "refused" in captured.out and "not an SQLite 3 database" in captured.out
    assert "1 file(s) refused" in captured.err
    assert run(["import", "--data-dir", str(data), "--case", "bad id!", "--package", "p", str(bad)]) == 2
    # A trailing newline is no part of an id: such a case could never be reached through the API.
    before = query(data / "evidence.db", "SELECT id FROM cases")
    assert run(["import", "--data-dir", str(data), "--case", "demo\n", "--package", "p1",
                str(testdata / "android")]) == 2
    assert "is not a UUID or a token of letters, digits" in capsys.readouterr().err
    assert query(data / "evidence.db", "SELECT id FROM cases") == before


def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["demo", "--data-dir", str(tmp_path)]) == 0
    assert "demo" in capsys.readouterr().out
    assert query(tmp_path / "evidence.db", "SELECT id FROM cases") == [("demo",)]


def test_import_uses_the_configured_data_dir(testdata: Path, tmp_path: Path, monkeypatch) -> None:
    """Without --data-dir, `qbot import` writes where `qbot serve` reads: the config's data_dir."""
    config = tmp_path / "qbot.yaml"
    config.write_text(f"data_dir: {tmp_path / 'configured'}\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(["import", "--config", str(config), "--case", "c1", "--package", "p1",
                str(testdata / "android" / "mmssms.db")]) == 0
    assert query(tmp_path / "configured" / "evidence.db", "SELECT id FROM cases") == [("c1",)]
    monkeypatch.setenv("QBOT_DATA_DIR", str(tmp_path / "from-env"))
    assert run(["import", "--case", "c2", "--package", "p1", str(testdata / "android" / "mmssms.db")]) == 0
    assert query(tmp_path / "from-env" / "evidence.db", "SELECT id FROM cases") == [("c2",)]
