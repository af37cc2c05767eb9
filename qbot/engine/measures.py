"""Measures an analysis prompt names: the examiner steers the columns by writing them."""

from __future__ import annotations

import re

WORDS = {
    "duration": r"通话时长|时长",
    "night": r"夜间|深夜|凌晨|半夜",
    "missed": r"未接|漏接",
    "rejected": r"拒接|拒绝",
    "direction": r"呼入|呼出|方向|收发",
    "calls": r"通话次数|通话频率",
    "messages": r"消息数|消息数量|短信数|聊天次数",
    "shares": r"占比|比例|比率|异常",
}


def named(prompt: str) -> set[str]:
    return {name for name, pattern in WORDS.items() if re.search(pattern, prompt or "")}
