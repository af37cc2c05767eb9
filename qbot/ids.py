"""The one rule for conversation and case ids, checked with `fullmatch` everywhere: `^…$` with
`.match` would let a trailing newline in (`"demo\n"`), making a case the API can never reach."""

from __future__ import annotations

import re

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
SAFE_ID_RULE = "a UUID or a token of letters, digits, '_' and '-' (at most 64, starting with a letter or digit)"
# The same rule as JSON Schema writes it (anchored: JSON Schema patterns search).
SAFE_ID_PATTERN = rf"^{SAFE_ID.pattern}$"


def is_safe_id(value: str) -> bool:
    return SAFE_ID.fullmatch(value) is not None
