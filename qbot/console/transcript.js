// The conversation as the examiner reads it: one section per turn, built from its events (live
// or replayed, the same code). Every string from the server goes in as text or through the
// DOM-only Markdown renderer, never as HTML.

import { el } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { renderResult } from "./result.js";

export const STATES = {
  new: "新建", running: "进行中", awaiting_choice: "待选择理解", awaiting_start: "待开始任务", awaiting_filter: "待确认筛选条件",
  completed: "已完成", failed: "失败", cancelled: "已停止",
};
const STEP_LABELS = { "-1": "提问", 0: "开始任务", 1: "选择理解", 3: "继续任务" };

// The filter form's fields as the form on the page names them; other forms' keys as they are.
const FIELD_LABELS = {
  filter_tree: "检索的数据节点 filter_tree", filter_keyword: "关键词 filter_keyword",
  analysis_prompt: "分析要求 analysis_prompt",
};

export class Transcript {
  // onCite(row) opens a result row's records (result.js).
  constructor(root, onCite) {
    this.root = root;
    this.onCite = onCite;
    this.clear();
  }

  clear() {
    this.root.replaceChildren();
    this.root.dataset.lastEventId = "0";
    this.questions = new Map(); // turn_id -> question, from GET …/conversation/{id}
    this.forms = new Map(); // turn_id -> the form it was sent with, likewise
    this.nextQuestion = null; // the question of the step this page just posted
    this.nextForm = null; // and its form
    this.turn = null;
  }

  knowTurns(turns) {
    for (const t of turns) {
      this.questions.set(t.turn_id, t.question);
      this.forms.set(t.turn_id, t.form ?? null);
    }
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
      case "result":
        dropNarrativeCopies(turn.body, data.columns ?? []);
        turn.body.appendChild(renderResult(data, id, this.onCite));
        break;
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
    const form = this.forms.has(start.turn_id) ? this.forms.get(start.turn_id) : this.nextForm;
    this.nextQuestion = this.nextForm = null;
    el("span", header, question === label ? "" : question, "question"); // a button's step repeats its label
    const state = el("span", header, STATES.running, "state");
    if (form && Object.keys(form).some((key) => key !== "formName")) section.appendChild(renderForm(form));
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

// The form as the examiner sent it: what the analysis that follows was asked to do.
function renderForm(form) {
  const box = el("details", null, null, "submitted-form");
  box.open = true;
  el("summary", box, form.formName === "filter" ? "提交的筛选条件" : `提交的表单${form.formName ? ` ${form.formName}` : ""}`);
  const list = el("dl", box);
  for (const [key, value] of Object.entries(form)) {
    if (key === "formName") continue;
    el("dt", list, FIELD_LABELS[key] ?? key);
    const text = typeof value === "string" ? value : JSON.stringify(value);
    el("dd", list, text === "" ? "（空）" : text, text === "" ? "empty" : "");
  }
  return box;
}

// The built-in narrative repeats the result's table in Markdown; the result's own table, with
// each row's evidence, is the one kept. Only a table with exactly the result's columns goes.
function dropNarrativeCopies(body, columns) {
  for (const wrap of body.querySelectorAll(".markdown .md-table")) {
    const heads = [...wrap.querySelectorAll("thead th")].map((th) => th.textContent);
    if (heads.length && heads.join("\t") === columns.join("\t")) {
      wrap.replaceWith(el("p", null, "（表格见下方“分析结果”，附每行的证据。）", "table-moved"));
    }
  }
}
