// The report of the open conversation (docs/api.md, Report) as a download: fetched with the
// examiner's token, which a plain link could not carry, and saved from a Blob. HTML first; PDF is
// printed by Chromium on the server, which may have none (503 pdf_unavailable, said plainly).

import { describe } from "./alerts.js";
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const BUTTONS = { html: "report-html", pdf: "report-pdf" };

// current() -> { cid } of the open conversation, or null. Returns clear(), for another conversation.
export function setupReport(api, current) {
  const status = $("report-status");
  let busy = false;
  const say = (text, kind) => {
    status.textContent = text;
    status.dataset.kind = kind;
  };
  const enable = (on) => {
    for (const id of [...Object.values(BUTTONS), "report-records"]) $(id).disabled = !on;
  };

  const save = async (format) => {
    const open = current();
    if (!open || busy) return;
    busy = true;
    enable(false);
    say(format === "pdf" ? "正在生成 PDF 报告（服务器打印，可能需要一些时间）…" : "正在生成报告…", "busy");
    const name = `qbot-report-${open.cid}.${format}`;
    let said;
    try {
      const blob = await api.report(open.cid, format, $("report-records").value);
      download(blob, name);
      said = [`已导出 ${name}（${Math.max(1, Math.round(blob.size / 1024))} KB）`, "done"];
    } catch (error) {
      said = [describe(error, `导出 ${format.toUpperCase()} 报告`).text, "refused"];
    } finally {
      busy = false;
      enable(true);
    }
    if (current()?.cid === open.cid) say(...said); // not over another conversation's tools
  };
  for (const [format, id] of Object.entries(BUTTONS)) $(id).addEventListener("click", () => save(format));
  return { clear: () => say("", "") };
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", document.body);
  link.href = url;
  link.download = name;
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000); // after the browser has read it
}
