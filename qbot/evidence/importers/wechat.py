"""WeChat for Android, decrypted EnMicroMsg.db: `message` (createTime in ms since the Unix epoch)
and `rcontact`. Type 50 rows are voice/video calls, kept as calls with the duration parsed from the
content's XML; group chats (`…@chatroom`) are their own counterparts, apart from people."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

from .. import tree
from ..detect import Schema
from ..writer import RecordWriter

MESSAGE_KINDS = {1: "text", 3: "image", 34: "voice", 42: "card", 43: "video", 47: "sticker",
                 48: "location", 49: "link", 62: "video", 10000: "system", 10002: "system"}
CALL_TYPE = 50
# WeChat's own service accounts are not people the owner talks to.
SYSTEM_ACCOUNTS = {"weixin", "filehelper", "fmessage", "medianote", "floatbottle", "qmessage",
                   "qqmail", "tmessage", "newsapp", "notifymessage", "qqsync", "blogapp"}
_DURATION = re.compile(r"(?:通话时长|Duration)[:：]?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?", re.I)
_GROUP_SENDER = re.compile(r"^([A-Za-z0-9_@.\-]{2,64}):\n")


def parse_call(content: str | None, outgoing: bool) -> tuple[str, int, str]:
    """(status, duration in s, media) of a type-50 message, from the text in its XML."""
    text = content or ""
    media = "video" if ("视频" in text or "video" in text.lower()) else "voice"
    found = _DURATION.search(text)
    if found:
        a, b, c = (int(g) if g else None for g in found.groups())
        seconds = a * 3600 + b * 60 + c if c is not None else a * 60 + b
        return "answered", seconds, media
    lowered = text.lower()
    if "拒绝" in text or "declined" in lowered:
        return ("unanswered" if outgoing else "rejected"), 0, media
    if outgoing:
        return "unanswered", 0, media  # cancelled, no answer, busy: the callee never picked up
    return "missed", 0, media


def _is_person(username: str) -> bool:
    return bool(username) and not username.endswith("@chatroom") and not username.startswith("gh_") \
        and username not in SYSTEM_ACCOUNTS


class WeChatEnMicroMsg:
    format = "wechat.enmicromsg"
    expects = "decrypted WeChat EnMicroMsg.db (tables message and rcontact)"

    def matches(self, schema: Schema) -> bool:
        return schema.has("message", "msgid", "type", "issend", "createtime", "talker", "content") \
            and schema.has("rcontact", "username", "nickname")

    def read(self, db: sqlite3.Connection, schema: Schema, out: RecordWriter) -> None:
        if schema.has("userinfo", "id", "value"):
            with closing(db.execute("SELECT id, value FROM userinfo WHERE id IN (2, 6)")) as cur:
                info = dict(cur.fetchall())
            out.set_owner(accounts=[f"wechat:{info[2]}"] if info.get(2) else [],
                          numbers=[str(info[6])] if info.get(6) else [])
        remark = "conremark" in schema.columns("rcontact")
        alias = "alias" in schema.columns("rcontact")
        names: dict[str, str] = {}
        contacts: list[tuple] = []
        with closing(db.execute(
            f"SELECT rowid, username, {'alias' if alias else 'NULL'}, {'conRemark' if remark else 'NULL'},"
            " nickname FROM rcontact ORDER BY rowid"
        )) as cur:
            for rowid, username, alias_value, con_remark, nickname in cur:
                name = con_remark or nickname or None
                if name:
                    names[username] = name
                if _is_person(username):
                    contacts.append((rowid, username, alias_value, name))
        with closing(db.execute("SELECT count(*) FROM message")) as cur:
            out.expected += cur.fetchone()[0] + len(contacts)
        if contacts:
            node = out.node(tree.WECHAT_CONTACTS, "contacts")
            for rowid, username, alias_value, name in contacts:
                out.contact(node, out.account("wechat", username, name=name), name=name,
                            number=alias_value or username, label=None, table="rcontact", rowid=rowid)
        chat_node = call_node = None
        with closing(db.execute(
            "SELECT msgId, type, isSend, createTime, talker, content FROM message ORDER BY msgId"
        )) as cur:
            for msg_id, mtype, is_send, created, talker, content in cur:
                if not talker:
                    continue
                outgoing = bool(is_send)
                group = talker.endswith("@chatroom")
                peer = out.account("chatroom" if group else "wechat", talker, name=names.get(talker))
                sender = None
                if group and not outgoing and content:
                    found = _GROUP_SENDER.match(content)
                    if found:
                        sender = out.account("wechat", found.group(1), name=names.get(found.group(1)))
                        content = content[found.end():]
                if mtype == CALL_TYPE:
                    call_node = call_node or out.node(tree.WECHAT_CALLS, "calls")
                    status, duration, media = parse_call(content, outgoing)
                    out.call(call_node, peer, talker, names.get(talker), "out" if outgoing else "in",
                             status, int(created or 0), duration, "message", msg_id, media)
                    continue
                chat_node = chat_node or out.node(tree.WECHAT_CHAT, "messages")
                out.message(chat_node, peer, sender_id=sender, address=talker,
                            direction="out" if outgoing else "in", time=int(created or 0), body=content,
                            kind=MESSAGE_KINDS.get(mtype, "other"), is_group=group, chat=talker,
                            table="message", rowid=msg_id)


WECHAT = WeChatEnMicroMsg()
