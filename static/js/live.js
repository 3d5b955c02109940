// Live pages (the dosing page, the treatment-room board): ask the server every 2 s whether anything
// changed since the version shown, and swap in the new fragments without losing what the viewer is
// typing. The no-change answer is a 204 with no body. Polls carry X-KAP-Background: poll so they do
// not keep an idle tablet signed in, and stop while the tab is hidden.
(function () {
  "use strict";

  var INTERVAL = 2000;

  // --- what the viewer is doing: field values, open <details>, focus and caret -------------------

  function formIdentity(form) {
    if (!form) { return ""; }
    var id = form.getAttribute("action") || form.id || "";
    var hidden = form.querySelectorAll("input[type=hidden]:not([name=csrfmiddlewaretoken])");
    for (var i = 0; i < hidden.length; i++) { id += "|" + hidden[i].name + "=" + hidden[i].value; }
    return id;
  }

  function fieldKey(el) {
    var key = formIdentity(el.form) + "|" + (el.name || el.id);
    if (el.type === "radio") { key += "=" + el.value; }
    return key;
  }

  function isDirty(el) {
    if (el.type === "checkbox" || el.type === "radio") { return el.checked !== el.defaultChecked; }
    if (el.tagName === "SELECT") {
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].selected !== el.options[i].defaultSelected) { return true; }
      }
      return false;
    }
    return el.value !== el.defaultValue;
  }

  function detailsKey(d) {
    var summary = d.querySelector("summary");
    var form = d.querySelector("form");
    return (summary ? summary.textContent.trim() : "") + "|" + formIdentity(form);
  }

  // `except`: a form whose fields are not kept (the one the viewer just sent).
  function capture(root, except) {
    var state = { fields: {}, open: {}, focus: null };
    var fields = root.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (el.type === "hidden" || el.type === "submit" || !isDirty(el)) { continue; }
      if (except && el.form === except) { continue; }
      state.fields[fieldKey(el)] = { value: el.value, checked: el.checked };
    }
    var details = root.querySelectorAll("details[open]");
    for (var j = 0; j < details.length; j++) { state.open[detailsKey(details[j])] = true; }
    var active = document.activeElement;
    var kept = !(except && active && active.form === except);
    if (kept && active && active !== document.body && root.contains(active) && active.matches("input, select, textarea")) {
      state.focus = { key: fieldKey(active), start: null, end: null };
      try { state.focus.start = active.selectionStart; state.focus.end = active.selectionEnd; } catch (e) { /* no caret */ }
    }
    return state;
  }

  function restore(root, state) {
    var fields = root.querySelectorAll("input, select, textarea");
    var focusEl = null;
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (el.type === "hidden") { continue; }
      var key = fieldKey(el);
      var saved = state.fields[key];
      if (saved) {
        if (el.type === "checkbox" || el.type === "radio") { el.checked = saved.checked; } else { el.value = saved.value; }
      }
      if (state.focus && state.focus.key === key) { focusEl = el; }
    }
    var details = root.querySelectorAll("details");
    for (var j = 0; j < details.length; j++) {
      if (state.open[detailsKey(details[j])]) { details[j].open = true; }
    }
    if (focusEl) {
      focusEl.focus({ preventScroll: true });
      if (state.focus.start !== null) {
        try { focusEl.setSelectionRange(state.focus.start, state.focus.end); } catch (e) { /* not a text field */ }
      }
    }
  }

  // Replace each element of `pairs` ([old, new]) in one go, keeping input, open panels and focus.
  function swapKeepingInput(pairs) {
    var states = pairs.map(function (pair) { return capture(pair[0]); });
    pairs.forEach(function (pair, i) {
      pair[0].replaceWith(pair[1]);
      restore(pair[1], states[i]);
      if (window.htmx) { window.htmx.process(pair[1]); }
    });
    // For other page scripts that follow the swapped elements (htmx's own events do not fire here).
    document.body.dispatchEvent(new CustomEvent("kap:live-swap", { bubbles: true }));
  }

  // --- htmx requests in flight: a swap now would detach the element their answer is meant for ----

  var busy = 0;
  document.addEventListener("htmx:beforeSend", function () { busy += 1; });
  document.addEventListener("htmx:afterRequest", function () { busy = Math.max(0, busy - 1); });

  // --- the poll -------------------------------------------------------------------------------------

  // options: url, version() -> the version shown, apply(html, version) -> swaps the fragments,
  //          extra() -> more query parameters (optional).
  function poll(options) {
    var timer = null;
    var inflight = false;

    function schedule() {
      window.clearTimeout(timer);
      if (!document.hidden) { timer = window.setTimeout(tick, INTERVAL); }
    }

    function tick() {
      if (inflight || document.hidden) { schedule(); return; }
      if (busy > 0) { schedule(); return; }  // the viewer's own action answers with the fresh fragments
      inflight = true;
      var query = "v=" + encodeURIComponent(options.version()) + (options.extra ? options.extra() : "");
      window.fetch(options.url + (options.url.indexOf("?") < 0 ? "?" : "&") + query, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-KAP-Background": "poll" },
        redirect: "manual"
      }).then(function (response) {
        if (response.status === 204) { return null; }
        var version = response.headers.get("X-KAP-Revision");
        if (!response.ok || version === null) {
          // Signed out (idle timeout), access gone or the page changed shape: let the server say what now.
          window.location.reload();
          return null;
        }
        return response.text().then(function (html) {
          if (busy > 0) { return; }  // try again next round, after the viewer's action has landed
          options.apply(html, version);
        });
      }).catch(function () { /* offline for a moment: the next round asks again */ })
        .then(function () { inflight = false; schedule(); });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { window.clearTimeout(timer); } else { tick(); }
    });
    schedule();
    return { now: tick };
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  window.KapLive = { poll: poll, swapKeepingInput: swapKeepingInput, parse: parse, capture: capture, restore: restore };
})();
