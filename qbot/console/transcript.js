// The conversation as the examiner reads it: one section per turn, built from its events (live
// or replayed, the same code). Every string from the server goes in as text or through the
// DOM-only Markdown renderer, never as HTML.

import { renderMarkdown } from "./markdown.js";

export const STATES = {
  running: "进行中", awaiting_choice: "待选择理解", awaiting_start: "待开始任务", awaiting_filter: "待确认筛选条件",
  completed: "已完成", failed: "失败", cancelled: "已停止",
};
const STEP_LABELS = { "-1": "提问", 0: "开始任务", 1: "选择理解", 3: "继续任务" };

function el(tag, parent, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

export class Transcript {
  constructor(root) {
    this.root = root;
    this.clear();
  }

  clear() {
    this.root.replaceChildren();
    this.root.dataset.lastEventId = "0";
    this.questions = new Map(); // turn_id -> question, from GET …/conversation/{id}
    this.nextQuestion = null; // the question of the step this page just posted
    this.turn = null;
  }

  knowTurns(turns) {
    for (const t of turns) this.questions.set(t.turn_id, t.question);
  }

  handle(type, data, id) {
    this.root.dataset.lastEventId = String(id);
    if (type === "start" || !this.turn) this.begin(type === "start" ? data : {});
    const turn = this.turn;
    switch (type) {
      case "start": break;
      case "status": this.status(turn, data); break;
      case "message": this.message(turn, data.delta ?? ""); break;
      case "confirm": el("p", turn.body, `等待确认：${data.question}`, "confirm-note"); break;
      case "clarify": el("p", turn.body, `需要确认：${data.reason ?? ""}`, "confirm-note"); break;
      case "decline": el("p", turn.body, `未作答：${data.reason ?? ""}`, "confirm-note"); break;
      case "result": turn.body.appendChild(renderResult(data)); break;
      case "error": {
        const box = el("div", turn.body, null, "event-error");
        box.setAttribute("role", "alert");
        el("strong", box, `错误 ${data.code ?? ""}`);
        el("span", box, `：${data.message ?? ""}`);
        break;
      }
      case "done": this.done(turn, data); break;
      default: el("p", turn.body, `（未知事件 ${type}）`, "unknown-event");
    }
  }

  begin(start) {
    const section = el("section", this.root, null, "turn");
    section.dataset.turnId = start.turn_id ?? "";
    section.dataset.state = "running";
    const header = el("header", section);
    const label = STEP_LABELS[start.confirm_type] ?? start.handler ?? "步骤";
    el("span", header, label, "step");
    const question = this.questions.get(start.turn_id) ?? this.nextQuestion ?? "";
    this.nextQuestion = null;
    el("span", header, question === label ? "" : question, "question"); // a button's step repeats its label
    const state = el("span", header, STATES.running, "state");
    const status = el("div", section, null, "status");
    status.hidden = true;
    const progress = el("progress", status);
    progress.max = 1;
    const statusText = el("span", status);
    const body = el("div", section, null, "turn-body");
    this.turn = { section, state, status, progress, statusText, body, markdown: null, text: "" };
  }

  status(turn, data) {
    turn.status.hidden = false;
    turn.statusText.textContent = data.message ?? data.stage ?? "";
    if (typeof data.progress === "number") turn.progress.value = data.progress;
    else turn.progress.removeAttribute("value"); // indeterminate
  }

  // Deltas of one run of messages form one Markdown text, re-rendered as it grows.
  message(turn, delta) {
    if (!turn.markdown || turn.body.lastChild !== turn.markdown) {
      turn.markdown = el("div", turn.body, null, "markdown");
      turn.text = "";
    }
    turn.text += delta;
    turn.markdown.replaceChildren(renderMarkdown(turn.text));
  }

  done(turn, data) {
    turn.section.dataset.state = data.state;
    turn.state.textContent = STATES[data.state] ?? data.state;
    turn.status.hidden = true;
    this.turn = null;
  }
}

function renderResult(result) {
  const box = el("div", null, null, "result");
  el("h3", box, "分析结果");
  if (result.summary) el("p", box, result.summary, "summary");
  const meta = [];
  if (result.window?.text) meta.push(`时间范围：${result.window.text}`);
  if (Array.isArray(result.scope) && result.scope.length) meta.push(`数据节点：${result.scope.join("、")}`);
  if (typeof result.records === "number") meta.push(`记录：${result.records} 条`);
  if (result.keyword) meta.push(`关键词：${result.keyword}`);
  if (meta.length) el("p", box, meta.join("；"), "meta");

  const columns = result.columns ?? [];
  const rows = result.rows ?? [];
  const sources = result.sources ?? [];
  const evidence = new Map((result.evidence ?? []).map((e) => [e.row, e]));
  const wrap = el("div", box, null, "table-wrap");
  const table = el("table", wrap, null, "result-table");
  const head = el("tr", el("thead", table));
  for (const column of columns) el("th", head, column);
  el("th", head, "证据");
  const body = el("tbody", table);
  rows.forEach((row, n) => {
    const tr = el("tr", body);
    for (const value of row) el("td", tr, value);
    const cited = el("td", tr, null, "evidence-cell");
    const entry = evidence.get(n + 1);
    if (entry) cited.appendChild(renderEvidence(entry, sources));
  });
  if (!rows.length) el("p", box, "没有结果行。", "empty");

  if (sources.length) {
    el("h4", box, "来源文件");
    const list = el("ul", box, null, "sources");
    for (const source of sources) {
      const li = el("li", list);
      el("span", li, source.file, "file");
      el("code", li, `sha256 ${source.sha256}`, "sha256");
    }
  }
  return box;
}

function renderEvidence(entry, sources) {
  const details = el("details", null, null, "evidence");
  const refs = entry.refs ?? [];
  const cited = refs.reduce((n, ref) => n + (ref.rowids?.length ?? (ref.rowid !== undefined ? 1 : 0)), 0);
  const records = entry.records ?? cited;
  el("summary", details, cited < records ? `${records} 条记录（列出 ${cited} 条）` : `${records} 条记录`);
  const list = el("ul", details);
  for (const ref of refs) {
    const source = sources[ref.source] ?? {};
    const li = el("li", list);
    el("span", li, source.file ?? `来源 ${ref.source}`, "file");
    el("span", li, ` · 表 ${ref.table} · 行号 `);
    el("span", li, (ref.rowids ?? [ref.rowid]).join(", "), "rowids");
    if (source.sha256) el("code", li, ` sha256 ${source.sha256.slice(0, 12)}…`, "sha256");
  }
  return details;
}
