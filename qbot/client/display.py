"""Showing a turn on a terminal: text on stdout as it arrives, status on stderr (one line rewritten
in place on a terminal), the `result` as a table aligned for wide (CJK) characters; control
characters of the (evidence-derived) text shown escaped, never sent to the terminal."""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Any, TextIO

MAX_CELL = 60  # display columns of a table cell before it is cut with "…"

# C0/C1 controls (but newline and tab in running text) and bidirectional overrides, which would
# let evidence text move the cursor, recolour the terminal or reorder what the examiner reads.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_CELL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str) -> str:
    """Running text (Markdown): newlines and tabs kept, other controls shown as `\\uXXXX`."""
    return _UNSAFE_TEXT.sub(_escape, text.replace("\r\n", "\n"))


def safe_cell(value: Any) -> str:
    """One table cell on one line."""
    text = "" if value is None else str(value)
    return _UNSAFE_CELL.sub(lambda m: " " if m.group() in "\t\n\r" else _escape(m), text)


def char_width(ch: str) -> int:
    """Terminal columns of one character: 2 for East Asian wide and fullwidth ones, 0 for
    combining marks and format characters, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, with "…" where it was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def render_table(columns: list[Any], rows: list[list[Any]]) -> list[str]:
    """Columns separated by two spaces, a dashed rule under the header (its dashes span each
    column exactly), numbers right-aligned."""
    header = [fit(safe_cell(c), MAX_CELL) for c in columns]
    body = [[fit(safe_cell(v), MAX_CELL) for v in row] + [""] * (len(columns) - len(row)) for row in rows]
    numeric = []
    for i in range(len(columns)):
        values = [row[i] for row in rows if i < len(row) and row[i] is not None]
        numeric.append(bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values))
    widths = [max([display_width(header[i])] + [display_width(r[i]) for r in body]) for i in range(len(columns))]
    lines = ["  ".join(_pad(h, widths[i], numeric[i]) for i, h in enumerate(header)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for cells in body:
        lines.append("  ".join(_pad(c, widths[i], numeric[i]) for i, c in enumerate(cells[:len(columns)])).rstrip())
    return lines


def render_result(result: dict[str, Any]) -> str:
    """A `result` event as text: summary, scope, table, sources with the rows each cites."""
    lines = [""]
    if result.get("summary"):
        lines.append(f"摘要：{safe_cell(result['summary'])}")
    if result.get("scope"):
        lines.append(f"数据节点：{'、'.join(safe_cell(s) for s in result['scope'])}")
    if isinstance(result.get("records"), int):
        lines.append(f"参与统计的记录：{result['records']} 条")
    columns, rows = result.get("columns") or [], result.get("rows") or []
    if columns:
        lines.append("")
        lines += render_table(columns, rows)
        lines.append(f"（{len(rows)} 行）")
    sources = result.get("sources") or []
    if sources:
        cited: dict[int, dict[str, int]] = {}
        for item in result.get("evidence") or []:
            for ref in (item.get("refs") or []) if isinstance(item, dict) else []:
                if not isinstance(ref, dict):
                    continue
                count = len(ref["rowids"]) if isinstance(ref.get("rowids"), list) else 1
                per_table = cited.setdefault(ref.get("source", 0), {})
                per_table[str(ref.get("table", "?"))] = per_table.get(str(ref.get("table", "?")), 0) + count
        lines += ["", "来源："]
        for i, source in enumerate(sources):
            source = source if isinstance(source, dict) else {"file": source}
            tables = "、".join(f"{safe_cell(t)} 表 {n} 行" for t, n in sorted(cited.get(i, {}).items()))
            lines.append(f"  [{i}] {safe_cell(source.get('file', '?'))}  sha256 {safe_cell(source.get('sha256', '?'))}"
                         + (f"  （引用 {tables}）" if tables else ""))
    return "\n".join(lines) + "\n"


class Display:
    """Where the turn shows up: text on `out`, status and notes on `err`. With `err` a terminal,
    the status is one line rewritten in place; otherwise each status is a plain line."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.live = err.isatty()
        self.shared = self.live and out.isatty()  # both on one screen: keep them from overwriting
        self._status_shown = False
        self._line_open = False  # stdout text that has not ended its line yet

    def _clear_status(self) -> None:
        if self._status_shown:
            self.err.write("\r\x1b[2K")
            self.err.flush()
            self._status_shown = False

    def _close_line(self) -> None:
        if self._line_open:
            self.out.write("\n")
            self.out.flush()
            self._line_open = False

    def text(self, delta: str) -> None:
        delta = safe_text(delta)
        if not delta:
            return
        self._clear_status()
        self.out.write(delta)
        self.out.flush()
        self._line_open = not delta.endswith("\n")

    def status(self, data: dict[str, Any]) -> None:
        line = f"[{safe_cell(data.get('stage', ''))}] {safe_cell(data.get('message', ''))}"
        if isinstance(data.get("progress"), (int, float)):
            line += f" {round(100 * data['progress'])}%"
        if not self.live:
            self.err.write(f"qbot ask: {line}\n")
            self.err.flush()
            return
        if self.shared:
            self._close_line()
        try:
            columns = os.get_terminal_size(self.err.fileno()).columns or 80  # 0: a terminal of unknown size
        except (OSError, ValueError):
            columns = 80
        self.err.write("\r\x1b[2K" + fit(line, max(columns - 1, 10)))
        self.err.flush()
        self._status_shown = True

    def note(self, message: str) -> None:
        self._clear_status()
        if self.shared:
            self._close_line()
        self.err.write(f"qbot ask: {message}\n")
        self.err.flush()

    def block(self, text: str) -> None:
        """Whole lines on stdout (the form, the result)."""
        self.end_turn()
        self.out.write(text)
        self.out.flush()

    def end_turn(self) -> None:
        self._clear_status()
        self._close_line()
