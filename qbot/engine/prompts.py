"""The analysis prompts proposed in the filter form, in the layered structure of the seed:
相关数据源分析, 分层识别标准, 应用场景边界说明, 质量验证要求, written for the intent and for the nodes
that exist in the case."""

from __future__ import annotations

from collections.abc import Sequence

from qbot.evidence.store import Node

FEATURES = {
    "calls": "通话时间、通话时长、呼叫方向（呼入/呼出/未接）与对方号码或账号",
    "messages": "收发时间、收发方向、消息正文与对方号码或账号",
    "contacts": "联系人姓名、号码或账号、备注",
}


def layered_prompt(goal: str, measures: Sequence[tuple[str, str]], nodes: Sequence[Node], window_text: str,
                   keyword: str = "", person: str = "") -> str:
    apps = "、".join(dict.fromkeys(f"{n.category}/{n.app}" for n in nodes)) or "（无）"
    types = "、".join(dict.fromkeys(f"{n.app}{n.data_type}" for n in nodes)) or "（无）"
    per_app = "\n".join(
        f"- **{n.app}{n.data_type}数据特点**：包含{FEATURES[n.kind]}" for n in nodes
    ) or "- （本案没有相关节点）"
    second = "\n".join(f"{k}. **{name}**：{how}" for k, (name, how) in enumerate(measures, start=1))
    cross = ("合并同一联系人在各节点中的记录（同一号码的不同写法、同名的应用账号视为同一人）"
             if len({n.app for n in nodes}) > 1 else "无跨节点关联分析")
    subject = f"机主与{person}" if person else "机主"
    focus = f"，只看包含“{keyword}”的记录" if keyword else ""
    return (
        f"作为通讯行为分析专家，请基于以下与问题相关的应用节点数据，分析{subject}在{window_text}内{goal}{focus}。\n\n"
        "## 相关数据源分析\n"
        f"**相关应用节点**：{apps}\n"
        f"**相关数据类型特征**：{types}、联系人信息\n\n"
        "## 分层识别标准（专注于相关节点）\n\n"
        "### 第一层：相关数据源特征识别\n"
        f"{per_app}\n\n"
        "### 第二层：相关节点内容特征分析\n"
        f"{second}\n\n"
        "### 第三层：相关节点行为模式综合判断\n"
        "- **相关单节点分析**：基于所选节点的记录与联系人信息，给出排序或统计结果\n"
        f"- **相关跨节点关联**：{cross}\n\n"
        "## 相关应用场景边界说明\n"
        "- **正面特征**：次数与时间可直接统计，结论可追溯到每一条记录\n"
        "- **负面特征**：记录无法反映未提取应用中的行为，通话记录也不包含通话内容\n"
        f"- **时间边界**：{window_text}，以所选数据中最新一条记录的时间为准，而非当前时间\n\n"
        "## 质量验证要求\n"
        "确保每一个次数、时长和日期都来自所选节点的记录查询，结果中列出每行所依据的记录来源（文件、表、行号）。"
    )
