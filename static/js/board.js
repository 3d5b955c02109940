// The treatment-room board: swaps in the new cards when any of today's sessions changes (live.js),
// and once a minute in any case, so ages, "due" and "overdue" move on with the clock.
(function () {
  "use strict";
  var root = document.getElementById("room-board");
  if (!root || !window.KapLive) { return; }
  var lastFull = Date.now();

  function shown() {
    var cards = document.getElementById("room-board-cards");
    return cards ? cards.dataset.version : "";
  }

  window.KapLive.poll({
    url: root.dataset.liveUrl,
    version: shown,
    extra: function () {
      if (Date.now() - lastFull < 60000) { return ""; }
      lastFull = Date.now();
      return "&full=1";
    },
    apply: function (html) {
      var fresh = window.KapLive.parse(html).getElementById("room-board-cards");
      var cards = document.getElementById("room-board-cards");
      if (fresh && cards) { window.KapLive.swapKeepingInput([[cards, fresh]]); }
    }
  });
})();
