"""qbot's own JSON case format, for other tools to export into (see docs/case-format.md)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..source import ImportRefused
from ..writer import RecordWriter

FORMAT_NAME = "qbot-case"
VERSIONS = {1}
KINDS = {"calls", "messages", "contacts"}
DIRECTIONS = {"in", "out", None}
CALL_STATUSES = {"answered", "unanswered", "missed", "rejected", "blocked", "voicemail",
                 "answered_elsewhere", "unknown"}


def load(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8-sig") as f:
            document = json.load(f)
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"not UTF-8 text, so not a qbot JSON case file: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"invalid JSON (expected a qbot JSON case file): {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ImportRefused(f'JSON without "format": "{FORMAT_NAME}" (expected a qbot JSON case file)')
    if document.get("version") not in VERSIONS:
        raise ImportRefused(f"qbot JSON case version {document.get('version')!r} unknown; expected 1")
    if not isinstance(document.get("nodes"), list):
        raise ImportRefused('qbot JSON case file without a "nodes" list')
    return document


def _ms(value: object, where: str) -> int:
    """Integer ms since the Unix epoch, or an ISO 8601 time that carries its UTC offset."""
    if isinstance(value, bool) or value is None:
        raise ImportRefused(f"{where}: missing time")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ImportRefused(f"{where}: {value!r} is not an ISO 8601 time") from exc
        if moment.tzinfo is None:
            raise ImportRefused(f"{where}: {value!r} has no UTC offset (write e.g. +08:00)")
        return round(moment.timestamp() * 1000)
    raise ImportRefused(f"{where}: time must be ISO 8601 text or integer milliseconds")


def _text(record: dict, key: str, where: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise ImportRefused(f"{where}: {key} must be a string")
    return value


class JsonCase:
    format = "qbot.json"
    expects = f'qbot JSON case file ({{"format": "{FORMAT_NAME}", "version": 1, "nodes": [...]}})'

    def _party(self, out: RecordWriter, record: dict, where: str, name: str | None) -> int | None:
        account = _text(record, "account", where)
        if account:
            kind, _, value = account.partition(":")
            if not value:
                raise ImportRefused(f"{where}: account must be written app:id, e.g. wechat:wxid_x")
            return out.account(kind, value, name=name)
        return out.person(_text(record, "number", where) or _text(record, "address", where), name=name)

    def read(self, document: dict, out: RecordWriter) -> None:
        owner = document.get("owner") or {}
        if owner:
            out.set_owner(numbers=list(owner.get("numbers", [])), accounts=list(owner.get("accounts", [])))
        for i, node_doc in enumerate(document["nodes"]):
            table = f"/nodes/{i}/records"
            if not isinstance(node_doc, dict) or node_doc.get("kind") not in KINDS:
                raise ImportRefused(f"/nodes/{i}: kind must be one of {sorted(KINDS)}")
            path = node_doc.get("path")
            if not isinstance(path, str) or not path.strip("/"):
                raise ImportRefused(f"/nodes/{i}: path missing, e.g. 基本信息/电话/通话记录")
            kind = node_doc["kind"]
            records = node_doc.get("records", [])
            if not isinstance(records, list):
                raise ImportRefused(f"{table} must be a list")
            out.expected += len(records)
            node = out.node(path.strip("/"), kind)
            for row, record in enumerate(records):
                where = f"{table}/{row}"
                if not isinstance(record, dict):
                    raise ImportRefused(f"{where}: a record must be an object")
                direction = record.get("direction")
                if direction not in DIRECTIONS:
                    raise ImportRefused(f"{where}: direction must be in, out or null")
                name = _text(record, "name", where)
                if kind == "calls":
                    status = record.get("status", "answered")
                    if status not in CALL_STATUSES:
                        raise ImportRefused(f"{where}: status must be one of {sorted(CALL_STATUSES)}")
                    duration = record.get("duration", 0)
                    if not isinstance(duration, int) or duration < 0:
                        raise ImportRefused(f"{where}: duration must be whole seconds")
                    out.call(node, self._party(out, record, where, name), _text(record, "number", where),
                             name, direction, status, _ms(record.get("start"), where), duration,
                             table, row, record.get("media", "voice"))
                elif kind == "messages":
                    group = _text(record, "group", where)
                    party = self._party(out, record, where, name)
                    chat_id = out.account("chatroom", group) if group else party
                    out.message(node, chat_id, sender_id=party if group else None,
                                address=_text(record, "number", where) or _text(record, "account", where),
                                direction=direction, time=_ms(record.get("time"), where),
                                body=_text(record, "body", where), kind=record.get("kind", "text"),
                                status=_text(record, "status", where), is_group=bool(group), chat=group,
                                table=table, rowid=row)
                else:
                    out.contact(node, self._party(out, record, where, name), name=name,
                                number=_text(record, "number", where) or _text(record, "account", where),
                                label=_text(record, "label", where), table=table, rowid=row)


JSON_CASE = JsonCase()
