// "New report" on a project's report list: POST the report, then open its editor.
import { $ } from "./ui.js";

const form = $("#new-report");
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { project: form.dataset.project, title: $("#new-title").value, spec: {} };
  const res = await fetch("/api/v1/reports", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) { $("#new-error").textContent = data.message || res.statusText; return; }
  window.location.href = "/reports/" + encodeURIComponent(data.id) + "/edit";
});
