"""Adversarial held-out questions over the `testdata` case (the public test phones; see
questions_demo_adversarial.py for how they were written): a person before 发了 / 打了 is the
sender, the owner's own number, calls between others, one person's numbers counted."""

from __future__ import annotations

from .truth import ALL_CALLS, DECLINE, IMESSAGE, SMS, Item

ITEMS: list[Item] = [
    Item("Barney打了几个电话", lambda t: t.total(t.select(ALL_CALLS, direction="in", people=("Barney",))), "direction"),
    Item("15555215554发的短信有几条",  # SMS alone or with iMessage agree: he has no iMessage
         lambda t: t.total(t.select(SMS, direction="in", people=("15555215554",))), "direction"),
    Item("+447775455555发了几条iMessage",
         lambda t: t.total(t.select(IMESSAGE, direction="in", people=("+447775455555",))), "direction"),
    Item("Liz的号码有几个", lambda t: t.lookup("Liz"), "lookup"),
    Item("给Barney打电话的人", DECLINE, "decline"),
    Item("机主的手机号", DECLINE, "lookup"),
]
