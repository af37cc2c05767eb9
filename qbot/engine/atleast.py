"""How many records a person must have to count: "至少打过5次电话的人", "超过10条的联系人", "5次以上".

`scan` finds each such bound: the characters it claims (the bound word and the count, not a verb
between them, which the lexicon still reads) and the least number of records, as docs/questions.md
says: 超过 / 多于 / 大于 N is N+1 or more; 至少 / 不少于 / 不低于 N and N以上 are N or more (以上
includes the number). An upper bound (不到5次, 少于3条) is unknown: the query has no such filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qbot.engine.timewords import cn_number

_NUM = r"[0-9]+|[两三四五六七八九十百][零〇一二两三四五六七八九十百]*|一[零〇一二两三四五六七八九十百]+"
_MORE = ("超过", "多于", "大于")
_LEAST = ("至少", "不少于", "不低于")
_LESS = ("不到", "少于", "小于", "低于", "不足", "不超过")
_COUNT = (rf"(?<!第)(?P<n>{_NUM})\s*(?P<u>次|条|通)(?![话钟数])(?P<post>\s*(?:及|或)?以上|\s*(?:及|或)?以下|\s*以内)?")
_BOUND = re.compile(rf"(?P<pre>{'|'.join(_MORE + _LEAST + _LESS)})(?P<gap>[^0-9零〇一二两三四五六七八九十百,。?!]{{0,4}}?)"
                    + _COUNT + "|" + _COUNT.replace("?P<", "?P<b"))


@dataclass(frozen=True)
class AtLeast:
    spans: tuple[tuple[int, int], ...]
    least: int | None  # None: a bound on counts the query cannot say (unknown)


def scan(text: str) -> list[AtLeast]:
    found = []
    for m in _BOUND.finditer(text):
        if m.group("pre"):
            pre, n, post = m.group("pre"), cn_number(m.group("n")), (m.group("post") or "").strip()
            spans = ((m.start("pre"), m.end("pre")), (m.start("n"), m.end()))
        else:
            post = (m.group("bpost") or "").strip()
            if not post:
                continue  # "5次" alone: a count, not a bound
            pre, n, spans = "", cn_number(m.group("bn")), ((m.start(), m.end()),)
        least: int | None = None
        if pre in _MORE and post in ("", "以上"):
            least = n + 1
        elif (pre in _LEAST or not pre) and post.endswith("以上") or pre in _LEAST and not post:
            least = n
        found.append(AtLeast(spans, least))
    return found
