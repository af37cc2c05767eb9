"""The filter form: proposed from a query, and read back as edits of it.

- `filter_tree`: the node sentence; the nodes it names (by app, category or data type) are read.
- `filter_keyword`: in a keyword search, the word searched for; otherwise the records whose text,
  or whose counterpart's name or number, contains it.
- `analysis_prompt`: measures it names become columns (night, rejected, shares); lines added to
  the proposed prompt are read as a question's words ("只看最近7天", `qbot.engine.promptedits`);
  what it asks that qbot cannot compute is said in the answer, never dropped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qbot.engine import measures, promptedits, prompts, scope
from qbot.engine.query import Query, describe, measure_words
from qbot.evidence.store import Node

if TYPE_CHECKING:
    from qbot.engine.parser import Slots

CALL_MEASURES = {"duration": "通话时长", "missed": "未接", "rejected": "拒接", "shares": "未接占比"}
PURPOSE = {"calls": "通话", "messages": "消息往来", "contacts": "通讯录"}


def purpose(query: Query) -> str:
    """"为了{purpose}，需要检索…": the seed's words for the seed's query ("分析机主的通话频率")."""
    noun = "与".join(PURPOSE[k] for k in query.kinds)
    if query.measure == "duration":
        return "分析机主的通话时长"
    if query.measure == "count" and query.group == "person":
        return f"分析机主的{noun}频率"
    return f"分析机主的{noun}"


def judged(query: Query) -> list[tuple[str, str]]:
    """The prompt's second layer: each figure and how it is computed."""
    lines = [(measure_words(query), describe(query, "所选时间"))]
    if "calls" in query.kinds and query.measure in ("count", "duration"):
        lines.append(("呼叫方向与状态", "区分呼入、呼出与未接，识别单向的频繁呼叫"))
    if query.group == "person":
        lines.append(("同一人合并", "同一联系人的号码、邮箱与微信账号合并为一行，并列出合并了哪些"))
    return lines


def propose(query: Query, nodes: Sequence[Node], window_text: str) -> dict[str, str]:
    person = "、".join(query.people)
    return {
        "formName": "filter",
        "filter_tree": scope.filter_sentence(purpose(query), nodes),
        "filter_keyword": " ".join(query.keywords),
        "analysis_prompt": prompts.layered_prompt(measure_words(query), judged(query), nodes, window_text,
                                                  " ".join(query.keywords), person),
    }


@dataclass
class Edits:
    """What the submitted form changes in the query's reading."""

    query: Query
    nodes: list[Node]
    match: str = ""  # the form's keyword, matched against text and counterparts
    measures: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)


def read(query: Query, form: dict[str, str], proposed: dict[str, str] | None, candidates: Sequence[Node],
         proposed_nodes: Sequence[Node], reader: Callable[[str], Slots] | None = None) -> Edits:
    """The query as the submitted form edits it."""
    tree = form.get("filter_tree", "")
    nodes = list(proposed_nodes) if proposed and tree == proposed.get("filter_tree") else scope.choose(candidates, tree)
    keyword = (form.get("filter_keyword") or "").strip()
    edits = Edits(query, nodes)
    if query.keywords:
        if keyword != " ".join(query.keywords):
            edits.query = query.with_(keywords=tuple(keyword.split()))
    elif keyword:
        edits.match = keyword
    prompt = form.get("analysis_prompt") or ""
    base = (proposed or {}).get("analysis_prompt", "")
    added, is_edit = promptedits.added_lines(prompt, base)
    edits.measures = frozenset(measures.named("\n".join(added) if base else prompt))
    if "calls" not in edits.query.kinds:
        lacking = sorted(edits.measures & CALL_MEASURES.keys())
        if lacking:
            words = "、".join(CALL_MEASURES[m] for m in lacking)
            edits.notes.append(f"分析要求提到的{words}只适用于通话，所选数据是消息，没有这一项。")
        edits.measures = edits.measures - set(CALL_MEASURES)
    other = added
    if is_edit and reader is not None:  # lines added to the proposed prompt are read as the question is
        read_back = promptedits.read(edits.query, added, reader)
        edits.query, other = read_back.query, read_back.unread
        if read_back.applied:
            edits.notes.append("已按分析要求中新增的内容调整查询：" + "；".join(line[:60] for line in read_back.applied) + "。")
    other = [line for line in other if not measures.named(line)]  # those became columns
    if other:
        shown = "；".join(line[:60] for line in other[:3])
        edits.notes.append(f"分析要求中新增的以下内容不是内置分析能精确计算的，未据此改变结果：{shown}"
                           + ("……" if len(other) > 3 else "") + "。")
    return edits
