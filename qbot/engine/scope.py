"""Which evidence nodes a task reads: restricted by `package_nodes`, then chosen by the words of
the (possibly edited) `filter_tree` sentence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qbot.engine.errors import UnknownNodes
from qbot.evidence.store import Node


def restrict(nodes: Sequence[Node], package_nodes: Sequence[Any]) -> list[Node]:
    """The nodes named by `package_nodes` entries (a node id, a node path, a package name, or
    "package/path"); all of them when the list is empty. An entry naming nothing is refused."""
    if not package_nodes:
        return list(nodes)
    chosen: dict[int, Node] = {}
    unknown = []
    for entry in package_nodes:
        key = str(entry.get("id", entry.get("path", ""))) if isinstance(entry, dict) else str(entry)
        matches = [n for n in nodes if key in (str(n.id), n.path, n.package_name, f"{n.package_name}/{n.path}")]
        if not matches:
            unknown.append(key)
        chosen.update((n.id, n) for n in matches)
    if unknown:
        raise UnknownNodes(unknown, sorted({n.path for n in nodes}))
    return [n for n in nodes if n.id in chosen]


def choose(nodes: Sequence[Node], text: str) -> list[Node]:
    """The nodes a filter sentence names. Apps are the most specific words ("微信"), then
    categories ("基本信息"), then data types ("通话记录"); the most specific level that matches
    decides. A sentence that names none of them keeps every node."""
    for level in ("app", "category", "data_type"):
        named = [n for n in nodes if getattr(n, level) and getattr(n, level) in text]
        if named:
            # Narrow further by the data types named, when some of the chosen nodes match one.
            typed = [n for n in named if n.data_type in text]
            return typed or named
    return list(nodes)


def filter_sentence(purpose: str, nodes: Sequence[Node]) -> str:
    """A filter_tree sentence in the seed's style, naming category, app and data type."""
    parts = []
    for node in nodes:
        part = f"{node.category}类别下{node.app}应用的{node.data_type}"
        if part not in parts:
            parts.append(part)
    if not parts:
        return f"为了{purpose}，需要检索相关数据（本案暂无可用节点）"
    return f"为了{purpose}，需要检索" + "，以及".join(parts)
