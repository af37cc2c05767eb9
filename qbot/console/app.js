// The console's controller: picks a case, runs a conversation's steps, follows their event
// streams (live, or replayed after a reload) and shows what the conversation awaits next.

import { clearAlert, showAlert, showRefusal } from "./alerts.js";
import { Api, Refusal } from "./api.js";
import { loadCases, loadNodes, selectedNodes } from "./cases.js";
import { CitationPanel } from "./citations.js";
import { ConversationList } from "./conversations.js";
import { setupManage } from "./manage.js";
import { setupReport } from "./report.js";
import { readEvents } from "./sse.js";
import { askToken } from "./token.js";
import { Transcript } from "./transcript.js";

const OPEN_KEY = "qbot.console.open"; // the conversation shown, reopened after a reload
const lastIdKey = (cid) => `qbot.console.lastEventId.${cid}`;
const RESUME_ATTEMPTS = 5;
const $ = (id) => document.getElementById(id);

const prefix = document.querySelector('meta[name="qbot-prefix"]').content;
const askExaminer = (refusal) => askToken(refusal, () => { api.token = null; });
const api = new Api(prefix, askExaminer);
const citations = new CitationPanel(api);
const transcript = new Transcript($("transcript"), (row) => citations.open({ cid: conv.cid, ...row }));
const sidebar = new ConversationList(api, $("conversations"), $("more-conversations"), openConversation);
let conv = fresh(null);

function fresh(cid) {
  // turnOpen: a start was seen without its done, so the stream must go on (or be resumed).
  // known: the server has the conversation (a step was accepted, or it was opened).
  return { cid, known: false, title: "新对话", lastId: 0, turnOpen: false, pending: null, expect: [-1], reader: null };
}

function showTitle(title) {
  conv.title = title;
  $("conversation-title").textContent = title;
}

// ---- the list of conversations: the selected case's ----

async function refreshConversations(more = false) {
  try {
    await sidebar.refresh($("case").value, more);
  } catch (error) {
    if ($("alert").hidden) showRefusal(error, "读取对话列表"); // never over what a step was told
  }
}

// ---- following a conversation's events ----

function apply(state, event) {
  if (state !== conv) return; // a stream of a conversation no longer shown
  const id = Number(event.lastEventId);
  if (id && id <= state.lastId) return; // already shown: a resume never shows an event twice
  let data;
  try {
    data = JSON.parse(event.data);
  } catch {
    showAlert(`无法解析事件 ${event.lastEventId}（${event.type}）`);
    return;
  }
  if (id) {
    state.lastId = id;
    localStorage.setItem(lastIdKey(state.cid), String(id));
  }
  transcript.handle(event.type, data, id);
  if (event.type === "start") state.turnOpen = true;
  else if (event.type === "status") $("running-text").textContent = data.message ?? "分析中…";
  else if (event.type === "confirm") state.pending = { ...data, id };
  else if (event.type === "clarify") state.pending = { confirm_type: 1, question: "选择理解", form: null, choices: data.choices ?? [], id };
  else if (event.type === "done") {
    state.turnOpen = false;
    state.expect = data.expect ?? [-1];
  }
  renderActions();
}

// Reads `open`'s stream to its end; while a turn is left open (a cut connection), resumes it
// from the last event shown with GET …/events and Last-Event-ID.
// `what` names it in a message, `kept` says what the page kept for a retry.
async function follow(state, open, running = true, what = "跟随对话", kept = "") {
  const controller = new AbortController();
  state.reader = controller;
  state.turnOpen = running; // until the stream shows otherwise
  renderActions();
  try {
    let response = await open(controller.signal);
    for (let attempt = 0; ; attempt += 1) {
      state.turnOpen = false;
      await readEvents(response, (event) => apply(state, event)).catch((error) => {
        if (error.name === "AbortError") throw error;
        state.turnOpen = true; // cut mid-stream: resume below
      });
      if (!state.turnOpen || state !== conv) break;
      if (attempt >= RESUME_ATTEMPTS) {
        showAlert(`与服务器的连接多次中断，已停止跟随对话 ${state.cid}；可从左侧列表重新打开。`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt)); // back off before resuming
      response = await api.events(state.cid, state.lastId, controller.signal);
    }
  } catch (error) {
    if (state === conv) showRefusal(error, what, kept);
    if (error instanceof Refusal && error.code === "conversation_not_found") forget(state.cid);
  } finally {
    if (state.reader === controller) state.reader = null;
    state.turnOpen = false;
    if (state === conv) {
      renderActions();
      refreshConversations();
    }
  }
}

function leave() {
  conv.reader?.abort();
  conv = fresh(null);
  transcript.clear();
  manage.editing(false); // a title being edited belongs to the conversation left
  citations.close(); // and so do the records shown, and what a report said
  report.clear();
}

function newConversation() {
  leave();
  localStorage.removeItem(OPEN_KEY);
  showTitle("新对话");
  sidebar.highlight(null);
  renderActions();
}

function forget(cid) {
  localStorage.removeItem(lastIdKey(cid));
  if (localStorage.getItem(OPEN_KEY) === cid) localStorage.removeItem(OPEN_KEY);
}

// Reopen a conversation (from the list, or after a reload): its state, then its whole event
// log replayed from id 0 and, if a turn is running, followed live to its done.
async function openConversation(cid) {
  clearAlert();
  leave();
  const state = (conv = fresh(cid));
  localStorage.setItem(OPEN_KEY, cid);
  showTitle("正在打开…");
  sidebar.highlight(cid);
  let info;
  try {
    info = await api.conversation(cid);
    if (state !== conv) return;
    state.known = true;
    showTitle(info.title || cid);
    transcript.knowTurns(info.turns);
    state.expect = info.expect;
    if (info.case_id && [...$("case").options].some((o) => o.value === info.case_id) && $("case").value !== info.case_id) {
      $("case").value = info.case_id; // its case, and that case's conversations beside it
      loadNodes(api).catch((error) => showRefusal(error, "读取数据节点"));
      refreshConversations();
    }
  } catch (error) {
    if (state !== conv) return; // another conversation was opened meanwhile
    showRefusal(error, "打开对话");
    if (error instanceof Refusal && error.status === 404) forget(cid);
    conv = fresh(null);
    showTitle("新对话");
    renderActions();
    return;
  }
  await follow(state, (signal) => api.events(cid, 0, signal), info.running);
}

// ---- steps ----

// onAccepted() runs once the server has taken the step (its stream is open).
async function step(confirmType, question, form, kept = "", onAccepted = null) {
  clearAlert();
  if (!conv.cid) conv = fresh(uuid4());
  const state = conv;
  const first = confirmType === -1; // a question names the case and nodes; later steps keep them
  const body = {
    question, conversation_id: state.cid, case_id: first ? $("case").value : "", confirm_type: confirmType,
    package_nodes: first ? selectedNodes() : [], confirm_form_data: form ?? {},
  };
  transcript.nextQuestion = question;
  transcript.nextForm = form ?? null;
  const what = first ? "提问" : `“${question}”`;
  await follow(state, async (signal) => {
    const response = await api.step(state.cid, body, signal);
    if (!state.known) {
      state.known = true;
      localStorage.setItem(OPEN_KEY, state.cid);
      if (state === conv) showTitle(question);
    }
    onAccepted?.();
    return response;
  }, true, what, kept);
  if (!state.known && state === conv) { // refused: nothing was created, still a new conversation
    conv = fresh(null);
    renderActions();
  }
}

async function stop() {
  if (!conv.cid) return;
  try {
    await api.stop(conv.cid);
  } catch (error) {
    showRefusal(error, "停止");
  }
}

// What the conversation can do now: stop a running turn, or answer the pending confirm.
function renderActions() {
  const running = conv.turnOpen;
  $("running").hidden = !running;
  $("ask").disabled = running;
  $("conversation-tools").hidden = !conv.known || !$("rename-form").hidden;
  $("delete").disabled = running; // the server refuses it while a turn runs: stop it first
  $("delete").title = running ? "分析进行中：先停止，才能删除" : "";
  const pending = conv.pending;
  const awaited = !running && pending && conv.expect.includes(pending.confirm_type);
  const isForm = awaited && pending.form && pending.form.formName === "filter";
  const choosing = awaited && Array.isArray(pending.choices);
  $("confirm-panel").hidden = !awaited || isForm || choosing || pending.form !== null;
  if (awaited && !isForm && !choosing) $("confirm").textContent = pending.question;
  const choices = $("choices");
  choices.hidden = !choosing;
  if (choosing && choices.dataset.confirmId !== String(pending.id)) {
    // one button per reading: its label; sending it picks that reading (confirm_type 1)
    choices.dataset.confirmId = String(pending.id);
    choices.replaceChildren(...pending.choices.map((choice) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.label;
      button.title = choice.question;
      button.addEventListener("click", () => step(1, choice.label, { choice: choice.id }));
      return button;
    }));
  }
  const form = $("filter-form");
  form.hidden = !isForm;
  if (isForm && form.dataset.confirmId !== String(pending.id)) {
    // a new proposal: fill the fields; the same one shown again keeps the examiner's edits
    form.dataset.confirmId = String(pending.id);
    for (const name of ["filter_tree", "filter_keyword", "analysis_prompt"]) form.elements[name].value = pending.form[name] ?? "";
    $("filter-submit").textContent = pending.question;
  }
}

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- wiring ----

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question || conv.turnOpen) return;
  // The typed question stays until the server takes it: a refusal or a lost server keeps it.
  step(-1, question, null, "（问题仍在输入框中）", () => {
    if ($("question").value.trim() === question) $("question").value = "";
  });
});
$("question").addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter is a new line; an input method's Enter picks a word, it does not send.
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  $("ask-form").requestSubmit();
});
$("confirm").addEventListener("click", () => step(conv.pending.confirm_type, conv.pending.question));
$("filter-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const edited = { ...conv.pending.form }; // keeps formName and any field the console does not edit
  for (const name of ["filter_tree", "filter_keyword", "analysis_prompt"]) edited[name] = form.elements[name].value;
  step(conv.pending.confirm_type, conv.pending.question, edited, "（筛选条件仍在表单中）");
});
$("stop").addEventListener("click", stop);
$("new-conversation").addEventListener("click", () => {
  clearAlert();
  newConversation();
  $("question").focus();
});
$("more-conversations").addEventListener("click", () => refreshConversations(true));
$("case").addEventListener("change", () => {
  newConversation(); // a conversation belongs to its case: another case starts afresh
  loadNodes(api).catch((error) => showRefusal(error, "读取数据节点"));
  refreshConversations();
});
$("alert-close").addEventListener("click", clearAlert);
$("token-button").addEventListener("click", async () => {
  const token = await askExaminer(null);
  if (token) {
    api.token = token;
    await start();
  }
});
const manage = setupManage(api, () => (conv.known ? { cid: conv.cid, title: conv.title } : null),
  (cid, title) => {
    if (conv.cid === cid) showTitle(title);
    sidebar.retitle(cid, title);
  },
  (cid) => {
    forget(cid);
    if (conv.cid === cid) newConversation();
    refreshConversations();
  });

const report = setupReport(api, () => (conv.known ? { cid: conv.cid } : null));

async function start() {
  try {
    await loadCases(api);
  } catch (error) {
    showRefusal(error, "读取案件");
  }
  await refreshConversations();
  document.body.dataset.ready = "true"; // cases and list are in: the page can be used
  const open = localStorage.getItem(OPEN_KEY);
  if (open && open !== conv.cid) await openConversation(open);
}

renderActions();
start();
