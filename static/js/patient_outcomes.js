// Outcome chart on the patient chart page (Chart.js, vendored). Data comes from the page as JSON
// (patients.outcomes.outcome_chart_data); the same series renders server-side as SVG for PDFs.
(function () {
  "use strict";
  var dataEl = document.getElementById("outcome-data");
  var canvas = document.getElementById("outcome-chart");
  if (!dataEl || !canvas || !window.Chart) { return; }
  var all = JSON.parse(dataEl.textContent);
  var COLOURS = { line: "#2d5f73", baseline: "#6c757d", response: "#d97706", remission: "#198754" };
  var DAY = 24 * 3600 * 1000;
  var state = { chart: null, code: null };
  window.kapOutcomes = state;

  function hline(label, y, x0, x1, colour, dash) {
    return {
      label: label, data: [{ x: x0, y: y }, { x: x1, y: y }], borderColor: colour, borderDash: dash,
      borderWidth: 1.5, pointRadius: 0, pointHitRadius: 0, fill: false
    };
  }

  function pointColour(p) {
    if (p.remission) { return COLOURS.remission; }
    if (p.response) { return COLOURS.response; }
    return COLOURS.line;
  }

  function draw(code) {
    var series = all[code];
    if (!series) { return; }
    state.code = code;
    document.querySelectorAll("[data-outcome]").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-outcome") === code);
      b.setAttribute("aria-pressed", b.getAttribute("data-outcome") === code ? "true" : "false");
    });
    var pts = series.points;
    var xs = pts.map(function (p) { return p.x; });
    var x0 = xs.length ? Math.min.apply(null, xs) : Date.now() - 7 * DAY;
    var x1 = xs.length ? Math.max.apply(null, xs) : Date.now();
    if (x1 - x0 < 7 * DAY) { x0 -= 3 * DAY; x1 += 3 * DAY; }
    var datasets = [{
      label: series.label, data: pts.map(function (p) { return { x: p.x, y: p.y, meta: p }; }),
      borderColor: COLOURS.line, backgroundColor: pts.map(pointColour), pointBackgroundColor: pts.map(pointColour),
      pointRadius: pts.map(function (p) { return p.response || p.remission || p.baseline ? 6 : 4; }),
      pointStyle: pts.map(function (p) { return p.baseline ? "rectRot" : "circle"; }),
      borderWidth: 2, tension: 0, fill: false
    }];
    if (series.baseline !== null) {
      datasets.push(hline("Baseline " + series.baseline, series.baseline, x0, x1, COLOURS.baseline, [6, 4]));
    }
    if (series.response_threshold !== null) {
      datasets.push(hline("Response ≤ " + series.response_threshold, series.response_threshold, x0, x1, COLOURS.response, [3, 3]));
    }
    if (series.remission_below !== null && pts.length) {
      datasets.push(hline("Remission < " + series.remission_below, series.remission_below, x0, x1, COLOURS.remission, [2, 4]));
    }
    if (state.chart) { state.chart.destroy(); }
    state.chart = new window.Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, maintainAspectRatio: false, parsing: true,
        scales: {
          x: { type: "linear", min: x0, max: x1, ticks: { maxTicksLimit: 8, callback: function (v) { return new Date(v).toISOString().slice(0, 10); } } },
          y: { min: 0, max: series.max, ticks: { includeBounds: false }, title: { display: true, text: series.label + " total" } }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14 } },
          tooltip: {
            filter: function (item) { return item.datasetIndex === 0; },
            callbacks: {
              title: function (items) { return items.length ? items[0].raw.meta.date : ""; },
              label: function (item) {
                var m = item.raw.meta, extra = m.remission ? " · remission" : m.response ? " · response" : m.baseline ? " · baseline" : "";
                return series.label + " " + m.y + " (" + m.severity + ")" + extra;
              }
            }
          }
        }
      }
    });
    canvas.setAttribute("data-points", String(pts.length));
    canvas.setAttribute("data-instrument", code);
  }

  document.querySelectorAll("[data-outcome]").forEach(function (b) {
    b.addEventListener("click", function () { draw(b.getAttribute("data-outcome")); });
  });
  var first = Object.keys(all).filter(function (c) { return all[c].points.length; })[0] || Object.keys(all)[0];
  draw(first);
})();
