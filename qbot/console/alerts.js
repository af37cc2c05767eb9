// Messages to the examiner in the page's one alert bar. A refusal says what was refused and why;
// a server that cannot be reached, or that refuses this page's origin, is said plainly instead,
// since neither is the examiner's request being wrong.

import { Refusal } from "./api.js";

const $ = (id) => document.getElementById(id);
const ORIGIN_CODES = new Set(["origin_not_allowed", "host_not_allowed"]);

export function showAlert(text, kind = "refusal") {
  $("alert-text").textContent = text;
  $("alert").dataset.kind = kind;
  $("alert").hidden = false;
}

export function clearAlert() {
  $("alert").hidden = true;
  $("alert-text").textContent = "";
  delete $("alert").dataset.kind;
}

// Plain words for refusals whose server message speaks to a programmer rather than an examiner.
const PLAIN = {
  result_changed: "证据库在这个结果生成之后有了变化（记录被导入或删除），已无法列出与结果一致的记录；请重新提问得到新的结果",
  conversation_not_found: "没有这个对话：它可能已被删除，或属于另一位检验员",
  result_not_found: "对话中找不到这个结果",
  pdf_unavailable: "服务器上没有能打印 PDF 的 Chromium；HTML 报告不需要它，请改为导出 HTML",
};

// What to tell the examiner about `error`: { text, kind }. `what` names the action ("提问",
// "读取对话列表"); `kept` says what the page kept for a retry.
export function describe(error, what, kept = "") {
  if (!(error instanceof Refusal)) return { text: `${what}失败：${error?.message ?? error}`, kind: "failure" };
  if (error.status === 0) {
    return { kind: "offline", text: `无法连接到 qbot 服务器（${location.origin}）：服务器可能已停止，或网络已断开。` +
             `${what}没有完成${kept}；服务器恢复后再试一次。` };
  }
  if (error.status === 403 && ORIGIN_CODES.has(error.code)) {
    return { kind: "origin", text: `qbot 服务器拒绝了本页面的来源（${error.code}）：${error.message}。` +
             `${what}没有完成${kept}。请从 qbot 服务器自己的地址打开控制台，` +
             "或由管理员把这个地址加入 server.cors_origins / server.allowed_hosts。" };
  }
  const status = error.status ? `${error.status} ` : "";
  const said = PLAIN[error.code] ?? `${error.message}${fieldErrors(error)}`;
  return { kind: "refusal", text: `${what}被拒绝（${status}${error.code}）：${said}` };
}

export function showRefusal(error, what, kept = "") {
  if (error?.name === "AbortError") return;
  const { text, kind } = describe(error, what, kept);
  showAlert(text, kind);
}

// A schema refusal names the fields in its message and says what is wrong with each in details.
function fieldErrors(error) {
  const details = error.details;
  if (error.code !== "invalid_request" || !details || typeof details !== "object" || Array.isArray(details)) return "";
  const said = Object.entries(details).map(([field, why]) =>
    `${field}：${Array.isArray(why) ? why.join("；") : JSON.stringify(why)}`);
  return said.length ? `（${said.join("，")}）` : "";
}
