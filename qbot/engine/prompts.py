"""The `analysis_prompt` of the filter form, in the layered structure of the seed: 相关数据源分析,
分层识别标准, 应用场景边界说明, 质量验证要求, written for the nodes that exist in the case."""

from __future__ import annotations

from collections.abc import Sequence

from qbot.evidence.store import Node


def call_frequency_prompt(nodes: Sequence[Node], window_text: str) -> str:
    apps = "、".join(dict.fromkeys(f"{n.category}/{n.app}" for n in nodes)) or "（无）"
    types = "、".join(dict.fromkeys(f"{n.app}{n.data_type}" for n in nodes)) or "（无）"
    per_app = "\n".join(
        f"- **{app}数据特点**：包含通话时间、通话时长、呼叫方向（呼入/呼出/未接）与对方号码或账号"
        for app in dict.fromkeys(n.app for n in nodes)
    ) or "- （本案没有通话类节点）"
    cross = ("合并同一联系人在各应用中的通话（同一号码的不同写法视为同一人）"
             if len({n.app for n in nodes}) > 1 else "无跨节点关联分析")
    return (
        "作为通讯行为分析专家，请基于以下与问题相关的应用节点数据，分析机主在"
        f"{window_text}内与哪些联系人通话最为频繁。\n\n"
        "## 相关数据源分析\n"
        f"**相关应用节点**：{apps}\n"
        f"**相关数据类型特征**：{types}、联系人信息\n\n"
        "## 分层识别标准（专注于相关节点）\n\n"
        "### 第一层：相关数据源特征识别\n"
        f"{per_app}\n\n"
        "### 第二层：相关节点内容特征分析\n"
        "1. **通话次数**：统计机主与每位联系人之间的通话次数，按次数从高到低排序\n"
        "2. **通话时长**：统计每位联系人的累计通话时长，次数相同时以时长区分\n"
        "3. **呼叫方向**：区分呼入、呼出与未接，识别单向的频繁呼叫\n\n"
        "### 第三层：相关节点行为模式综合判断\n"
        "- **相关单节点分析**：基于通话记录与联系人信息，给出通话最频繁的联系人排名\n"
        f"- **相关跨节点关联**：{cross}\n\n"
        "## 相关应用场景边界说明\n"
        "- **正面特征**：通话次数与时长可直接统计，结论可追溯到每一条通话记录\n"
        "- **负面特征**：通话记录无法反映通话内容，也不包含未提取应用中的通话\n"
        f"- **时间边界**：{window_text}，以所选数据中最新一条记录的时间为准，而非当前时间\n\n"
        "## 质量验证要求\n"
        "确保每一个次数、时长和日期都来自所选节点的记录查询，结果中列出每行所依据的记录来源（文件、表、行号）。"
    )
