// Member safety in the page: the crisis card's dialog, the author-only nudge, and content
// warnings. Loaded as a file (never inline) so the CSP can forbid inline scripts; every
// part only improves a page that works without it.
//
// Crisis card. "Get help now" in the header is a real link to /help. With this script it
// opens #crisis-dialog instead, while its hx-get fills the card in from /help (the
// fragment). Escape or Close closes it, and the focus goes back to the link.
//
// Author-only nudge. hearth.js dispatches a cancelable "hearth:beforesend" event on the
// compose form (detail.box is the textarea) before it sends a message; cancelling it keeps
// the message in the box, unsent. Here the text is checked against the community's crisis
// phrases (GET /crisis/phrases, whole words or phrases, any case). On a match the message is
// held back and #nudge-dialog shows the crisis lines to this member alone, with "Send
// anyway" (sends that same text) and "Ask a moderator to check in on me" (a form posting to
// /care/check-in with the group's slug). The check runs here, in the author's browser:
// whether a message matched is never sent to the server, stored or logged.
//
// Content warnings. The compose form's optional #chat-cw field becomes the message's first
// line, "CW: …" (the server takes it off again; see handlers/chat/doc.go). A warned message
// is rendered collapsed in a <details class="msg-cw"> for every viewer alike; this script
// opens it for its author, and for members who chose "start open" (body.cw-open).
(function () {
  "use strict";

  var phrases = null;     // compiled RegExp of the crisis phrases, or false when there are none
  var loading = null;
  var allowOnce = null;   // the text "Send anyway" lets through once
  var opener = null;      // what had the focus before a dialog opened

  function byId(id) { return document.getElementById(id); }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // compile builds one case-insensitive RegExp that matches any phrase as whole words:
  // not preceded or followed by a letter or digit; spaces inside a phrase match any run of
  // spaces or punctuation.
  function compile(list) {
    var parts = [];
    list.forEach(function (p) {
      var words = String(p).toLowerCase().trim().split(/\s+/).filter(Boolean);
      if (words.length) parts.push(words.map(escapeRe).join("[^\\p{L}\\p{N}]+"));
    });
    if (!parts.length) return false;
    return new RegExp("(?:^|[^\\p{L}\\p{N}])(?:" + parts.join("|") + ")(?=$|[^\\p{L}\\p{N}])", "iu");
  }

  function loadPhrases() {
    if (phrases !== null) return Promise.resolve(phrases);
    if (!loading) {
      loading = fetch("/crisis/phrases", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { phrases: [] }; })
        .then(function (d) { phrases = compile(d.phrases || []); return phrases; }, function () { phrases = false; return false; })
        // Without the list the nudge stays off: it is a kindness, never a gate.
        .catch(function () { phrases = false; return false; });
    }
    return loading;
  }

  function matches(text) { return !!phrases && phrases.test(text); }

  function openDialog(d) {
    if (!d || typeof d.showModal !== "function") return false;
    opener = document.activeElement;
    if (!d.open) d.showModal();
    return true;
  }

  // A dialog that closes (Escape, Close, Send anyway) gives the focus back.
  document.addEventListener("close", function (evt) {
    if (!evt.target.classList || !evt.target.classList.contains("safety-dialog")) return;
    var o = opener;
    opener = null;
    if (o && o.isConnected && typeof o.focus === "function") o.focus();
  }, true);

  document.addEventListener("click", function (evt) {
    var t = evt.target;
    if (!t.closest) return;
    var close = t.closest("[data-dialog-close]");
    if (close) {
      var d = close.closest("dialog");
      if (d) d.close();
      return;
    }
    var help = t.closest("a.help-now");
    if (help && !evt.ctrlKey && !evt.metaKey && !evt.shiftKey && evt.button === 0) {
      // htmx fetches the card into the dialog (hx-get); without a dialog the link navigates.
      if (!window.htmx || !openDialog(byId("crisis-dialog"))) return;
      evt.preventDefault();
      var title = byId("crisis-dialog-title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus(); }
      return;
    }
    if (t.id === "nudge-send") {
      var box = byId("chat-body"), d2 = byId("nudge-dialog");
      if (!box) return;
      allowOnce = box.value;
      if (d2) d2.close();
      if (box.form) box.form.requestSubmit();
    }
  });

  // hearth:beforesend: the nudge, then the content warning.
  document.addEventListener("hearth:beforesend", function (evt) {
    var box = evt.detail && evt.detail.box;
    if (!box) return;
    var text = box.value, cw = byId("chat-cw");
    if (phrases === null) {
      // The list is still loading: hold this send until it is here, then try again.
      evt.preventDefault();
      loadPhrases().then(function () { if (box.form && box.isConnected) box.form.requestSubmit(); });
      return;
    }
    if (allowOnce !== null && allowOnce === text) {
      allowOnce = null;
    } else if (matches(text + "\n" + (cw ? cw.value : ""))) {
      evt.preventDefault();
      showNudge();
      return;
    }
    allowOnce = null;
    if (cw && cw.value.trim() !== "") {
      box.value = "CW: " + cw.value.trim().slice(0, 80) + "\n" + text;
      cw.value = "";
    }
  });

  function slug() {
    var chat = document.querySelector(".chat[ws-connect]");
    var m = chat && /^\/groups\/([^/]+)\/ws$/.exec(chat.getAttribute("ws-connect"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function showNudge() {
    var d = byId("nudge-dialog");
    if (!d) return;
    var g = d.querySelector('input[name="group"]');
    if (g) g.value = slug();
    var status = byId("nudge-checkin-status");
    if (status) status.textContent = "";
    openDialog(d);
    var lines = byId("nudge-lines");
    if (window.htmx && lines) htmx.trigger(lines, "nudge-open");
    var first = byId("nudge-title");
    if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
  }

  // The phrases are loaded as soon as a chat page is open, so the check is ready before
  // the first message.
  function start() {
    if (document.querySelector(".chat[data-me-id]")) loadPhrases();
    openWarnings(document);
  }

  // Content warnings start open for their author and for members who chose so.
  function openWarnings(root) {
    if (!root.querySelectorAll) return;
    var chat = document.querySelector(".chat[data-me-id]");
    var me = chat ? chat.getAttribute("data-me-id") : "";
    var all = document.body.classList.contains("cw-open");
    var list = root.matches && root.matches("details.msg-cw") ? [root] : root.querySelectorAll("details.msg-cw");
    Array.prototype.forEach.call(list, function (d) {
      var msg = d.closest(".msg");
      if (all || (me && msg && msg.getAttribute("data-author") === me)) d.open = true;
    });
  }

  document.addEventListener("htmx:load", function (evt) {
    openWarnings(evt.target || document);
    if (phrases === null && document.querySelector(".chat[data-me-id]")) loadPhrases();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
