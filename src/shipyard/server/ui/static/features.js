// Feature view statistics: one Plotly bar chart per numeric feature's histogram.
import { $$, pageData, plotText } from "./ui.js";

const data = pageData();
for (const div of $$(".chart.hist")) {
  const name = div.dataset.feature;
  const hist = data.histograms[name];
  if (!hist) continue;
  const mids = hist.counts.map((_, i) => (hist.edges[i] + hist.edges[i + 1]) / 2);
  const widths = hist.counts.map((_, i) => hist.edges[i + 1] - hist.edges[i]);
  window.Plotly.newPlot(div, [{
    type: "bar", x: mids, y: hist.counts, width: widths, name: plotText(name),
    marker: { color: "#1f77b4" }, hovertemplate: "%{x:.4g}: %{y}<extra></extra>",
  }], {
    height: 220, margin: { l: 40, r: 10, t: 10, b: 30 }, bargap: 0.02,
    xaxis: { title: { text: plotText(name) } }, yaxis: { title: { text: "rows" } },
  }, { displaylogo: false, responsive: true });
}
