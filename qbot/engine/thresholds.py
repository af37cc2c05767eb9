"""Bounds on a call's length: "超过10分钟", "1小时以上", "不到30秒", "半小时以内".

`scan` finds each bound with its characters, as whole seconds [least, most] (most None: no upper
bound). Reading rules, as the Criminal Law's art. 99 reads 以上 / 以下 / 以内 (the number included):
- 超过 / 大于 / 多于 / 长于 / 高于 / 超出 N: more than N ([N+1, None]);
- N以上, 至少 / 不少于 / 不低于 / 不短于 N: N or more ([N, None]);
- 不到 / 少于 / 小于 / 短于 / 低于 / 不足 / 未满 / 不满 N: less than N ([0, N-1]);
- N以下, N以内 / 之内, 不超过 / 未超过 / 最多 N: N or less ([0, N]).
A length with no such word ("通话10分钟的"), with an approximation (左右, 多, 大约) or with two
words that disagree ("超过10分钟以下") is unknown: an exact length or a fuzzy one is not a bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qbot.engine.timewords import cn_number

_MORE = ("超过", "大于", "多于", "长于", "高于", "超出", "长过", "多过")
_AT_LEAST = ("至少", "不少于", "不低于", "不短于")
_LESS = ("不到", "少于", "小于", "短于", "低于", "不足", "未满", "不满")
_AT_MOST = ("不超过", "未超过", "没超过", "没有超过", "最多")
_UNIT_SECONDS = {"秒": 1, "秒钟": 1, "分": 60, "分钟": 60, "小时": 3600, "个小时": 3600, "钟头": 3600, "个钟头": 3600}
_NUM = r"[0-9]+|[零〇一二两三四五六七八九十百]+"
_BOUND = re.compile(
    rf"(?P<pre>{'|'.join(sorted(_MORE + _AT_LEAST + _LESS + _AT_MOST, key=len, reverse=True))})?\s*"
    rf"(?P<fuzzy>大约|大概|约)?\s*(?P<n>{_NUM}|半)\s*(?P<half>个半|半)?\s*"
    r"(?P<u>个小时|个钟头|小时|钟头|分钟|秒钟|分|秒)(?P<half2>半)?\s*"
    r"(?P<post>以上|以下|以内|之内|左右|上下|多)?")


@dataclass(frozen=True)
class Bound:
    span: tuple[int, int]
    seconds: tuple[int, int | None] | None  # None: a length that is not a bound (unknown)


def _length(m: re.Match[str]) -> int:
    n = m.group("n")
    value = 0.5 if n == "半" else float(cn_number(n))
    if m.group("half") or m.group("half2"):
        value += 0.5
    return int(value * _UNIT_SECONDS[m.group("u")])


def scan(text: str) -> list[Bound]:
    bounds = []
    for m in _BOUND.finditer(text):
        if m.group("u") == "分" and not (m.group("pre") or m.group("post")):
            continue  # "3分" alone: a score, a share, a price
        pre, post, seconds = m.group("pre"), m.group("post"), _length(m)
        reading: tuple[int, int | None] | None = None
        if m.group("fuzzy") or post in ("左右", "上下", "多"):
            reading = None
        elif pre in _MORE and post in (None, "以上"):
            reading = (seconds + 1, None)
        elif (pre in _AT_LEAST and post in (None, "以上")) or (pre is None and post == "以上"):
            reading = (seconds, None)
        elif pre in _LESS and post is None:
            reading = (0, max(seconds - 1, 0))
        elif (pre in _AT_MOST and post in (None, "以下", "以内", "之内")) or (pre is None and post in ("以下", "以内", "之内")):
            reading = (0, seconds)
        bounds.append(Bound(m.span(), reading))
    return bounds


_SUBJECT = re.compile(r"时长|通话时长|通话时间|时间")
_GAP = re.compile(r"\s*(?:在|都|是|为|均|达到|有)?\s*")


def bounds_word(text: str, span: tuple[int, int], bounds: list[Bound]) -> bool:
    """Whether the duration word at `span` is what a bound bounds ("时长超过10分钟的电话有几个":
    the calls are counted, not their seconds summed)."""
    return bool(_SUBJECT.fullmatch(text[span[0]:span[1]])) and any(
        _GAP.fullmatch(text[span[1]:b.span[0]]) for b in bounds)


def combined(bounds: list[Bound]) -> tuple[int, int | None] | None | str:
    """The bounds as one [least, most] ("超过10分钟、不到30分钟"), None when there are none, or the
    examiner's reason when they cannot all hold."""
    readings = [b.seconds for b in bounds if b.seconds]
    if not readings:
        return None
    least = max(r[0] for r in readings)
    mosts = [r[1] for r in readings if r[1] is not None]
    most = min(mosts) if mosts else None
    if most is not None and most < least:
        return ("问题里的通话时长条件互相矛盾，没有通话能同时满足；请给出一个时长范围，"
                "例如“超过10分钟”“不到1分钟”或“超过1分钟、不到5分钟”。")
    return least, most
