// A logged table, paged, sorted and filtered by the server.
import { el, getJSON, q, fmt } from "./ui.js";

export function tableView(item) {
  const state = { offset: 0, limit: 50, sort: null, desc: false, q: "" };
  const filter = el("input", { type: "search", placeholder: "filter rows", class: "table-filter", "aria-label": "filter rows" });
  const info = el("span", { class: "muted" });
  const prev = el("button", { type: "button", text: "←" });
  const next = el("button", { type: "button", text: "→" });
  const grid = el("table", { class: "grid compact media-table" });
  const load = async () => {
    const params = q({ offset: state.offset, limit: state.limit, sort: state.sort, desc: state.desc ? "true" : "", q: state.q });
    try {
      const page = await getJSON(`/api/v1/media/${item.id}/table?${params}`);
      const head = el("tr", {}, ...page.columns.map((c) => el("th", {}, el("a", {
        href: "#", text: c + (state.sort === c ? (state.desc ? " ▼" : " ▲") : ""),
        onclick: (ev) => { ev.preventDefault(); state.desc = state.sort === c ? !state.desc : false; state.sort = c; state.offset = 0; load(); },
      }))));
      const rows = page.rows.map((r) => el("tr", {}, ...r.map((v) => el("td", { text: fmt(v) }))));
      grid.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
      const end = Math.min(page.offset + page.rows.length, page.matched);
      info.textContent = `${page.matched ? page.offset + 1 : 0}–${end} of ${page.matched.toLocaleString()}${page.matched !== page.total ? ` (filtered from ${page.total.toLocaleString()})` : ""}`;
      prev.disabled = page.offset === 0; next.disabled = end >= page.matched;
    } catch (e) { grid.replaceChildren(el("caption", { class: "error", text: e.message })); }
  };
  let timer = null;
  filter.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { state.q = filter.value; state.offset = 0; load(); }, 250); });
  prev.addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); load(); });
  next.addEventListener("click", () => { state.offset += state.limit; load(); });
  load();
  return el("div", { class: "table-view" }, el("div", { class: "toolbar" }, filter, prev, next, info), el("div", { class: "scroll" }, grid));
}
