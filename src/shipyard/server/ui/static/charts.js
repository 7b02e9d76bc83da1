// Metric charts: data down-sampled by the server (LTTB), smoothing in the browser,
// zoom refetches the visible step window at full resolution.
import { el, getJSON, q, plotText, PLOT_CONFIG } from "./ui.js";

export const POINTS = 1000;

export function smooth(ys, kind, weight) {
  if (kind === "ema") {
    let last = 0; let n = 0;
    return ys.map((y) => { last = last * weight + (1 - weight) * y; n += 1; return last / (1 - weight ** n); });
  }
  if (kind === "ma") {
    const w = 1 + Math.round(weight * 100);
    const out = new Array(ys.length); let sum = 0;
    for (let i = 0; i < ys.length; i++) {
      sum += ys[i]; if (i >= w) sum -= ys[i - w];
      out[i] = sum / Math.min(i + 1, w);
    }
    return out;
  }
  return ys;
}

export function xValues(series, mode, start) {
  if (mode === "wall") return series.timestamps.map((t) => new Date(t));
  if (mode === "relative") return series.timestamps.map((t) => (t - start) / 1000);
  return series.steps;
}

export function fetchSeries(runId, key, opts = {}) {
  const params = q({ key, points: POINTS, method: "lttb", x: opts.x === "step" || !opts.x ? "step" : "time", start: opts.start, end: opts.end });
  return getJSON(`/api/v1/runs/${encodeURIComponent(runId)}/metrics/chart?${params}`);
}

export function axisTitle(mode) {
  return { step: "step", wall: "wall time", relative: "seconds since start" }[mode];
}

export class MetricChart {
  constructor(container, run, key, controls) {
    this.run = run; this.key = key; this.controls = controls; this.series = null;
    const base = `/api/v1/runs/${encodeURIComponent(run.id)}/metrics/download?key=${encodeURIComponent(key)}`;
    this.info = el("span", { class: "muted" });
    this.plot = el("div", { class: "chart" });
    this.card = el("div", { class: "chart-card", "data-key": key },
      el("div", { class: "chart-head" }, el("strong", { text: key }), " ", this.info, " ",
        el("a", { href: `${base}&format=csv`, text: "CSV" }), " ",
        el("a", { href: `${base}&format=parquet`, text: "Parquet" })),
      this.plot);
    container.append(this.card);
  }

  async load(window = {}) {
    try {
      this.series = await fetchSeries(this.run.id, this.key, { x: this.controls.x(), ...window });
      this.window = window;
      this.draw();
    } catch (err) {
      this.plot.replaceChildren(el("p", { class: "error", text: err.message }));
    }
  }

  draw() {
    const s = this.series; const c = this.controls;
    const x = xValues(s, c.x(), this.run.start);
    const kind = c.smoothKind();
    const traces = [];
    if (kind !== "none") {
      traces.push({ x, y: s.values, mode: "lines", name: "raw", line: { width: 1, color: "rgba(31,119,180,0.25)" }, hoverinfo: "skip" });
    }
    traces.push({ x, y: smooth(s.values, kind, c.weight()), mode: "lines", name: plotText(this.key), line: { width: 2, color: "#1f77b4" } });
    const shown = s.values.length;
    this.info.textContent = `${shown.toLocaleString()} of ${s.total.toLocaleString()} points${s.nonfinite ? `, ${s.nonfinite} NaN/inf hidden` : ""}`;
    const layout = {
      margin: { l: 50, r: 10, t: 10, b: 40 }, height: 260, showlegend: false,
      xaxis: { title: { text: axisTitle(c.x()) } }, yaxis: { type: c.log() ? "log" : "linear" },
    };
    Plotly.react(this.plot, traces, layout, PLOT_CONFIG);
    if (!this.bound) {
      this.bound = true;
      this.plot.on("plotly_relayout", (ev) => this.onZoom(ev));
    }
  }

  onZoom(ev) {
    if (this.controls.x() !== "step") return;
    if (ev["xaxis.autorange"]) { if (this.window && this.window.start !== undefined) this.load({}); return; }
    const lo = ev["xaxis.range[0]"]; const hi = ev["xaxis.range[1]"];
    if (lo === undefined || hi === undefined) return;
    this.load({ start: Math.floor(lo), end: Math.ceil(hi) });
  }
}

export function lazy(charts) {
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      seen.unobserve(e.target);
      const chart = charts.find((ch) => ch.card === e.target);
      if (chart) chart.load();
    }
  }, { rootMargin: "400px" });
  charts.forEach((ch) => seen.observe(ch.card));
}
