import { $, $$, el, getJSON, pageData, plotText, color, q, PLOT_CONFIG } from "./ui.js";
import { fetchSeries } from "./charts.js";

const data = pageData();
const runs = data.runs;
$$(".swatch").forEach((s) => { s.style.background = color(Number(s.dataset.index)); });

function groups() {
  const out = new Map();
  runs.forEach((r, i) => {
    const k = r.group === null || r.group === undefined ? "—" : r.group;
    if (!out.has(k)) out.set(k, []);
    out.get(k).push({ run: r, index: i });
  });
  return out;
}

async function overlay() {
  const key = $("#metric-select").value;
  const target = $("#overlay-chart");
  if (!key) { target.replaceChildren(el("p", { class: "muted", text: "No metrics." })); return; }
  let traces = [];
  try {
    if (data.group) {
      let g = 0;
      for (const [value, members] of groups()) {
        const ids = members.map((m) => m.run.id).join(",");
        const b = await getJSON(`/api/v1/metrics/band?${q({ runs: ids, key })}`);
        const c = color(g++);
        const upper = b.mean.map((m, i) => m + b.std[i]);
        const lower = b.mean.map((m, i) => m - b.std[i]);
        const name = plotText(`${data.group}=${value} (${members.length})`);
        traces.push({ x: b.steps, y: upper, mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip", legendgroup: name });
        traces.push({ x: b.steps, y: lower, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: `${c}33`, showlegend: false, hoverinfo: "skip", legendgroup: name });
        traces.push({ x: b.steps, y: b.mean, mode: "lines", name, line: { color: c, width: 2 }, legendgroup: name });
      }
    } else {
      const all = await Promise.all(runs.map((r) => fetchSeries(r.id, key).catch(() => null)));
      traces = all.map((s, i) => s && { x: s.steps, y: s.values, mode: "lines", name: plotText(runs[i].name), line: { color: color(i) } }).filter(Boolean);
    }
  } catch (e) { target.replaceChildren(el("p", { class: "error", text: e.message })); return; }
  Plotly.react(target, traces, { height: 380, margin: { l: 50, r: 10, t: 10, b: 40 }, xaxis: { title: { text: "step" } }, yaxis: { type: $("#log-scale").checked ? "log" : "linear" } }, PLOT_CONFIG);
}

function numeric(values) { return values.every((v) => v === null || v === undefined || (v !== "" && !Number.isNaN(Number(v)))); }

function parcoords() {
  const dims = [];
  for (const p of data.params) {
    const vals = runs.map((r) => r.params[p]);
    if (numeric(vals)) dims.push({ label: plotText(p), values: vals.map((v) => (v === undefined ? null : Number(v))) });
    else {
      const cats = [...new Set(vals.map((v) => v ?? "—"))];
      dims.push({ label: plotText(p), values: vals.map((v) => cats.indexOf(v ?? "—")), tickvals: cats.map((_, i) => i), ticktext: cats.map(plotText) });
    }
  }
  for (const m of data.metrics) dims.push({ label: plotText(m), values: runs.map((r) => r.metrics[m] ?? null) });
  if (!dims.length) return;
  const last = data.metrics.length ? runs.map((r) => r.metrics[data.metrics[0]] ?? 0) : runs.map((_, i) => i);
  Plotly.newPlot($("#parcoords-chart"), [{ type: "parcoords", dimensions: dims, line: { color: last, colorscale: "Viridis", showscale: true } }],
    { height: 400, margin: { l: 60, r: 60, t: 40, b: 20 } }, PLOT_CONFIG);
}

function value(r, col) {
  const [kind, ...rest] = col.split("."); const key = rest.join(".");
  return kind === "params" ? r.params[key] : r.metrics[key];
}

function scatter() {
  const xc = $("#scatter-x").value; const yc = $("#scatter-y").value;
  if (!xc || !yc) return;
  const xs = runs.map((r) => value(r, xc));
  const trace = {
    type: "scatter", mode: "markers", x: numeric(xs) ? xs.map((v) => (v === undefined ? null : Number(v))) : xs,
    y: runs.map((r) => value(r, yc) ?? null), text: runs.map((r) => plotText(r.name)),
    marker: { size: 10, color: runs.map((_, i) => color(i)) },
  };
  Plotly.react($("#scatter-chart"), [trace], { height: 360, margin: { l: 60, r: 10, t: 10, b: 50 }, xaxis: { title: { text: plotText(xc) } }, yaxis: { title: { text: plotText(yc) } } }, PLOT_CONFIG);
}

$("#metric-select")?.addEventListener("change", overlay);
$("#log-scale")?.addEventListener("change", overlay);
$("#scatter-x")?.addEventListener("change", scatter);
$("#scatter-y")?.addEventListener("change", scatter);
$("#only-diff").addEventListener("change", (ev) => { $$("#param-diff tr.same").forEach((r) => { r.hidden = ev.target.checked; }); });
overlay(); parcoords(); scatter();
