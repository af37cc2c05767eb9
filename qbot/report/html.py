"""A report as one self-contained HTML page: inline style, no script, no external asset (its
Content-Security-Policy forbids loading any), every string from the log or the evidence escaped
(a seized phone's messages can hold HTML). Times are shown in the case's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from qbot import __version__
from qbot.report.charts import svg
from qbot.report.gather import CitedRow, Dossier, Turn

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:13px/1.5 "Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:24px;color:#111}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;border-bottom:2px solid #333;margin-top:28px}
h3{font-size:14px;margin:16px 0 6px}table{border-collapse:collapse;margin:6px 0 12px;width:100%}
th,td{border:1px solid #999;padding:2px 5px;text-align:left;vertical-align:top}th{background:#eee}
.hash,.mono{font-family:"DejaVu Sans Mono",monospace;font-size:10px;white-space:nowrap}
.text{white-space:pre-wrap;border-left:3px solid #ccc;padding:4px 10px;background:#fafafa}
.form td{white-space:pre-wrap}.form td:last-child{white-space:nowrap}.muted{color:#555}.warn{color:#a00;font-weight:bold}.turn{page-break-inside:auto}
figure{margin:8px 0;page-break-inside:avoid}figcaption{font-size:12px;color:#333}
@page{size:A4 landscape;margin:12mm}@media print{body{margin:0}h2{page-break-after:avoid}}
"""
CONFIRM_NAMES = {-1: "提问", 0: "开始任务", 1: "选择理解", 3: "继续任务（筛选条件）"}
FORM_FIELDS = {"filter_tree": "检索范围（filter_tree）", "filter_keyword": "关键词（filter_keyword）",
               "analysis_prompt": "分析要求（analysis_prompt）"}


def e(value: Any) -> str:
    if isinstance(value, int):  # most cells are figures: nothing to escape
        return str(value)
    return escape("" if value is None else str(value), quote=True)


class Clock:
    """The log's times (ISO 8601, UTC) in the case's zone; the evidence's come local already."""

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)

    def __call__(self, iso: str | None) -> str:
        if not iso:
            return ""
        return f"{datetime.fromisoformat(iso).astimezone(self.tz):%Y-%m-%d %H:%M:%S}"


def table(head: Iterable[Any], rows: Iterable[Iterable[Any]], raw: frozenset[int] = frozenset(), cls: str = "") -> str:
    """A table of escaped cells; the columns in `raw` hold HTML this module made."""
    cells = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{v if i in raw else e(v)}</td>" for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table{f' class={cls!r}' if cls else ''}><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def render(dossier: Dossier) -> str:
    return "".join(_page(dossier))


def _page(d: Dossier) -> Iterator[str]:
    clock = Clock(d.case.timezone)
    conv = d.conversation
    title = f"qbot 分析报告 · {conv['title'] or conv['id']}"
    yield (f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
           f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\"><title>{e(title)}</title>"
           f"<style>{STYLE}</style></head><body>")
    yield f"<h1>{e(title)}</h1>"
    yield (f"<p class=\"muted\">生成于 {e(clock(d.generated.isoformat()))}（{e(d.case.timezone)}），qbot {e(__version__)}。"
           f"本报告中的时间均为案件时区 {e(d.case.timezone)}。每个结果行下列出其所依据的"
           f"{'全部记录' if d.per_row is None else f'前 {d.per_row} 条记录'}（并注明共有多少条）。</p>")
    yield "<h2>对话</h2>" + table(("项目", "内容"), [
        ("对话 ID", conv["id"]), ("标题", conv["title"]), ("审查员", conv["owner"] or "（未启用认证）"),
        ("状态", conv["state"]), ("创建时间", clock(conv["created_at"])), ("最后更新", clock(conv["updated_at"])),
        ("步骤数", len(d.turns)), ("事件数", d.events)])
    yield from _case(d, clock)
    yield from _chain(d)
    proposed: dict[str, Any] = {}
    for number, turn in enumerate(d.turns, start=1):
        yield from _turn(number, turn, clock, proposed)
        proposed = next((c["form"] for c in reversed(turn.data("confirm")) if c.get("form")), proposed)
    yield "</body></html>"


def _case(d: Dossier, clock: Clock) -> Iterator[str]:
    case = d.case
    yield "<h2>案件与证据文件</h2>" + table(("项目", "内容"), [
        ("案件 ID", case.id), ("名称", case.name), ("时区", case.timezone), ("号码默认地区", case.region)])
    rows = []
    for f in d.files:
        sha = f"<span class=\"hash\">{e(f['sha256'])}</span>"
        if f["wal_sha256"]:
            sha += f"<br><span class=\"hash\">-wal {e(f['wal_sha256'])}</span>"
        imported = datetime.fromtimestamp(f["imported_at"] / 1000, clock.tz).isoformat() if f["imported_at"] else ""
        rows.append((e(f["file_name"]), e(f["package"]), e(f["format"]), e(f["size"] + f["wal_size"]), sha,
                     e(clock(imported)), e(f["path"])))
    yield table(("文件", "提取", "格式", "字节", "sha256（导入时的原始字节）", "导入时间", "导入自"), rows,
                raw=frozenset(range(7)))


def _chain(d: Dossier) -> Iterator[str]:
    cid = d.conversation["id"]
    yield "<h2>完整性（事件哈希链）</h2>"
    if d.chain_problem:
        yield f"<p class=\"warn\">哈希链不完整：{e(d.chain_problem)}</p>"
    else:
        yield "<p>本对话的事件哈希链在生成报告时完整。链头（最后一个事件的哈希）：</p>"
    yield f"<p class=\"hash\">{e(d.head or '（无）')}</p>"
    yield (f"<p>在服务器的数据目录上运行 <code class=\"mono\">qbot verify --heads</code>，其输出中应有"
           f"一行 <code class=\"mono\">head {e(repr(cid))} {e(d.head or '')}</code>"
           "（对话之后若有新的步骤，链头会向后延伸；已记录的部分不会改变）。</p>")


def _turn(number: int, turn: Turn, clock: Clock, proposed: dict[str, Any]) -> Iterator[str]:
    name = CONFIRM_NAMES.get(turn.confirm_type, turn.handler)
    yield (f"<section class=\"turn\"><h2>第 {number} 步 · {e(name)}（confirm_type {e(turn.confirm_type)}，"
           f"{e(turn.handler)}）</h2>")
    yield (f"<p class=\"muted\">{e(clock(turn.started_at))} 至 {e(clock(turn.ended_at))}，结果：{e(turn.state)}"
           f"，turn {e(turn.id)}</p>")
    yield f"<p><b>{'问题' if turn.confirm_type == -1 else '提交'}：</b>{e(turn.question)}</p>"
    yield from _form(turn, proposed)
    planned = [c["plan"]["steps"] for c in turn.data("confirm") if (c.get("plan") or {}).get("steps")]
    for steps in planned:
        yield "<h3>计划</h3><ol>" + "".join(f"<li>{e(s)}</li>" for s in steps) + "</ol>"
    for clarify in turn.data("clarify"):
        yield f"<p><b>需要确认：</b>{e(clarify.get('reason', ''))}</p><ul>" + "".join(
            f"<li>{e(c.get('label'))}：{e(c.get('question'))}</li>" for c in clarify.get("choices", [])) + "</ul>"
    for decline in turn.data("decline"):
        yield f"<p class=\"warn\">无法回答：{e(decline.get('reason', decline))}</p>"
    for error in turn.data("error"):
        yield f"<p class=\"warn\">错误 {e(error.get('code'))}：{e(error.get('message'))}</p>"
    text = "".join(m.get("delta", "") for m in turn.data("message"))
    results = [(i, data) for i, name, data in turn.events if name == "result"]
    if results:
        yield f"<h3>分析文字（{e(_author(results[-1][1]))}）</h3><div class=\"text\">{e(text)}</div>"
    elif text and not planned:  # a plan's text repeats its steps, listed above
        yield f"<h3>回复</h3><div class=\"text\">{e(text)}</div>"
    for event_id, result in results:
        yield from _result(event_id, result, turn)
    yield "</section>"


def _form(turn: Turn, proposed: dict[str, Any]) -> Iterator[str]:
    """The form exactly as the examiner submitted it (the POST body), each field marked where it
    differs from the one qbot proposed before."""
    form = turn.request.get("confirm_form_data") or {}
    if not form:
        return
    rows = [(FORM_FIELDS.get(k, k), v if isinstance(v, str) else repr(v),
             "" if k not in proposed else "与建议相同" if proposed[k] == v else "审查员已修改") for k, v in form.items()]
    yield "<h3>提交的表单（原样）</h3>" + table(("字段", "提交的值", "与建议相比"), rows, cls="form")


def _author(result: dict[str, Any]) -> str:
    narrative = result.get("narrative") or {}
    if narrative.get("author") == "model":
        unmatched = narrative.get("unmatched") or []
        checked = f"，{len(unmatched)} 处无依据" if unmatched else "，每个数字与名称均已核对"
        return f"作者：模型 {narrative.get('model', '')}{checked}"
    return "作者：内置模板（builtin），由查询结果生成"


def _result(event_id: int, result: dict[str, Any], turn: Turn) -> Iterator[str]:
    yield f"<h3>结果（事件 {e(event_id)}）：{e(result.get('summary'))}</h3>"
    window = result.get("window") or {}
    yield (f"<p class=\"muted\">范围：{e(window.get('text', ''))}；数据节点：{e('、'.join(result.get('scope', [])))}"
           f"；参与统计的记录：{e(result.get('records'))} 条</p>")
    yield table(result.get("columns", []), result.get("rows", []))
    for chart in turn.charts.get(event_id, []):
        yield f"<figure>{svg(chart)}<figcaption>{e(chart.title)}</figcaption></figure>"
    sources = result.get("sources") or []
    if sources:
        yield "<p>引用的证据文件：" + "；".join(
            f"{e(s['file'])} <span class=\"hash\">{e(s['sha256'])}</span>" for s in sources) + "</p>"
    if event_id in turn.problems:
        yield f"<p class=\"warn\">未能列出所依据的记录：{e(turn.problems[event_id])}</p>"
    for row in turn.cited.get(event_id, []):
        yield from _records(row, result)


def _records(row: CitedRow, result: dict[str, Any]) -> Iterator[str]:
    cells = (result.get("rows") or [[]])[row.row - 1]
    label = "，".join(str(c) for c in cells[:3])
    listed = "全部列出" if len(row.listed) == row.records else f"列出前 {len(row.listed)} 条"
    yield f"<h3>第 {row.row} 行（{e(label)}）所依据的记录：共 {row.records} 条，{listed}</h3>"
    if row.listed:
        yield table(("时间", "联系人", "对方", "数据", "方向", "状态", "时长(秒)", "内容", "来源（文件 · 表 · 行号 · sha256）"),
                    [_record_cells(r) for r in row.listed])


def _record_cells(r: dict[str, Any]) -> tuple[Any, ...]:
    c, s = r["columns"], r["source"]
    written = c.get("number") or c.get("address") or ""
    content = c.get("body") if r["table"] == "messages" else (c.get("label") or c.get("name") or "") \
        if r["table"] == "contacts" else c.get("media", "")
    return (r["time"] or "", r["person"] or "", written, r["node"], c.get("direction") or "", c.get("status") or "",
            c.get("duration", ""), content or "", f"{s['file']} · {s['table']} · {s['rowid']} · {s['sha256'][:12]}")
