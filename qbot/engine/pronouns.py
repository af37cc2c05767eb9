"""Words that point at a person instead of naming one: 他 / 她, 这个人, 那个人, 此人, 这位, 该号码 ….

Such a word right after a person (or number) this question names, or opening a clause after one,
refers to them ("13800138000这个人", "+86 138 0013 8000 这个号码", "张伟的号码是多少，他…"). With no one named before it, it
refers to the one person the conversation's previous question was about, when there was exactly
one ("他最后一次打给机主是什么时候" after a question about 张伟). Anywhere else ("李娜给他打过几次",
a first question) it is not understood, and the question is declined: never read as "everyone".
A word after 的 describes a person rather than points at one ("姓孟的那个人", "打电话最多的那个人")
and is left to the rest of the parser."""

from __future__ import annotations

import re

from qbot.engine.people import Mention

POINTERS = re.compile(r"(?<![其吉])(?:他|她)(?![们人])|这个人|那个人|此人|该人|这位|那位|这个联系人|那个联系人"
                      r"|这个号码|该号码|这个账号|该账号|(?<![a-z])(?:ta)(?![a-z])")


_CLAUSE = (",", "。", ";", "?", "!")


def resolve(masked: str, mentions: list[Mention], previous: tuple[str, ...]
            ) -> list[tuple[tuple[int, int], str, Mention | None]]:
    """Each pointing word in the unclaimed text: (its span, what it refers to, the mention it adds).
    "named": a person (or number) this question names before it; "previous": the previous
    question's one person, as a mention; "nobody": not understood."""
    found: list[tuple[tuple[int, int], str, Mention | None]] = []
    for match in POINTERS.finditer(masked):
        start = match.start()
        if masked[max(0, start - 1):start] == "的":
            continue  # "姓孟的那个人": a description, read elsewhere
        before = [m for m in mentions if m.span[1] <= start]
        # Back to a person named before only right after them ("13800138000这个人") or opening a
        # clause ("…是多少，他最近…"): in "李娜给他打过几次" 他 is someone else, and "吴昊（包括他的
        # 邮箱和微信）" lists identifiers, which this reading would take for apps.
        if before and (any(not masked[m.span[1]:start].strip() for m in before) or masked[start - 1:start] in _CLAUSE):
            found.append((match.span(), "named", None))
        elif not before and len(previous) == 1 and not match.group().endswith(("号码", "账号")):
            found.append((match.span(), "previous", Mention(match.group(), match.span(), previous)))
        else:
            found.append((match.span(), "nobody", None))
    return found
