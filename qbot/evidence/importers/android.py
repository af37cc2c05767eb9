"""Android telephony providers: calllog.db / legacy contacts2.db (`calls`, `data`) and mmssms.db
(`sms`). Android stores `date` as milliseconds since the Unix epoch (UTC) and `duration` in
seconds (AOSP CallLog.Calls, Telephony.Sms)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from .. import tree
from ..detect import Schema
from ..writer import RecordWriter

# CallLog.Calls.TYPE -> (direction, status); outgoing calls get 'unanswered' when never connected.
CALL_TYPES = {
    1: ("in", "answered"),
    2: ("out", "answered"),
    3: ("in", "missed"),
    4: ("in", "voicemail"),
    5: ("in", "rejected"),
    6: ("in", "blocked"),
    7: ("in", "answered_elsewhere"),
}
FEATURES_VIDEO = 0x1  # CallLog.Calls.FEATURES_VIDEO
PRESENTATION_ALLOWED = 1
SMS_TYPES = {1: ("in", "received"), 2: ("out", "sent"), 3: ("out", "draft"), 4: ("out", "outbox"),
             5: ("out", "failed"), 6: ("out", "queued")}

MIME_NAME = "vnd.android.cursor.item/name"
MIME_PHONE = "vnd.android.cursor.item/phone_v2"
MIME_EMAIL = "vnd.android.cursor.item/email_v2"


def _optional(schema: Schema, table: str, column: str, default: str = "NULL") -> str:
    # Columns were added over Android releases; read them when the file has them.
    return column if column in schema.columns(table) else f"{default} AS {column}"


def read_calls(db: sqlite3.Connection, out: RecordWriter, schema: Schema) -> None:
    with closing(db.execute("SELECT count(*) FROM calls")) as cur:
        out.expected += cur.fetchone()[0]
    cols = ", ".join(
        [
            "_id", "number", "date", "duration", "type",
            _optional(schema, "calls", "name"),
            _optional(schema, "calls", "countryiso"),
            _optional(schema, "calls", "presentation", str(PRESENTATION_ALLOWED)),
            _optional(schema, "calls", "features", "0"),
        ]
    )
    node = out.node(tree.CALLS, "calls")
    with closing(db.execute(f"SELECT {cols} FROM calls ORDER BY _id")) as cur:
        for rowid, number, date, duration, ctype, name, iso, presentation, features in cur:
            direction, status = CALL_TYPES.get(ctype, (None, "unknown"))
            duration = int(duration or 0)
            if direction == "out" and duration == 0:
                status = "unanswered"
            withheld = presentation not in (None, PRESENTATION_ALLOWED)
            cp = None if withheld else out.person(number, hint=iso, name=name)
            media = "video" if (features or 0) & FEATURES_VIDEO else "voice"
            out.call(node, cp, number, name, direction, status, int(date or 0), duration,
                     "calls", rowid, media)


class AndroidCallLog:
    format = "android.calllog"
    expects = "Android calllog.db (table calls with number, date, duration, type)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("calls", "_id", "number", "date", "duration", "type")

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        read_calls(db, out, schema)


class AndroidContacts2:
    format = "android.contacts2"
    expects = "Android contacts2.db (tables data and mimetypes; legacy ones also calls)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("data", "_id", "mimetype_id", "raw_contact_id", "data1") and schema.has(
            "mimetypes", "_id", "mimetype"
        )

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        # Names first, so a contact's name travels with each of its numbers.
        names: dict[int, str] = {}
        if schema.has("raw_contacts", "_id", "display_name"):
            deleted = "deleted = 0" if "deleted" in schema.columns("raw_contacts") else "1"
            with closing(db.execute(
                f"SELECT _id, display_name FROM raw_contacts WHERE {deleted} AND display_name IS NOT NULL"
            )) as cur:
                names.update(cur)
        rows = (
            "SELECT d._id, d.raw_contact_id, m.mimetype, d.data1, d.data2, d.data3"
            " FROM data d JOIN mimetypes m ON m._id = d.mimetype_id"
            " WHERE m.mimetype IN (?, ?, ?) ORDER BY d.raw_contact_id, d._id"
        )
        entries: list[tuple] = []
        with closing(db.execute(rows, (MIME_NAME, MIME_PHONE, MIME_EMAIL))) as cur:
            for data_id, raw_id, mime, data1, data2, data3 in cur:
                if mime == MIME_NAME:
                    if data1:
                        names.setdefault(raw_id, data1)
                else:
                    entries.append((data_id, raw_id, data1, data3 or data2))
        out.expected += len(entries)
        node = out.node(tree.CONTACTS, "contacts") if entries or names else None
        with_numbers = set()
        for data_id, raw_id, value, label in entries:
            name = names.get(raw_id)
            out.contact(node, out.person(value, name=name), name=name, number=value,
                        label=None if label is None else str(label), table="data", rowid=data_id)
            with_numbers.add(raw_id)
        for raw_id, name in names.items():
            if raw_id not in with_numbers:  # an entry with a name only is evidence too
                out.contact(node, None, name=name, number=None, label=None,
                            table="raw_contacts", rowid=raw_id)
        if schema.has("calls", "_id", "number", "date", "duration", "type"):
            read_calls(db, out, schema)


class AndroidMmsSms:
    format = "android.mmssms"
    expects = "Android mmssms.db (table sms with address, date, type, body)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("sms", "_id", "address", "date", "type", "body")

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        with closing(db.execute("SELECT count(*) FROM sms")) as cur:
            out.expected += cur.fetchone()[0]
        node = out.node(tree.SMS, "messages")
        with closing(db.execute(
            "SELECT _id, thread_id, address, date, type, body FROM sms ORDER BY _id"
        )) as cur:
            for rowid, thread, address, date, stype, body in cur:
                direction, status = SMS_TYPES.get(stype, (None, f"type {stype}"))
                out.message(node, out.person(address), address=address, direction=direction,
                            time=int(date or 0), body=body, kind="text", status=status,
                            chat=None if thread is None else str(thread), table="sms", rowid=rowid)


ANDROID_CALLLOG = AndroidCallLog()
ANDROID_CONTACTS2 = AndroidContacts2()
ANDROID_MMSSMS = AndroidMmsSms()
