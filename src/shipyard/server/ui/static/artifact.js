import { $, $$, el, getJSON, pageData, fmt, q } from "./ui.js";

const page = pageData();
const box = $("#preview");

async function show(path) {
  box.replaceChildren(el("p", { class: "muted", text: `Loading ${path}…` }));
  try {
    const p = await getJSON(`/ui/artifacts/${encodeURIComponent(page.name)}/${encodeURIComponent(page.selector)}/preview?${q({ path })}`);
    const title = el("h3", { text: path });
    if (p.kind === "text") box.replaceChildren(title, el("pre", { text: p.text + (p.truncated ? "\n…" : "") }));
    else if (p.kind === "image") box.replaceChildren(title, el("img", { src: p.url, alt: path, class: "media-img" }));
    else if (p.kind === "table") {
      const head = el("tr", {}, ...p.columns.map((c) => el("th", { text: c })));
      const rows = p.rows.map((r) => el("tr", {}, ...r.map((v) => el("td", { text: fmt(v) }))));
      const note = p.total_rows !== null && p.total_rows !== undefined ? `first ${p.rows.length} of ${p.total_rows.toLocaleString()} rows` : `first ${p.rows.length} rows`;
      box.replaceChildren(title, el("p", { class: "muted", text: note }), el("div", { class: "scroll" }, el("table", { class: "grid compact" }, el("thead", {}, head), el("tbody", {}, ...rows))));
    } else box.replaceChildren(title, el("p", { class: "muted", text: "No preview for this file type." }));
  } catch (e) { box.replaceChildren(el("p", { class: "error", text: e.message })); }
}

$$(".preview-link").forEach((a) => a.addEventListener("click", (ev) => { ev.preventDefault(); show(a.dataset.path); }));
if (page.auto) show(page.auto);  // predictions: their first rows straight away
