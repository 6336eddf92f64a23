// Hearth's own browser code. Loaded as a file (never inline) so the CSP can forbid inline
// scripts. It only improves pages that already work without it.
// Focus after form errors and the skip links live in a11y.js.

// Live group chat (groups/{slug}). The server sends shared HTML frames; this script adds
// what depends on the viewer and keeps the reconnect exact.
(function () {
  "use strict";

  function chat() { return document.querySelector(".chat[data-me-id]"); }

  // Highest message sequence in the page: what we tell the server on (re)connect.
  function lastSeq() {
    var max = 0;
    document.querySelectorAll("#messages .msg[data-seq]").forEach(function (m) {
      var s = parseInt(m.getAttribute("data-seq"), 10);
      if (s > max) max = s;
    });
    return max;
  }

  // Mark own messages (edit/delete shown) and mentions of the viewer.
  function decorate(root) {
    var c = chat();
    if (!c || !root.querySelectorAll) return;
    var me = c.getAttribute("data-me-id");
    var name = (c.getAttribute("data-me") || "").toLowerCase();
    root.querySelectorAll(".msg").forEach(function (m) {
      if (m.getAttribute("data-author") === me) m.classList.add("mine");
      m.querySelectorAll(".mention").forEach(function (s) {
        if (s.getAttribute("data-mention") === name) m.classList.add("mention-me");
      });
    });
  }

  function nearBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 120; }

  document.addEventListener("htmx:wsOpen", function (evt) {
    evt.detail.socketWrapper.send(JSON.stringify({ resume: String(lastSeq()) }));
  });

  var stick = true;
  document.addEventListener("htmx:wsBeforeMessage", function () {
    var list = document.getElementById("messages");
    stick = list ? nearBottom(list) : false;
  });
  document.addEventListener("htmx:wsAfterMessage", function (evt) {
    var list = document.getElementById("messages");
    if (list) {
      decorate(list);
      if (stick) list.scrollTop = list.scrollHeight;
    }
    // A fresh client id means our message was committed: clear the box. On a refusal the
    // id stays and so does the text, so nothing typed is lost.
    if (typeof evt.detail.message === "string" && evt.detail.message.indexOf('id="chat-client-id"') >= 0) {
      var box = document.getElementById("chat-body");
      if (box) box.value = "";
    }
  });
  document.addEventListener("htmx:afterSwap", function (evt) { decorate(evt.detail.target.parentNode || document); });

  document.addEventListener("keydown", function (evt) {
    if (evt.target.id !== "chat-body" || evt.key !== "Enter" || evt.shiftKey || evt.isComposing) return;
    evt.preventDefault();
    var form = evt.target.form;
    if (form && evt.target.value.trim() !== "") form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("messages");
    if (list) { decorate(list); list.scrollTop = list.scrollHeight; }
  });
  document.addEventListener("htmx:load", function (evt) {
    if (evt.detail.elt && evt.detail.elt.querySelector && evt.detail.elt.querySelector("#messages")) {
      var list = document.getElementById("messages");
      decorate(list); list.scrollTop = list.scrollHeight;
    }
  });
})();
