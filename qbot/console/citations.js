// The citations panel beside the answer: every record behind one result row, a page at a time
// from GET …/citations, each with its time, person, source (file, sha256, table, row id) and its
// columns as imported. Evidence text is untrusted (a seized phone's messages): text nodes only.

import { describe } from "./alerts.js";
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const TABLES = { calls: "通话", messages: "消息", contacts: "联系人" };
const PAGE = 100; // records a request

export class CitationPanel {
  constructor(api) {
    this.api = api;
    this.cited = null; // { cid, event, row, records, label, button } of the row shown
    this.reading = null; // the AbortController of the page being read
    $("citations-close").addEventListener("click", () => this.close(true));
    $("citations-more").addEventListener("click", () => this.load());
    $("citations").addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close(true);
    });
  }

  open(cited) {
    this.close();
    this.cited = cited;
    this.next = 0; // the offset of the next page; null once all are shown
    this.total = cited.records;
    this.shown = 0;
    $("citations-row").textContent = cited.label;
    $("citations-row").title = cited.label;
    $("citations-list").replaceChildren();
    $("citations").hidden = false;
    document.body.classList.add("citing");
    cited.button.closest("tr").classList.add("cited"); // which row the panel is about
    $("citations-close").focus(); // the keyboard follows: Escape closes it again
    this.load();
  }

  // back: the examiner closed it, so focus returns to the row's button.
  close(back = false) {
    this.reading?.abort();
    this.reading = null;
    const button = this.cited?.button;
    button?.closest("tr").classList.remove("cited");
    if (back) button?.focus();
    this.cited = null;
    $("citations").hidden = true;
    document.body.classList.remove("citing");
  }

  async load() {
    const cited = this.cited;
    if (!cited || this.next === null || this.reading) return;
    const reading = (this.reading = new AbortController());
    $("citations-error").hidden = true;
    $("citations-more").disabled = true;
    $("citations-count").textContent = `共 ${this.total} 条记录，已显示 ${this.shown} 条；正在读取…`;
    try {
      const page = await this.api.citations(cited.cid, cited.event, cited.row, this.next, PAGE, reading.signal);
      if (this.reading !== reading) return; // closed, or another row opened, meanwhile
      this.total = page.records;
      this.next = page.next_offset;
      $("citations-list").append(...page.items.map((item) => renderRecord(item)));
      this.shown += page.items.length;
      $("citations").dataset.timezone = page.timezone;
    } catch (error) {
      if (this.reading !== reading || error.name === "AbortError") return;
      if (error.status >= 400 && error.status < 500) this.next = null; // asking again would be refused again
      const kept = this.shown ? `（已显示的 ${this.shown} 条仍在下方）` : "";
      $("citations-error").textContent = describe(error, "读取引用的记录", kept).text;
      $("citations-error").hidden = false;
    } finally {
      if (this.reading === reading) {
        this.reading = null;
        this.render();
      }
    }
  }

  render() {
    const zone = $("citations").dataset.timezone;
    $("citations-count").textContent = `共 ${this.total} 条记录，已显示 ${this.shown} 条` +
      (zone ? `（时间为案件时区 ${zone}）` : "");
    $("citations").dataset.records = String(this.total);
    $("citations").dataset.shown = String(this.shown);
    const more = $("citations-more");
    more.hidden = this.next === null;
    more.disabled = false;
    more.textContent = this.shown ? `再显示 ${Math.min(PAGE, this.total - this.shown)} 条` : "重试";
  }
}

function renderRecord(item) {
  const li = el("li", null, null, "record");
  const head = el("div", li, null, "record-head");
  el("span", head, item.time ?? "（无时间）", "time");
  el("span", head, item.person ?? "", "person");
  if (item.counterpart) el("code", head, item.counterpart, "counterpart");
  el("span", head, TABLES[item.table] ?? item.table, "kind");

  const source = item.source ?? {};
  const from = el("div", li, null, "record-source");
  const file = el("span", from, source.file, "file");
  if (source.path) file.title = source.path;
  if (source.sha256) {
    const sha = el("code", from, `sha256 ${source.sha256.slice(0, 12)}…`, "sha256");
    sha.title = source.sha256;
  }
  el("span", from, `表 ${source.table} · 行号 `);
  el("span", from, source.rowid, "rowid");

  const columns = el("dl", li, null, "record-columns");
  for (const [name, value] of Object.entries(item.columns ?? {})) {
    const pair = el("div", columns); // a name and its value wrap together
    el("dt", pair, name);
    el("dd", pair, valueText(value));
  }
  return li;
}

function valueText(value) {
  if (value === null || value === undefined) return "（空）";
  return typeof value === "object" ? JSON.stringify(value) : value;
}
