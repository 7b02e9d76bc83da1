// The media browser: one panel per key, a slider over the steps it was logged at,
// and a renderer per kind. Everything user-provided goes through textContent.
import { el, getJSON, plotText, color, fmt, q, PLOT_CONFIG } from "./ui.js";
import { tableView } from "./table.js";

const content = (item, part) => `/api/v1/media/${item.id}/content${part ? `?part=${encodeURIComponent(part)}` : ""}`;

function caption(item) {
  return item.meta.caption ? el("figcaption", { text: item.meta.caption }) : null;
}

// Class ids (0 = background) painted in the palette's colours over the image.
function maskCanvas(url) {
  const canvas = el("canvas", { class: "mask" });
  const img = new Image();
  img.onload = () => {
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < px.data.length; i += 4) {
      const cls = px.data[i];
      if (!cls) { px.data[i + 3] = 0; continue; }
      const hex = color(cls - 1);
      px.data[i] = parseInt(hex.slice(1, 3), 16); px.data[i + 1] = parseInt(hex.slice(3, 5), 16);
      px.data[i + 2] = parseInt(hex.slice(5, 7), 16); px.data[i + 3] = 110;
    }
    ctx.putImageData(px, 0, 0);
  };
  img.src = url;
  return canvas;
}

function image(item) {
  const wrap = el("div", { class: "img-wrap" }, el("img", { src: content(item), alt: item.meta.caption || item.key, class: "media-img" }));
  if (item.meta.parts && item.meta.parts.mask) wrap.append(maskCanvas(content(item, "mask")));
  const w = item.meta.width || 1; const h = item.meta.height || 1;
  for (const b of item.meta.boxes || []) {
    const box = el("div", { class: "box" });
    box.style.left = `${(100 * b.x0) / w}%`; box.style.top = `${(100 * b.y0) / h}%`;
    box.style.width = `${(100 * (b.x1 - b.x0)) / w}%`; box.style.height = `${(100 * (b.y1 - b.y0)) / h}%`;
    if (b.label !== undefined) box.append(el("span", { class: "box-label", text: b.score !== undefined ? `${b.label} ${fmt(b.score)}` : b.label }));
    wrap.append(box);
  }
  return el("figure", { class: "media-item image" }, wrap, caption(item));
}

function audio(item) {
  return el("figure", { class: "media-item audio" }, el("audio", { controls: true, src: content(item), preload: "metadata" }), caption(item));
}

function video(item) {
  const player = item.mime === "image/gif"
    ? el("img", { src: content(item), alt: item.meta.caption || item.key, class: "media-img" })
    : el("video", { controls: true, src: content(item), preload: "metadata" });
  return el("figure", { class: "media-item video" }, player, caption(item));
}

function plotBox(item, draw) {
  const div = el("div", { class: "chart" });
  const fig = el("figure", { class: `media-item ${item.kind}` }, div, caption(item));
  getJSON(content(item)).then((doc) => draw(div, doc)).catch((e) => div.replaceChildren(el("p", { class: "error", text: e.message })));
  return fig;
}

function histogram(item) {
  return plotBox(item, (div, h) => {
    const centers = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
    const widths = h.counts.map((_, i) => h.edges[i + 1] - h.edges[i]);
    Plotly.newPlot(div, [{ type: "bar", x: centers, y: h.counts, width: widths }], { height: 260, margin: { l: 40, r: 10, t: 10, b: 30 } }, PLOT_CONFIG);
  });
}

function pointCloud(item) {
  return plotBox(item, (div, p) => {
    const xyz = p.xyz;
    const marker = { size: 2 };
    if (p.rgb) marker.color = p.rgb.map((c) => `rgb(${c[0]},${c[1]},${c[2]})`);
    else if (p.classes) marker.color = p.classes.map((c) => color(c));
    Plotly.newPlot(div, [{ type: "scatter3d", mode: "markers", x: xyz.map((r) => r[0]), y: xyz.map((r) => r[1]), z: xyz.map((r) => r[2]), marker }],
      { height: 420, margin: { l: 0, r: 0, t: 0, b: 0 } }, PLOT_CONFIG);
  });
}

function embeddings(item) {
  return plotBox(item, (div, e) => {
    const groups = new Map();
    e.coords.forEach((c, i) => {
      const label = e.labels ? e.labels[i] : "points";
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push(c);
    });
    const three = item.meta.dims === 3;
    const traces = [...groups.entries()].map(([label, pts], i) => ({
      type: three ? "scatter3d" : "scattergl", mode: "markers", name: plotText(label),
      x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), z: three ? pts.map((p) => p[2]) : undefined,
      marker: { size: three ? 3 : 6, color: color(i) },
    }));
    Plotly.newPlot(div, traces, { height: 420, margin: { l: 30, r: 10, t: 10, b: 30 } }, PLOT_CONFIG);
  });
}

function plotlyFigure(item) {
  return plotBox(item, (div, f) => Plotly.newPlot(div, f.data || [], { ...(f.layout || {}), height: 380 }, PLOT_CONFIG));
}

function text(item) {
  const body = el("div", { class: "text-body" });
  getJSON(content(item)).then(async (doc) => {
    if (doc.markdown) {
      const md = await getJSON(`/api/v1/media/${item.id}/markdown`);
      body.innerHTML = md.html; // rendered and sanitised by the server (raw HTML escaped)
    } else body.append(el("pre", { text: doc.text }));
  }).catch((e) => body.append(el("p", { class: "error", text: e.message })));
  return el("figure", { class: "media-item text" }, body, caption(item));
}

function prompt(item) {
  const list = el("div", { class: "chat" });
  getJSON(content(item)).then((doc) => {
    if (doc.model) list.append(el("p", { class: "muted", text: `model: ${doc.model}` }));
    for (const m of doc.messages) list.append(el("div", { class: `msg ${m.role === "user" ? "user" : "other"}` }, el("strong", { text: m.role }), el("pre", { text: m.content })));
  }).catch((e) => list.append(el("p", { class: "error", text: e.message })));
  return el("figure", { class: "media-item prompt" }, list, caption(item));
}

function table(item) {
  return el("figure", { class: "media-item table" }, tableView(item), caption(item));
}

const RENDER = { image, audio, video, histogram, point_cloud: pointCloud, embeddings, plotly: plotlyFigure, text, prompt, table };

function panel(run, summary) {
  const items = el("div", { class: "media-items" });
  const label = el("span", { class: "muted" });
  const slider = el("input", { type: "range", min: 0, max: summary.steps.length - 1, value: summary.steps.length - 1, class: "step-slider", "aria-label": `step of ${summary.key}` });
  const show = async () => {
    const step = summary.steps[Number(slider.value)];
    label.textContent = `step ${step} (${Number(slider.value) + 1}/${summary.steps.length})`;
    try {
      const res = await getJSON(`/api/v1/runs/${encodeURIComponent(run.id)}/media?${q({ key: summary.key, step })}`);
      items.replaceChildren(...res.items.map((it) => (RENDER[it.kind] || (() => el("p", { text: it.kind })))(it)));
    } catch (e) { items.replaceChildren(el("p", { class: "error", text: e.message })); }
  };
  slider.addEventListener("input", show);
  show();
  const head = el("div", { class: "media-head" }, el("strong", { text: summary.key }), " ", el("span", { class: "kind", text: summary.kind }), " ");
  if (summary.steps.length > 1) head.append(slider);
  head.append(" ", label);
  return el("div", { class: "media-panel", "data-key": summary.key, "data-kind": summary.kind }, head, items);
}

export function mediaBrowser(container, run, keys) {
  container.replaceChildren(...keys.map((k) => panel(run, k)));
}
