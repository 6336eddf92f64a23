// Hearth's own browser code. Loaded as a file (never inline) so the CSP can forbid inline
// scripts. It only improves pages that already work without it.
(function () {
  "use strict";

  // After an HTMX swap that shows validation errors, move keyboard focus to the first
  // invalid field so keyboard and screen-reader users land where the problem is.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail && evt.detail.target;
    if (!target || !target.querySelector) return;
    var invalid = target.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });
})();
