// Goal boards (groups/{slug}/goals). The board listens on its group's socket, where the
// server says when a goal on the board changed; it then reloads its own part through the
// server, which decides per viewer what they may see. The chat's frames are not for the
// board and are dropped here.
(function () {
  "use strict";
  // Say on the page when the board is live (tests and assistive tech can wait for it).
  document.addEventListener("htmx:wsOpen", function (evt) {
    var sock = evt.target && evt.target.closest && evt.target.closest("[data-goal-board]");
    if (sock) sock.setAttribute("data-live", "open");
  });
  document.addEventListener("htmx:wsBeforeMessage", function (evt) {
    var sock = evt.target && evt.target.closest && evt.target.closest("[data-goal-board]");
    if (!sock) return;
    evt.preventDefault();
    var msg = evt.detail.message;
    if (typeof msg !== "string" || msg.indexOf('id="goal-live-') < 0) return;
    var board = document.getElementById("board");
    if (board && window.htmx) window.htmx.trigger(board, "goals-changed");
    var status = document.getElementById("goal-live-status");
    if (status) status.textContent = "The board was updated.";
  });
})();
