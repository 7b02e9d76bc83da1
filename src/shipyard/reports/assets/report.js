// Renders a resolved report (the JSON in #report-data) into #report. The same file runs
// in the web UI and, inlined, in an exported HTML file. User text reaches the page only
// through textContent; the only innerHTML is Markdown the server rendered with raw HTML
// off and a URL-scheme allow-list; Plotly gets strings the server already escaped.
(function () {
  "use strict";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") {
      if (Number.isInteger(v)) return String(v);
      const a = Math.abs(v);
      return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4) : String(+v.toPrecision(6));
    }
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  // Charts are drawn when they come near the viewport, so a long report opens as fast
  // as its first screen; exports printed to PDF (REPORT_STATIC) draw everything at once.
  const plots = [];
  const waiting = [];
  const lazy = window.REPORT_STATIC !== true && "IntersectionObserver" in window;

  function draw(div) {
    if (div._drawn) return div._drawn;
    const fig = div._fig;
    const layout = Object.assign({ autosize: true, paper_bgcolor: "#fff", plot_bgcolor: "#fff" }, fig.layout || {});
    const config = { responsive: true, displaylogo: false, staticPlot: window.REPORT_STATIC === true };
    div._drawn = window.Plotly.newPlot(div, fig.data || [], layout, config);
    return div._drawn;
  }

  function figure(parent, fig) {
    const div = el("div", "figure");
    div._fig = fig;
    parent.append(div);
    if (lazy) {
      div.style.minHeight = ((fig.layout && fig.layout.height) || 360) + "px";
      waiting.push(div);
    } else {
      plots.push(draw(div));
    }
    return div;
  }

  window.renderAll = function () {
    return Promise.all(waiting.map(draw)).then(() => { document.body.dataset.all = "1"; });
  };

  function observe() {
    let first = true;
    const observer = new IntersectionObserver((entries) => {
      const now = entries.filter((e) => e.isIntersecting).map((e) => { observer.unobserve(e.target); return draw(e.target); });
      if (first) { first = false; settle(now); }
    }, { rootMargin: "400px 0px" });
    waiting.forEach((div) => observer.observe(div));
    if (!waiting.length) settle([]);
  }

  function settle(promises) {
    Promise.all(promises).then(() => { window.reportRendered = true; document.body.dataset.rendered = "1"; },
      (err) => { window.reportError = String(err); document.body.dataset.rendered = "error"; });
  }

  function table(parent, columns, rows) {
    const wrap = el("div", "table-wrap");
    const t = el("table", "report-table");
    const head = el("tr");
    for (const c of columns) head.append(el("th", null, c));
    const thead = el("thead");
    thead.append(head);
    t.append(thead);
    const body = el("tbody");
    for (const r of rows) {
      const tr = el("tr");
      for (const c of r) tr.append(el("td", null, fmt(c)));
      body.append(tr);
    }
    t.append(body);
    wrap.append(t);
    parent.append(wrap);
  }

  function kv(parent, title, obj) {
    const keys = Object.keys(obj || {});
    if (!keys.length) return;
    parent.append(el("h4", null, title));
    table(parent, ["key", "value"], keys.sort().map((k) => [k, obj[k]]));
  }

  function media(sec, b) {
    if (!b.runs.length) sec.append(el("p", "muted", "No run in the run set logged this key."));
    const grid = el("div", "media-grid");
    for (const run of b.runs) {
      const cell = el("div", "media-cell");
      cell.append(el("div", "media-run", run.run));
      for (const item of run.items) {
        if (item.src && item.kind === "image") {
          const img = el("img");
          img.src = item.src;
          img.alt = item.caption || run.run;
          cell.append(img);
        } else if (item.src) {
          const m = el(item.kind === "audio" ? "audio" : "video");
          m.controls = true;
          m.src = item.src;
          cell.append(m);
        } else if (item.figure) {
          figure(cell, item.figure);
        } else if (item.html !== undefined) {
          const d = el("div", "markdown");
          d.innerHTML = item.html;
          cell.append(d);
        } else if (item.columns) {
          table(cell, item.columns, item.rows);
        } else {
          cell.append(el("pre", "text", item.text));
        }
        if (item.caption) cell.append(el("div", "caption", item.caption + " · step " + item.step));
        else cell.append(el("div", "caption", "step " + item.step));
      }
      grid.append(cell);
    }
    sec.append(grid);
  }

  function model(sec, b) {
    sec.append(el("h3", null, "Model " + b.name + " v" + b.version));
    const meta = el("p", "muted");
    meta.textContent = [
      b.aliases.length ? "aliases: " + b.aliases.join(", ") : "",
      b.stage && b.stage !== "None" ? "stage: " + b.stage : "",
      "artifact: " + b.artifact,
    ].filter(Boolean).join(" · ");
    sec.append(meta);
    if (b.description) sec.append(el("p", null, b.description));
    if (b.card_html) {
      const d = el("div", "markdown model-card");
      d.innerHTML = b.card_html;
      sec.append(d);
    }
    kv(sec, "Tags", b.tags);
    if (b.run) {
      sec.append(el("h4", null, "Source run " + b.run.name));
      kv(sec, "Metrics", b.run.metrics);
      kv(sec, "Params", b.run.params);
    }
    if (b.lineage) figure(sec, b.lineage);
  }

  function features(sec, b) {
    sec.append(el("p", "muted", b.batches + " batches, " + b.rows + " rows" + (b.version ? ", view version " + b.version : "")));
    const cols = ["name", "dtype", "count", "nulls", "mean", "std", "min", "max", "unique"];
    table(sec, cols, b.columns.map((c) => cols.map((k) => c[k])));
    const grid = el("div", "media-grid");
    for (const f of b.figures) figure(grid, f);
    sec.append(grid);
  }

  function pipeline(sec, b) {
    if (!b.run) { sec.append(el("p", "muted", "The pipeline has no run yet.")); return; }
    const r = b.run;
    const secs = r.ended_at ? ((r.ended_at - r.started_at) / 1000).toFixed(1) + " s" : "running";
    sec.append(el("p", "muted", "Run " + r.id + " · " + r.status + " · " + r.trigger + " · " + r.executor + " · " + secs));
    if (r.error) sec.append(el("p", "error", r.error));
    kv(sec, "Params", r.params);
    const cols = ["step", "status", "attempts", "cached", "duration_ms", "outputs", "error"];
    table(sec, cols, b.steps.map((s) => [s.name, s.status, s.attempts, s.cached ? "yes" : "", s.duration_ms, s.outputs, s.error]));
    if (b.figure.data[0].y.length) figure(sec, b.figure);
  }

  function block(root, b) {
    const sec = el("section", "block block-" + b.type);
    sec.dataset.type = b.type;
    root.append(sec);
    if (b.title && !["heading", "markdown", "model"].includes(b.type) && b.kind !== "figure") {
      sec.append(el("h3", "block-title", b.title));
    }
    switch (b.kind) {
      case "heading": sec.append(el("h" + (b.level + 1), null, b.text)); break;
      case "html": { const d = el("div", "markdown"); d.innerHTML = b.html; sec.append(d); break; }
      case "figure": figure(sec, b.figure); break;
      case "table": table(sec, b.columns, b.rows.map((r) => r.cells)); break;
      case "media": media(sec, b); break;
      case "model": model(sec, b); break;
      case "features": features(sec, b); break;
      case "pipeline": pipeline(sec, b); break;
      case "error": sec.append(el("p", "error", b.type + ": " + b.message + " [" + b.error_code + "]")); break;
      default: sec.append(el("p", "error", "Unknown block " + b.kind));
    }
  }

  function render() {
    const root = document.getElementById("report");
    const data = JSON.parse(document.getElementById("report-data").textContent);
    root.textContent = "";
    for (const b of data.blocks) {
      try { block(root, b); } catch (err) { root.append(el("p", "error", "This block failed to render: " + err)); }
    }
    if (lazy) observe();
    else settle(plots);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
