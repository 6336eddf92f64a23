// The notification bell, live on every page: one Server-Sent Events stream per tab tells
// the unread count whenever it changes (/notifications/stream). EventSource reconnects by
// itself; the page works without it.
(function () {
  "use strict";
  if (!window.EventSource || !document.getElementById("bell")) return;
  var es = new EventSource("/notifications/stream");
  es.addEventListener("open", function () {
    var bell = document.getElementById("bell");
    if (bell) bell.setAttribute("data-live", "open");
  });
  es.addEventListener("unread", function (evt) {
    var n = parseInt(evt.data, 10) || 0;
    var bell = document.getElementById("bell");
    var count = document.getElementById("bell-count");
    if (!bell || !count) return;
    count.textContent = n > 0 ? String(n) : "";
    count.hidden = n === 0;
    bell.setAttribute("aria-label", n > 0 ? "Notifications, " + n + " unread" : "Notifications");
    bell.setAttribute("data-unread", String(n));
  });
  // A logged-out page has no bell: stop asking.
  es.addEventListener("error", function () {
    if (!document.getElementById("bell")) es.close();
  });
})();
