/*
 * Progressive enhancement only: every page works without this file.
 *
 * 1. After a failed submission, move focus to the error summary so that screen
 *    reader and keyboard users start there (the summary has tabindex="-1").
 * 2. A link in the summary focuses its control and scrolls so that the control's
 *    label is visible too, not hidden above the top of the screen.
 */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  if (!window.location.hash) {
    summary.focus();
  }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var control = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!control) {
      return;
    }
    event.preventDefault();
    var group = control.closest(".form-field, .filter-field, fieldset") || control;
    group.scrollIntoView({ block: "start" });
    control.focus({ preventScroll: true });
  });
})();
