// The console's controller: picks a case, runs a conversation's steps, follows their event
// streams (live, or replayed after a reload) and shows what the conversation awaits next.

import { Api, Refusal } from "./api.js";
import { readEvents } from "./sse.js";
import { STATES, Transcript } from "./transcript.js";

const OPEN_KEY = "qbot.console.open"; // the conversation shown, reopened after a reload
const lastIdKey = (cid) => `qbot.console.lastEventId.${cid}`;
const RESUME_ATTEMPTS = 5;
const $ = (id) => document.getElementById(id);

const prefix = document.querySelector('meta[name="qbot-prefix"]').content;
const api = new Api(prefix, askToken);
const transcript = new Transcript($("transcript"));
let conv = fresh(null);
let nextPage = null;

function fresh(cid) {
  // turnOpen: a start was seen without its done, so the stream must go on (or be resumed).
  return { cid, lastId: 0, turnOpen: false, pending: null, expect: [-1], reader: null, seq: 0 };
}

// ---- messages to the examiner ----

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
}

function showRefusal(error, what) {
  if (error instanceof Refusal) {
    const status = error.status ? `${error.status} ` : "";
    showAlert(`${what}被拒绝（${status}${error.code}）：${error.message}`);
  } else if (error?.name !== "AbortError") {
    showAlert(`${what}失败：${error?.message ?? error}`);
  }
}

function clearAlert() {
  $("alert").hidden = true;
  $("alert-text").textContent = "";
}

// ---- authentication: one dialog at a time, whatever number of requests were refused ----

let tokenPrompt = null;

function askToken(refusal) {
  tokenPrompt ??= new Promise((resolve) => {
    const dialog = $("token-dialog");
    $("token-reason").textContent = refusal ? `${refusal.message}（${refusal.code}）` : "输入检验员的 Bearer 令牌。";
    $("token-input").value = "";
    const finish = (value) => {
      dialog.close();
      tokenPrompt = null;
      resolve(value);
    };
    $("token-form").onsubmit = (event) => { event.preventDefault(); finish($("token-input").value.trim() || null); };
    $("token-cancel").onclick = () => finish(null);
    $("token-clear").onclick = () => { api.token = null; finish(null); };
    dialog.oncancel = (event) => { event.preventDefault(); finish(null); };
    dialog.showModal();
    $("token-input").focus();
  });
  return tokenPrompt;
}

// ---- cases and their nodes ----

async function loadCases() {
  const { cases } = await api.cases();
  const select = $("case");
  select.replaceChildren(...cases.map((c) => {
    const option = document.createElement("option");
    option.value = c.case_id;
    option.textContent = `${c.name || c.case_id}（${c.case_id}）`;
    return option;
  }));
  if (!cases.length) showAlert("证据库中没有案件。");
  await loadNodes();
}

async function loadNodes() {
  const box = $("nodes");
  box.replaceChildren();
  updateNodeCount();
  if (!$("case").value) return;
  const { nodes } = await api.nodes($("case").value);
  for (const node of nodes) {
    const label = document.createElement("label");
    const check = document.createElement("input");
    check.type = "checkbox";
    check.value = node.id;
    check.addEventListener("change", updateNodeCount);
    label.append(check, ` ${node.path}（${node.package}，${node.records} 条）`);
    box.appendChild(label);
  }
}

function selectedNodes() {
  return [...$("nodes").querySelectorAll("input:checked")].map((c) => Number(c.value));
}

function updateNodeCount() {
  const n = selectedNodes().length;
  $("nodes-count").textContent = n ? `${n} 个` : "全部";
}

// ---- the list of conversations ----

async function refreshConversations(more = false) {
  try {
    const page = await api.conversations(more ? nextPage : null);
    nextPage = page.next;
    const list = $("conversations");
    if (!more) list.replaceChildren();
    for (const c of page.conversations) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.cid = c.conversation_id;
      button.classList.toggle("current", c.conversation_id === conv.cid);
      const title = document.createElement("span");
      title.className = "conv-title";
      title.textContent = c.title || c.conversation_id;
      const meta = document.createElement("span");
      meta.className = "conv-meta";
      meta.textContent = `${STATES[c.state] ?? c.state} · ${c.updated_at.slice(0, 16).replace("T", " ")}`;
      button.append(title, meta);
      button.addEventListener("click", () => openConversation(c.conversation_id));
      const li = document.createElement("li");
      li.appendChild(button);
      list.appendChild(li);
    }
    $("more-conversations").hidden = !nextPage;
  } catch (error) {
    showRefusal(error, "读取对话列表");
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
async function follow(state, open, running = true) {
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
    if (state === conv) showRefusal(error, "请求");
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
  $("conversation-title").textContent = "正在打开…";
  highlight(cid);
  let info;
  try {
    info = await api.conversation(cid);
    if (state !== conv) return;
    $("conversation-title").textContent = info.title || cid;
    transcript.knowTurns(info.turns);
    state.expect = info.expect;
    if (info.case_id && [...$("case").options].some((o) => o.value === info.case_id) && $("case").value !== info.case_id) {
      $("case").value = info.case_id;
      loadNodes().catch((error) => showRefusal(error, "读取数据节点"));
    }
  } catch (error) {
    if (state !== conv) return; // another conversation was opened meanwhile
    showRefusal(error, "打开对话");
    if (error instanceof Refusal && error.status === 404) forget(cid);
    $("conversation-title").textContent = "新对话";
    conv = fresh(null);
    renderActions();
    return;
  }
  await follow(state, (signal) => api.events(cid, 0, signal), info.running);
}

function highlight(cid) {
  for (const button of $("conversations").querySelectorAll("button[data-cid]")) {
    button.classList.toggle("current", button.dataset.cid === cid);
  }
}

// ---- steps ----

async function step(confirmType, question, form) {
  clearAlert();
  if (!conv.cid) {
    conv = fresh(uuid4());
    localStorage.setItem(OPEN_KEY, conv.cid);
    $("conversation-title").textContent = question;
  }
  const state = conv;
  const first = confirmType === -1; // a question names the case and nodes; later steps keep them
  const body = {
    question, conversation_id: state.cid, case_id: first ? $("case").value : "", confirm_type: confirmType,
    package_nodes: first ? selectedNodes() : [], confirm_form_data: form ?? {},
  };
  transcript.nextQuestion = question;
  await follow(state, (signal) => api.step(state.cid, body, signal));
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
  if (!question) return;
  $("question").value = "";
  step(-1, question);
});
$("confirm").addEventListener("click", () => step(conv.pending.confirm_type, conv.pending.question));
$("filter-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const edited = { ...conv.pending.form }; // keeps formName and any field the console does not edit
  for (const name of ["filter_tree", "filter_keyword", "analysis_prompt"]) edited[name] = form.elements[name].value;
  step(conv.pending.confirm_type, conv.pending.question, edited);
});
$("stop").addEventListener("click", stop);
$("new-conversation").addEventListener("click", () => {
  clearAlert();
  leave();
  localStorage.removeItem(OPEN_KEY);
  $("conversation-title").textContent = "新对话";
  highlight(null);
  renderActions();
  $("question").focus();
});
$("more-conversations").addEventListener("click", () => refreshConversations(true));
$("case").addEventListener("change", () => loadNodes().catch((error) => showRefusal(error, "读取数据节点")));
$("alert-close").addEventListener("click", clearAlert);
$("token-button").addEventListener("click", async () => {
  const token = await askToken(null);
  if (token) {
    api.token = token;
    await start();
  }
});

async function start() {
  try {
    await loadCases();
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
