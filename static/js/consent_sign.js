/* Signature pad on the portal signing page: draw → PNG data URL in the hidden "signature" field.
 * The server validates everything again; this only collects the drawing. */
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form || typeof SignaturePad === "undefined") { return; }
  var field = document.getElementById("id_signature");
  var pad = new SignaturePad(canvas, { minWidth: 0.8, maxWidth: 2.6, penColor: "#1b2a4a" });

  // Size the backing store to the displayed size × device pixel ratio, so strokes are sharp and
  // land under the pointer. Changing the canvas size wipes its pixels, so the strokes are kept as
  // points and redrawn (a scrollbar appearing or a tablet rotating must not erase a signature).
  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var width = canvas.offsetWidth, height = canvas.offsetHeight;
    if (canvas.width === Math.round(width * ratio) && canvas.height === Math.round(height * ratio)) { return; }
    var strokes = pad.toData();
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (strokes.length) { pad.fromData(strokes); }
  }
  window.addEventListener("resize", resize);
  resize();

  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
    field.value = "";
  });

  form.addEventListener("submit", function () {
    field.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    var button = document.getElementById("sign-submit");
    // One click, one submit; the server also refuses a second signature for the same request.
    window.setTimeout(function () { button.disabled = true; button.textContent = "Signing…"; }, 0);
  });
})();
