// Renaming and deleting the open conversation. A rename edits the title in place; a delete asks
// first, in a dialog that says the events stay in the log (the audit trail), then hides it.

import { clearAlert, showRefusal } from "./alerts.js";

const $ = (id) => document.getElementById(id);

// current() -> { cid, title } of the open conversation, or null before its first step is
// accepted; onRenamed(cid, title), onDeleted(cid) once the server has done it.
export function setupManage(api, current, onRenamed, onDeleted) {
  const form = $("rename-form");
  const input = $("rename-input");
  let renaming = null; // the conversation whose title is being edited

  const editing = (on) => {
    if (!on) renaming = null;
    form.hidden = !on;
    $("conversation-title").hidden = on;
    $("conversation-tools").hidden = on || !current();
  };

  $("rename").addEventListener("click", () => {
    const open = current();
    if (!open) return;
    input.value = open.title;
    editing(true);
    renaming = open.cid;
    input.focus();
    input.select();
  });
  $("rename-cancel").addEventListener("click", () => editing(false));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") editing(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const cid = renaming;
    if (!cid) return editing(false);
    try {
      const renamed = await api.rename(cid, input.value);
      clearAlert();
      editing(false);
      onRenamed(renamed.conversation_id, renamed.title);
    } catch (error) {
      showRefusal(error, "重命名", "（新标题仍在输入框中）");
    }
  });

  const dialog = $("delete-dialog");
  let deleting = null;
  $("delete").addEventListener("click", () => {
    const open = current();
    if (!open) return;
    deleting = open.cid;
    $("delete-what").textContent = open.title;
    dialog.showModal();
  });
  $("delete-cancel").addEventListener("click", () => dialog.close());
  $("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    dialog.close();
    const cid = deleting;
    deleting = null;
    if (!cid) return;
    try {
      await api.remove(cid);
      clearAlert();
      onDeleted(cid);
    } catch (error) {
      showRefusal(error, "删除对话");
    }
  });

  return { editing };
}
