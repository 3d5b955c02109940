// The live dosing page. The server renders everything (times, gates, alerts); this file only
// lets refusals (400/403/409) swap in with their message, previews mg/kg while typing the
// dose, and puts the cursor back in the vitals form after a reading is saved.
(function () {
  "use strict";

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (status >= 400 && status < 500 && target && target.id === "dosing-board") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function preview() {
    var input = document.getElementById("dose-mg");
    var out = document.getElementById("dose-preview");
    if (!input || !out) { return; }
    var weight = parseFloat(input.dataset.weight || "");
    var dose = parseFloat((input.value || "").replace(",", "."));
    if (input.dataset.unit === "mg/kg" && weight > 0 && dose > 0) {
      out.textContent = (dose / weight).toFixed(3).replace(/\.?0+$/, "") + " mg/kg at " + weight + " kg";
    } else if (input.dataset.unit === "mg" && dose > 0) {
      out.textContent = Math.round(dose / 28 * 100) / 100 + " device(s) of 28 mg";
    } else {
      out.textContent = "";
    }
  }

  document.body.addEventListener("input", function (event) {
    if (event.target && event.target.id === "dose-mg") { preview(); }
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    preview();
    var board = document.getElementById("dosing-board");
    if (board && board.dataset.saved === "vitals") {
      var first = board.querySelector("[data-autofocus]");
      if (first) { first.focus(); }
    }
  });

  preview();
})();
