// Small page behaviours, kept out of inline handlers: the Content-Security-Policy forbids inline script.
// - <form data-confirm="...">: ask before submitting.
// - <form data-navigate-field="name">: go to the URL held by that field's value instead of submitting.
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
  // Background polls marked data-poll-pause-on-focus skip a round while the user is typing inside them.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poll-pause-on-focus") && elt.contains(document.activeElement)) {
      event.preventDefault();
    }
  });
})();
