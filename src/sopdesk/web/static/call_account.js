// sopdesk call screen, account box: arrow keys move between the search box and its results;
// Enter on a result presses its Link button (a real button: Enter and Space work natively).
(function () {
  "use strict";

  function results() {
    var box = document.getElementById("account-results");
    var found = box ? Array.prototype.slice.call(box.querySelectorAll("button")) : [];
    if (found.length) return found;
    var linked = document.getElementById("call-account-linked");
    return linked ? Array.prototype.slice.call(linked.querySelectorAll(".account-list button")) : [];
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var search = document.getElementById("account-q");
    if (!search) return;
    var buttons = results();
    var index = buttons.indexOf(document.activeElement);
    if (document.activeElement === search) {
      if (event.key !== "ArrowDown" || !buttons.length) return;
      event.preventDefault();
      buttons[0].focus();
    } else if (index !== -1) {
      event.preventDefault();
      var next = index + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) search.focus();
      else buttons[Math.min(next, buttons.length - 1)].focus();
    }
  });
})();
