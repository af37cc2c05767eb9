"""Identity keys for counterparts: one person is one key, whatever way a source spelt the number.

Phone numbers go through `phonenumbers` with the case's default region (and a per-row hint such as
Android's `countryiso` or iOS's `handle.country` when the source has one), so `+86 139 0000 0002`,
`0086-139 0000 0002` and `139 0000 0002` all become `+8613900000002`. A number no region makes
valid (short codes such as 10086, test numbers) keeps its digits, so its spellings still agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

_NON_DIGITS = re.compile(r"\D")
_LETTERS = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Identity:
    key: str  # unique per case: '+8613900000002', 'tel:10086', 'email:a@b.c', 'wechat:wxid_x'
    kind: str  # phone | email | wechat | chatroom | other
    number: str | None  # what to show as the number: E.164, or the digits of an unparsable one


def _valid_e164(text: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


@lru_cache(maxsize=65536)
def identify(raw: str | None, region: str, hint: str | None = None) -> Identity | None:
    """The identity of an address as written in a source; None when there is none (withheld)."""
    if raw is None:
        return None
    text = str(raw).strip()
    lowered = text.lower()
    for prefix in ("tel:", "sms:", "mailto:"):
        if lowered.startswith(prefix):
            text = text[len(prefix):].strip()
            lowered = text.lower()
    if not text or lowered in {"-1", "-2", "-3", "private", "unknown", "anonymous"}:
        return None  # Android writes -1/-2/-3 for unknown/private/payphone presentations
    if "@" in text:
        return Identity("email:" + lowered, "email", None)
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return Identity("other:" + lowered, "other", None)
    regions = [r.upper() for r in (hint, region) if r]
    for candidate in dict.fromkeys(regions):  # hint first, then the case's region
        e164 = _valid_e164(text, candidate)
        if e164:
            return Identity(e164, "phone", e164)
    if not text.startswith("+") and len(digits) >= 10 and not _LETTERS.search(text):
        # A number stored with its country code but without '+', e.g. iOS '447775455555'.
        e164 = _valid_e164("+" + digits, None)
        if e164:
            return Identity(e164, "phone", e164)
    if digits.startswith("00"):
        digits = digits[2:]
    return Identity("tel:" + digits, "phone", digits)


def account(kind: str, value: str) -> Identity:
    """An app account (a WeChat username, a group chat id) as its own identity."""
    return Identity(f"{kind}:{value}", kind, None)
