// The live dosing page. The server renders everything (times, gates, alerts); this file only
// lets refusals (400/403/409) swap in with their message, previews mg/kg while typing the
// dose, puts the cursor back in the vitals form after a reading is saved, and keeps the page live:
// what any clinician records shows here within a few seconds (live.js), without touching what the
// viewer is typing.
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

  // The viewer's own action answers with the whole board: keep what they were typing in the other
  // forms (the form they sent comes back from the server, emptied or with its refusal).
  var typing = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!window.KapLive || !target || target.id !== "dosing-board") { return; }
    var sent = event.detail.requestConfig && event.detail.requestConfig.elt;
    var status = document.getElementById("dosing-status");
    typing = [target, status].filter(Boolean).map(function (root) {
      return window.KapLive.capture(root, sent && sent.closest ? sent.closest("form") : null);
    });
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!typing) { return; }
    var saved = typing;
    typing = null;
    [document.getElementById("dosing-board"), document.getElementById("dosing-status")].forEach(function (root, i) {
      if (root && saved[i]) { window.KapLive.restore(root, saved[i]); }
    });
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

  // --- live updates -----------------------------------------------------------------------------
  var marker = document.getElementById("dosing-live");
  if (!marker || !window.KapLive) { return; }

  function shown() {
    var board = document.getElementById("dosing-board");
    return board ? board.dataset.revision : marker.dataset.revision;
  }

  window.KapLive.poll({
    url: marker.dataset.liveUrl,
    version: shown,
    apply: function (html, revision) {
      if (Number(revision) <= Number(shown())) { return; }  // the viewer's own action already showed it
      var fresh = window.KapLive.parse(html);
      var board = document.getElementById("dosing-board");
      var status = document.getElementById("dosing-status");
      var newBoard = fresh.getElementById("dosing-board");
      var newStatus = fresh.getElementById("dosing-status");
      if (!board || !status || !newBoard || !newStatus) {
        window.location.reload();  // the record was opened since: the page changes shape
        return;
      }
      window.KapLive.swapKeepingInput([[status, newStatus], [board, newBoard]]);
      preview();
    }
  });
})();
