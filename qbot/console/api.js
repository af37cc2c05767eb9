// The public HTTP API of qbot (README, design.md §2), nothing else. Every refusal becomes a
// Refusal with the server's code and message; a 401 with a Bearer challenge asks the examiner
// for a token (kept in sessionStorage for this tab only) and tries again.

const TOKEN_KEY = "qbot.console.token";

export class Refusal extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class Api {
  // askToken(refusal) resolves to a token, or null when the examiner declines.
  constructor(prefix, askToken) {
    this.prefix = prefix;
    this.askToken = askToken;
  }

  get token() { return sessionStorage.getItem(TOKEN_KEY); }
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  async fetch(method, path, { body, headers = {}, signal } = {}) {
    for (;;) {
      const all = { Accept: "application/json", ...headers };
      if (body !== undefined) all["Content-Type"] = "application/json";
      if (this.token) all.Authorization = `Bearer ${this.token}`;
      let response;
      try {
        response = await fetch(this.prefix + path, {
          method, headers: all, signal, cache: "no-store", credentials: "same-origin",
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        if (error.name === "AbortError") throw error;
        throw new Refusal(0, "network_error", `无法连接到 qbot：${error.message}`);
      }
      if (response.ok) return response;
      const refusal = await refusalOf(response);
      const challenge = response.headers.get("WWW-Authenticate") || "";
      if (response.status === 401 && /^bearer\b/i.test(challenge)) {
        this.token = null;
        const token = await this.askToken(refusal);
        if (token) { this.token = token; continue; }
      }
      throw refusal;
    }
  }

  async json(method, path, options) {
    const response = await this.fetch(method, path, options);
    return response.json();
  }

  // A POST step or a GET …/events: the open event-stream Response (read it with readEvents).
  async stream(method, path, { body, lastEventId, signal } = {}) {
    const headers = { Accept: "text/event-stream" };
    if (lastEventId !== undefined && lastEventId !== null) headers["Last-Event-ID"] = String(lastEventId);
    const response = await this.fetch(method, path, { body, headers, signal });
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("text/event-stream")) {
      throw new Refusal(response.status, "not_a_stream", `服务器没有返回事件流（${type || "无类型"}）`);
    }
    return response;
  }

  cases() { return this.json("GET", "/cases"); }
  nodes(caseId) { return this.json("GET", `/cases/${encodeURIComponent(caseId || "default")}/nodes`); }
  conversations(before, caseId) {
    const query = new URLSearchParams({ limit: "20" });
    if (before) query.set("before", before);
    if (caseId) query.set("case_id", caseId);
    return this.json("GET", `/chat/conversations?${query}`);
  }
  conversation(cid) { return this.json("GET", `/chat/conversation/${encodeURIComponent(cid)}`); }
  rename(cid, title) { return this.json("PATCH", `/chat/conversation/${encodeURIComponent(cid)}`, { body: { title } }); }
  remove(cid) { return this.json("DELETE", `/chat/conversation/${encodeURIComponent(cid)}`); }
  stop(cid) { return this.json("POST", `/chat/conversation/${encodeURIComponent(cid)}/stop`); }
  step(cid, body, signal) {
    return this.stream("POST", `/chat/conversation/${encodeURIComponent(cid)}`, { body, signal });
  }
  // One page of the records behind row `row` of result event `event` (docs/api.md, Citations).
  citations(cid, event, row, offset, limit, signal) {
    const query = new URLSearchParams({ event, row, offset, limit });
    return this.json("GET", `/chat/conversation/${encodeURIComponent(cid)}/citations?${query}`, { signal });
  }
  // The report file as a Blob: a link cannot carry the Authorization header. `records`: how many
  // records to list under each result row, a count or "all".
  async report(cid, format, records) {
    const query = new URLSearchParams({ format, records });
    const accept = format === "pdf" ? "application/pdf" : "text/html";
    const response = await this.fetch("GET", `/chat/conversation/${encodeURIComponent(cid)}/report?${query}`,
      { headers: { Accept: accept } });
    return response.blob();
  }
  events(cid, lastEventId, signal) {
    return this.stream("GET", `/chat/conversation/${encodeURIComponent(cid)}/events`, { lastEventId, signal });
  }
}

async function refusalOf(response) {
  const text = await response.text();
  const after = response.headers.get("Retry-After");
  const wait = after ? `（${after} 秒后可重试）` : "";
  try {
    const { error } = JSON.parse(text);
    if (error && error.code) {
      return new Refusal(response.status, error.code, (error.message || error.code) + wait, error.details);
    }
  } catch {
    // not our JSON: a proxy's page, say
  }
  return new Refusal(response.status, `http_${response.status}`, `${response.status} ${response.statusText}`.trim() + wait);
}
