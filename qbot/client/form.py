"""The filter form of `--edit`: written as YAML, one key per form field, edited in $VISUAL or
$EDITOR until it parses or the examiner gives up (the file's rules are in `qbot ask --help`)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from qbot.client.display import Display
from qbot.client.errors import EXIT_USAGE, AskError

FORM_NAME_KEY = "formName"  # the form's kind, sent back as it came, not edited


class _FormDumper(yaml.SafeDumper):
    """Text of several lines as literal blocks, so the file reads like the form."""


_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")  # line breaks to YAML: only escaped do they survive


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if _OTHER_BREAKS.search(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FormDumper.add_representer(str, _represent_str)


class FormError(ValueError):
    """The edited form cannot be sent; the message says why and what is accepted."""


def form_text(form: dict[str, Any], header: str = "") -> str:
    """The form's editable fields as YAML (the `formName` is kept aside)."""
    editable = {k: v for k, v in form.items() if k != FORM_NAME_KEY}
    body = yaml.dump(editable, Dumper=_FormDumper, allow_unicode=True, sort_keys=False, width=1_000_000,
                     default_flow_style=False)
    return header + body


def parse_form(text: str, proposed: dict[str, Any]) -> dict[str, Any] | None:
    """The edited form, or None for an empty file (cancel). The keys must be the proposed form's,
    each value text (or empty)."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormError(f"the form is not valid YAML{where}: {problem}; keep `key: value`, and for text of "
                        "several lines `key: |` followed by lines indented by two spaces") from None
    if loaded is None:
        return None
    editable = [k for k in proposed if k != FORM_NAME_KEY]
    if not isinstance(loaded, dict):
        raise FormError(f"the form must be a mapping of {', '.join(editable)}, not {type(loaded).__name__}")
    unknown = [str(k) for k in loaded if k not in editable]
    missing = [k for k in editable if k not in loaded]
    if unknown or missing:
        parts = ([f"unknown key(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing key(s) {', '.join(missing)}"] if missing else [])
        raise FormError(f"the form has {' and '.join(parts)}; its keys are {', '.join(editable)}")
    form = dict(proposed)
    for key in editable:
        value = loaded[key]
        if value is None:
            value = ""
        if not isinstance(value, str) and type(value) is not type(proposed[key]):
            raise FormError(f"{key} must be text, not {type(value).__name__} {value!r}; put it in quotes")
        form[key] = value
    if "filter_tree" in form and not form["filter_tree"].strip():
        raise FormError("filter_tree is empty; it must name the data to read, e.g. 基本信息类别下电话应用的通话记录")
    return form


def _form_header(conversation_id: str) -> str:
    return (f"# qbot ask: the filter form of conversation {conversation_id}, as YAML.\n"
            "# Edit the values, save and quit: the form is sent with 继续任务 (confirm_type 3).\n"
            "# Text of several lines follows `key: |`, indented by two spaces; '' is empty text.\n"
            "# filter_tree names the data to read (e.g. 基本信息类别下电话应用的通话记录; 微信 selects WeChat),\n"
            "# filter_keyword keeps only the records containing it, analysis_prompt steers the analysis.\n"
            "# Lines starting with # are ignored; an empty file cancels.\n")


def _editor() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def _run_editor(command: list[str], path: Path) -> int:
    """Run the editor on the terminal. Like git, qbot ask waits out a Ctrl-C meant for the editor
    (a Python handler, not SIG_IGN, so the editor itself gets the default)."""
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        return subprocess.run([*command, str(path)], check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)


def edit_form(form: dict[str, Any], conversation_id: str, display: Display,
              confirm: Callable[[str], bool]) -> dict[str, Any] | None:
    """Open the form in $VISUAL/$EDITOR until it parses (or the examiner gives up: None)."""
    text = form_text(form, _form_header(conversation_id))
    with tempfile.TemporaryDirectory(prefix="qbot-ask-") as folder:
        path = Path(folder) / "filter-form.yaml"
        while True:
            path.write_text(text, "utf-8")
            command = _editor()
            try:
                status = _run_editor(command, path)
            except OSError as exc:
                raise AskError(f"cannot run the editor {shlex.join(command)!r} ($VISUAL or $EDITOR): "
                               f"{exc.strerror or exc}", EXIT_USAGE) from None
            if status != 0:
                display.note(f"the editor {shlex.join(command)!r} exited with status {status}; the form was not sent")
                return None
            try:
                text = path.read_text("utf-8")
                return parse_form(text, form)
            except UnicodeDecodeError as exc:
                display.note(f"the form is not UTF-8 text (byte {exc.start}); save it as UTF-8")
            except FormError as exc:
                display.note(str(exc))
            if not confirm("重新编辑"):
                return None
