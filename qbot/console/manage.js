// Renaming and deleting the open conversation. A rename edits the title in place; a delete asks
// first, in a dialog that says the events stay in the log (the audit trail), then hides it.

import { clearAlert, showRefusal } from "./alerts.js";

const $ = (id) => document.getElementById(id);

// current() -> { cid, title, running } of the open conversation, or null before its first step
// is accepted; onRenamed(cid, title), onDeleted(cid) once the server has done it.
export function setupManage(api, current, onRenamed, onDeleted) {
  const form = $("rename-form");
  const input = $("rename-input");

  const editing = (on) => {
    form.hidden = !on;
    $("conversation-title").hidden = on;
    $("conversation-tools").hidden = on;
  };

  $("rename").addEventListener("click", () => {
    const open = current();
    if (!open) return;
    input.value = open.title;
    editing(true);
    input.focus();
    input.select();
  });
  $("rename-cancel").addEventListener("click", () => editing(false));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") editing(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const open = current();
    if (!open) return editing(false);
    try {
      const renamed = await api.rename(open.cid, input.value);
      clearAlert();
      editing(false);
      onRenamed(renamed.conversation_id, renamed.title);
    } catch (error) {
      showRefusal(error, "重命名", "（新标题仍在输入框中）");
    }
  });

  const dialog = $("delete-dialog");
  $("delete").addEventListener("click", () => {
    const open = current();
    if (!open) return;
    $("delete-what").textContent = open.title;
    dialog.showModal();
  });
  $("delete-cancel").addEventListener("click", () => dialog.close());
  $("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    dialog.close();
    const open = current();
    if (!open) return;
    try {
      await api.remove(open.cid);
      clearAlert();
      onDeleted(open.cid);
    } catch (error) {
      showRefusal(error, "删除对话");
    }
  });

  return { editing };
}
