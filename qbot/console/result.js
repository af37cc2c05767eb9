// A `result` event as the examiner reads it: the summary, the table with each row's evidence (a
// button opens all its records, citations.js), the source files; and the table copied as TSV, to
// paste into a spreadsheet or a report.

import { el } from "./dom.js";

// eventId: the result event's SSE id, which names it to GET …/citations; onCite({ event, row,
// records, label, button }) opens a row's records.
export function renderResult(result, eventId, onCite) {
  const box = el("div", null, null, "result");
  const head = el("div", box, null, "result-head");
  el("h3", head, "分析结果");
  const columns = result.columns ?? [];
  const rows = result.rows ?? [];
  if (rows.length) {
    const copy = el("button", head, "复制表格（TSV）", "copy-tsv");
    copy.type = "button";
    const said = el("span", head, null, "copy-status");
    said.setAttribute("role", "status");
    copy.addEventListener("click", () => copyText(toTsv(columns, rows)).then(
      () => { said.textContent = `已复制 ${rows.length} 行`; },
      (error) => { said.textContent = `复制失败：${error?.message ?? error}`; }));
  }
  if (result.summary) el("p", box, result.summary, "summary");
  const meta = [];
  if (result.window?.text) meta.push(`时间范围：${result.window.text}`);
  if (Array.isArray(result.scope) && result.scope.length) meta.push(`数据节点：${result.scope.join("、")}`);
  if (typeof result.records === "number") meta.push(`记录：${result.records} 条`);
  if (result.keyword) meta.push(`关键词：${result.keyword}`);
  if (meta.length) el("p", box, meta.join("；"), "meta");

  const sources = result.sources ?? [];
  const evidence = new Map((result.evidence ?? []).map((e) => [e.row, e]));
  const wrap = el("div", box, null, "table-wrap");
  const table = el("table", wrap, null, "result-table");
  const headRow = el("tr", el("thead", table));
  for (const column of columns) el("th", headRow, column);
  el("th", headRow, "证据");
  const body = el("tbody", table);
  rows.forEach((row, n) => {
    const tr = el("tr", body);
    for (const value of row) el("td", tr, value);
    const cited = el("td", tr, null, "evidence-cell");
    const entry = evidence.get(n + 1);
    if (!entry) return;
    const records = renderEvidence(cited, entry, sources);
    if (!eventId || !onCite) return; // an unrecorded result has no id to cite it by
    const open = el("button", cited, `查看全部 ${records} 条`, "open-citations");
    open.type = "button";
    const label = `第 ${n + 1} 行：${row.join(" · ")}`;
    open.addEventListener("click", () => onCite({ event: eventId, row: n + 1, records, label, button: open }));
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

// The refs the result itself lists, under a summary of how many records the row rests on
// (returned).
function renderEvidence(cell, entry, sources) {
  const details = el("details", cell, null, "evidence");
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
  return records;
}

// One line per row, cells separated by tabs; a tab or line break inside a cell would split it,
// so it becomes a space.
export function toTsv(columns, rows) {
  const cell = (value) => (value === null || value === undefined ? "" : String(value)).replace(/[\t\r\n]+/g, " ");
  return [columns, ...rows].map((row) => row.map(cell).join("\t")).join("\n") + "\n";
}

// The async clipboard needs a secure context (https, or localhost); on plain http elsewhere the
// older copy command still works from a click.
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = el("textarea", document.body, text);
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("浏览器不允许复制");
}
