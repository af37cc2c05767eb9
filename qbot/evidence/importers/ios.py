"""iOS: CallHistory.storedata (ZCALLRECORD), sms.db (message, handle, chat) and
AddressBook.sqlitedb (ABPerson, ABMultiValue). Apple counts time from 2001-01-01T00:00:00Z:
Core Data dates in (fractional) seconds; sms.db `date` in seconds in old databases and in
nanoseconds in newer ones (values above 1e15)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

from .. import tree
from ..detect import Schema
from ..writer import RecordWriter

APPLE_EPOCH_MS = 978307200 * 1000
NANOSECOND_DATES = 10**15
PROPERTY_PHONE, PROPERTY_EMAIL = 3, 4  # ABMultiValue.property (kABPersonPhoneProperty, ...Email...)
_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")  # '_$!<Mobile>!$_' -> 'Mobile'
_CJK = re.compile(r"^[\u3400-\u9fff]+$")
# ZSERVICE_PROVIDER -> node; CallKit apps other than these get a node of their own.
PROVIDER_NODES = {
    None: tree.CALLS,
    "": tree.CALLS,
    "com.apple.Telephony": tree.CALLS,
    "com.apple.FaceTime": tree.FACETIME_CALLS,
    "com.tencent.xin": tree.WECHAT_CALLS,
}
CALLTYPE_VIDEO = 8  # FaceTime video; 16 is FaceTime audio, 1 a phone call


def apple_seconds_to_ms(value: float | int | None) -> int:
    return APPLE_EPOCH_MS + round(float(value or 0) * 1000)


def message_date_to_ms(value: int | float | None) -> int:
    value = value or 0
    if abs(value) > NANOSECOND_DATES:
        return APPLE_EPOCH_MS + int(value) // 1_000_000
    return apple_seconds_to_ms(value)


def _text(value: object) -> str | None:
    # Older CallHistory stores ZADDRESS as a BLOB of UTF-8 bytes.
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return None if value is None else str(value)


def _select(schema: Schema, table: str, columns: list[str]) -> str:
    have = schema.columns(table)
    return ", ".join(c if c.lower() in have else f"NULL AS {c}" for c in columns)


class IosCallHistory:
    format = "ios.callhistory"
    expects = "iOS CallHistory.storedata (table ZCALLRECORD with ZDATE, ZADDRESS, ZORIGINATED)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("zcallrecord", "z_pk", "zdate", "zaddress", "zoriginated")

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        with closing(db.execute("SELECT count(*) FROM ZCALLRECORD")) as cur:
            out.expected += cur.fetchone()[0]
        cols = _select(schema, "zcallrecord", ["Z_PK", "ZDATE", "ZDURATION", "ZADDRESS", "ZNAME", "ZORIGINATED",
                                               "ZANSWERED", "ZCALLTYPE", "ZSERVICE_PROVIDER", "ZISO_COUNTRY_CODE"])
        with closing(db.execute(f"SELECT {cols} FROM ZCALLRECORD ORDER BY Z_PK")) as cur:
            for pk, date, duration, address, name, originated, answered, calltype, provider, iso in cur:
                provider = _text(provider)
                node = out.node(PROVIDER_NODES.get(provider) or f"社交通讯/{provider}/音视频通话", "calls")
                seconds = int(round(float(duration or 0)))
                outgoing = bool(originated)
                if outgoing:
                    status = "answered" if seconds > 0 or answered else "unanswered"
                else:
                    status = "answered" if answered else "missed"
                number = _text(address)
                out.call(node, out.person(number, hint=_text(iso), name=_text(name)), number, _text(name),
                         "out" if outgoing else "in", status, apple_seconds_to_ms(date), seconds,
                         "ZCALLRECORD", pk, "video" if calltype == CALLTYPE_VIDEO else "voice")


class IosSms:
    format = "ios.sms"
    expects = "iOS sms.db (tables message and handle)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("message", "rowid", "date", "handle_id", "is_from_me", "text") and schema.has(
            "handle", "rowid", "id"
        )

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        handles: dict[int, tuple[str, str | None]] = {}
        country = "country" if "country" in schema.columns("handle") else "NULL"
        with closing(db.execute(f"SELECT ROWID, id, {country} FROM handle")) as cur:
            for rowid, ident, iso in cur:
                handles[rowid] = (ident, iso)
        chats: dict[int, tuple[str, str, bool]] = {}  # message -> (chat guid, identifier, is group)
        if schema.has("chat", "rowid", "guid", "chat_identifier") and schema.has(
                "chat_message_join", "chat_id", "message_id"):
            room = "c.room_name" if "room_name" in schema.columns("chat") else "NULL"
            style = "c.style" if "style" in schema.columns("chat") else "NULL"
            with closing(db.execute(
                f"SELECT j.message_id, c.guid, c.chat_identifier, {room}, {style} FROM chat_message_join j"
                " JOIN chat c ON c.ROWID = j.chat_id"
            )) as cur:
                for message_id, guid, identifier, room_name, chat_style in cur:
                    chats[message_id] = (guid, identifier, bool(room_name) or chat_style == 43)
        with closing(db.execute("SELECT count(*) FROM message")) as cur:
            out.expected += cur.fetchone()[0]
        cols = _select(schema, "message", ["ROWID", "date", "handle_id", "is_from_me", "text", "service",
                                           "error", "cache_has_attachments"])
        with closing(db.execute(f"SELECT {cols} FROM message ORDER BY ROWID")) as cur:
            for rowid, date, handle_id, from_me, text, service, error, attachments in cur:
                address, iso = handles.get(handle_id, (None, None))
                guid, identifier, group = chats.get(rowid, (None, None, False))
                node = out.node(tree.SMS if service in ("SMS", "RCS") else tree.IMESSAGE_CHAT, "messages")
                if group:
                    peer = out.account("chatroom", f"imessage:{identifier or guid}")
                    sender = None if from_me else out.person(address, hint=iso)
                else:
                    peer = out.person(address or identifier, hint=iso)
                    sender = None
                kind = "text" if text else ("attachment" if attachments else "other")
                out.message(node, peer, sender_id=sender, address=address or identifier,
                            direction="out" if from_me else "in", time=message_date_to_ms(date), body=text,
                            kind=kind, status="failed" if error else None, is_group=group,
                            chat=guid, table="message", rowid=rowid)


class IosAddressBook:
    format = "ios.addressbook"
    expects = "iOS AddressBook.sqlitedb (tables ABPerson and ABMultiValue)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("abperson", "rowid", "first", "last") and schema.has(
            "abmultivalue", "record_id", "property", "value"
        )

    @staticmethod
    def _name(first, middle, last, organization, nickname) -> str | None:
        parts = [p for p in (first, middle, last) if p]
        if parts and all(_CJK.match(p) for p in parts):
            return "".join(p for p in (last, first, middle) if p)  # 张 + 三: family name first
        return " ".join(parts) or organization or nickname or None

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        labels: dict[int, str] = {}
        if schema.has("abmultivaluelabel", "value"):
            with closing(db.execute("SELECT ROWID, value FROM ABMultiValueLabel")) as cur:
                for rowid, value in cur:
                    found = _LABEL.match(value or "")
                    labels[rowid] = found.group(1) if found else value
        people: dict[int, str | None] = {}
        cols = _select(schema, "abperson", ["ROWID", "First", "Middle", "Last", "Organization", "Nickname"])
        with closing(db.execute(f"SELECT {cols} FROM ABPerson ORDER BY ROWID")) as cur:
            for rowid, *name_parts in cur:
                people[rowid] = self._name(*name_parts)
        with closing(db.execute(
            "SELECT UID, record_id, property, label, value FROM ABMultiValue"
            " WHERE property IN (?, ?) ORDER BY record_id, UID", (PROPERTY_PHONE, PROPERTY_EMAIL),
        )) as cur:
            values = cur.fetchall()
        out.expected += len(values) + len(people)
        if not people:
            return
        node = out.node(tree.CONTACTS, "contacts")
        reached = set()
        for uid, record_id, _, label, value in values:
            name = people.get(record_id)
            out.contact(node, out.person(value, name=name), name=name, number=value,
                        label=labels.get(label), table="ABMultiValue", rowid=uid)
            reached.add(record_id)
        for rowid, name in people.items():
            if rowid not in reached:
                out.contact(node, None, name=name, number=None, label=None, table="ABPerson", rowid=rowid)


IOS_CALLHISTORY = IosCallHistory()
IOS_SMS = IosSms()
IOS_ADDRESSBOOK = IosAddressBook()
