// The report editor: add, reorder and remove blocks, edit Markdown and headings, add run
// sets, then save the spec as a new version (the server validates it). With auth on,
// writes need a token with the write role (the session cookie is read-only).
import { $, el, pageData } from "./ui.js";

const page = pageData();
const spec = { runsets: { ...page.spec.runsets }, blocks: [...page.spec.blocks] };
const FIELDS = {
  heading: [["text", "Heading text"]],
  markdown: [["text", "Markdown"]],
  line: [["key", "metric key"], ["smoothing", "smoothing 0..0.99"]],
  scatter: [["x", "x column, e.g. params.lr"], ["y", "y column, e.g. metrics.loss"]],
  bar: [["column", "column, e.g. metrics.loss"]],
  parallel: [["columns", "columns, comma-separated"]],
  table: [["columns", "columns, comma-separated"]],
  media: [["key", "media key"]],
  model: [["uri", "model, e.g. name@champion"]],
  features: [["view", "feature view"]],
  lineage: [["ref", "artifact, e.g. data:latest"]],
};
const RUNSET_TYPES = new Set(["line", "scatter", "bar", "parallel", "table", "media"]);

$("#ed-title").value = page.report.title;
$("#ed-description").value = page.report.description;

function summary(b) {
  const parts = [b.type];
  for (const k of ["text", "key", "x", "y", "column", "columns", "uri", "view", "ref"]) {
    if (b[k] !== undefined && k !== "text") parts.push(k + "=" + (Array.isArray(b[k]) ? b[k].join(",") : b[k]));
  }
  if (b.runset) parts.push("run set " + b.runset);
  return parts.join(" · ");
}

function move(i, delta) {
  const j = i + delta;
  if (j < 0 || j >= spec.blocks.length) return;
  [spec.blocks[i], spec.blocks[j]] = [spec.blocks[j], spec.blocks[i]];
  draw();
}

function draw() {
  const list = $("#ed-blocks");
  list.textContent = "";
  spec.blocks.forEach((b, i) => {
    const li = el("li", { class: "ed-block", "data-type": b.type });
    li.append(el("span", { class: "ed-summary", text: summary(b) }), " ",
      el("button", { type: "button", class: "ed-up", text: "↑", onclick: () => move(i, -1) }),
      el("button", { type: "button", class: "ed-down", text: "↓", onclick: () => move(i, 1) }),
      el("button", { type: "button", class: "ed-remove", text: "Remove", onclick: () => { spec.blocks.splice(i, 1); draw(); } }));
    if (b.type === "markdown" || b.type === "heading") {
      const area = el(b.type === "markdown" ? "textarea" : "input", { class: "ed-text", rows: 5, cols: 90 });
      area.value = b.text;
      area.addEventListener("input", () => { b.text = area.value; });
      li.append(el("br"), area);
    }
    list.append(li);
  });
  const sets = $("#ed-runsets");
  sets.textContent = "";
  for (const [id, rs] of Object.entries(spec.runsets)) {
    sets.append(el("div", { class: "ed-runset", text: id + ": " + rs.project + (rs.filter ? " where " + rs.filter : "") + (rs.group_by && rs.group_by.length ? " grouped by " + rs.group_by.join(", ") : "") }));
  }
  fieldsFor($("#add-type").value);
}

const typeSelect = $("#add-type");
for (const t of Object.keys(FIELDS)) typeSelect.append(el("option", { value: t, text: t }));
typeSelect.addEventListener("change", () => fieldsFor(typeSelect.value));

function fieldsFor(type) {
  const box = $("#add-fields");
  box.textContent = "";
  for (const [name, hint] of FIELDS[type]) {
    box.append(el(name === "text" && type === "markdown" ? "textarea" : "input", { "data-field": name, placeholder: hint, "aria-label": hint, size: 28, rows: 3 }));
  }
  if (RUNSET_TYPES.has(type)) {
    const sel = el("select", { "data-field": "runset", "aria-label": "run set" });
    for (const id of Object.keys(spec.runsets)) sel.append(el("option", { value: id, text: id }));
    box.append(sel);
  }
}

$("#add-block").addEventListener("click", () => {
  const type = typeSelect.value;
  const block = { type };
  for (const input of document.querySelectorAll("#add-fields [data-field]")) {
    const name = input.dataset.field;
    let value = input.value;
    if (name === "columns") value = value.split(",").map((s) => s.trim()).filter(Boolean);
    else if (name === "smoothing") value = value === "" ? 0 : Number(value);
    block[name] = value;
  }
  if (RUNSET_TYPES.has(type) && !block.runset) {
    $("#ed-status").textContent = "Add a run set first.";
    return;
  }
  spec.blocks.push(block);
  draw();
});

$("#rs-add").addEventListener("click", () => {
  const n = Object.keys(spec.runsets).length + 1;
  const group = $("#rs-group").value.split(",").map((s) => s.trim()).filter(Boolean);
  spec.runsets["rs" + n] = { project: page.report.project, filter: $("#rs-filter").value, group_by: group, order_by: [], limit: 200 };
  draw();
});

async function save(snapshot) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const token = $("#ed-token");
  if (token && token.value) headers.Authorization = "Bearer " + token.value.trim();
  const body = { spec, snapshot, title: $("#ed-title").value, description: $("#ed-description").value };
  $("#ed-status").textContent = "Saving…";
  const res = await fetch("/api/v1/reports/" + encodeURIComponent(page.report.id) + "/versions", {
    method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) { $("#ed-status").textContent = "Not saved: " + (data.message || res.statusText); return; }
  window.location.href = "/reports/" + encodeURIComponent(page.report.id) + "?version=" + data.version;
}
$("#ed-save").addEventListener("click", () => save(false));
$("#ed-snapshot").addEventListener("click", () => save(true));
draw();
