// The sidebar: the examiner's conversations of the selected case, newest first, each titled by
// its question (or the name it was given) and the time it was asked, so that the same question
// asked twice can be told apart.

import { el } from "./dom.js";
import { STATES } from "./transcript.js";

// "2026-12-04 18:30" in the browser's time zone: when the examiner asked.
export function localTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
         `${two(date.getHours())}:${two(date.getMinutes())}`;
}

export class ConversationList {
  // onOpen(cid) when one is clicked.
  constructor(api, list, more, onOpen) {
    this.api = api;
    this.list = list;
    this.more = more;
    this.onOpen = onOpen;
    this.next = null;
    this.caseId = null;
    this.current = null;
    this.asked = 0; // only the newest request's page is shown: the case may change meanwhile
  }

  async refresh(caseId, more = false) {
    const asked = ++this.asked;
    const page = await this.api.conversations(more ? this.next : null, caseId);
    if (asked !== this.asked) return;
    this.caseId = caseId;
    this.next = page.next;
    if (!more) this.list.replaceChildren();
    for (const c of page.conversations) this.list.appendChild(this.item(c));
    this.more.hidden = !this.next;
  }

  item(c) {
    const button = el("button", null, null, this.current === c.conversation_id ? "current" : "");
    button.type = "button";
    button.dataset.cid = c.conversation_id;
    button.title = `${c.title}\n${c.conversation_id}`;
    el("span", button, c.title || c.conversation_id, "conv-title");
    el("span", button, `${localTime(c.created_at)} · ${STATES[c.state] ?? c.state}`, "conv-meta");
    button.addEventListener("click", () => this.onOpen(c.conversation_id));
    const li = el("li");
    li.appendChild(button);
    return li;
  }

  highlight(cid) {
    this.current = cid;
    for (const button of this.list.querySelectorAll("button[data-cid]")) {
      button.classList.toggle("current", button.dataset.cid === cid);
    }
  }

  retitle(cid, title) {
    const button = this.list.querySelector(`button[data-cid="${CSS.escape(cid)}"]`);
    if (!button) return;
    button.querySelector(".conv-title").textContent = title;
    button.title = `${title}\n${cid}`;
  }
}
