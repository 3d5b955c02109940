// The dosing page's sticky layout: the vitals form sticks just below the sticky status strip
// (static/css/app.css), whose height changes with open alerts and whose element htmx replaces on
// every poll. Keep --dosing-status-height equal to the current strip's height (0 when it is not sticky).
(function () {
  "use strict";
  if (typeof ResizeObserver === "undefined") { return; }
  var root = document.documentElement;
  var watched = null;
  var observer = new ResizeObserver(function () { measure(); });

  function measure() {
    var strip = document.getElementById("dosing-status");
    if (strip !== watched) {
      if (watched) { observer.unobserve(watched); }
      if (strip) { observer.observe(strip); }
      watched = strip;
    }
    var sticky = strip && window.getComputedStyle(strip).position === "sticky";
    root.style.setProperty("--dosing-status-height", (sticky ? strip.offsetHeight : 0) + "px");
  }

  document.body.addEventListener("htmx:afterSettle", measure);
  document.body.addEventListener("kap:live-swap", measure);  // a live update replaced the strip (live.js)
  measure();
})();
