// Small page behaviours, kept out of inline handlers: the Content-Security-Policy forbids inline script.
// - <form data-confirm="...">: ask before submitting.
// - <form data-navigate-field="name">: go to the URL held by that field's value instead of submitting.
// - <input data-once-key>: a form's one-time key keeps its value when the user comes back with "back".
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.navigateField) {
      event.preventDefault();
      var field = form.elements[form.dataset.navigateField];
      if (field && field.value) { window.location = field.value; }
    }
  });
  // One-time form keys (<input data-once-key>, kap_clinic/idempotency/pages.py). When a form is sent its
  // key is marked as changed (its default emptied): browsers put changed fields back when the user
  // returns to the page with "back", so a form sent again from there carries the key it was first sent
  // with and is saved once. Keys of forms never sent stay as drawn, and each new drawing has new ones.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var keys = form.querySelectorAll("input[data-once-key]");
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i].value;
      keys[i].defaultValue = "";
      keys[i].value = key;
    }
  }, true);
  // Background polls marked data-poll-pause-on-focus skip a round while the user is typing inside them.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poll-pause-on-focus") && elt.contains(document.activeElement)) {
      event.preventDefault();
    }
  });
})();
