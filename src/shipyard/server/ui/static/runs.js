import { $, $$ } from "./ui.js";

const all = $("#select-all");
const button = $("#compare-button");
const count = $("#selected-count");

function update() {
  const n = $$(".pick:checked").length;
  if (button) button.disabled = n < 2;
  if (count) count.textContent = `${n} selected`;
}
if (all) all.addEventListener("change", () => { $$(".pick").forEach((c) => { c.checked = all.checked; }); update(); });
$$(".pick").forEach((c) => c.addEventListener("change", update));
update();
