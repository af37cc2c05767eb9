"""Edits to each field of the filter form take effect, through the real server: the question and
开始任务 turns run as the examiner would, then 继续任务 sends the proposed form with one field
rewritten. Expected figures come from plain sqlite3 queries of the evidence db (tests/engine/truth.py)."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest

from tests.engine.truth import CALLS, MESSAGES, Truth
from tests.support import SEED_QUESTION

PHONE_CALLS, WECHAT_CALLS = "基本信息/电话/通话记录", "社交通讯/微信/音视频通话"
SMS, WECHAT_CHATS = "基本信息/短信", "社交通讯/微信/聊天记录"


@pytest.fixture(scope="session")
def truth(demo_evidence) -> Truth:
    return Truth(str(demo_evidence))


async def proposed(api, cid: str, question: str) -> dict[str, Any]:
    """The question and 开始任务 turns; the form the start turn proposes."""
    status, events, _ = await api.step(cid, -1, question)
    assert status == 200, events
    status, events, _ = await api.step(cid, 0, "开始任务")
    assert status == 200, events
    return next(e.data["form"] for e in events if e.event == "confirm")


async def run_edited(api, question: str, **edits: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(result, narrative, proposed form) of 继续任务 with the proposed form, edited."""
    cid = uuid.uuid4().hex
    form = await proposed(api, cid, question)
    status, events, _ = await api.step(cid, 3, "继续任务", {**form, **edits})
    assert status == 200, events
    assert events[-1].event == "done" and events[-1].data["state"] == "completed", events[-1].data
    result = next(e for e in events if e.event == "result").data
    text = "".join(e.data["delta"] for e in events if e.event == "message")
    return result, text, form


def scope_line(text: str) -> str:
    """The narrative's statement of the nodes it read."""
    return next(line for line in text.splitlines() if line.startswith("**数据节点**"))


def expected_calls(t: Truth, paths: tuple[str, ...], days: int = 30):
    """(records in scope, (name, calls, duration) of the first row) of the seed's analysis."""
    recs = t.select(paths, t.recent(paths, days))
    return len(recs), t.rank([r for r in recs if r.cp is not None], merge=True)[0]


# -- filter_tree -----------------------------------------------------------------------------

async def test_proposed_filter_tree_names_both_call_nodes(qbot):
    form = await proposed(qbot.api, uuid.uuid4().hex, SEED_QUESTION)
    assert form["filter_tree"] == ("为了分析机主的通话频率，需要检索基本信息类别下电话应用的通话记录，"
                                   "以及社交通讯类别下微信应用的音视频通话")


@pytest.mark.parametrize("filter_tree, paths", [
    ("微信", (WECHAT_CALLS,)),
    ("为了分析机主的通话频率，需要检索社交通讯类别下微信应用的音视频通话", (WECHAT_CALLS,)),
    ("为了分析机主的通话频率，需要检索基本信息类别下的通话记录", (PHONE_CALLS,)),
    ("基本信息类别下电话应用的通话记录", (PHONE_CALLS,)),
    ("只看基本信息里的通话记录", (PHONE_CALLS,)),
], ids=["微信", "seed-style-微信", "基本信息-通话记录", "seed-style-电话", "基本信息-free-text"])
async def test_filter_tree_selects_named_nodes(qbot, truth, filter_tree, paths):
    """The nodes the edited sentence names are the only ones read: the scope, the record count
    and the ranking are those of these nodes alone ("最近" anchored at their own newest record)."""
    result, text, _ = await run_edited(qbot.api, SEED_QUESTION, filter_tree=filter_tree)
    assert result["scope"] == list(paths)
    records, (name, calls, duration) = expected_calls(truth, paths)
    assert result["records"] == records and f"{records} 条" in text
    assert result["rows"][0][1:2] + result["rows"][0][3:5] == [name, calls, duration]
    line = scope_line(text)
    for path in (PHONE_CALLS, WECHAT_CALLS):
        assert (path in line) == (path in paths), line


@pytest.mark.parametrize("question, filter_tree", [
    (SEED_QUESTION, "需要检索相关数据"),
    ("机主和谁在微信上通话最多？", "需要检索相关数据"),
    ("机主和谁在微信上通话最多？", "   请分析   "),
], ids=["seed-proposed-all", "微信-proposed-widens", "no-node-padded"])
async def test_filter_tree_naming_no_node_reads_every_node_of_the_kind(qbot, truth, question, filter_tree):
    """A sentence naming no node, category, app or data type reads every node of the analysis's
    kind (for the WeChat question that is wider than the WeChat node it proposed), and the
    answer says which nodes it read."""
    result, text, form = await run_edited(qbot.api, question, filter_tree=filter_tree)
    assert result["scope"] == list(CALLS)
    line = scope_line(text)
    assert PHONE_CALLS in line and WECHAT_CALLS in line
    recs = truth.select(CALLS, truth.recent(CALLS, 30) if "最近" in question else None)
    assert result["records"] == len(recs)
    if "微信" in question:
        assert "电话应用" not in form["filter_tree"], "the WeChat question proposed the WeChat node only"


async def test_filter_tree_for_messages(qbot, truth):
    """The same rule for message nodes: naming 短信 reads the SMS node, not WeChat chats."""
    result, text, form = await run_edited(qbot.api, "机主和谁的消息最多？", filter_tree="基本信息类别下短信应用的短信")
    assert "微信" in form["filter_tree"] and "短信" in form["filter_tree"]
    assert result["scope"] == [SMS]
    recs = truth.select((SMS,), persons=True)
    name, count, _ = truth.rank(recs)[0]
    assert result["records"] == len(recs) and result["rows"][0][1] == name and result["rows"][0][3] == count




@pytest.mark.parametrize("filter_tree", ["", "   ", "\n\t"],
                         ids=["empty", "spaces", "newline-tab"])
async def test_blank_filter_tree_refused(qbot, filter_tree):
    """A blank filter_tree selects nothing the examiner wrote: refused with 400 naming the field,
    before any stream opens, and the conversation still awaits its filter."""
    cid = uuid.uuid4().hex
    form = await proposed(qbot.api, cid, SEED_QUESTION)
    status, body, _ = await qbot.api.step(cid, 3, "继续任务", {**form, "filter_tree": filter_tree})
    assert status == 400, body
    assert body["error"]["code"] == "invalid_request"
    assert "filter_tree" in body["error"]["details"]
    status, events, _ = await qbot.api.step(cid, 3, "继续任务", form)
    assert status == 200 and next(e for e in events if e.event == "result").data["rows"]


async def test_missing_filter_tree_refused(qbot):
    cid = uuid.uuid4().hex
    form = await proposed(qbot.api, cid, SEED_QUESTION)
    form.pop("filter_tree")
    status, body, _ = await qbot.api.step(cid, 3, "继续任务", form)
    assert status == 400 and "filter_tree" in body["error"]["details"]


# -- filter_keyword --------------------------------------------------------------------------

def keyword_counterparts(db: str, word: str) -> set[int]:
    """Counterparts a keyword names: by display name, key or number (digits of a number-like
    keyword), or by a contact entry's name or number. Plain sqlite3, independent of the store."""
    digits = "".join(ch for ch in word if ch.isdigit()) if all(ch.isdigit() or ch in " +-()." for ch in word) else ""
    like = f"%{word}%"
    conn = sqlite3.connect(db)
    try:
        found = {r[0] for r in conn.execute(
            "SELECT id FROM counterparts WHERE display_name LIKE ? OR key LIKE ?", (like, like))}
        if len(digits) >= 3:
            found |= {r[0] for r in conn.execute("SELECT id FROM counterparts WHERE number LIKE ?", (f"%{digits}%",))}
        found |= {r[0] for r in conn.execute(
            "SELECT counterpart_id FROM contacts WHERE counterpart_id IS NOT NULL AND (name LIKE ? OR number LIKE ?)",
            (like, like))}
        return found
    finally:
        conn.close()


@pytest.mark.parametrize("keyword", ["张伟", "15578220482", "李娜"])
async def test_filter_keyword_restricts_calls(qbot, truth, demo_evidence, keyword):
    """The seed's question with a keyword: only calls with counterparts the keyword names count."""
    result, text, form = await run_edited(qbot.api, SEED_QUESTION, filter_keyword=keyword)
    assert form["filter_keyword"] == ""
    cps = keyword_counterparts(str(demo_evidence), keyword)
    recs = [r for r in truth.select(CALLS, truth.recent(CALLS, 30)) if r.cp in cps]
    assert recs, "the keyword names someone with calls in the window"
    assert result["records"] == len(recs) and f"{len(recs)} 条" in text
    assert result["keyword"] == keyword and f"**关键词**：{keyword}" in text
    assert sum(row[3] for row in result["rows"]) == len(recs)
    name, calls, _ = truth.rank(recs)[0]
    assert result["rows"][0][1] == name and result["rows"][0][3] == calls


@pytest.mark.parametrize("keyword", ["加班", "张伟"])
async def test_filter_keyword_restricts_messages(qbot, truth, demo_evidence, keyword):
    """A message ranking with a keyword: messages whose text contains it, or with a counterpart
    it names."""
    result, text, _ = await run_edited(qbot.api, "机主和谁的消息最多？", filter_keyword=keyword)
    cps = keyword_counterparts(str(demo_evidence), keyword)
    recs = [r for r in truth.select(MESSAGES, persons=True) if (r.body and keyword in r.body) or r.cp in cps]
    assert recs
    assert result["records"] == len(recs) and f"{len(recs)} 条" in text
    name, count, _ = truth.rank(recs)[0]
    assert result["rows"][0][1] == name and result["rows"][0][3] == count


async def test_filter_keyword_replaces_search_word(qbot, demo_evidence):
    """In a keyword search the edited keyword is the word searched for."""
    result, text, form = await run_edited(qbot.api, "有哪些消息提到“钱”？", filter_keyword="加班")
    assert form["filter_keyword"] == "钱"
    conn = sqlite3.connect(demo_evidence)
    try:
        count = conn.execute("SELECT count(*) FROM messages WHERE body LIKE '%加班%'").fetchone()[0]
    finally:
        conn.close()
    assert count and result["records"] == count
    body = result["columns"].index("内容")
    assert all("加班" in row[body] for row in result["rows"]) and not any(
        "钱" in row[body] and "加班" not in row[body] for row in result["rows"])


async def test_filter_keyword_cleared_reads_everything(qbot, truth):
    """A keyword of only spaces is no keyword: nothing is restricted."""
    result, _, _ = await run_edited(qbot.api, SEED_QUESTION, filter_keyword="   ")
    records, _ = expected_calls(truth, CALLS)
    assert result["records"] == records and result["keyword"] == ""


# -- analysis_prompt -------------------------------------------------------------------------

NEUTRAL = "请按次数排序，给出排名。"
NIGHT_COL, MISSED_COL, REJECTED_COL, DURATION_COL = "夜间(22-6点)", "未接", "拒接", "通话总时长(秒)"


@pytest.mark.parametrize("question, word, column", [
    ("机主和谁累计通话时间最长？", "夜间", NIGHT_COL),
    ("机主和谁累计通话时间最长？", "未接", MISSED_COL),
    ("机主夜间和谁通话最多？", "拒接", REJECTED_COL),
    ("谁给机主打的未接来电最多？", "夜间", NIGHT_COL),
    (SEED_QUESTION, "夜间", NIGHT_COL),
    (SEED_QUESTION, "拒接", REJECTED_COL),
], ids=["时长-夜间", "时长-未接", "夜间-拒接", "未接-夜间", "seed-夜间", "seed-拒接"])
async def test_analysis_prompt_measures_become_columns(qbot, question, word, column):
    """A measure the prompt names is a column of the result; a prompt naming none leaves it out."""
    plain, _, _ = await run_edited(qbot.api, question, analysis_prompt=NEUTRAL)
    named, text, _ = await run_edited(qbot.api, question, analysis_prompt=f"{NEUTRAL}同时统计{word}情况。")
    assert column not in plain["columns"], plain["columns"]
    assert column in named["columns"] and column in text
    assert len(named["rows"][0]) == len(named["columns"])
    assert [r[1] for r in named["rows"]] == [r[1] for r in plain["rows"]], "the ranking itself is unchanged"


@pytest.mark.parametrize("question", ["机主和谁累计通话时间最长？", SEED_QUESTION],
                         ids=["duration-ranking", "seed-fast-path"])
async def test_night_and_missed_columns_are_exact(qbot, truth, question):
    """The added columns' figures per row match the records: night calls (22:00–06:00 Shanghai)
    and missed calls of each counterpart, in the analysis's window."""
    result, _, _ = await run_edited(qbot.api, question, analysis_prompt="请统计夜间通话和未接来电、拒接来电。")
    window = truth.recent(CALLS, 30) if "最近" in question else None
    recs = [r for r in truth.select(CALLS, window) if r.cp is not None]
    night_at, missed_at = result["columns"].index(NIGHT_COL), result["columns"].index(MISSED_COL)
    rejected_at = result["columns"].index(REJECTED_COL)
    by_person: dict[str, list] = {}  # rows are per person: one person's numbers and accounts merged
    for r in recs:
        by_person.setdefault(truth.names[r.cp], []).append(r)
    for row in result["rows"][:5]:
        mine = by_person[row[1]]
        assert row[night_at] == sum(1 for r in mine if r.hour >= 22 or r.hour < 6), row
        assert row[missed_at] == sum(1 for r in mine if r.st == "missed"), row
        assert row[rejected_at] == sum(1 for r in mine if r.st == "rejected"), row


async def test_seed_form_verbatim(qbot, truth):
    """The seed's own form text, sent verbatim, works: phone and WeChat calls, the proposed window."""
    seed_form = {
        "formName": "filter",
        "filter_tree": "为了分析机主的通话频率，需要检索基本信息类别下电话应用的通话记录，以及社交通讯类别下微信应用的音视频通话",
        "filter_keyword": "",
        "analysis_prompt": "作为通讯行为分析专家，请分析机主最近的通话频率。\n## 相关数据源分析\n**相关应用节点**：基本信息/电话、社交通讯/微信",
    }
    cid = uuid.uuid4().hex
    await proposed(qbot.api, cid, SEED_QUESTION)
    status, events, _ = await qbot.api.step(cid, 3, "继续任务", seed_form)
    assert status == 200
    result = next(e for e in events if e.event == "result").data
    records, (name, calls, _) = expected_calls(truth, CALLS)
    assert result["scope"] == list(CALLS) and result["records"] == records
    assert result["rows"][0][1] == name and result["rows"][0][3] == calls


async def test_analysis_prompt_measure_the_data_lacks_is_said(qbot):
    """A call measure asked of messages is not a column of zeros: the answer says it does not apply."""
    plain, _, _ = await run_edited(qbot.api, "机主微信上和谁聊天最多？", analysis_prompt=NEUTRAL)
    named, text, _ = await run_edited(qbot.api, "机主微信上和谁聊天最多？", analysis_prompt=f"{NEUTRAL}同时统计通话时长。")
    assert named["columns"] == plain["columns"] and DURATION_COL not in named["columns"]
    assert any("通话时长" in note and "消息" in note for note in named["notes"]), named["notes"]
    assert "通话时长" in text


# -- lines added to the proposed analysis_prompt ------------------------------------------------

async def edited_prompt(api, question: str, line: str) -> tuple[dict[str, Any], str]:
    """继续任务 with one line appended to the proposed analysis_prompt: (result, narrative)."""
    cid = uuid.uuid4().hex
    form = await proposed(api, cid, question)
    status, events, _ = await api.step(cid, 3, "继续任务", {**form, "analysis_prompt": form["analysis_prompt"] + "\n" + line})
    assert status == 200 and events[-1].data["state"] == "completed", events[-1].data
    return next(e.data for e in events if e.event == "result"), "".join(
        e.data["delta"] for e in events if e.event == "message")


async def test_an_added_window_line_changes_the_window(qbot, truth):
    result, text = await edited_prompt(qbot.api, SEED_QUESTION, "只看最近7天的记录。")
    assert result["query"]["window"] == {"kind": "recent", "days": 7}
    records, (name, calls, _) = expected_calls(truth, CALLS, days=7)
    assert result["records"] == records and result["rows"][0][1] == name and result["rows"][0][3] == calls
    assert any("只看最近7天" in note for note in result["notes"]) and "已按分析要求" in text


async def test_an_added_direction_line_keeps_incoming_calls_only(qbot, truth):
    result, _ = await edited_prompt(qbot.api, SEED_QUESTION, "只统计呼入的电话")
    assert result["query"]["direction"] == "in"
    recs = [r for r in truth.select(CALLS, truth.recent(CALLS, 30)) if r.dir == "in" and r.cp is not None]
    name, calls, _ = truth.rank(recs, merge=True)[0]
    assert result["rows"][0][1] == name and result["rows"][0][3] == calls


async def test_an_added_line_qbot_cannot_compute_is_said_and_changes_nothing(qbot):
    plain, _ = await edited_prompt(qbot.api, SEED_QUESTION, "")
    result, text = await edited_prompt(qbot.api, SEED_QUESTION, "请结合嫌疑人的社会关系综合研判")
    assert result["query"] == plain["query"] and result["rows"] == plain["rows"]
    assert any("社会关系" in note and "未据此改变结果" in note for note in result["notes"])
    assert "社会关系" in text
