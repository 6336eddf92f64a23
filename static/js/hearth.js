// Hearth's own browser code. Loaded as a file (never inline) so the CSP can forbid inline
// scripts. It only improves pages that already work without it.
// Focus after form errors and the skip links live in a11y.js.

// Live group chat (groups/{slug}). The server sends shared HTML frames (see
// handlers/chat/doc.go); this script adds what depends on the viewer and makes sure no
// word is lost.
//
// Sending. The compose form is sent by this script over the ws extension's socket, not by
// ws-send. Each message gets its own client_id, made here (16 random bytes, base64url). It
// leaves the box for a visible "sending…" item (#chat-pending) and an unsent queue kept in
// memory and in sessionStorage (per group and member, so a reload keeps it; never
// localStorage). The server answers every message with an ack naming its client_id
// (data-ack) or a refusal naming it (data-refused): an ack drops the item (the message
// itself arrives as an ordinary frame); a refusal puts the text back in the box beside the
// server's words. After every (re)connect the page sends {"resume": N} and then each
// queued message again, in order, with its own id; the server's client_id idempotency
// makes resending a message it already committed harmless. Typing sends {"typing":"1"}
// and nothing of the draft.
//
// Connection. While the socket is down #chat-status says so; reconnects back off to at
// most 3 s. A 1008 close (left, removed, signed out, too many windows) shows its reason
// and stops.
(function () {
  "use strict";

  var MAX_CHARS = 4000, COUNT_FROM = 3500, TYPING_EVERY = 2000;
  var RECONNECTING = "Reconnecting… your message will be sent when we're back.";
  var state = null;   // the open chat: {el, key, queue: [{id, body}], restored}
  var socket = null;  // the extension's socket while it is open
  var stopped = false;
  var lastTyping = 0;
  var currentId = ""; // the message that holds the list's one tab stop
  var editing = {};   // ids of messages whose edit box is open
  var focusMemo = null;
  var anchor = null;  // the first message before older ones are prepended, and its place

  if (window.htmx) {
    // Full jitter, capped: a member waits seconds, not minutes, after the server is back.
    htmx.config.wsReconnectDelay = function (retry) {
      return Math.min(3000, 250 * Math.pow(2, retry)) * (0.5 + Math.random() / 2);
    };
  }

  function chat() { return document.querySelector(".chat[data-me-id]"); }
  function byId(id) { return document.getElementById(id); }

  // current returns the open chat's state, loading its unsent queue on first use.
  function current() {
    var el = chat();
    if (!el) { state = null; return null; }
    if (state && state.el === el) return state;
    var key = "hearth.chat.unsent." + el.getAttribute("data-group-id") + "." + el.getAttribute("data-me-id");
    var queue = [];
    try { queue = JSON.parse(sessionStorage.getItem(key) || "[]"); } catch (e) { queue = []; }
    if (!Array.isArray(queue)) queue = [];
    state = { el: el, key: key, queue: queue, restored: "" };
    renderPending();
    return state;
  }

  function save() {
    try {
      if (state.queue.length) sessionStorage.setItem(state.key, JSON.stringify(state.queue));
      else sessionStorage.removeItem(state.key);
    } catch (e) { /* storage full or off: the queue still lives in memory */ }
  }

  function renderPending() {
    var ol = byId("chat-pending");
    if (!ol || !state) return;
    ol.textContent = "";
    state.queue.forEach(function (q) {
      var li = document.createElement("li");
      li.className = "pending";
      li.id = "pending-" + q.id;
      var body = document.createElement("span");
      body.className = "pending-body";
      body.setAttribute("dir", "auto");
      body.textContent = q.body;
      var note = document.createElement("span");
      note.className = "pending-state";
      note.textContent = stopped ? "not sent" : "sending…";
      li.appendChild(body);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(note);
      ol.appendChild(li);
    });
  }

  function newClientId() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return btoa(String.fromCharCode.apply(null, b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function transmit(q) {
    if (socket) socket.send(JSON.stringify({ body: q.body, client_id: q.id }));
  }

  function setStatus(text) {
    var p = byId("chat-status");
    if (p && p.textContent !== text) p.textContent = text;
    if (state) state.el.classList.toggle("chat-offline", text !== "");
  }

  function updateCount() {
    var box = byId("chat-body"), out = byId("chat-count");
    if (!box || !out) return;
    var n = Array.from(box.value.trim()).length;
    out.textContent = n >= COUNT_FROM ? n.toLocaleString("en-US") + " / " + MAX_CHARS.toLocaleString("en-US") : "";
    out.classList.toggle("over", n > MAX_CHARS);
  }

  // Highest message sequence in the page: what we tell the server on (re)connect.
  function lastSeq() {
    var max = 0;
    document.querySelectorAll("#messages .msg[data-seq]").forEach(function (m) {
      var s = parseInt(m.getAttribute("data-seq"), 10);
      if (s > max) max = s;
    });
    return max;
  }

  // Times arrive as UTC clock times; show them in the member's zone, with the date when
  // not from today.
  function localTimes(root) {
    var now = new Date(), today = now.toDateString();
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      if (t.getAttribute("data-local") === today) return; // formatted already, today
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      var clock = d.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
      var text = clock;
      if (d.toDateString() !== today) {
        var opt = { day: "numeric", month: "short" };
        if (d.getFullYear() !== now.getFullYear()) opt.year = "numeric";
        text = d.toLocaleDateString([], opt) + ", " + clock;
      }
      if (t.textContent !== text) t.textContent = text;
      t.title = d.toLocaleString();
      t.setAttribute("data-local", today);
    });
  }

  // The list's one tab stop: the current message (the newest unless the member moved).
  function rove() {
    var list = byId("messages");
    if (!list) return;
    var all = list.querySelectorAll(".msg");
    if (!all.length) return;
    var cur = currentId ? byId(currentId) : null;
    if (!cur || !list.contains(cur)) cur = all[all.length - 1];
    list.querySelectorAll('.msg[tabindex="0"]').forEach(function (m) { if (m !== cur) m.setAttribute("tabindex", "-1"); });
    cur.setAttribute("tabindex", "0");
    currentId = cur.id;
  }

  function setCurrent(m, focus) {
    currentId = m.id;
    rove();
    if (focus) m.focus();
  }

  function actionButtons(m) { return m.querySelectorAll(".msg-actions button"); }
  // The author's name links to their member page; like the actions, it is a Tab stop only
  // while its message's actions are open, so the list stays one stop.
  function authorLink(m) { return m.querySelector("a.msg-author"); }

  function openActions(m) {
    m.classList.add("actions-open");
    var first = null;
    actionButtons(m).forEach(function (b) {
      b.setAttribute("tabindex", "0");
      if (!first && b.offsetParent !== null) first = b;
    });
    var a = authorLink(m);
    if (a) a.setAttribute("tabindex", "0");
    return first;
  }

  function closeActions(m) {
    m.classList.remove("actions-open");
    actionButtons(m).forEach(function (b) { b.setAttribute("tabindex", "-1"); });
    var a = authorLink(m);
    if (a) a.setAttribute("tabindex", "-1");
  }

  // Mark own messages (edit/delete shown) and mentions of the viewer, localise times and
  // keep the roving tab stop.
  function decorate(root) {
    var c = chat();
    if (!c || !root || !root.querySelectorAll) return;
    var me = c.getAttribute("data-me-id");
    var name = (c.getAttribute("data-me") || "").toLowerCase();
    root.querySelectorAll(".msg").forEach(function (m) {
      if (m.getAttribute("data-author") === me) m.classList.add("mine");
      m.querySelectorAll(".mention").forEach(function (s) {
        if (s.getAttribute("data-mention") === name) m.classList.add("mention-me");
      });
      if (m.classList.contains("actions-open")) openActions(m);
    });
    localTimes(root);
    rove();
  }

  // The typing frame is the room's: leave this member out of it.
  function typingWithoutMe() {
    var p = byId("chat-typing"), c = chat();
    if (!p || !c) return;
    var me = c.getAttribute("data-me-id"), names = [], mine = false;
    p.querySelectorAll(".typist").forEach(function (s) {
      if (s.getAttribute("data-user-id") === me) mine = true; else names.push(s.textContent);
    });
    if (!mine) return;
    p.textContent = names.length ? names.join(", ") + (names.length === 1 ? " is typing…" : " are typing…") : "";
  }

  // The presence line carries the member count: the page head shows the same number.
  function memberCount() {
    var p = byId("chat-presence");
    var n = p && parseInt(p.getAttribute("data-members"), 10);
    if (!n && n !== 0) return;
    document.querySelectorAll(".member-count").forEach(function (s) {
      s.textContent = n + (n === 1 ? " member" : " members");
    });
  }

  function nearBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 120; }

  function ack(id) {
    if (!current()) return;
    var before = state.queue.length;
    state.queue = state.queue.filter(function (q) { return q.id !== id; });
    if (state.queue.length !== before) { save(); renderPending(); }
  }

  function refused(id) {
    if (!current()) return;
    var q = null;
    state.queue = state.queue.filter(function (x) { if (x.id === id) { q = x; return false; } return true; });
    if (!q) return;
    save();
    renderPending();
    var box = byId("chat-body");
    if (!box) return;
    // Refused texts come back in the order they were written, ahead of a new draft.
    if (box.value === "" || box.value === state.restored) {
      box.value = state.restored ? state.restored + "\n\n" + q.body : q.body;
    } else {
      box.value = q.body + "\n\n" + box.value;
    }
    state.restored = box.value;
    updateCount();
  }

  document.addEventListener("htmx:wsOpen", function (evt) {
    if (!current()) return;
    socket = evt.detail.socketWrapper;
    stopped = false;
    setStatus("");
    // With what the page shows in place of its send box, so a page that reconnects after
    // its member was muted (or the mute ended) is told at once.
    var compose = byId("chat-compose");
    var resume = { resume: String(lastSeq()) };
    if (compose) resume.compose = compose.getAttribute("data-compose") || "";
    socket.send(JSON.stringify(resume));
    state.queue.forEach(transmit);
    renderPending();
  });

  document.addEventListener("htmx:wsClose", function (evt) {
    socket = null;
    var e = evt.detail.event || {}, el = evt.target;
    if (!el || !el.isConnected || !current()) return; // the page moved on
    if (e.code === 1008) {
      stopped = true;
      setStatus("The chat has stopped: " + (e.reason || "you can no longer read this group") + ". Reload the page to try again.");
      renderPending();
      return;
    }
    setStatus(RECONNECTING);
    if ([1006, 1011, 1012, 1013].indexOf(e.code) < 0) {
      // The extension retries only these; any other close is retried here.
      var w = evt.detail.socketWrapper;
      setTimeout(function () { if (el.isConnected && !socket && !stopped) w.reconnect(); }, 500 + Math.random() * 1000);
    }
  });

  document.addEventListener("submit", function (evt) {
    if (!evt.target || evt.target.id !== "chat-form") return;
    evt.preventDefault();
    var box = byId("chat-body");
    if (!current() || !box || box.value.trim() === "") return;
    if (!evt.target.dispatchEvent(new CustomEvent("hearth:beforesend", { bubbles: true, cancelable: true, detail: { box: box } }))) return; // nudge.js
    var q = { id: newClientId(), body: box.value };
    state.queue.push(q);
    save();
    renderPending();
    box.value = "";
    state.restored = "";
    updateCount();
    var err = byId("chat-error");
    if (err) err.textContent = "";
    transmit(q);
  });

  document.addEventListener("input", function (evt) {
    if (evt.target.id !== "chat-body") return;
    updateCount();
    var now = Date.now();
    if (socket && evt.target.value.trim() !== "" && now - lastTyping > TYPING_EVERY) {
      lastTyping = now;
      socket.send(JSON.stringify({ typing: "1" }));
    }
  });

  // placeBySeq puts each message that arrived after the first `from` ones in its place by
  // data-seq: new messages come in order and stay at the end, but a held message a
  // moderator approved arrives late, with its original (earlier) sequence.
  function placeBySeq(list, from) {
    var all = list.querySelectorAll(".msg[data-seq]");
    if (all.length <= from) return;
    Array.prototype.slice.call(all, from).forEach(function (m) {
      var seq = parseInt(m.getAttribute("data-seq"), 10), later = null;
      for (var p = m.previousElementSibling; p; p = p.previousElementSibling) {
        if (!p.matches(".msg[data-seq]")) continue;
        if (parseInt(p.getAttribute("data-seq"), 10) < seq) break;
        later = p; // the earliest message so far that belongs after m
      }
      if (later) later.parentNode.insertBefore(m, later);
    });
  }

  // A page whose member stopped moderating drops the moderator-only parts it holds.
  function applyRole() {
    var r = byId("chat-role");
    if (!r || r.getAttribute("data-moderator") !== "0") return;
    document.querySelectorAll("#messages .msg-mod-only").forEach(function (e) { e.remove(); });
  }

  var stick = true;
  var arrivedFrom = 0; // how many messages the list held before the frame
  var draft = null;    // the message box's text while the send box is swapped
  document.addEventListener("htmx:wsBeforeMessage", function (evt) {
    var list = byId("messages");
    stick = list ? nearBottom(list) : false;
    arrivedFrom = list ? list.querySelectorAll(".msg[data-seq]").length : 0;
    var box = byId("chat-body");
    draft = null;
    if (typeof evt.detail.message === "string" && evt.detail.message.indexOf('id="chat-compose"') >= 0 && box) {
      draft = { body: box.value, cw: (byId("chat-cw") || {}).value || "" };
    }
    // Where focus is, so a swap that replaces the focused button or message puts it back.
    var a = document.activeElement, m = a && a.closest ? a.closest("#messages .msg") : null;
    focusMemo = m ? { id: m.id, kind: a.getAttribute("value"), open: m.classList.contains("actions-open"), self: a === m } : null;
    var msg = evt.detail.message;
    if (typeof msg === "string" && (msg.indexOf("data-ack") >= 0 || msg.indexOf("data-refused") >= 0)) {
      var t = document.createElement("template");
      t.innerHTML = msg;
      t.content.querySelectorAll("[data-ack]").forEach(function (e) { ack(e.getAttribute("data-ack")); });
      t.content.querySelectorAll("[data-refused]").forEach(function (e) {
        if (e.getAttribute("data-refused")) refused(e.getAttribute("data-refused"));
      });
    }
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var list = byId("messages");
    if (list) {
      placeBySeq(list, arrivedFrom);
      applyRole();
      decorate(list);
      if (stick) list.scrollTop = list.scrollHeight;
    }
    typingWithoutMe();
    memberCount();
    restoreFocus();
    var box = byId("chat-body");
    if (draft && box && box.value === "") {
      box.value = draft.body;
      if (byId("chat-cw")) byId("chat-cw").value = draft.cw;
      updateCount();
    }
    draft = null;
  });

  function restoreFocus() {
    var f = focusMemo;
    focusMemo = null;
    if (!f) return;
    var a = document.activeElement;
    if (a && a !== document.body && a.isConnected) return; // focus was kept
    var m = byId(f.id);
    if (!m) return;
    if (f.open && !f.self) {
      openActions(m);
      var b = f.kind ? m.querySelector('.msg-actions button[value="' + f.kind + '"]') : null;
      if (b) { b.focus(); return; }
    }
    setCurrent(m, true);
  }

  // Keyboard: Up/Down/Home/End move between messages, Enter opens a message's actions,
  // Escape closes them (or cancels an edit) and returns to the message.
  document.addEventListener("keydown", function (evt) {
    var t = evt.target;
    if (t.id === "chat-body" && evt.key === "Enter" && !evt.shiftKey && !evt.isComposing) {
      evt.preventDefault();
      if (t.form && t.value.trim() !== "") t.form.requestSubmit();
      return;
    }
    var m = t.closest ? t.closest("#messages .msg") : null;
    if (!m) return;
    if (t === m) {
      var all = Array.prototype.slice.call(byId("messages").querySelectorAll(".msg"));
      var i = all.indexOf(m), to = null;
      switch (evt.key) {
        case "ArrowUp": to = all[i - 1]; break;
        case "ArrowDown": to = all[i + 1]; break;
        case "Home": to = all[0]; break;
        case "End": to = all[all.length - 1]; break;
        case "Enter": case " ":
          if (m.classList.contains("msg-editing")) return;
          evt.preventDefault();
          var first = openActions(m);
          if (first) first.focus();
          return;
        default: return;
      }
      evt.preventDefault();
      if (to) setCurrent(to, true);
      return;
    }
    if (evt.key !== "Escape") return;
    if (m.classList.contains("msg-editing")) {
      evt.preventDefault();
      var cancel = m.querySelector("button.secondary");
      if (cancel) cancel.click();
      return;
    }
    if (m.classList.contains("actions-open")) {
      evt.preventDefault();
      closeActions(m);
      setCurrent(m, true);
    }
  });

  // A message's actions close when focus leaves the message.
  document.addEventListener("focusout", function (evt) {
    var m = evt.target.closest ? evt.target.closest("#messages .msg.actions-open") : null;
    if (m && evt.relatedTarget && !m.contains(evt.relatedTarget)) closeActions(m);
  });
  document.addEventListener("focusin", function (evt) {
    var m = evt.target.closest ? evt.target.closest("#messages .msg") : null;
    if (m && m.id !== currentId) { currentId = m.id; rove(); }
  });

  // History paging: keep the message that was first where it was on screen.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var t = evt.detail.target;
    if (!t || t.id !== "history-more") return;
    var first = byId("messages").querySelector(".msg");
    anchor = first ? { el: first, top: first.getBoundingClientRect().top } : null;
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (anchor && anchor.el.isConnected) {
      byId("messages").scrollTop += anchor.el.getBoundingClientRect().top - anchor.top;
    }
    anchor = null;
    decorate(evt.detail.target.parentNode || document);
  });

  // The edit box takes focus when it opens; after a save or cancel, its message does.
  document.addEventListener("htmx:load", function (evt) {
    var el = evt.detail.elt;
    if (!el || !el.classList) return;
    if (el.classList.contains("msg-editing")) {
      editing[el.id] = true;
      var ta = el.querySelector("textarea");
      if (ta) { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }
      return;
    }
    if (el.classList.contains("msg") && editing[el.id]) {
      delete editing[el.id];
      decorate(el.parentNode || document);
      setCurrent(el, true);
      return;
    }
    if (el.querySelector && el.querySelector("#messages")) start();
  });

  function start() {
    var list = byId("messages");
    if (!list) return;
    current();
    decorate(list);
    memberCount();
    updateCount();
    list.scrollTop = list.scrollHeight;
  }

  document.addEventListener("DOMContentLoaded", start);
})();
