// The examiner's bearer token, asked for in a dialog: one dialog at a time, whatever number of
// requests were refused meanwhile.

const $ = (id) => document.getElementById(id);
let tokenPrompt = null;

// Resolves to the token typed, or null when the examiner declines; onClear() drops the kept one.
export function askToken(refusal, onClear) {
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
    $("token-clear").onclick = () => { onClear(); finish(null); };
    dialog.oncancel = (event) => { event.preventDefault(); finish(null); };
    dialog.showModal();
    $("token-input").focus();
  });
  return tokenPrompt;
}
