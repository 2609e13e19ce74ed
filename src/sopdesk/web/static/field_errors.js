// sopdesk call screen: a scenario field's error arrives on its own (an out-of-band swap of
// <p class="field__error" id="err-...">), never with the field, so typing is not lost. Keep the
// field's aria-invalid in step with that message: "true" while it says something, absent once
// it is empty. The field names its message in aria-describedby.
(function () {
  "use strict";

  function sync(message) {
    if (!message.id) return;
    var bad = message.textContent.trim() !== "";
    var fields = document.querySelectorAll('[aria-describedby~="' + message.id + '"]');
    Array.prototype.forEach.call(fields, function (field) {
      if (bad) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    });
  }

  function syncAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches(".field__error")) sync(scope);
    Array.prototype.forEach.call(scope.querySelectorAll(".field__error"), sync);
  }

  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  // An out-of-band swap reports each swapped element; an ordinary swap its target.
  document.addEventListener("htmx:oobAfterSwap", function (event) { syncAll(event.detail.target); });
  document.addEventListener("htmx:afterSettle", function (event) { syncAll(event.detail.elt); });
})();
