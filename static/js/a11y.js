// Keyboard help for every page. Loaded as a file (never inline) so the CSP can forbid
// inline scripts; the pages work without it.
(function () {
  "use strict";

  // The control a form error is about: a field marked aria-invalid, or else the control in
  // the same .field as a .field-error (for forms that show the message but do not mark
  // the field). Returns the first one in document order within root, or null.
  function firstInvalid(root) {
    if (!root || !root.querySelectorAll) return null;
    var marks = root.querySelectorAll('[aria-invalid="true"], .field .field-error');
    if (root.matches && root.matches('[aria-invalid="true"]')) return root;
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i];
      if (m.getAttribute("aria-invalid") === "true") return m;
      var field = m.closest(".field");
      var control = field && field.querySelector("input:not([type=hidden]), select, textarea");
      if (control) return control;
    }
    return null;
  }

  function focusFirstInvalid(root) {
    var el = firstInvalid(root);
    if (el && !el.disabled) el.focus();
  }

  // A whole page that comes back with a form error (no HTMX, or a reload).
  document.addEventListener("DOMContentLoaded", function () { focusFirstInvalid(document.body); });

  // A form swapped in by HTMX. The event fires on each element the swap put in the page;
  // the swap target may be the old, detached form (outerHTML), so look in the new element.
  // After settling, so HTMX's own focus restoration and scrolling have already happened.
  document.addEventListener("htmx:afterSettle", function (evt) {
    var elt = evt.target;
    if (elt && elt.isConnected) focusFirstInvalid(elt);
  });

  // Skip links move focus, not just the scroll position, so the next key press types into
  // the message box (or starts from the main content).
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a.skip-link");
    if (!link) return;
    var href = link.getAttribute("href") || "";
    var target = href.charAt(0) === "#" && document.getElementById(href.slice(1));
    if (!target) return;
    evt.preventDefault();
    if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  });
})();
