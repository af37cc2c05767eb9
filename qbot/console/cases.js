// The case picker and its node tree: which evidence a question reads (`package_nodes`).

import { showAlert } from "./alerts.js";

const $ = (id) => document.getElementById(id);

export async function loadCases(api) {
  const { cases } = await api.cases();
  const select = $("case");
  select.replaceChildren(...cases.map((c) => {
    const option = document.createElement("option");
    option.value = c.case_id;
    option.textContent = `${c.name || c.case_id}（${c.case_id}）`;
    return option;
  }));
  if (!cases.length) showAlert("证据库中没有案件。");
  await loadNodes(api);
}

export async function loadNodes(api) {
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

export function selectedNodes() {
  return [...$("nodes").querySelectorAll("input:checked")].map((c) => Number(c.value));
}

function updateNodeCount() {
  const n = selectedNodes().length;
  $("nodes-count").textContent = n ? `${n} 个` : "全部";
}
