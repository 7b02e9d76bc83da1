// Evaluation plots of a model version: each the Plotly figure JSON sy.evaluate stored.
import { $$, getJSON, el } from "./ui.js";

const CONFIG = { displaylogo: false, responsive: true };
for (const div of $$(".chart.eval-plot")) {
  getJSON(`/api/v1/blobs/${encodeURIComponent(div.dataset.digest)}`)
    .then((f) => window.Plotly.newPlot(div, f.data || [], { ...(f.layout || {}), height: 340, width: undefined, autosize: true }, CONFIG))
    .catch((err) => div.replaceChildren(el("p", { class: "error", text: `Could not load the plot: ${err.message}` })));
}
