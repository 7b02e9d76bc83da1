import { $, pageData } from "./ui.js";
import { MetricChart, lazy } from "./charts.js";
import { mediaBrowser } from "./media.js";

const data = pageData();
const controls = {
  x: () => $("#x-axis").value,
  smoothKind: () => $("#smooth-kind").value,
  weight: () => Number($("#smooth-weight").value),
  log: () => $("#log-scale").checked,
};
const charts = [
  ...data.metrics.map((k) => new MetricChart($("#metric-charts"), data.run, k, controls)),
  ...data.system.map((k) => new MetricChart($("#system-charts"), data.run, k, controls)),
];
lazy(charts);

const redraw = () => charts.forEach((c) => { if (c.series) c.draw(); });
const reload = () => charts.forEach((c) => { if (c.series) c.load(); });
$("#smooth-kind").addEventListener("change", redraw);
$("#smooth-weight").addEventListener("input", () => { $("#smooth-value").textContent = $("#smooth-weight").value; redraw(); });
$("#log-scale").addEventListener("change", redraw);
$("#x-axis").addEventListener("change", reload);

mediaBrowser($("#media-browser"), data.run, data.media);
