// blockfirst dashboard: countdowns, "select all", print. No dependencies.
"use strict";

function formatLeft(ms) {
  const span = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(span / 3600);
  const m = String(Math.floor((span % 3600) / 60)).padStart(2, "0");
  const s = String(span % 60).padStart(2, "0");
  // The page's own words for "left" and "overdue" (body data-left / data-overdue).
  const words = ms > 0 ? document.body.dataset.left : document.body.dataset.overdue;
  return (words || "{time}").replace("{time}", `${h}h ${m}m ${s}s`);
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("time.countdown[data-deadline]")) {
    const left = Date.parse(el.dataset.deadline) - now;
    el.textContent = formatLeft(left);
    el.classList.toggle("overdue", left <= 0);
    el.classList.toggle("soon", left > 0 && left < 3600 * 1000);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  tick();
  setInterval(tick, 1000);
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll('#bulk input[name="case"]')) {
        box.checked = all.checked;
      }
    });
  }
  const print = document.getElementById("print");
  if (print) print.addEventListener("click", () => window.print());
});
